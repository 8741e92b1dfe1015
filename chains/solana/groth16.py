"""snarkjs' Groth16 JSON (BN254) in the byte forms of Solana's `sol_alt_bn128_group_op` syscalls, which the
`aura_oracle` program's `set_verifying_key` and `verify_threshold` take (docs/solana.md, "Threshold proofs").

The syscalls read Ethereum's precompile encodings, big-endian: a G1 point is `x || y`, a G2 point
`x.c1 || x.c0 || y.c1 || y.c0` (the imaginary part first), 32 bytes a coordinate, the point at infinity all
zeros. snarkjs writes projective coordinates as decimal strings, G2 coordinates as `[c0, c1]`, the real part
first; so the two parts of each G2 coordinate swap here. The proof's A goes as it is: the program negates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# BN254's base field modulus (coordinates) and scalar field order (public inputs).
FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
SCALAR_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617
G1_LEN = 64
G2_LEN = 128
PROOF_LEN = 2 * G1_LEN + G2_LEN
PUBLIC_INPUTS = 6  # circuits/threshold.circom: commitment, threshold, subject_hi, subject_lo, scope, nullifier
KEY_LEN = G1_LEN + 3 * G2_LEN + (PUBLIC_INPUTS + 1) * G1_LEN


def _coordinate(value: str | int) -> bytes:
    number = int(value)
    if not 0 <= number < FIELD_MODULUS:
        raise ValueError(f"coordinate {number} is not below the BN254 field modulus")
    return number.to_bytes(32, "big")


def _affine_z(z: Any, one: Any) -> bool:
    """Whether a projective z is 1 (affine) or 0 (infinity); snarkjs writes every point affine."""
    if z == one:
        return True
    if z in ("0", ["0", "0"]):
        return False
    raise ValueError(f"the point is not in affine form (z = {z})")


def g1(point: Sequence[str]) -> bytes:
    """A snarkjs G1 point `[x, y, z]` (z = "1", or "0" for infinity) as 64 bytes `x || y`."""
    if len(point) != 3:
        raise ValueError("a G1 point is [x, y, z]")
    if not _affine_z(point[2], "1"):
        return bytes(G1_LEN)
    return _coordinate(point[0]) + _coordinate(point[1])


def g2(point: Sequence[Sequence[str]]) -> bytes:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]` as 128 bytes `x.c1 || x.c0 || y.c1 || y.c0`."""
    if len(point) != 3 or any(len(c) != 2 for c in point[:2]):
        raise ValueError("a G2 point is [[x.c0, x.c1], [y.c0, y.c1], z]")
    if not _affine_z(list(point[2]), ["1", "0"]):
        return bytes(G2_LEN)
    (x0, x1), (y0, y1) = point[0], point[1]
    return _coordinate(x1) + _coordinate(x0) + _coordinate(y1) + _coordinate(y0)


def proof_bytes(proof: dict[str, Any]) -> bytes:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`) as 256 bytes A || B || C, A not negated."""
    if proof.get("protocol", "groth16") != "groth16" or proof.get("curve", "bn128") != "bn128":
        raise ValueError("not a Groth16 proof over BN254 (bn128)")
    return g1(proof["pi_a"]) + g2(proof["pi_b"]) + g1(proof["pi_c"])


def verifying_key_bytes(key: dict[str, Any]) -> bytes:
    """A snarkjs verification key as `set_verifying_key` takes it: alpha || beta || gamma || delta || IC[0..=6].

    Raises:
        ValueError: not a Groth16 BN254 key of the threshold circuit's six public inputs.
    """
    if key.get("protocol") != "groth16" or key.get("curve") != "bn128":
        raise ValueError("not a Groth16 verification key over BN254 (bn128)")
    if key.get("nPublic") != PUBLIC_INPUTS or len(key.get("IC", ())) != PUBLIC_INPUTS + 1:
        raise ValueError(f"the key is for {key.get('nPublic')} public inputs, the program verifies {PUBLIC_INPUTS}")
    return (g1(key["vk_alpha_1"]) + g2(key["vk_beta_2"]) + g2(key["vk_gamma_2"]) + g2(key["vk_delta_2"])
            + b"".join(g1(point) for point in key["IC"]))


def verifying_key_args(key: dict[str, Any]) -> dict[str, Any]:
    """`set_verifying_key`'s arguments by IDL name, from a snarkjs verification key."""
    raw = verifying_key_bytes(key)
    ic = raw[G1_LEN + 3 * G2_LEN:]
    return {"alpha_g1": list(raw[:G1_LEN]), "beta_g2": list(raw[G1_LEN:G1_LEN + G2_LEN]),
            "gamma_g2": list(raw[G1_LEN + G2_LEN:G1_LEN + 2 * G2_LEN]),
            "delta_g2": list(raw[G1_LEN + 2 * G2_LEN:G1_LEN + 3 * G2_LEN]),
            "ic": [list(ic[i:i + G1_LEN]) for i in range(0, len(ic), G1_LEN)]}


def field_element(value: int) -> bytes:
    """A public input (the scope, the nullifier) as the 32 big-endian bytes the program takes.

    Raises:
        ValueError: not below the scalar field order (the program refuses it: PublicInputOutOfField).
    """
    if not 0 <= value < SCALAR_ORDER:
        raise ValueError(f"{value} is not below the BN254 scalar field order")
    return value.to_bytes(32, "big")
