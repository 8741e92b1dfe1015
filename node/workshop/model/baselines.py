"""The seeds' rule-based scores, over the same model vector, for comparison in `aura model evaluate`.

Both give a score where higher means lower risk; neither gives a probability, so only AUC and KS apply.

- TigerTrust (seed 003, "Score Calculation Algorithm"), with the inputs this node has: successful
  repayments = repays, defaults = liquidations, on-time rate = repayment ratio, wallet age, tx count, DeFi
  protocols, recent activity = min(100, 10 x transactions in 30 days), network score = min(100, 2 x
  counterparties), smart-contract count = swaps + supplies + borrows + repays. Inputs it uses that no chain
  has (human verification, credentials, NFTs) are 0; anomaly flags are not counted.
- Reputa fallback (seed 001): min(1000, tx_count x 10).
"""

from __future__ import annotations

from collections.abc import Mapping


def _v(facts: Mapping[str, int | None], name: str) -> int:
    value = facts.get(name)
    return 0 if value is None else value


def tigertrust(facts: Mapping[str, int | None]) -> int:
    score = 300
    score += _v(facts, "repays") * 60
    score -= _v(facts, "liquidations") * 120
    ratio = facts.get("repayment_ratio_bps")
    if ratio is not None and ratio > 9500:
        score += 50
    if _v(facts, "age_days") > 180:
        score += 40
    if _v(facts, "tx_count") > 100:
        score += 40
    score += _v(facts, "protocols") * 10
    score += min(100, 10 * _v(facts, "tx_30d")) // 2
    score += min(100, 2 * _v(facts, "counterparties")) * 3 // 10
    if _v(facts, "swaps") + _v(facts, "supplies") + _v(facts, "borrows") + _v(facts, "repays") > 50:
        score += 30
    return max(0, min(1000, score))


def reputa_fallback(facts: Mapping[str, int | None]) -> int:
    return min(1000, _v(facts, "tx_count") * 10)
