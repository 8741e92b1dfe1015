"""snarkjs' Groth16 JSON over BN254, read into affine integers: what every chain's verifier encoder starts from
(chains/<family>/groth16.py writes the byte forms its chain takes).

snarkjs writes projective coordinates as decimal strings, always affine (z = 1, or 0 for the point at infinity),
and each G2 coordinate as `[c0, c1]`, the real part first. The threshold circuit (circuits/threshold.circom) has six
public inputs: commitment, threshold, subject_hi, subject_lo, scope, nullifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# BN254's base field modulus (coordinates) and scalar field order (public inputs).
FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
SCALAR_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617
PUBLIC_INPUTS = 6

G1 = tuple[int, int] | None
"""An affine G1 point (x, y); None for the point at infinity."""
G2 = tuple[tuple[int, int], tuple[int, int]] | None
"""An affine G2 point ((x.c0, x.c1), (y.c0, y.c1)); None for the point at infinity."""


@dataclass(frozen=True)
class Proof:
    a: G1
    b: G2
    c: G1


@dataclass(frozen=True)
class VerifyingKey:
    alpha: G1
    beta: G2
    gamma: G2
    delta: G2
    ic: tuple[G1, ...]


def coordinate(value: str | int) -> int:
    """A base-field coordinate. Raises ValueError when it is not below the field modulus."""
    number = int(value)
    if not 0 <= number < FIELD_MODULUS:
        raise ValueError(f"coordinate {number} is not below the BN254 field modulus")
    return number


def scalar(value: str | int) -> int:
    """A public input. Raises ValueError when it is not below the scalar field order (verifiers refuse it)."""
    number = int(value)
    if not 0 <= number < SCALAR_ORDER:
        raise ValueError(f"{number} is not below the BN254 scalar field order")
    return number


def _affine(z: Any, one: Any) -> bool:
    """Whether a projective z is 1 (affine) or 0 (infinity); snarkjs writes every point affine."""
    if z == one:
        return True
    if z in ("0", ["0", "0"]):
        return False
    raise ValueError(f"the point is not in affine form (z = {z})")


def g1(point: Sequence[str]) -> G1:
    """A snarkjs G1 point `[x, y, z]`. Raises ValueError when it is not one in affine form."""
    if len(point) != 3:
        raise ValueError("a G1 point is [x, y, z]")
    if not _affine(point[2], "1"):
        return None
    return coordinate(point[0]), coordinate(point[1])


def g2(point: Sequence[Sequence[str]]) -> G2:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]`. Raises ValueError when it is not one in affine form."""
    if len(point) != 3 or any(len(c) != 2 for c in point[:2]):
        raise ValueError("a G2 point is [[x.c0, x.c1], [y.c0, y.c1], z]")
    if not _affine(list(point[2]), ["1", "0"]):
        return None
    (x0, x1), (y0, y1) = point[0], point[1]
    return (coordinate(x0), coordinate(x1)), (coordinate(y0), coordinate(y1))


def proof(raw: dict[str, Any]) -> Proof:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`). Raises ValueError when it is not a Groth16 proof over BN254."""
    if raw.get("protocol", "groth16") != "groth16" or raw.get("curve", "bn128") != "bn128":
        raise ValueError("not a Groth16 proof over BN254 (bn128)")
    return Proof(g1(raw["pi_a"]), g2(raw["pi_b"]), g1(raw["pi_c"]))


def verifying_key(raw: dict[str, Any], verifier: str) -> VerifyingKey:
    """A snarkjs verification key of the threshold circuit; `verifier` names what takes it in the error.

    Raises:
        ValueError: not a Groth16 BN254 key of six public inputs.
    """
    if raw.get("protocol") != "groth16" or raw.get("curve") != "bn128":
        raise ValueError("not a Groth16 verification key over BN254 (bn128)")
    if raw.get("nPublic") != PUBLIC_INPUTS or len(raw.get("IC", ())) != PUBLIC_INPUTS + 1:
        raise ValueError(f"the key is for {raw.get('nPublic')} public inputs, {verifier} {PUBLIC_INPUTS}")
    return VerifyingKey(g1(raw["vk_alpha_1"]), g2(raw["vk_beta_2"]), g2(raw["vk_gamma_2"]), g2(raw["vk_delta_2"]),
                        tuple(g1(point) for point in raw["IC"]))
