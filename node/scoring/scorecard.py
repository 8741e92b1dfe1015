"""The Reputa five-dimension scorecard in integer arithmetic, with the seed's red flags.

Features come in as the model vector (node/scoring/features.py); `history` values are None when the chain
has no indexer. Dimensions, each 0..100:

- activity:  `tx_count_points[tx_count]` + `tx_per_month_points[rate]`, rate = indexed transactions per
  active month when there is history, else tx_count per 30-day month of age (0 with the age unknown).
  Red flag DORMANT: no indexed activity for more than `dormant_days` -> minus `dormant_penalty`.
- maturity:  `age_days_points[age_days]`; unknown age -> `unknown_age_points` + AGE_UNKNOWN;
  age < `new_wallet_days` -> NEW_WALLET.
- diversity: sum of the counterparties / protocols / tokens tables. Without history: the neutral-low
  `missing_points` and LIMITED_DATA. Red flag HIGH_CONCENTRATION: incoming transfers' Herfindahl index at
  or above `concentration_hhi_bps` -> minus `concentration_penalty`.
- risk:      `base` + `balance_wei_points[balance]`; ZERO_BALANCE at 0 wei; an active wallet
  (tx_count >= `low_balance_min_tx`) below `low_balance_wei` loses `low_balance_penalty` (LOW_BALANCE).
  With lending history (the seed's red flags): a wallet that borrowed gets `repayment_points[repayment
  ratio]`; each liquidation (up to `max_liquidations_counted`) costs `liquidation_penalty` (LIQUIDATED);
  an open debt position costs `outstanding_penalty` (OUTSTANDING_DEBT). A wallet that never sent a
  transaction (NO_ACTIVITY) is capped at `no_history_cap`.
- intent:    given by the questionnaire (node/scoring/intent.py); `intent.neutral` without one.

A table `[[threshold, points], ...]` gives the points of the last row whose threshold is <= the input.
Total = sum(weight * dimension) // 10 with weights in tenths summing to 100, so 0..1000.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from node.scoring.config import ScoringConfig
from node.scoring.features import WalletFeatures, as_dict, vector
from node.scoring.flags import Flag

DAYS_PER_MONTH = 30
DIMENSIONS = ("activity", "maturity", "diversity", "risk", "intent")

Facts = Mapping[str, int | None]


@dataclass(frozen=True)
class ScoreResult:
    score: int
    tier: int
    pd_bps: int
    flags: Flag
    dimensions: dict[str, int]


def step(table: Sequence[tuple[int, int]], value: int) -> int:
    """Points of the last row whose threshold is <= value (tables start at threshold 0)."""
    points = table[0][1]
    for threshold, row_points in table:
        if value < threshold:
            break
        points = row_points
    return points


def interpolate(table: Sequence[tuple[int, int]], x: int) -> int:
    """Piecewise-linear through the rows (x strictly increasing), integer floor division, flat past the ends."""
    if x <= table[0][0]:
        return table[0][1]
    for (x0, y0), (x1, y1) in zip(table, table[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) // (x1 - x0)
    return table[-1][1]


def _clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


def _has_history(f: Facts) -> bool:
    return f["active_months"] is not None


def activity(f: Facts, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.activity
    tx_count = f["tx_count"] or 0
    points = step(table.tx_count_points, tx_count)
    flags = Flag.NONE
    if _has_history(f):
        rate = (f["tx_per_active_month_milli"] or 0) // 1000
        points += step(table.tx_per_month_points, rate)
        idle = f["days_since_last_activity"]
        if idle is not None and idle > table.dormant_days:
            points -= table.dormant_penalty
            flags |= Flag.DORMANT
    elif f["age_days"] is not None:
        months = max(1, -(-f["age_days"] // DAYS_PER_MONTH))
        points += step(table.tx_per_month_points, tx_count // months)
    return _clamp(points), flags


def maturity(f: Facts, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.maturity
    age_days = f["age_days"]
    if age_days is None:
        return _clamp(table.unknown_age_points), Flag.AGE_UNKNOWN
    flags = Flag.NEW_WALLET if age_days < table.new_wallet_days else Flag.NONE
    return _clamp(step(table.age_days_points, age_days)), flags


def diversity(f: Facts, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.diversity
    if not _has_history(f):
        missing = table.missing_points
        return _clamp(missing.counterparties + missing.protocols + missing.tokens), Flag.LIMITED_DATA
    points = (step(table.counterparties_points, f["counterparties"] or 0)
              + step(table.protocols_points, f["protocols"] or 0)
              + step(table.tokens_points, f["tokens"] or 0))
    flags = Flag.NONE
    has_inflows = (f["transfers_in_30d"] or 0) + (f["tokens"] or 0) > 0
    if has_inflows and (f["inflow_hhi_bps"] or 0) >= table.concentration_hhi_bps:
        points -= table.concentration_penalty
        flags |= Flag.HIGH_CONCENTRATION
    return _clamp(points), flags


def risk(f: Facts, balance_wei: int, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.risk
    flags = Flag.NONE
    tx_count = f["tx_count"] or 0
    points = table.base + step(table.balance_wei_points, balance_wei)
    if balance_wei == 0:
        flags |= Flag.ZERO_BALANCE
    if tx_count >= table.low_balance_min_tx and balance_wei < table.low_balance_wei:
        points -= table.low_balance_penalty
        flags |= Flag.LOW_BALANCE
    if _has_history(f):
        if (f["borrows"] or 0) > 0:
            points += step(table.repayment_points, f["repayment_ratio_bps"] or 0)
        liquidations = f["liquidations"] or 0
        if liquidations:
            points -= min(liquidations, table.max_liquidations_counted) * table.liquidation_penalty
            flags |= Flag.LIQUIDATED
        if (f["outstanding_positions"] or 0) > 0:
            points -= table.outstanding_penalty
            flags |= Flag.OUTSTANDING_DEBT
    if tx_count == 0:
        points = min(points, table.no_history_cap)
        flags |= Flag.NO_ACTIVITY
    return _clamp(points), flags


def tier_of(score: int, config: ScoringConfig) -> int:
    """0 Basic, 1 Standard, 2 Premium."""
    if score >= config.tiers.premium:
        return 2
    if score >= config.tiers.standard:
        return 1
    return 0


def pd_bps_of(score: int, config: ScoringConfig) -> int:
    """The scorecard's own PD, used only when no PD model is configured: piecewise-linear through the
    `pd_bps` rows (score 0..1000, PD non-increasing). Not fitted to default data."""
    return interpolate(config.pd_bps, score)


def score_facts(f: Facts, balance_wei: int, config: ScoringConfig, intent: int | None = None) -> ScoreResult:
    """The scorecard over the model vector's facts; `intent` (0..100) from a questionnaire, else neutral."""
    act, act_flags = activity(f, config)
    mat, mat_flags = maturity(f, config)
    div, div_flags = diversity(f, config)
    rsk, rsk_flags = risk(f, balance_wei, config)
    itn = _clamp(config.intent.neutral if intent is None else intent)
    dimensions = {"activity": act, "maturity": mat, "diversity": div, "risk": rsk, "intent": itn}
    weights = config.weights
    total = (act * weights.activity + mat * weights.maturity + div * weights.diversity
             + rsk * weights.risk + itn * weights.intent) // 10
    score = _clamp(total, 0, 1000)
    return ScoreResult(score=score, tier=tier_of(score, config), pd_bps=pd_bps_of(score, config),
                       flags=Flag(act_flags | mat_flags | div_flags | rsk_flags), dimensions=dimensions)


def assess(features: WalletFeatures, config: ScoringConfig, intent: int | None = None) -> ScoreResult:
    """The scorecard alone, from validated features."""
    return score_facts(as_dict(vector(features)), features.balance_wei, config, intent)
