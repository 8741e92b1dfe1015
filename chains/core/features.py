"""The features' wire form: what a chain adapter sends the enclave as a subject's `history`
(docs/protocol.md), each key with its range. The adapters produce it; the enclave checks every value against
it (node/enclave/params.py) before node/scoring reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chains.core.secp256k1 import keccak256

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


def canonical_features(features: Mapping[str, Any]) -> bytes:
    """Features in their wire form, encoded one way only: JSON with sorted keys, no spaces, ASCII escapes.
    Integers stay integers; `balance_wei` travels as a decimal string (docs/protocol.md)."""
    return json.dumps(features, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def features_hash(features: Mapping[str, Any]) -> bytes:
    """keccak-256 of `canonical_features(features)`: what anyone who re-reads the features can recompute."""
    return keccak256(canonical_features(features))
