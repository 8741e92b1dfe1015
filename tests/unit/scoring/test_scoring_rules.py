"""The risk-rules language: evaluation, and every error reported with its place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from node.scoring.flags import Flag
from node.scoring.rules import RulesError, RuleSet

PACKAGED = RuleSet.parse((Path(__file__).resolve().parents[3] / "node" / "scoring" / "rules.json").read_bytes())


def ruleset(*rules: dict[str, Any]) -> RuleSet:
    return RuleSet.parse(json.dumps({"version": 1, "rules": list(rules)}).encode(), "test.json")


def rule(when: Any, then: Any = None, rule_id: str = "r") -> dict[str, Any]:
    return {"id": rule_id, "when": when, "then": {"cap": 500} if then is None else then}


def test_comparisons_groups_and_missing_facts() -> None:
    rs = ruleset(
        rule({"all": [{"fact": "age_days", "op": "<", "value": 30}, {"fact": "tokens", "op": ">=", "value": 10}]},
             {"flags": ["BURST_ACTIVITY"], "cap": 450}, "burst"),
        rule({"any": [{"fact": "liquidations", "op": ">", "value": 0}, {"not": {"fact": "swaps", "op": "!=", "value": 7}}]},
             {"penalty": 30}, "liq_or_seven_swaps"),
        rule({"fact": "repayment_ratio_bps", "missing": True}, {"flags": ["LIMITED_DATA"]}, "never_borrowed"),
    )
    young = rs.evaluate({"age_days": 3, "tokens": 12, "liquidations": 0, "swaps": 1, "repayment_ratio_bps": 10}, 800)
    assert (young.score, young.matched) == (450, ("burst",))
    assert young.flags == Flag.BURST_ACTIVITY | Flag.RULE_CAP
    both = rs.evaluate({"age_days": 3, "tokens": 12, "liquidations": 2, "swaps": 7, "repayment_ratio_bps": None}, 800)
    # min(800 - 30, 450): penalties come off the score, then the lowest cap bounds it
    assert (both.score, both.matched) == (450, ("burst", "liq_or_seven_swaps", "never_borrowed"))
    assert both.flags == Flag.BURST_ACTIVITY | Flag.RULE_CAP | Flag.LIMITED_DATA
    # a comparison on a missing fact is false, whatever the operator, so `not` of one holds
    unknown = rs.evaluate({"age_days": None, "tokens": None, "liquidations": None, "swaps": None,
                           "repayment_ratio_bps": 5}, 800)
    assert (unknown.score, unknown.matched, unknown.flags) == (770, ("liq_or_seven_swaps",), Flag.RULE_CAP)
    known = rs.evaluate({"age_days": None, "tokens": None, "liquidations": None, "swaps": 6,
                         "repayment_ratio_bps": 5}, 800)
    assert (known.score, known.matched, known.flags) == (800, (), Flag.NONE)


def test_penalties_add_caps_take_the_lowest_and_the_score_stays_in_range() -> None:
    rs = ruleset(rule({"fact": "score", "op": ">=", "value": 0}, {"penalty": 600}, "a"),
                 rule({"fact": "score", "op": ">=", "value": 0}, {"penalty": 600, "cap": 900}, "b"),
                 rule({"fact": "score", "op": ">=", "value": 0}, {"cap": 300}, "c"))
    out = rs.evaluate({"score": 700}, 700)
    assert (out.score, out.flags) == (0, Flag.RULE_CAP)
    flag_only = ruleset(rule({"fact": "pd_bps", "op": "==", "value": 10}, {"flags": ["ANOMALOUS"]}))
    assert flag_only.evaluate({"pd_bps": 10}, 700).flags == Flag.ANOMALOUS  # no RULE_CAP: the score did not move


def test_packaged_rules() -> None:
    ids = [r.id for r in PACKAGED.rules]
    assert ids == ["fresh_burst", "thin_file", "repeat_liquidation", "recent_leverage_after_liquidation", "anomalous_new_wallet",
                   "defaulting_pd"]
    farmer = PACKAGED.evaluate({"age_days": 5, "tx_count": 9, "transfers_in_30d": 40, "liquidations": 0, "borrows_30d": 0,
                                "anomaly_bps": 7000, "pd_bps": 300}, 700)
    assert (farmer.score, farmer.matched) == (450, ("fresh_burst", "anomalous_new_wallet"))
    unlucky = PACKAGED.evaluate({"age_days": 400, "tx_count": 80, "transfers_in_30d": 1, "liquidations": 1, "borrows_30d": 4,
                                 "anomaly_bps": 7000, "pd_bps": 300}, 700)
    assert (unlucky.score, unlucky.matched, unlucky.flags) == (650, ("recent_leverage_after_liquidation",), Flag.RULE_CAP)
    empty = PACKAGED.evaluate({"age_days": None, "tx_count": 0, "pd_bps": 130}, 583)
    assert (empty.score, empty.matched) == (450, ("thin_file",))
    assert farmer.flags == Flag.BURST_ACTIVITY | Flag.ANOMALOUS | Flag.RULE_CAP


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"version": 1, "rules": [', "test.json: line 1 column 26: Expecting value"),
        (b'{"version": 1, "rules": [], "x": 1}', "test.json: <root>: unknown key 'x'"),
        (b'{"version": 2, "rules": []}', "test.json: version: must be 1"),
        (b'{"version": 1, "rules": {}}', "test.json: rules: must be a list of at most 256 rules"),
        (b'{"version": 1, "rules": [{"id": "a", "when": {"fact": "age_days", "op": "<", "value": 1.5}, "then": {"cap": 1}}]}',
         "test.json: numbers must be integers (1.5)"),
    ],
)  # fmt: skip
def test_file_errors(raw: bytes, message: str) -> None:
    with pytest.raises(RulesError) as info:
        RuleSet.parse(raw, "test.json")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("bad_rule", "message"),
    [
        (rule({"fact": "age_day", "op": "<", "value": 1}),
         "rules[1].when.fact: unknown fact 'age_day' (did you mean 'age_days'?)"),
        (rule({"fact": "age_days", "op": "=>", "value": 1}),
         "rules[1].when.op: unknown operator '=>' (one of < <= > >= == !=)"),
        (rule({"fact": "age_days", "op": "<", "value": "1"}), "rules[1].when.value: must be an integer"),
        (rule({"fact": "age_days", "op": "<", "value": True}), "rules[1].when.value: must be an integer"),
        (rule({"all": []}), "rules[1].when.all: must be a non-empty list"),
        (rule({"all": [{"fact": "tokens", "op": "<", "value": 1}, {"fact": "tokenz", "op": "<", "value": 1}]}),
         "rules[1].when.all[1].fact: unknown fact 'tokenz' (did you mean 'tokens'?)"),
        (rule({"any": [{"not": {"fact": "tokens", "opp": "<", "value": 1}}]}),
         "rules[1].when.any[0].not: unknown key 'opp' (did you mean 'op'?)"),
        (rule({"alll": []}), "rules[1].when: unknown key 'alll' (did you mean 'all'?)"),
        (rule({}), "rules[1].when: must be a non-empty object (all, any, not, or a comparison)"),
        (rule({"fact": "tokens", "missing": "yes"}), "rules[1].when.missing: must be true or false"),
        (rule({"fact": "tokens", "op": "<", "value": 1}, {}), "rules[1].then: needs at least one of flags, cap, penalty"),
        (rule({"fact": "tokens", "op": "<", "value": 1}, {"cap": 1001}), "rules[1].then.cap: must be between 0 and 1000"),
        (rule({"fact": "tokens", "op": "<", "value": 1}, {"flags": ["SYBIL"]}), "rules[1].then.flags[0]: unknown flag 'SYBIL'"),
        (rule({"fact": "tokens", "op": "<", "value": 1}, {"block": True}),
         "rules[1].then: unknown key 'block'"),
        (rule({"fact": "tokens", "op": "<", "value": 1}, rule_id="bad id!"),
         "rules[1].id: must be 1-64 ASCII letters, digits or _"),
        (rule({"fact": "tokens", "op": "<", "value": 1}, rule_id="first"), "rules[1].id: duplicate id 'first'"),
    ],
)  # fmt: skip
def test_rule_errors_name_their_place(bad_rule: dict[str, Any], message: str) -> None:
    good = rule({"fact": "tokens", "op": ">", "value": 0}, rule_id="first")
    with pytest.raises(RulesError) as info:
        ruleset(good, bad_rule)
    assert str(info.value) == f"test.json: {message}"


def test_nesting_depth_is_bounded() -> None:
    cond: dict[str, Any] = {"fact": "tokens", "op": "<", "value": 1}
    for _ in range(8):
        cond = {"not": cond}
    with pytest.raises(RulesError) as info:
        ruleset(rule(cond))
    assert str(info.value).endswith(": conditions nest deeper than 8")
