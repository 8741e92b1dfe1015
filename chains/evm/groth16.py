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

# BN254's base field modulus (coordinates) and scalar field order (public inputs).
FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
SCALAR_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617
PUBLIC_INPUTS = 6  # circuits/threshold.circom: commitment, threshold, subject_hi, subject_lo, scope, nullifier


def _coordinate(value: str | int) -> int:
    number = int(value)
    if not 0 <= number < FIELD_MODULUS:
        raise ValueError(f"coordinate {number} is not below the BN254 field modulus")
    return number


def _affine(z: Any, one: Any) -> bool:
    """Whether a projective z is 1 (affine) or 0 (infinity); snarkjs writes every point affine."""
    if z == one:
        return True
    if z in ("0", ["0", "0"]):
        return False
    raise ValueError(f"the point is not in affine form (z = {z})")


def g1(point: Sequence[str]) -> list[int]:
    """A snarkjs G1 point `[x, y, z]` (z = "1", or "0" for infinity) as `[x, y]`.

    Raises:
        ValueError: not a G1 point in affine form, or a coordinate not below the field modulus.
    """
    if len(point) != 3:
        raise ValueError("a G1 point is [x, y, z]")
    if not _affine(point[2], "1"):
        return [0, 0]
    return [_coordinate(point[0]), _coordinate(point[1])]


def g2(point: Sequence[Sequence[str]]) -> list[int]:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]` as `[x.c1, x.c0, y.c1, y.c0]`.

    Raises:
        ValueError: not a G2 point in affine form, or a coordinate not below the field modulus.
    """
    if len(point) != 3 or any(len(c) != 2 for c in point[:2]):
        raise ValueError("a G2 point is [[x.c0, x.c1], [y.c0, y.c1], z]")
    if not _affine(list(point[2]), ["1", "0"]):
        return [0, 0, 0, 0]
    (x0, x1), (y0, y1) = point[0], point[1]
    return [_coordinate(x1), _coordinate(x0), _coordinate(y1), _coordinate(y0)]


def proof_arg(proof: dict[str, Any]) -> list[int]:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`) as the contract's `uint256[8]`: A, B, C, A not negated.

    Raises:
        ValueError: not a Groth16 proof over BN254, or a point not in the forms above.
    """
    if proof.get("protocol", "groth16") != "groth16" or proof.get("curve", "bn128") != "bn128":
        raise ValueError("not a Groth16 proof over BN254 (bn128)")
    return g1(proof["pi_a"]) + g2(proof["pi_b"]) + g1(proof["pi_c"])


def verifying_key_arg(key: dict[str, Any]) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """A snarkjs verification key as the constructor's `VerifyingKey` (alpha, beta, gamma, delta, ic flattened).

    Raises:
        ValueError: not a Groth16 BN254 key of the threshold circuit's six public inputs.
    """
    if key.get("protocol") != "groth16" or key.get("curve") != "bn128":
        raise ValueError("not a Groth16 verification key over BN254 (bn128)")
    if key.get("nPublic") != PUBLIC_INPUTS or len(key.get("IC", ())) != PUBLIC_INPUTS + 1:
        raise ValueError(f"the key is for {key.get('nPublic')} public inputs, the verifier takes {PUBLIC_INPUTS}")
    ic = [c for point in key["IC"] for c in g1(point)]
    return g1(key["vk_alpha_1"]), g2(key["vk_beta_2"]), g2(key["vk_gamma_2"]), g2(key["vk_delta_2"]), ic


def field_element(value: str | int) -> int:
    """A public signal (the scope, the nullifier) as the contract's `uint256`.

    Raises:
        ValueError: not below the BN254 scalar field order (the contract refuses it: PublicInputOutOfField).
    """
    number = int(value)
    if not 0 <= number < SCALAR_ORDER:
        raise ValueError(f"{number} is not below the BN254 scalar field order")
    return number
