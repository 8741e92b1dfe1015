"""Fixed-width fields as Borsh and BCS write them: little-endian integers and 32-byte values."""

from __future__ import annotations

MAX_I64 = (1 << 63) - 1


def uint_le(value: int, size: int, name: str) -> bytes:
    """`value` as `size` little-endian bytes; ValueError naming the field if it does not fit."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << (8 * size):
        raise ValueError(f"{name}: {value!r} does not fit u{8 * size}")
    return value.to_bytes(size, "little")


def int64_le(value: int, name: str) -> bytes:
    """A signed 64-bit little-endian integer; ValueError naming the field if it does not fit."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(1 << 63) <= value <= MAX_I64:
        raise ValueError(f"{name}: {value!r} does not fit i64")
    return value.to_bytes(8, "little", signed=True)


def fixed32(value: bytes, name: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"{name}: must be 32 bytes")
    return value
