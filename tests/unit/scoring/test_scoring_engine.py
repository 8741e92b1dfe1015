"""The engine: the documented blend of scorecard and PD, rules after the blend, reasons, terms, artefacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from node.enclave.params import LoanRequest
from node.scoring.config import DEFAULT_CONFIG_PATH, ScoringConfigError, load_config
from node.scoring.engine import Engine
from node.scoring.features import WalletFeatures, as_dict, vector
from node.scoring.flags import Flag
from node.scoring.scorecard import interpolate, score_facts
from node.scoring.terms import suggest

sys_path = Path(__file__).resolve().parents[3] / "tests" / "vectors"
import sys  # noqa: E402

sys.path.insert(0, str(sys_path))
import golden  # noqa: E402

LOADED = load_config()
ENGINE = Engine.load(LOADED)
CONFIG = LOADED.config


def features(name: str) -> WalletFeatures:
    f = golden.CASES[name]["features"]
    return WalletFeatures(golden.NOW, f["tx_count"], int(f["balance_wei"]), f["first_seen_timestamp"], f.get("history"))


@pytest.mark.parametrize("name", list(golden.CASES))
def test_blend_is_the_documented_formula(name: str) -> None:
    f = features(name)
    vec = vector(f)
    result = ENGINE.assess(f)
    card = score_facts(as_dict(vec), f.balance_wei, CONFIG)
    assert ENGINE.pd_model is not None and result.pd_bps == ENGINE.pd_model.pd_bps(vec)
    points = interpolate(CONFIG.model_points, result.pd_bps)
    blended = (card.score * 40 + points * 60) // 100
    assert (result.scorecard, result.model_points) == (card.score, points)
    assert result.score <= blended  # rules only ever lower it
    assert (result.score < blended) == bool(result.flags & Flag.RULE_CAP)


def test_reasons_come_from_path_contributions() -> None:
    f = features("liquidated trader")
    result = ENGINE.assess(f)
    contributions = ENGINE.pd_model.contributions(vector(f))  # type: ignore[union-attr]
    risks = [r["feature"] for r in result.reasons["risks"]]
    assert risks and all(contributions[k] > 0 for k in risks) and len(risks) <= 3
    assert "liquidations" in risks
    assert all(contributions[r["feature"]] < 0 for r in result.reasons["strengths"])
    assert [contributions[k] for k in risks] == sorted((contributions[k] for k in risks), reverse=True)


def test_no_model_means_the_scorecard_alone(tmp_path: Path) -> None:
    raw = json.loads(DEFAULT_CONFIG_PATH.read_text())
    raw["artefacts"] = {"pd_model": None, "anomaly_model": None, "rules": None, "llm_model": None}
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(raw))
    engine = Engine.load(load_config(path))
    assert engine.parts == ()
    f = features("careful borrower")
    result = engine.assess(f)
    card = score_facts(as_dict(vector(f)), f.balance_wei, engine.config)
    assert (result.score, result.pd_bps, result.anomaly_bps, result.rules) == (card.score, card.pd_bps, 0, ())
    assert {r["dimension"] for r in result.reasons["strengths"]} <= {"activity", "maturity", "diversity", "risk"}


def test_missing_or_broken_artefacts_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    raw = json.loads(DEFAULT_CONFIG_PATH.read_text())
    raw["artefacts"]["rules"] = "/nonexistent/rules.json"
    (folder / "scorecard.json").write_text(json.dumps(raw))
    with pytest.raises(ScoringConfigError) as info:
        Engine.load(load_config(folder / "scorecard.json"))
    assert str(info.value) == "/nonexistent/rules.json: cannot read artefact rules: No such file or directory"

    raw["artefacts"]["rules"] = "rules.json"
    (folder / "scorecard.json").write_text(json.dumps(raw))
    (folder / "rules.json").write_text('{"version": 1, "rules": [{"id": "x", "when": {"fact": "nope", "op": "<", '
                                       '"value": 1}, "then": {"cap": 1}}]}')
    with pytest.raises(ScoringConfigError) as info:
        Engine.load(load_config(folder / "scorecard.json"))
    assert str(info.value) == f"{folder / 'rules.json'}: rules[0].when.fact: unknown fact 'nope'"

    shutil.copy(DEFAULT_CONFIG_PATH.parent / "rules.json", folder / "rules.json")
    (folder / "models").mkdir()
    model = json.loads((DEFAULT_CONFIG_PATH.parent / "models" / "pd_gbm.json").read_text())
    model["features"] = model["features"][::-1]
    (folder / "models" / "pd_gbm.json").write_text(json.dumps(model))
    with pytest.raises(ScoringConfigError) as info:
        Engine.load(load_config(folder / "scorecard.json"))
    assert "pd_gbm.json: " in str(info.value)


@pytest.mark.parametrize(
    ("pd_bps", "expected"),
    [
        (0, {"decision": "offer", "pd_bps": 0, "max_ltv_bps": 8000, "rate_bps": 500, "max_duration_days": 365}),
        (120, {"decision": "offer", "pd_bps": 120, "max_ltv_bps": 7500, "rate_bps": 500 + 72 * 365 // 90,
               "max_duration_days": 365}),
        (1200, {"decision": "offer", "pd_bps": 1200, "max_ltv_bps": 5000, "rate_bps": 3420, "max_duration_days": 30}),
        (2000, {"decision": "offer", "pd_bps": 2000, "max_ltv_bps": 3500, "rate_bps": 5000, "max_duration_days": 30}),
        (2500, {"decision": "decline", "reason": "pd_above_limit", "pd_bps": 2500}),
    ],
)  # fmt: skip
def test_terms(pd_bps: int, expected: dict[str, object]) -> None:
    assert suggest(pd_bps, CONFIG) == expected


def test_terms_with_a_loan_request() -> None:
    terms = suggest(300, CONFIG, LoanRequest(amount=10**9, duration_days=400))
    assert terms["duration_days"] == terms["max_duration_days"] == 180 and terms["amount"] == "1000000000"
    assert suggest(300, CONFIG, LoanRequest(amount=10**9, duration_days=14))["duration_days"] == 14
