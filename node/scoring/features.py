"""The features the enclave scores: what the host may send, their ranges, and the model's integer vector.

The host sends `features` (docs/protocol.md): a few values read over plain RPC, always present, and
`history`, the wallet's indexed protocol activity (node/features), which is absent when the chain has no
indexer configured. Every value is an integer (or null where the table says so); the enclave checks each
against its range before anything is computed (node/enclave/params.py).

The model vector (`VECTOR`) is derived from them inside the enclave, the same way for the scorecard, the
PD model, the anomaly model and the rules, so none of them can read a value the others cannot see:

| name                       | from                                                                 |
|----------------------------|----------------------------------------------------------------------|
| age_days                   | (as_of - min(first_seen, first_activity)) // 86400; None if neither  |
| tx_count                   | sent transactions (the account nonce) at the assessed block          |
| balance_finney             | balance_wei // 10**15, capped at 10**15                              |
| days_since_last_activity   | (as_of - last_activity) // 86400; None without indexed activity      |
| every HISTORY_KEYS entry   | copied from `history` (None when there is no history)                |

`first_activity_timestamp` and `last_activity_timestamp` are only used for the two derived values above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

SECONDS_PER_DAY = 86_400
FINNEY = 10**15
MAX_FINNEY = 10**15
MAX_COUNT = 10**12
MAX_DAYS = 100_000
BPS = 10_000

# name -> (low, high, nullable). Counts are all-time unless the name says 30d / 7d.
HISTORY_SPEC: dict[str, tuple[int, int, bool]] = {
    "first_activity_timestamp": (0, (1 << 40) - 1, True),
    "last_activity_timestamp": (0, (1 << 40) - 1, True),
    "active_months": (0, MAX_COUNT, False),
    "tx_per_active_month_milli": (0, MAX_COUNT * 1000, False),
    "longest_gap_days": (0, MAX_DAYS, False),
    "tx_30d": (0, MAX_COUNT, False),
    "tx_7d": (0, MAX_COUNT, False),
    "counterparties": (0, MAX_COUNT, False),
    "protocols": (0, 1_000, False),
    "tokens": (0, MAX_COUNT, False),
    "inflow_hhi_bps": (0, BPS, False),
    "stablecoin_share_bps": (0, BPS, False),
    "transfers_in_30d": (0, MAX_COUNT, False),
    "swaps": (0, MAX_COUNT, False),
    "supplies": (0, MAX_COUNT, False),
    "borrows": (0, MAX_COUNT, False),
    "repays": (0, MAX_COUNT, False),
    "liquidations": (0, MAX_COUNT, False),
    "borrows_30d": (0, MAX_COUNT, False),
    "outstanding_positions": (0, MAX_COUNT, False),
    "repayment_ratio_bps": (0, BPS, True),
}
HISTORY_KEYS = tuple(HISTORY_SPEC)
HISTORY_VECTOR_KEYS = tuple(k for k in HISTORY_KEYS if not k.endswith("_timestamp"))

VECTOR: tuple[str, ...] = (
    "age_days", "tx_count", "balance_finney", "days_since_last_activity", *HISTORY_VECTOR_KEYS,
)
INDEX = {name: i for i, name in enumerate(VECTOR)}


@dataclass(frozen=True)
class WalletFeatures:
    """What the enclave reads about one wallet at one block (validated). `history` None: not indexed."""

    as_of_timestamp: int
    tx_count: int
    balance_wei: int
    first_seen_timestamp: int | None
    history: Mapping[str, int | None] | None = None

    def history_value(self, name: str) -> int | None:
        return None if self.history is None else self.history.get(name)


def age_days(features: WalletFeatures) -> int | None:
    starts = [t for t in (features.first_seen_timestamp, features.history_value("first_activity_timestamp"))
              if t is not None]
    if not starts:
        return None
    return min(MAX_DAYS, max(0, features.as_of_timestamp - min(starts)) // SECONDS_PER_DAY)


def vector(features: WalletFeatures) -> tuple[int | None, ...]:
    """The model vector, in `VECTOR` order. Integers or None (missing)."""
    last = features.history_value("last_activity_timestamp")
    values: dict[str, int | None] = {
        "age_days": age_days(features),
        "tx_count": features.tx_count,
        "balance_finney": min(MAX_FINNEY, features.balance_wei // FINNEY),
        "days_since_last_activity": (
            None if last is None else min(MAX_DAYS, max(0, features.as_of_timestamp - last) // SECONDS_PER_DAY)
        ),
    }
    for key in HISTORY_VECTOR_KEYS:
        values[key] = features.history_value(key)
    return tuple(values[name] for name in VECTOR)


def as_dict(vec: tuple[int | None, ...]) -> dict[str, int | None]:
    return dict(zip(VECTOR, vec))
