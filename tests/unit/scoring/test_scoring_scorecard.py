"""The scorecard: tables, dimensions, weights, tiers, PD mapping, flags, integer-only arithmetic."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from node.scoring import DEFAULT_CONFIG_PATH, DIMENSIONS, Flag, WalletFeatures, assess, flag_names, load_config
from node.scoring.features import HISTORY_KEYS, as_dict, vector
from node.scoring.flags import ALL_FLAGS
from node.scoring.scorecard import activity, diversity, interpolate, maturity, pd_bps_of, risk, step, tier_of

CONFIG = load_config().config
T = 1_700_000_000
DAY = 86_400
ETH = 10**18


def history(**values: int | None) -> dict[str, int | None]:
    """A full `history` object: every count 0 and no activity, except what is given."""
    base: dict[str, int | None] = {k: 0 for k in HISTORY_KEYS}
    base.update(first_activity_timestamp=None, last_activity_timestamp=None, repayment_ratio_bps=None)
    base.update(values)
    return base


def wallet(tx: int = 0, balance: int = 0, age_days: int | None = None, **hist: int | None) -> WalletFeatures:
    first_seen = None if age_days is None else T - age_days * DAY
    return WalletFeatures(T, tx, balance, first_seen, history(**hist) if hist else None)


def facts(f: WalletFeatures) -> dict[str, int | None]:
    return as_dict(vector(f))


def act(f: WalletFeatures) -> int:
    points, _ = activity(facts(f), CONFIG)
    return points


def test_step_tables() -> None:
    table = [(0, 0), (1, 5), (10, 20)]
    assert [step(table, x) for x in (0, 1, 9, 10, 10**9)] == [0, 5, 5, 20, 20]


@pytest.mark.parametrize(
    ("tx", "expected"), [(0, 0), (1, 5), (4, 5), (5, 12), (99, 38), (100, 45), (999, 57), (1000, 60), (10**9, 60)]
)
def test_activity_count_points_without_age(tx: int, expected: int) -> None:
    assert act(wallet(tx)) == expected


def test_activity_rate_uses_age_in_months() -> None:
    # 60 txs over 365 days: 13 months -> 4 tx/month -> 25 rate points; 50..99 txs -> 38 count points
    assert act(wallet(60, age_days=365)) == 38 + 25
    # same count in one month: 60 tx/month -> 40 rate points
    assert act(wallet(60, age_days=20)) == 38 + 40
    assert act(wallet(0, age_days=1000)) == 0
    assert act(wallet(5000, age_days=0)) == 100


def test_activity_with_history_uses_active_months_and_flags_dormancy() -> None:
    # 60 txs, 8 indexed txs per active month -> 32 rate points
    lively = wallet(60, ETH, 400, active_months=5, tx_per_active_month_milli=8_000,
                    first_activity_timestamp=T - 400 * DAY, last_activity_timestamp=T - 2 * DAY)
    assert activity(facts(lively), CONFIG) == (38 + 32, Flag.NONE)
    asleep = wallet(60, ETH, 400, active_months=5, tx_per_active_month_milli=8_000,
                    first_activity_timestamp=T - 400 * DAY, last_activity_timestamp=T - 181 * DAY)
    assert activity(facts(asleep), CONFIG) == (38 + 32 - 15, Flag.DORMANT)


@pytest.mark.parametrize(
    ("age", "points", "flag"),
    [(None, 10, Flag.AGE_UNKNOWN), (0, 5, Flag.NEW_WALLET), (29, 12, Flag.NEW_WALLET), (30, 25, Flag.NONE),
     (364, 55, Flag.NONE), (365, 70, Flag.NONE), (1460, 100, Flag.NONE), (5000, 100, Flag.NONE)],
)  # fmt: skip
def test_maturity(age: int | None, points: int, flag: Flag) -> None:
    assert maturity(facts(wallet(1, ETH, age)), CONFIG) == (points, flag)


def test_maturity_uses_whole_days() -> None:
    almost = WalletFeatures(T, 1, ETH, T - 30 * DAY + 1)
    assert maturity(facts(almost), CONFIG) == (12, Flag.NEW_WALLET)


def test_maturity_takes_the_earlier_of_first_seen_and_first_indexed_activity() -> None:
    older_history = wallet(1, ETH, 10, active_months=1, first_activity_timestamp=T - 400 * DAY,
                           last_activity_timestamp=T - 400 * DAY)
    assert maturity(facts(older_history), CONFIG) == (70, Flag.NONE)


def test_diversity_missing_is_neutral_low_and_flagged() -> None:
    assert diversity(facts(wallet()), CONFIG) == (30, Flag.LIMITED_DATA)
    assert diversity(facts(wallet(counterparties=300, protocols=8, tokens=20)), CONFIG) == (100, Flag.NONE)
    assert diversity(facts(wallet(counterparties=0, protocols=0, tokens=0)), CONFIG) == (0, Flag.NONE)
    assert diversity(facts(wallet(protocols=3)), CONFIG) == (30, Flag.NONE)


def test_diversity_concentration_red_flag() -> None:
    spread = wallet(counterparties=30, protocols=2, tokens=5, inflow_hhi_bps=6_999)
    assert diversity(facts(spread), CONFIG) == (25 + 22 + 12, Flag.NONE)
    one_token = wallet(counterparties=30, protocols=2, tokens=5, inflow_hhi_bps=7_000)
    assert diversity(facts(one_token), CONFIG) == (25 + 22 + 12 - 8, Flag.HIGH_CONCENTRATION)


@pytest.mark.parametrize(
    ("tx", "balance", "points", "flags"),
    [
        (0, 0, 10, Flag.ZERO_BALANCE | Flag.NO_ACTIVITY),
        (0, 5 * ETH, 20, Flag.NO_ACTIVITY),  # no history caps the dimension
        (5, 0, 10, Flag.ZERO_BALANCE),
        (50, 0, 0, Flag.ZERO_BALANCE | Flag.LOW_BALANCE),
        (50, 10**15, 30, Flag.LOW_BALANCE),
        (5, 10**15, 40, Flag.NONE),  # not active enough for LOW_BALANCE
        (50, 10**16, 50, Flag.NONE),
        (50, ETH, 70, Flag.NONE),
        (50, 1000 * ETH, 85, Flag.NONE),
    ],
)
def test_risk(tx: int, balance: int, points: int, flags: Flag) -> None:
    assert risk(facts(wallet(tx, balance, 400)), balance, CONFIG) == (points, flags)


@pytest.mark.parametrize(
    ("hist", "points", "flags"),
    [
        ({"active_months": 3}, 70, Flag.NONE),  # history, never borrowed: the plain balance risk
        ({"active_months": 3, "borrows": 4, "repays": 4, "repayment_ratio_bps": 10_000}, 82, Flag.NONE),
        ({"active_months": 3, "borrows": 4, "repays": 3, "repayment_ratio_bps": 9_000, "outstanding_positions": 1},
         70 + 0 - 5, Flag.OUTSTANDING_DEBT),
        ({"active_months": 3, "borrows": 4, "repayment_ratio_bps": 1_000, "liquidations": 1}, 70 - 30 - 20,
         Flag.LIQUIDATED),
        ({"active_months": 3, "borrows": 9, "repayment_ratio_bps": 0, "liquidations": 7, "outstanding_positions": 2},
         0, Flag.LIQUIDATED | Flag.OUTSTANDING_DEBT),  # at most 3 liquidations counted; clamped at 0
    ],
)  # fmt: skip
def test_risk_red_flags_from_lending_history(hist: dict[str, int], points: int, flags: Flag) -> None:
    assert risk(facts(wallet(50, ETH, 400, **hist)), ETH, CONFIG) == (points, flags)


def test_total_is_the_weighted_sum() -> None:
    result = assess(wallet(2500, 2 * ETH, 1300), CONFIG)
    d = result.dimensions
    assert list(d) == list(DIMENSIONS)
    assert result.score == (d["activity"] * 20 + d["maturity"] * 20 + d["diversity"] * 20 + d["risk"] * 25 + d["intent"] * 15) // 10
    assert d["intent"] == 50


def test_tiers() -> None:
    assert [tier_of(s, CONFIG) for s in (0, 599, 600, 799, 800, 1000)] == [0, 0, 1, 1, 2, 2]


def test_pd_mapping_monotone_and_bounded() -> None:
    values = [pd_bps_of(s, CONFIG) for s in range(1001)]
    assert all(0 <= v <= 10_000 for v in values)
    assert all(a >= b for a, b in zip(values, values[1:]))
    assert (values[0], values[300], values[600], values[800], values[1000]) == (5000, 3000, 800, 200, 50)
    assert values[650] == 600  # linear between (600, 800) and (700, 400)


HISTORIES = {
    "fresh, no txs": wallet(0, 0, None),
    "fresh, funded": wallet(0, ETH // 10, 2),
    "new, active": wallet(20, ETH // 2, 10),
    "old, idle": wallet(3, ETH // 20, 1500),
    "old, drained": wallet(800, 10**14, 900),
    "old, active": wallet(2500, 2 * ETH, 1300),
    "old, active, diverse": wallet(2500, 2 * ETH, 1300, counterparties=300, protocols=6, tokens=40,
                                   active_months=40, tx_per_active_month_milli=60_000,
                                   first_activity_timestamp=T - 1300 * DAY, last_activity_timestamp=T - DAY),
}
EXPECTED = {  # (score, tier, pd_bps, flags)
    "fresh, no txs": (180, 0, 3800, Flag.NO_ACTIVITY | Flag.AGE_UNKNOWN | Flag.LIMITED_DATA | Flag.ZERO_BALANCE),
    "fresh, funded": (195, 0, 3700, Flag.NO_ACTIVITY | Flag.NEW_WALLET | Flag.LIMITED_DATA),
    "new, active": (423, 0, 2077, Flag.NEW_WALLET | Flag.LIMITED_DATA),
    "old, idle": (470, 0, 1725, Flag.LIMITED_DATA),
    "old, drained": (543, 0, 1199, Flag.LIMITED_DATA | Flag.LOW_BALANCE),
    "old, active": (700, 1, 400, Flag.LIMITED_DATA),
    "old, active, diverse": (832, 2, 168, Flag.NONE),
}


@pytest.mark.parametrize("name", list(HISTORIES))
def test_histories(name: str) -> None:
    r = assess(HISTORIES[name], CONFIG)
    assert (r.score, r.tier, r.pd_bps, r.flags) == EXPECTED[name]


def test_histories_are_clearly_apart() -> None:
    scores = {name: assess(f, CONFIG).score for name, f in HISTORIES.items()}
    assert scores["old, active"] - scores["fresh, no txs"] >= 400
    assert scores["old, active"] - scores["old, idle"] >= 150
    assert scores["old, idle"] - scores["fresh, no txs"] >= 200
    assert scores["old, active, diverse"] > scores["old, active"]


def test_everything_is_int() -> None:
    for features in HISTORIES.values():
        r = assess(features, CONFIG)
        for value in (r.score, r.tier, r.pd_bps, *r.dimensions.values()):
            assert type(value) is int
        assert isinstance(r.flags, int) and type(int(r.flags)) is int
        assert 0 <= r.score <= 1000 and all(0 <= v <= 100 for v in r.dimensions.values())


def test_extremes() -> None:
    top = assess(wallet(10**12, 10**30, 10**5, counterparties=10**12, protocols=1000, tokens=10**12,
                        active_months=10**6, tx_per_active_month_milli=10**12, borrows=5, repays=5,
                        repayment_ratio_bps=10_000), CONFIG)
    assert top.score == (100 * 20 + 100 * 20 + 100 * 20 + 97 * 25 + 50 * 15) // 10
    bottom = assess(wallet(0, 0, None, counterparties=0, protocols=0, tokens=0), CONFIG)
    assert bottom.score == (0 + 10 * 20 + 0 + 10 * 25 + 50 * 15) // 10


def test_interpolate() -> None:
    table = [(0, 1000), (100, 900), (1000, 0)]
    assert [interpolate(table, x) for x in (0, 50, 100, 550, 1000, 5000)] == [1000, 950, 900, 450, 0, 0]


# llm.py is the one exception: llama.cpp takes its sampling settings as floats, and its output is only ever
# one of a few enum values (node/scoring/llm.py), never a number that reaches the score.
SCORING_PATH = sorted(p for p in (Path(__file__).resolve().parents[3] / "node" / "scoring").glob("*.py")
                      if p.name != "llm.py")


@pytest.mark.parametrize("path", SCORING_PATH, ids=[p.name for p in SCORING_PATH])
def test_no_floats_on_the_scoring_path(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), f"float literal in {path.name}"
        assert not isinstance(node, ast.Div), f"true division in {path.name}:{node.lineno}"
        assert not (isinstance(node, ast.Name) and node.id == "float"), f"float() in {path.name}"


def test_packaged_config_values() -> None:
    raw = json.loads(DEFAULT_CONFIG_PATH.read_text())
    assert raw["assessment_ttl_s"] == 3600 and raw["max_clock_skew_s"] == 900
    assert raw["weights"] == {"activity": 20, "maturity": 20, "diversity": 20, "risk": 25, "intent": 15}
    assert raw["tiers"] == {"standard": 600, "premium": 800}


def test_flags() -> None:
    bits = [f for f in Flag if f is not Flag.NONE]
    assert len({int(f) for f in bits}) == len(bits)
    assert all(int(f) & (int(f) - 1) == 0 and int(f) < 2**32 for f in bits)
    assert [f.name for f in bits] == [
        "NO_ACTIVITY", "NEW_WALLET", "AGE_UNKNOWN", "LIMITED_DATA", "ZERO_BALANCE", "LOW_BALANCE", "LIQUIDATED",
        "OUTSTANDING_DEBT", "HIGH_CONCENTRATION", "DORMANT", "BURST_ACTIVITY", "ANOMALOUS", "RULE_CAP",
        "UNDISCLOSED_LIABILITY", "INTENT_MISMATCH", "QUESTIONNAIRE",
        "CONTRACT_ACCOUNT"]  # bit positions are wire format: append only
    assert (int(Flag.NO_ACTIVITY), int(Flag.LIMITED_DATA), int(Flag.LOW_BALANCE), int(Flag.QUESTIONNAIRE),
            int(Flag.CONTRACT_ACCOUNT)) == (1, 8, 32, 1 << 15, 1 << 16)
    assert flag_names(int(Flag.LIMITED_DATA | Flag.NO_ACTIVITY)) == ["NO_ACTIVITY", "LIMITED_DATA"]
    assert flag_names(1 << 31) == ["BIT_31"]
    assert int(ALL_FLAGS) == sum(int(f) for f in bits) == (1 << 17) - 1
