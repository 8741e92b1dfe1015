"""Ratio inputs of the integer GBM (node/scoring/gbm.py, version 2): what the enclave computes from the vector, what
it refuses, and that a model trained with ratios (node/workshop/model/export.py) scores as xgboost does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from node.scoring.gbm import INT64_MAX, INT64_MIN, GbmModel, ModelError, Ratio
from node.workshop.model import realdata
from node.workshop.model.export import SCALE, export_gbm, logistic_cutpoints, ratios_between, train_gbm, with_ratios
from tests.unit.model.artefact_edits import Edit, refusal, set_at

MARGIN_TOLERANCE = 1e-5  # as for the models without ratios (test_model_gbm.py)


def test_a_ratio_is_a_floored_quotient_per_unit_of_the_denominator() -> None:
    per_month = Ratio("amount/months", 0, 1, 10_000)
    assert per_month.of([1_000, 12]) == 833_333        # 1000 / 12 = 83.3333 -> 833,333 ten-thousandths
    assert per_month.of([-1_000, 12]) == -833_334      # floor, not truncation
    assert per_month.of([7, 0]) == 70_000              # a denominator below one counts as one
    assert per_month.of([7, -5]) == 70_000
    assert per_month.of([None, 12]) is None and per_month.of([7, None]) is None
    assert per_month.of([1 << 62, 1]) == INT64_MAX     # clamped to the signed 64-bit range
    assert per_month.of([-(1 << 62), 1]) == INT64_MIN


def ratio_artefact() -> dict[str, Any]:
    """One tree on the ratio a/b (input 2): a * 100 // max(b, 1) < 250 -> -S, else S."""
    s = SCALE
    return {
        "format": "aura-gbm", "version": 2, "features": ["a", "b"],
        "ratios": [{"name": "a/b", "numerator": 0, "denominator": 1, "scale": 100}],
        "scale": s, "base_margin": 0,
        "trees": [{"nodes": [
            {"feature": 2, "threshold": 250, "missing": "right", "left": 1, "right": 2, "value": 0},
            {"value": -s},
            {"value": s},
        ]}],
        "pd_cutpoints": list(logistic_cutpoints(s)),
    }


def test_the_trees_read_the_ratio_after_the_features() -> None:
    model = GbmModel.from_dict(ratio_artefact(), features=("a", "b"))
    assert model.inputs == ("a", "b", "a/b")
    assert model.margin([5, 2]) == SCALE          # 250: right
    assert model.margin([249, 100]) == -SCALE     # 249: left
    assert model.margin([None, 2]) == SCALE       # no ratio: its missing side
    assert model.ratio_values([249, 100]) == {"a/b": 249}
    assert model.contributions([249, 100]) == {"a": 0, "b": 0, "a/b": -SCALE}
    with pytest.raises(ModelError) as info:
        model.margin([5, 2, 250])  # the ratio is the model's to compute, never the caller's
    assert str(info.value) == "vector: has 3 values, the model expects 2"


def test_a_model_without_ratios_reads_as_before() -> None:
    data = ratio_artefact()
    del data["ratios"]
    data["version"] = 1
    data["trees"][0]["nodes"][0]["feature"] = 1
    model = GbmModel.from_dict(data)
    assert model.inputs == ("a", "b") and model.ratio_values([1, 2]) == {}
    assert model.margin([0, 250]) == SCALE


CASES = [
    (set_at(("version",), 1), "ratios: needs version 2"),
    (set_at(("version",), 3), "version: must be one of 1, 2"),
    (set_at(("ratios",), {}), "ratios: must be a list"),
    (set_at(("ratios", 0, "name"), "a"), "ratios[0].name: 'a' is already a feature or ratio"),
    (set_at(("ratios", 0, "name"), ""), "ratios[0].name: must be a non-empty ASCII string"),
    (set_at(("ratios", 0, "denominator"), 0), "ratios[0]: numerator and denominator must differ"),
    (set_at(("ratios", 0, "numerator"), 2), "ratios[0].numerator: must be between 0 and 1"),
    (set_at(("ratios", 0, "denominator"), -1), "ratios[0].denominator: must be between 0 and 1"),
    (set_at(("ratios", 0, "scale"), 0), f"ratios[0].scale: must be between 1 and {1 << 32}"),
    (set_at(("ratios", 0, "scale"), 100.0), "ratios[0].scale: must be an integer"),
    (set_at(("ratios", 0, "offset"), 1), "ratios[0]: unknown key 'offset'"),
    (set_at(("trees", 0, "nodes", 0, "feature"), 3), "trees[0].nodes[0].feature: must be between 0 and 2"),
]


@pytest.mark.parametrize(("change", "message"), CASES, ids=[m for _, m in CASES])
def test_ratio_errors(change: Edit, message: str) -> None:
    assert refusal(GbmModel.from_dict, ratio_artefact(), change) == message


def test_two_ratios_may_not_share_a_name() -> None:
    data = ratio_artefact()
    data["ratios"].append(dict(data["ratios"][0], numerator=1, denominator=0))
    with pytest.raises(ModelError) as info:
        GbmModel.from_dict(data)
    assert str(info.value) == "ratios[1].name: 'a/b' is already a feature or ratio"


def test_ratios_between_names_every_ordered_pair() -> None:
    ratios = ratios_between(["x", "y", "z"], ["z", "x"], scale=10)
    assert [(r.name, r.numerator, r.denominator, r.scale) for r in ratios] == [("z/x", 2, 0, 10), ("x/z", 0, 2, 10)]
    with pytest.raises(ValueError) as info:
        ratios_between(["x", "y"], ["x", "w"])
    assert str(info.value) == "ratios: unknown features ['w']"


@pytest.fixture(scope="module")
def german_with_ratios() -> tuple[list[str], list[list[int]], Any, GbmModel, dict[str, Any]]:
    features, rows, labels = realdata.load()
    ratios = ratios_between(features, realdata.CONTINUOUS)
    booster = train_gbm(rows, labels, features, seed=7, n_threads=1, ratios=ratios,
                        params={"num_boost_round": 200})
    artefact = export_gbm(booster, features, ratios=ratios)
    return features, rows, booster, GbmModel.from_dict(artefact, features), artefact


def test_a_model_trained_with_ratios_scores_as_xgboost(german_with_ratios: Any) -> None:
    features, rows, booster, model, artefact = german_with_ratios
    assert artefact["version"] == 2 and [r["name"] for r in artefact["ratios"]] == [
        "duration_in_month/credit_amount", "duration_in_month/age_in_years", "credit_amount/duration_in_month",
        "credit_amount/age_in_years", "age_in_years/duration_in_month", "age_in_years/credit_amount"]
    used = {tree.feature[i] for tree in model.trees for i in range(len(tree.feature))}
    assert used & set(range(len(features), len(model.inputs)))  # the trees do split on ratios
    matrix = np.asarray(with_ratios(rows, model.ratios), dtype=np.float64)
    ref = booster.predict(xgb.DMatrix(matrix, feature_names=list(model.inputs)), output_margin=True)
    mine = np.array([model.margin(row) for row in rows], dtype=np.float64) / model.scale
    assert np.abs(ref.astype(np.float64) - mine).max() < MARGIN_TOLERANCE


def test_contributions_of_ratios_sum_exactly(german_with_ratios: Any) -> None:
    _, rows, _, model, _ = german_with_ratios
    for row in rows[:50]:
        parts = model.contributions(row)
        assert set(parts) == set(model.inputs)
        assert model.expected_margin + sum(parts.values()) == model.margin(row)


def test_export_refuses_ratios_the_booster_was_not_trained_with(german_with_ratios: Any) -> None:
    features, _, booster, model, _ = german_with_ratios
    with pytest.raises(ValueError) as info:
        export_gbm(booster, features)
    assert str(info.value) == f"the booster has {len(model.inputs)} features, {len(features)} names were given"
