"""EIP-2098 compact signatures: the 65-byte `r || s || v` the enclave signs, as `AuraOracle.fulfil` takes it."""

from __future__ import annotations

_TOP_BIT = 1 << 255


def compact(signature: bytes) -> tuple[bytes, bytes]:
    """`(r, yParityAndS)`: `s` with `v - 27` as its top bit.

    Raises:
        ValueError: not 65 bytes, `v` not 27 or 28, or an `s` with its top bit set (no compact form; the
            enclave signs low-s only).
    """
    if len(signature) != 65:
        raise ValueError(f"signature is {len(signature)} bytes, not 65")
    v = signature[64]
    if v not in (27, 28):
        raise ValueError(f"signature v is {v}, not 27 or 28")
    s = int.from_bytes(signature[32:64], "big")
    if s & _TOP_BIT:
        raise ValueError("signature s has its top bit set")
    return signature[:32], (s | (_TOP_BIT if v == 28 else 0)).to_bytes(32, "big")


def expand(r: bytes, y_parity_and_s: bytes) -> bytes:
    """The 65-byte `r || s || v` of a compact signature."""
    vs = int.from_bytes(y_parity_and_s, "big")
    return bytes(r) + (vs & (_TOP_BIT - 1)).to_bytes(32, "big") + bytes([27 + (vs >> 255)])
