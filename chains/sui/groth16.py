"""snarkjs' Groth16 JSON (BN254) in the byte forms `sui::groth16` takes, which the `aura_oracle` package's
`zk::set_verifying_key` and `zk::verify_threshold` are given (docs/sui.md, "Threshold proofs").

`sui::groth16` reads arkworks' canonical compressed serialisation: a G1 point is its x coordinate, 32 bytes
little-endian; a G2 point its x = c0 + c1·u as `c0 || c1`, 64 bytes, each part little-endian. The two top bits of
the last byte are flags: 0x80 when y is the larger of y and -y (an Fq2 compares c1 first, then c0), 0x40 for the
point at infinity (x zero). A verifying key is alpha (G1) || beta || gamma || delta (G2) || the number of IC points
as a u64 little-endian || the IC points (G1). A proof is A (G1) || B (G2) || C (G1), A not negated. Public inputs
are 32-byte little-endian scalars, in the circuit's order. snarkjs writes affine coordinates as decimal strings,
G2 coordinates as `[c0, c1]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# BN254's base field modulus (coordinates) and scalar field order (public inputs).
FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
SCALAR_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617
G1_LEN = 32
G2_LEN = 64
PROOF_LEN = 2 * G1_LEN + G2_LEN
SCALAR_LEN = 32
PUBLIC_INPUTS = 6  # circuits/threshold.circom: commitment, threshold, subject_hi, subject_lo, scope, nullifier
KEY_LEN = G1_LEN + 3 * G2_LEN + 8 + (PUBLIC_INPUTS + 1) * G1_LEN
# arkworks' SWFlags, in the top bits of a point's last byte.
Y_IS_LARGER = 0x80
INFINITY = 0x40


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


def _with_flag(x: bytes, flag: int) -> bytes:
    return x[:-1] + bytes([x[-1] | flag])


def g1(point: Sequence[str]) -> bytes:
    """A snarkjs G1 point `[x, y, z]` (z = "1", or "0" for infinity) as 32 compressed bytes."""
    if len(point) != 3:
        raise ValueError("a G1 point is [x, y, z]")
    if not _affine(point[2], "1"):
        return _with_flag(bytes(G1_LEN), INFINITY)
    x, y = _coordinate(point[0]), _coordinate(point[1])
    flag = Y_IS_LARGER if y > FIELD_MODULUS - y else 0
    return _with_flag(x.to_bytes(32, "little"), flag)


def g2(point: Sequence[Sequence[str]]) -> bytes:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]` as 64 compressed bytes `x.c0 || x.c1`."""
    if len(point) != 3 or any(len(c) != 2 for c in point[:2]):
        raise ValueError("a G2 point is [[x.c0, x.c1], [y.c0, y.c1], z]")
    if not _affine(list(point[2]), ["1", "0"]):
        return _with_flag(bytes(G2_LEN), INFINITY)
    x0, x1 = (_coordinate(c) for c in point[0])
    y0, y1 = (_coordinate(c) for c in point[1])
    minus_y = ((FIELD_MODULUS - y1) % FIELD_MODULUS, (FIELD_MODULUS - y0) % FIELD_MODULUS)
    flag = Y_IS_LARGER if (y1, y0) > minus_y else 0
    return _with_flag(x0.to_bytes(32, "little") + x1.to_bytes(32, "little"), flag)


def proof_bytes(proof: dict[str, Any]) -> bytes:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`) as the 128 bytes A || B || C `proof_points_from_bytes` takes."""
    if proof.get("protocol", "groth16") != "groth16" or proof.get("curve", "bn128") != "bn128":
        raise ValueError("not a Groth16 proof over BN254 (bn128)")
    return g1(proof["pi_a"]) + g2(proof["pi_b"]) + g1(proof["pi_c"])


def verifying_key_bytes(key: dict[str, Any]) -> bytes:
    """A snarkjs verification key as `prepare_verifying_key(bn254(), ..)` takes it (456 bytes):
    alpha || beta || gamma || delta || u64 7 || IC[0..=6].

    Raises:
        ValueError: not a Groth16 BN254 key of the threshold circuit's six public inputs.
    """
    if key.get("protocol") != "groth16" or key.get("curve") != "bn128":
        raise ValueError("not a Groth16 verification key over BN254 (bn128)")
    if key.get("nPublic") != PUBLIC_INPUTS or len(key.get("IC", ())) != PUBLIC_INPUTS + 1:
        raise ValueError(f"the key is for {key.get('nPublic')} public inputs, the package verifies {PUBLIC_INPUTS}")
    return (g1(key["vk_alpha_1"]) + g2(key["vk_beta_2"]) + g2(key["vk_gamma_2"]) + g2(key["vk_delta_2"])
            + len(key["IC"]).to_bytes(8, "little") + b"".join(g1(point) for point in key["IC"]))


def scalar(value: int | str) -> bytes:
    """A public input as the 32 little-endian bytes `public_proof_inputs_from_bytes` takes.

    Raises:
        ValueError: not below the scalar field order (the package refuses it: EPublicInputOutOfField).
    """
    number = int(value)
    if not 0 <= number < SCALAR_ORDER:
        raise ValueError(f"{number} is not below the BN254 scalar field order")
    return number.to_bytes(SCALAR_LEN, "little")


def public_inputs_bytes(signals: Sequence[int | str]) -> bytes:
    """snarkjs' public signals (decimal strings, the circuit's order) as the 192 bytes the package verifies with:
    what `zk::public_inputs` builds from the stored commitment, the threshold, the subject, scope and nullifier.

    Raises:
        ValueError: not six signals, or one not below the scalar field order.
    """
    if len(signals) != PUBLIC_INPUTS:
        raise ValueError(f"the circuit has {PUBLIC_INPUTS} public signals, not {len(signals)}")
    return b"".join(scalar(signal) for signal in signals)
