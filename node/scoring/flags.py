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
    """The chain has no indexed history for the wallet: history-based parts used their neutral-low values."""
    ZERO_BALANCE = 1 << 4
    """The wallet held no native balance at the assessed block."""
    LOW_BALANCE = 1 << 5
    """An active wallet (tx_count >= `risk.low_balance_min_tx`) holds less than `risk.low_balance_wei`."""
    LIQUIDATED = 1 << 6
    """The wallet has been liquidated (Aave LiquidationCall or Compound absorb) at least once."""
    OUTSTANDING_DEBT = 1 << 7
    """The wallet has borrowed more than it has repaid in at least one (protocol, asset) position."""
    HIGH_CONCENTRATION = 1 << 8
    """Its incoming transfers are concentrated in one token (Herfindahl above the scorecard's limit)."""
    DORMANT = 1 << 9
    """No indexed activity for longer than the scorecard's dormancy limit."""
    BURST_ACTIVITY = 1 << 10
    """Most of its activity is in the last 30 days of a young wallet (farming or sybil pattern)."""
    ANOMALOUS = 1 << 11
    """The anomaly model puts the wallet among the most isolated of its training population."""
    RULE_CAP = 1 << 12
    """A risk rule capped or lowered the score (the matched rule ids come with the assessment)."""
    UNDISCLOSED_LIABILITY = 1 << 13
    """The questionnaire denies debts that the chain shows outstanding."""
    INTENT_MISMATCH = 1 << 14
    """The questionnaire's stated purpose or risk tolerance contradicts on-chain behaviour."""
    QUESTIONNAIRE = 1 << 15
    """A questionnaire was read: intent alignment comes from it, not the neutral default."""
    CONTRACT_ACCOUNT = 1 << 16
    """The subject has code at the pinned block (a contract, or an account delegated to code), as the account proof
    the enclave checked shows it (EVM). Informative: it changes no score."""


ALL_FLAGS = Flag(sum(int(f) for f in Flag))


_NAMES = {int(f): str(f.name) for f in Flag if f is not Flag.NONE}


def flag_names(flags: int) -> list[str]:
    """The names of the bits set in `flags`, lowest bit first (unknown bits as `BIT_<n>`)."""
    return [_NAMES.get(1 << bit, f"BIT_{bit}") for bit in range(32) if flags >> bit & 1]
