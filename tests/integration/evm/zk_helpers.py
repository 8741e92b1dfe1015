"""What the EVM tests of threshold proofs share: the committed score and blinding, proofs of
circuits/threshold.circom made by the pinned snarkjs (build/zk from `make zk`) in the verifier's argument form, and
the verifier deployed with build/zk's verifying key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from web3 import Web3

from chains.evm.artifacts import deploy
from chains.evm.groth16 import field_element, proof_arg, verifying_key_arg
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.zk import snarkjs
from node.zk.poseidon_commitment import commitment, limbs, nullifier

DEPLOYER_KEY = DEFAULT_KEYS[9]  # a key no other test sends from, so their nonces stay as they were
SCORE = 742
BLINDING = 0x1D2C3B4A59687766554433221100FFEEDDCCBBAA99887766554433221100AB


def subject_bytes(address: str) -> bytes:
    return bytes.fromhex(address[2:])


def stored_commitment(subject: str) -> int:
    """The commitment the oracle stores for `subject`: SCORE with BLINDING."""
    return commitment(SCORE, BLINDING, subject_bytes(subject))


def circuit_inputs(threshold: int, scope: int, subject: str) -> dict[str, int]:
    """The inputs proving SCORE >= `threshold` against `subject`'s commitment of SCORE and BLINDING."""
    hi, lo = limbs(subject_bytes(subject))
    return {"commitment": stored_commitment(subject), "threshold": threshold, "subject_hi": hi, "subject_lo": lo,
            "scope": scope, "nullifier": nullifier(BLINDING, scope), "score": SCORE, "blinding": BLINDING}


class Proven:
    """A proof of SCORE >= threshold for `subject` and `scope`, as the verifier takes it."""

    def __init__(self, build: snarkjs.ZkBuild, threshold: int, scope: int, subject: str) -> None:
        self.threshold, self.scope, self.subject = threshold, scope, subject
        self.json, self.public = snarkjs.prove(build, circuit_inputs(threshold, scope, subject))
        self.nullifier = field_element(self.public[5])
        self.proof = proof_arg(self.json)

    def args(self, **overrides: Any) -> list[Any]:
        values = {"subject": self.subject, "threshold": self.threshold, "scope": self.scope,
                  "nullifier": self.nullifier, "proof": self.proof} | overrides
        return [values["subject"], values["threshold"], values["scope"], values["nullifier"], values["proof"]]


def locate_build() -> snarkjs.ZkBuild:
    """build/zk; fails the calling test with `run make zk` when the circuit is not built."""
    try:
        return snarkjs.locate()
    except snarkjs.ZkError as e:
        pytest.fail(str(e), pytrace=False)


def verification_key(build: snarkjs.ZkBuild) -> dict[str, Any]:
    return dict(json.loads(build.verification_key.read_text()))


def deploy_verifier(w3: Web3, oracle: str, build: snarkjs.ZkBuild) -> str:
    """An AuraThresholdVerifier of `oracle`'s commitments with build/zk's key, deployed from DEPLOYER_KEY."""
    key = verifying_key_arg(verification_key(build))
    return str(deploy(w3, "AuraThresholdVerifier", [oracle, key], DEPLOYER_KEY))
