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

from chains.core import groth16_json as snark
from chains.core.groth16_json import FIELD_MODULUS, PUBLIC_INPUTS, SCALAR_ORDER

__all__ = ["FIELD_MODULUS", "G1_LEN", "G2_LEN", "INFINITY", "KEY_LEN", "PROOF_LEN", "PUBLIC_INPUTS", "SCALAR_LEN",
           "SCALAR_ORDER", "Y_IS_LARGER", "g1", "g2", "proof_bytes", "public_inputs_bytes", "scalar",
           "verifier_args", "verifying_key_bytes"]

G1_LEN = 32
G2_LEN = 64
PROOF_LEN = 2 * G1_LEN + G2_LEN
SCALAR_LEN = 32
KEY_LEN = G1_LEN + 3 * G2_LEN + 8 + (PUBLIC_INPUTS + 1) * G1_LEN
# arkworks' SWFlags, in the top bits of a point's last byte.
Y_IS_LARGER = 0x80
INFINITY = 0x40


def _with_flag(x: bytes, flag: int) -> bytes:
    return x[:-1] + bytes([x[-1] | flag])


def _g1(point: snark.G1) -> bytes:
    if point is None:
        return _with_flag(bytes(G1_LEN), INFINITY)
    x, y = point
    flag = Y_IS_LARGER if y > FIELD_MODULUS - y else 0
    return _with_flag(x.to_bytes(32, "little"), flag)


def _g2(point: snark.G2) -> bytes:
    if point is None:
        return _with_flag(bytes(G2_LEN), INFINITY)
    (x0, x1), (y0, y1) = point
    minus_y = ((FIELD_MODULUS - y1) % FIELD_MODULUS, (FIELD_MODULUS - y0) % FIELD_MODULUS)
    flag = Y_IS_LARGER if (y1, y0) > minus_y else 0
    return _with_flag(x0.to_bytes(32, "little") + x1.to_bytes(32, "little"), flag)


def g1(point: Sequence[str]) -> bytes:
    """A snarkjs G1 point `[x, y, z]` (z = "1", or "0" for infinity) as 32 compressed bytes."""
    return _g1(snark.g1(point))


def g2(point: Sequence[Sequence[str]]) -> bytes:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]` as 64 compressed bytes `x.c0 || x.c1`."""
    return _g2(snark.g2(point))


def proof_bytes(proof: dict[str, Any]) -> bytes:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`) as the 128 bytes A || B || C `proof_points_from_bytes` takes."""
    parsed = snark.proof(proof)
    return _g1(parsed.a) + _g2(parsed.b) + _g1(parsed.c)


def verifying_key_bytes(key: dict[str, Any]) -> bytes:
    """A snarkjs verification key as `prepare_verifying_key(bn254(), ..)` takes it (456 bytes):
    alpha || beta || gamma || delta || u64 7 || IC[0..=6].

    Raises:
        ValueError: not a Groth16 BN254 key of the threshold circuit's six public inputs.
    """
    vk = snark.verifying_key(key, "the package verifies")
    return (_g1(vk.alpha) + _g2(vk.beta) + _g2(vk.gamma) + _g2(vk.delta) + len(vk.ic).to_bytes(8, "little")
            + b"".join(_g1(p) for p in vk.ic))


def scalar(value: int | str) -> bytes:
    """A public input as the 32 little-endian bytes `public_proof_inputs_from_bytes` takes.

    Raises:
        ValueError: not below the scalar field order (the package refuses it: EPublicInputOutOfField).
    """
    return snark.scalar(value).to_bytes(SCALAR_LEN, "little")


def public_inputs_bytes(signals: Sequence[int | str]) -> bytes:
    """snarkjs' public signals (decimal strings, the circuit's order) as the 192 bytes the package verifies with:
    what `zk::public_inputs` builds from the stored commitment, the threshold, the subject, scope and nullifier.

    Raises:
        ValueError: not six signals, or one not below the scalar field order.
    """
    if len(signals) != PUBLIC_INPUTS:
        raise ValueError(f"the circuit has {PUBLIC_INPUTS} public signals, not {len(signals)}")
    return b"".join(scalar(signal) for signal in signals)


def verifier_args(proof: dict[str, Any], public_signals: list[str]) -> dict[str, Any]:
    """The package's 128-byte proof points and 192-byte public inputs, in hex (`aura prove`)."""
    return {"proof": "0x" + proof_bytes(proof).hex(),
            "public_inputs": "0x" + public_inputs_bytes(public_signals).hex()}
