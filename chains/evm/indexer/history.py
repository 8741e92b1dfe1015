"""The `history` object the host sends the enclave (node/scoring/features.py), from `compute_features`."""

from __future__ import annotations

from typing import Any

from chains.core.features import HISTORY_KEYS


def _total(counts: dict[str, int]) -> int:
    return sum(counts.values())


def history_from(features: dict[str, Any]) -> dict[str, int | None]:
    """Flatten `compute_features(...)` into the enclave's `history` keys (all-time unless named 30d / 7d)."""
    all_, d30, d7 = features["windows"]["all"], features["windows"]["30d"], features["windows"]["7d"]
    history: dict[str, int | None] = {
        "first_activity_timestamp": features["first_activity"],
        "last_activity_timestamp": features["last_activity"],
        "active_months": all_["active_months"],
        "tx_per_active_month_milli": all_["tx_per_active_month_milli"],
        "longest_gap_days": all_["longest_gap_days"],
        "tx_30d": d30["tx_count"],
        "tx_7d": d7["tx_count"],
        "counterparties": all_["unique_counterparties"],
        "protocols": all_["protocol_count"],
        "tokens": all_["token_count"],
        "inflow_hhi_bps": all_["inflow_hhi_bps"],
        "stablecoin_share_bps": all_["stablecoin_share_bps"],
        "transfers_in_30d": d30["transfer_in_count"],
        "swaps": all_["swap_count"],
        "supplies": all_["supply_count"],
        "borrows": _total(all_["borrow_count"]),
        "repays": _total(all_["repay_count"]),
        "liquidations": _total(all_["liquidation_count"]),
        "borrows_30d": _total(d30["borrow_count"]),
        "outstanding_positions": features["outstanding_positions"],
        "repayment_ratio_bps": all_["repayment_ratio_bps"],
    }
    assert tuple(history) == HISTORY_KEYS
    return history
