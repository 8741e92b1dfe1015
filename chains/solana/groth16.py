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

from chains.core import groth16_json as snark
from chains.core.groth16_json import FIELD_MODULUS, PUBLIC_INPUTS, SCALAR_ORDER

__all__ = ["FIELD_MODULUS", "G1_LEN", "G2_LEN", "KEY_LEN", "PROOF_LEN", "PUBLIC_INPUTS", "SCALAR_ORDER",
           "field_element", "g1", "g2", "proof_bytes", "verifying_key_args", "verifier_args", "verifying_key_bytes"]

G1_LEN = 64
G2_LEN = 128
PROOF_LEN = 2 * G1_LEN + G2_LEN
KEY_LEN = G1_LEN + 3 * G2_LEN + (PUBLIC_INPUTS + 1) * G1_LEN


def _g1(point: snark.G1) -> bytes:
    if point is None:
        return bytes(G1_LEN)
    return point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def _g2(point: snark.G2) -> bytes:
    if point is None:
        return bytes(G2_LEN)
    (x0, x1), (y0, y1) = point
    return b"".join(c.to_bytes(32, "big") for c in (x1, x0, y1, y0))


def g1(point: Sequence[str]) -> bytes:
    """A snarkjs G1 point `[x, y, z]` (z = "1", or "0" for infinity) as 64 bytes `x || y`."""
    return _g1(snark.g1(point))


def g2(point: Sequence[Sequence[str]]) -> bytes:
    """A snarkjs G2 point `[[x.c0, x.c1], [y.c0, y.c1], z]` as 128 bytes `x.c1 || x.c0 || y.c1 || y.c0`."""
    return _g2(snark.g2(point))


def proof_bytes(proof: dict[str, Any]) -> bytes:
    """A snarkjs proof (`pi_a`, `pi_b`, `pi_c`) as 256 bytes A || B || C, A not negated."""
    parsed = snark.proof(proof)
    return _g1(parsed.a) + _g2(parsed.b) + _g1(parsed.c)


def verifying_key_bytes(key: dict[str, Any]) -> bytes:
    """A snarkjs verification key as `set_verifying_key` takes it: alpha || beta || gamma || delta || IC[0..=6].

    Raises:
        ValueError: not a Groth16 BN254 key of the threshold circuit's six public inputs.
    """
    vk = snark.verifying_key(key, "the program verifies")
    return _g1(vk.alpha) + _g2(vk.beta) + _g2(vk.gamma) + _g2(vk.delta) + b"".join(_g1(p) for p in vk.ic)


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
    return snark.scalar(value).to_bytes(32, "big")


def verifier_args(proof: dict[str, Any], public_signals: list[str]) -> dict[str, Any]:
    """The program's 256-byte proof and 32-byte nullifier, in hex (`aura prove`)."""
    return {"proof": "0x" + proof_bytes(proof).hex(),
            "nullifier": "0x" + field_element(int(public_signals[-1])).hex()}
