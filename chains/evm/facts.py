"""`Assessment.facts`: the signed small fields of an assessment in one word of `fulfil`'s calldata.

From the lowest bits up: score (16), tier (8), pdBps (16), flags (32), timestamp (64), expiry (64); the
contract refuses bits 200 and up (`ScoreOutOfRange`). docs/protocol.md ("AuraOracle").
"""

from __future__ import annotations

from typing import NamedTuple

_LAYOUT = (("score", 16), ("tier", 8), ("pd_bps", 16), ("flags", 32), ("timestamp", 64), ("expiry", 64))


class Facts(NamedTuple):
    score: int
    tier: int
    pd_bps: int
    flags: int
    timestamp: int
    expiry: int


def pack_facts(score: int, tier: int, pd_bps: int, flags: int, timestamp: int, expiry: int) -> int:
    """The `facts` word.

    Raises:
        ValueError: a field does not fit its width.
    """
    word, shift = 0, 0
    for (name, bits), value in zip(_LAYOUT, (score, tier, pd_bps, flags, timestamp, expiry)):
        if not 0 <= value < 1 << bits:
            raise ValueError(f"{name} {value} does not fit {bits} bits")
        word |= value << shift
        shift += bits
    return word


def unpack_facts(word: int) -> Facts:
    """The fields of a `facts` word (bits 200 and up ignored)."""
    values, shift = [], 0
    for _, bits in _LAYOUT:
        values.append((word >> shift) & ((1 << bits) - 1))
        shift += bits
    return Facts(*values)
