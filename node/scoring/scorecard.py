"""The Reputa five-dimension scorecard in integer arithmetic: features in, score/tier/PD/flags out.

Dimensions, each 0..100:

- activity:  `activity.tx_count_points[tx_count]` + `activity.tx_per_month_points[tx_count // months]`,
  months = wallet age in 30-day months, at least 1. With the age unknown the rate part is 0.
- maturity:  `maturity.age_days_points[age_days]`, age_days = (as_of - first_seen) // 86400;
  unknown first-seen -> `maturity.unknown_age_points` + AGE_UNKNOWN; age < `new_wallet_days` -> NEW_WALLET.
- diversity: sum of the counterparties / protocols / tokens tables. A feature the indexer did not supply
  scores its neutral-low `diversity.missing_points` entry and sets LIMITED_DATA (today's indexer supplies
  none of them, so diversity is 12 + 12 + 6 = 30 with the packaged config).
- risk:      `risk.base` + `risk.balance_wei_points[balance]`; ZERO_BALANCE at 0 wei; an active wallet
  (tx_count >= `low_balance_min_tx`) below `low_balance_wei` loses `low_balance_penalty` (LOW_BALANCE);
  a wallet with no sent transaction (NO_ACTIVITY) is capped at `no_history_cap`. Borrow/repay/liquidation
  history joins this dimension when the indexer provides it.
- intent:    `intent.neutral` (50) until questionnaires exist.

A table `[[threshold, points], ...]` gives the points of the last row whose threshold is <= the input.
Total = sum(weight * dimension) // 10 with weights in tenths summing to 100, so 0..1000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from node.scoring.config import ScoringConfig
from node.scoring.flags import Flag

SECONDS_PER_DAY = 86_400
DAYS_PER_MONTH = 30
DIMENSIONS = ("activity", "maturity", "diversity", "risk", "intent")


@dataclass(frozen=True)
class WalletFeatures:
    """What the scorecard reads about one wallet at one block. Optional diversity features may be None."""

    as_of_timestamp: int
    tx_count: int
    balance_wei: int
    first_seen_timestamp: int | None
    counterparties: int | None = None
    protocols: int | None = None
    tokens: int | None = None


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


def _clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


def _age_days(features: WalletFeatures) -> int | None:
    if features.first_seen_timestamp is None:
        return None
    return max(0, features.as_of_timestamp - features.first_seen_timestamp) // SECONDS_PER_DAY


def activity(features: WalletFeatures, config: ScoringConfig) -> int:
    table = config.activity
    points = step(table.tx_count_points, features.tx_count)
    age_days = _age_days(features)
    if age_days is not None:
        months = max(1, -(-age_days // DAYS_PER_MONTH))
        points += step(table.tx_per_month_points, features.tx_count // months)
    return _clamp(points)


def maturity(features: WalletFeatures, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.maturity
    age_days = _age_days(features)
    if age_days is None:
        return _clamp(table.unknown_age_points), Flag.AGE_UNKNOWN
    flags = Flag.NEW_WALLET if age_days < table.new_wallet_days else Flag.NONE
    return _clamp(step(table.age_days_points, age_days)), flags


def diversity(features: WalletFeatures, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.diversity
    flags = Flag.NONE
    points = 0
    for name, rows, missing in (
        ("counterparties", table.counterparties_points, table.missing_points.counterparties),
        ("protocols", table.protocols_points, table.missing_points.protocols),
        ("tokens", table.tokens_points, table.missing_points.tokens),
    ):
        value = getattr(features, name)
        if value is None:
            points += missing
            flags |= Flag.LIMITED_DATA
        else:
            points += step(rows, value)
    return _clamp(points), flags


def risk(features: WalletFeatures, config: ScoringConfig) -> tuple[int, Flag]:
    table = config.risk
    flags = Flag.NONE
    points = table.base + step(table.balance_wei_points, features.balance_wei)
    if features.balance_wei == 0:
        flags |= Flag.ZERO_BALANCE
    if features.tx_count >= table.low_balance_min_tx and features.balance_wei < table.low_balance_wei:
        points -= table.low_balance_penalty
        flags |= Flag.LOW_BALANCE
    if features.tx_count == 0:
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
    """Probability of default in basis points: a CALIBRATION PLACEHOLDER until the trained model lands.

    Piecewise-linear interpolation (integer floor division) between the `pd_bps` rows of the config,
    which go from score 0 to score 1000 with a non-increasing PD, so the mapping is monotone
    non-increasing in the score. The numbers are not fitted to default data.
    """
    table = config.pd_bps
    for (s0, p0), (s1, p1) in zip(table, table[1:]):
        if score <= s1:
            return p0 + (p1 - p0) * (score - s0) // (s1 - s0)
    return table[-1][1]


def assess(features: WalletFeatures, config: ScoringConfig) -> ScoreResult:
    act = activity(features, config)
    mat, mat_flags = maturity(features, config)
    div, div_flags = diversity(features, config)
    rsk, rsk_flags = risk(features, config)
    intent = _clamp(config.intent.neutral)
    dimensions = {"activity": act, "maturity": mat, "diversity": div, "risk": rsk, "intent": intent}
    weights = config.weights
    total = (
        act * weights.activity
        + mat * weights.maturity
        + div * weights.diversity
        + rsk * weights.risk
        + intent * weights.intent
    ) // 10
    score = _clamp(total, 0, 1000)
    flags = mat_flags | div_flags | rsk_flags
    return ScoreResult(
        score=score,
        tier=tier_of(score, config),
        pd_bps=pd_bps_of(score, config),
        flags=Flag(flags),
        dimensions=dimensions,
    )
