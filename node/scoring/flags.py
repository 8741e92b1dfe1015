"""Risk flags: the `uint32 flags` bit set of the signed assessment. Bit positions are part of the wire format."""

from __future__ import annotations

from enum import IntFlag


class Flag(IntFlag):
    """One bit per reason a score is low or less certain. Never renumber a bit; only add new ones."""

    NONE = 0
    NO_ACTIVITY = 1 << 0
    """The wallet has sent no transaction (tx_count == 0)."""
    NEW_WALLET = 1 << 1
    """The wallet's first seen activity is younger than `maturity.new_wallet_days`."""
    AGE_UNKNOWN = 1 << 2
    """No first-seen timestamp is known: maturity fell back to `maturity.unknown_age_points`."""
    LIMITED_DATA = 1 << 3
    """At least one diversity feature (counterparties, protocols, tokens) was missing: neutral-low points used."""
    ZERO_BALANCE = 1 << 4
    """The wallet held no native balance at the assessed block."""
    LOW_BALANCE = 1 << 5
    """An active wallet (tx_count >= `risk.low_balance_min_tx`) holds less than `risk.low_balance_wei`."""


ALL_FLAGS = (
    Flag.NO_ACTIVITY | Flag.NEW_WALLET | Flag.AGE_UNKNOWN | Flag.LIMITED_DATA | Flag.ZERO_BALANCE | Flag.LOW_BALANCE
)


def flag_names(flags: int) -> list[str]:
    """The names of the bits set in `flags`, lowest bit first (unknown bits as `BIT_<n>`)."""
    known = {int(f): str(f.name) for f in Flag if f is not Flag.NONE}
    return [known.get(1 << bit, f"BIT_{bit}") for bit in range(32) if flags >> bit & 1]
