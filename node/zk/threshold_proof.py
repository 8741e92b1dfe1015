"""A threshold proof of an opened commitment (`aura prove`): the circuit's inputs from the enclave's opening, the
snarkjs proof, and the proof in the argument forms each family's verifier takes (`Family.verifier_args`:
chains/<family>/groth16.py)."""

from __future__ import annotations

from typing import Any

from chains.family import VerifierArgs
from chains.registry import FAMILIES
from node.zk import snarkjs
from node.zk.poseidon_commitment import FIELD_MODULUS, limbs, nullifier

MAX_SCORE = 1000


def circuit_inputs(score: int, blinding: int, commitment: int, subject: bytes, threshold: int,
                   scope: int) -> dict[str, int]:
    """Every input of circuits/threshold.circom, by name, for an opening and the threshold and scope asked for.

    Raises:
        ValueError: the threshold is outside 0..1000 or the scope outside the field.
    """
    if not 0 <= threshold <= MAX_SCORE:
        raise ValueError(f"threshold {threshold}: must be between 0 and {MAX_SCORE}")
    if not 0 <= scope < FIELD_MODULUS:
        raise ValueError("scope: must be a field element (0 <= scope < the BN254 scalar field order)")
    hi, lo = limbs(subject)
    return {"commitment": commitment, "threshold": threshold, "subject_hi": hi, "subject_lo": lo, "scope": scope,
            "nullifier": nullifier(blinding, scope), "score": score, "blinding": blinding}


def prove(build: snarkjs.ZkBuild, family: str, inputs: dict[str, int]) -> dict[str, Any]:
    """{proof, public_signals} in snarkjs' JSON forms, and `calldata`: the family's verifier arguments.

    Raises:
        snarkjs.WitnessRejected: the score is below the threshold (or the opening does not hold).
        snarkjs.ZkError: snarkjs failed otherwise.
    """
    proof, public_signals = snarkjs.prove(build, inputs)
    return {"proof": proof, "public_signals": public_signals,
            "calldata": {family: _verifier_args(family)(proof, public_signals)}}


def _verifier_args(family: str) -> VerifierArgs:
    """The family's encoder of a proof for its verifier (`Family.verifier_args`); ValueError when it has none."""
    encode = FAMILIES[family].verifier_args
    if encode is None:
        raise ValueError(f"family {family} has no threshold-proof verifier")
    return encode
