"""Witness files (.wtns, iden3's binary format) read and changed one wire at a time, for tests that hand the r1cs a
witness the calculator would never write."""

from __future__ import annotations

import struct
from pathlib import Path


def _witness_section(data: bytes) -> tuple[int, int, int]:
    """(n8, offset of the first value, number of values) of a .wtns file (iden3 binary format, version 2)."""
    if data[:4] != b"wtns":
        raise ValueError("not a wtns file")
    (sections,) = struct.unpack_from("<I", data, 8)
    offset, n8, count, values_at = 12, 0, 0, -1
    for _ in range(sections):
        kind, size = struct.unpack_from("<IQ", data, offset)
        body = offset + 12
        if kind == 1:
            (n8,) = struct.unpack_from("<I", data, body)
            (count,) = struct.unpack_from("<I", data, body + 4 + n8)
        elif kind == 2:
            values_at = body
        offset = body + size
    return n8, values_at, count


def read_witness(path: Path) -> list[int]:
    data = path.read_bytes()
    n8, at, count = _witness_section(data)
    return [int.from_bytes(data[at + i * n8: at + (i + 1) * n8], "little") for i in range(count)]


def write_wire(path: Path, wire: int, value: int) -> None:
    """Overwrites one wire of a witness file in place, leaving every other wire as the calculator wrote it."""
    data = bytearray(path.read_bytes())
    n8, at, _ = _witness_section(bytes(data))
    data[at + wire * n8: at + (wire + 1) * n8] = value.to_bytes(n8, "little")
    path.write_bytes(bytes(data))
