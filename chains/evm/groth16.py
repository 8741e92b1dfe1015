"""snarkjs' Groth16 JSON (BN254) as the arguments of contracts/AuraThresholdVerifier.sol: the proof of
`verifyThreshold` and `checkThreshold`, and the verifying key its constructor takes.

The contract calls the EIP-196/197 precompiles, whose encoding it keeps: a G1 point is `[x, y]`, a G2 point
`[x.c1, x.c0, y.c1, y.c0]` (the imaginary part first), the point at infinity all zeros. snarkjs writes projective
coordinates as decimal strings and each G2 coordinate as `[c0, c1]`, the real part first: the two parts swap here.
A proof's A goes as it is: the contract negates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chains.core import groth16_json as snark
from chains.core.groth16_json import FIELD_MODULUS, PUBLIC_INPUTS, SCALAR_ORDER

__all__ = ["FIELD_MODULUS", "PUBLIC_INPUTS", "SCALAR_ORDER", "field_element", "g1", "g2", "proof_arg",
           "verifier_args", "verifying_key_arg"]


def _g1(point: snark.G1) -> list[int]:
    return [0, 0] if point is None else [point[0], point[1]]


def _g2(point: snark.G2) -> list[int]:
    if point is None:
        return [0, 0, 0, 0]
    (x0, x1), (y0, y1) = point
    return [x1, x0, y1, y0]


def g1(point: Sequence[str]) -> list[int]:
    """A snarkjs G1 point `[x, y, z]` (z = "1", or "0" for infinity) as `[x, y]`.

    Raises:
        ValueError: not a G1 point in affine form, or a coordinate not below the field modulus.
    """
    return _g1(snark.g1(point))


def g2(point: Sequence[Sequence[str]]) -> list[int]:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]` as `[x.c1, x.c0, y.c1, y.c0]`.

    Raises:
        ValueError: not a G2 point in affine form, or a coordinate not below the field modulus.
    """
    return _g2(snark.g2(point))


def proof_arg(proof: dict[str, Any]) -> list[int]:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`) as the contract's `uint256[8]`: A, B, C, A not negated.

    Raises:
        ValueError: not a Groth16 proof over BN254, or a point not in the forms above.
    """
    parsed = snark.proof(proof)
    return _g1(parsed.a) + _g2(parsed.b) + _g1(parsed.c)


def verifying_key_arg(key: dict[str, Any]) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """A snarkjs verification key as the constructor's `VerifyingKey` (alpha, beta, gamma, delta, ic flattened).

    Raises:
        ValueError: not a Groth16 BN254 key of the threshold circuit's six public inputs.
    """
    vk = snark.verifying_key(key, "the verifier takes")
    ic = [c for point in vk.ic for c in _g1(point)]
    return _g1(vk.alpha), _g2(vk.beta), _g2(vk.gamma), _g2(vk.delta), ic


def field_element(value: str | int) -> int:
    """A public signal (the scope, the nullifier) as the contract's `uint256`.

    Raises:
        ValueError: not below the BN254 scalar field order (the contract refuses it: PublicInputOutOfField).
    """
    return snark.scalar(value)


def verifier_args(proof: dict[str, Any], public_signals: list[str]) -> dict[str, Any]:
    """`aura prove`: the `uint256[8]` proof and the nullifier of contracts/AuraThresholdVerifier.sol, as decimal
    strings."""
    return {"proof": [str(v) for v in proof_arg(proof)], "nullifier": public_signals[-1]}
