"""The features the enclave scores: what the host may send, their ranges, and the model's integer vector.

The host sends `features` (docs/protocol.md): a few values read over plain RPC, always present, and
`history`, the wallet's indexed protocol activity (chains/evm/indexer), which is absent when the chain has no
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

from collections.abc import Mapping
from dataclasses import dataclass

from chains.core.features import (
    FINNEY,
    HISTORY_KEYS,
    MAX_DAYS,
    MAX_FINNEY,
    SECONDS_PER_DAY,
)

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
