"""`Assessment.facts`: the signed small fields packed into one calldata word, and back."""

from __future__ import annotations

import pytest

from chains.evm.facts import Facts, pack_facts, unpack_facts


def test_round_trip_and_layout() -> None:
    fields = Facts(score=742, tier=1, pd_bps=350, flags=8, timestamp=1_700_000_000, expiry=2**64 - 1)
    word = pack_facts(*fields)
    assert unpack_facts(word) == fields
    assert word & 0xFFFF == 742 and (word >> 16) & 0xFF == 1 and (word >> 136) == 2**64 - 1
    assert word < 1 << 200


def test_a_field_too_wide_is_refused() -> None:
    with pytest.raises(ValueError, match="tier 256 does not fit 8 bits"):
        pack_facts(0, 256, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="score -1"):
        pack_facts(-1, 0, 0, 0, 0, 0)
