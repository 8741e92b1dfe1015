"""Suggested loan terms from the PD and an optional loan request (integer maths, as in the AI Risk Oracle seed).

- decline: PD >= `decline_pd_bps` -> no terms are offered (`decision` "decline").
- max LTV: `max_ltv_bps[PD]` (the row with the highest PD threshold <= PD).
- rate (annual, bps) = `base_rate_bps` + expected loss + `margin_bps`, capped at `max_rate_bps`, where the
  expected loss per year = PD x LGD scaled from the PD's horizon to a year:
  `pd_bps * lgd_bps // 10000 * 365 // horizon_days`.
- duration: `max_duration_days[PD]`; with a loan request, the shorter of that and the asked duration.
- With a loan request, `max_amount` is the asked amount (the LTV bounds it against collateral on-chain).

Terms are advice for the consuming protocol; they are returned with the assessment, not signed on-chain.
"""

from __future__ import annotations

from typing import Any

from node.scoring.config import ScoringConfig
from node.scoring.scorecard import step

BPS = 10_000
DAYS_PER_YEAR = 365


def suggest(pd_bps: int, config: ScoringConfig, loan: Any = None) -> dict[str, Any]:
    """`loan` has `amount` and `duration_days` (node.enclave.params.LoanRequest) or is None."""
    terms = config.terms
    if pd_bps >= terms.decline_pd_bps:
        return {"decision": "decline", "reason": "pd_above_limit", "pd_bps": pd_bps}
    expected_loss = pd_bps * terms.lgd_bps // BPS * DAYS_PER_YEAR // terms.horizon_days
    rate = min(terms.max_rate_bps, terms.base_rate_bps + expected_loss + terms.margin_bps)
    duration = step(terms.max_duration_days, pd_bps)
    result: dict[str, Any] = {
        "decision": "offer",
        "pd_bps": pd_bps,
        "max_ltv_bps": step(terms.max_ltv_bps, pd_bps),
        "rate_bps": rate,
        "max_duration_days": duration,
    }
    if loan is not None:
        result["duration_days"] = min(duration, loan.duration_days)
        result["amount"] = str(loan.amount)
    return result
