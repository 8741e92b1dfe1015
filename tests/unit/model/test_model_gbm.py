"""The integer GBM (node/scoring/gbm.py) against xgboost, and its exporter (node/workshop/model/export.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from node.scoring.gbm import GbmModel, ModelError
from node.workshop.model.export import ROUNDS_CAP, SCALE, dumps, export_gbm, logistic_cutpoints, train_gbm
from tests.unit.model.artefact_edits import Edit, refusal, set_at

# Measured: 2.4e-06 (synthetic) and 1.9e-06 (german credit): xgboost sums float32 leaves in float32.
MARGIN_TOLERANCE = 1e-5


def xgb_margins(trained: Any, rows: list[list[Any]]) -> np.ndarray:
    matrix = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=np.float64)
    dm = xgb.DMatrix(matrix, missing=np.nan, feature_names=trained.features)
    return trained.booster.predict(dm, output_margin=True).astype(np.float64)


@pytest.mark.parametrize("name", ["synthetic", "german"])
def test_margin_matches_xgboost(name: str, request: pytest.FixtureRequest) -> None:
    trained = request.getfixturevalue(name)
    ref = xgb_margins(trained, trained.rows)
    mine = np.array([trained.model.margin(row) for row in trained.rows], dtype=np.float64) / trained.model.scale
    assert np.abs(ref - mine).max() < MARGIN_TOLERANCE
    if name == "synthetic":
        assert any(v is None for row in trained.rows for v in row)


@pytest.mark.parametrize("name", ["synthetic", "german"])
def test_pd_bps_is_rounded_sigmoid(name: str, request: pytest.FixtureRequest) -> None:
    trained = request.getfixturevalue(name)
    model = trained.model
    ref = xgb_margins(trained, trained.rows)
    for row, ref_margin in zip(trained.rows, ref):
        margin = model.margin(row)
        pd = model.pd_bps(row)
        # Exactly round-half-up of 10000 * sigmoid(integer margin) (float64 is ample away from ties).
        assert pd == math.floor(10_000 / (1 + math.exp(-margin / model.scale)) + 0.5)
        # Within 1 bps of xgboost's own probability; a difference only next to a rounding edge.
        ref_bps = 10_000 / (1 + math.exp(-ref_margin))
        if pd != round(ref_bps):
            assert abs(pd - round(ref_bps)) == 1
            assert abs(ref_bps - math.floor(ref_bps) - 0.5) < 0.01


def test_cutpoints_rule() -> None:
    """Cut-point k = ceil(S logit((k - 0.5) / 10000)): strictly increasing, antisymmetric, 5000 at margin 0."""
    cuts = logistic_cutpoints(SCALE)
    assert len(cuts) == 10_000 and len(set(cuts)) == 10_000 and list(cuts) == sorted(cuts)
    assert cuts[::-1] == tuple(1 - c for c in cuts)  # logit(1 - q) = -logit(q), never an integer
    model = GbmModel.from_dict(small_artefact())
    assert model.pd_from_margin(0) == 5_000
    assert model.pd_from_margin(-(1 << 62)) == 0 and model.pd_from_margin(1 << 62) == 10_000
    for margin in range(-12 * SCALE, 12 * SCALE, SCALE // 7 + 12345):
        expected = math.floor(10_000 / (1 + math.exp(-margin / SCALE)) + 0.5)
        assert model.pd_from_margin(margin) == expected


def test_contributions_sum_exactly(synthetic: Any, german: Any) -> None:
    for trained in (synthetic, german):
        model = trained.model
        assert model.expected_margin == model.base_margin  # the exporter centres every tree
        for row in trained.rows[:300]:
            contributions = model.contributions(row)
            assert list(contributions) == trained.features
            assert sum(contributions.values()) == model.margin(row) - model.base_margin


def test_contributions_follow_the_path() -> None:
    model = GbmModel.from_dict(small_artefact())
    # root splits feature a at 10 (value 0 -> children -S, +S); right child splits b at 5 (leaves S/2, 3S/2).
    assert model.contributions([3, None]) == {"a": -SCALE, "b": 0}
    assert model.contributions([10, 7]) == {"a": SCALE, "b": SCALE // 2}
    assert model.margin([10, 7]) == model.base_margin + 3 * SCALE // 2


def test_same_seed_same_bytes(synthetic: Any) -> None:
    """A second training (here with the default two threads, the fixture used one) gives the same bytes."""
    again = train_gbm(synthetic.rows, synthetic.labels, synthetic.features, seed=7, n_threads=2)
    assert dumps(export_gbm(again, synthetic.features)) == dumps(synthetic.artefact)
    other = train_gbm(synthetic.rows, synthetic.labels, synthetic.features, seed=8, n_threads=1)
    assert dumps(export_gbm(other, synthetic.features)) != dumps(synthetic.artefact)


def test_training_stops_early_by_cross_validation_never_past_the_cap(synthetic: Any, german: Any) -> None:
    """The synthetic rows' cross-validated log loss stops falling well before the cap: 200 rounds past its best
    (457), training ends and keeps 457. German credit's does not stop before the cap, which is kept."""
    assert synthetic.booster.num_boosted_rounds() == 457
    assert german.booster.num_boosted_rounds() == ROUNDS_CAP == 800
    fixed = train_gbm(synthetic.rows, synthetic.labels, synthetic.features, seed=7, n_threads=1,
                      params={"num_boost_round": 30})
    assert fixed.num_boosted_rounds() == 30  # a round count given is taken as it is


def test_golden_pd(synthetic: Any, german: Any) -> None:
    assert synthetic.model.pd_bps([400, 50, 1200, None, 3, 0]) == GOLDEN_SYNTHETIC
    assert synthetic.model.pd_bps([None] * 6) == GOLDEN_SYNTHETIC_MISSING
    assert german.model.pd_bps(german.rows[0]) == GOLDEN_GERMAN_ROW0
    assert german.model.pd_bps(german.rows[1]) == GOLDEN_GERMAN_ROW1


# Fixed by xgboost-cpu 3.2.0, seed 7, 2 threads and the exporter: any change here changes the artefact. The
# synthetic rows stop early (457 rounds); German credit's whole 1,000 rows run to the cap of 800.
GOLDEN_SYNTHETIC = 7343
GOLDEN_SYNTHETIC_MISSING = 5611
GOLDEN_GERMAN_ROW0 = 445  # a "good" applicant
GOLDEN_GERMAN_ROW1 = 6896  # a "bad" one


def test_dumps_is_canonical(synthetic: Any) -> None:
    raw = dumps(synthetic.artefact)
    assert raw.endswith(b"}\n") and raw.count(b"\n") == 1 and b" " not in raw and raw.isascii()
    assert raw.startswith(b'{"base_margin":')


def test_split_boundary_matches_xgboost(german: Any) -> None:
    """Every split threshold t of the german model: a row at exactly t (goes right) and at t - 1 (left)
    scores as in xgboost. All of xgboost's hist cuts on integer data are integers, so t is the cut itself."""
    model = german.model
    pairs = sorted({(tree.feature[i], tree.threshold[i]) for tree in model.trees
                    for i in range(len(tree.feature)) if tree.feature[i] >= 0})
    assert len(pairs) > 20
    base = german.rows[0]
    rows = []
    for feature, threshold in pairs:
        for value in (threshold - 1, threshold):
            row = list(base)
            row[feature] = value
            rows.append(row)
    ref = xgb_margins(german, rows)
    mine = np.array([model.margin(row) for row in rows], dtype=np.float64) / model.scale
    assert np.abs(ref - mine).max() < MARGIN_TOLERANCE


def test_threshold_and_missing_semantics() -> None:
    model = GbmModel.from_dict(small_artefact())
    left, right = -SCALE, SCALE // 2
    assert model.margin([9, 0]) - model.base_margin == left
    assert model.margin([10, 0]) - model.base_margin == right   # value == threshold goes right
    assert model.margin([None, 0]) - model.base_margin == left  # missing: "left" at the root
    assert model.margin([10, None]) - model.base_margin == 3 * SCALE // 2  # missing: "right" at node 2


def test_monotone_constraint(synthetic: Any) -> None:
    booster = train_gbm(synthetic.rows, synthetic.labels, synthetic.features, seed=7, n_threads=1,
                        params={"num_boost_round": 30, "monotone_constraints": {"age_days": -1}})
    model = GbmModel.from_dict(export_gbm(booster, synthetic.features))
    pds = [model.margin([age, 100, 500, 5000, 3, 0]) for age in range(0, 3000, 50)]
    assert pds == sorted(pds, reverse=True)


# --- strict validation --------------------------------------------------------------------------------------


def small_artefact() -> dict[str, Any]:
    """Root: a < 10 (missing left) -> leaf -S; else b < 5 (missing right) -> S/2 | 3S/2."""
    s = SCALE
    return {
        "format": "aura-gbm", "version": 1, "features": ["a", "b"], "scale": s, "base_margin": -s,
        "trees": [{"nodes": [
            {"feature": 0, "threshold": 10, "missing": "left", "left": 1, "right": 2, "value": 0},
            {"value": -s},
            {"feature": 1, "threshold": 5, "missing": "right", "left": 3, "right": 4, "value": s},
            {"value": s // 2},
            {"value": 3 * s // 2},
        ]}],
        "pd_cutpoints": list(logistic_cutpoints(s)),
    }


def _chain(depth: int) -> Callable[[dict[str, Any]], None]:
    """A tree of `depth` splits in a row (nodes 0..depth-1), each with a leaf on its left."""
    def change(data: dict[str, Any]) -> None:
        splits = [{"feature": 0, "threshold": i, "missing": "left", "left": depth + i,
                   "right": i + 1 if i + 1 < depth else 2 * depth, "value": 0} for i in range(depth)]
        data["trees"] = [{"nodes": splits + [{"value": 0} for _ in range(depth + 1)]}]
    return change


def _unsorted(data: dict[str, Any]) -> None:
    data["pd_cutpoints"][5001] = data["pd_cutpoints"][5000] - 1


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


CASES = [
    (set_at(("extra",), 1), "<root>: unknown key 'extra'"),
    (_delete("trees"), "<root>: missing key 'trees'"),
    (set_at(("format",), "aura-gbm2"), "format: must be 'aura-gbm'"),
    (set_at(("version",), True), "version: must be one of 1, 2"),
    (set_at(("features",), ["a", "a"]), "features[1]: duplicate name 'a'"),
    (set_at(("features",), []), "features: must be a non-empty list of names"),
    (set_at(("scale",), 1000), "scale: must be a power of two between 2**8 and 2**48"),
    (set_at(("scale",), 2.0), "scale: must be an integer"),
    (set_at(("base_margin",), 1 << 63), f"base_margin: must be between {-(1 << 63)} and {(1 << 63) - 1}"),
    (set_at(("trees",), []), "trees: must be a non-empty list"),
    (set_at(("trees", 0, "leaves"), []), "trees[0]: unknown key 'leaves'"),
    (set_at(("trees", 0, "nodes", 0, "threshold"), 10.5), "trees[0].nodes[0].threshold: must be an integer"),
    (set_at(("trees", 0, "nodes", 0, "threshold"), "10"), "trees[0].nodes[0].threshold: must be an integer"),
    (set_at(("trees", 0, "nodes", 0, "threshold"), True), "trees[0].nodes[0].threshold: must be an integer"),
    (set_at(("trees", 0, "nodes", 1, "value"), -1.0), "trees[0].nodes[1].value: must be an integer"),
    (set_at(("trees", 0, "nodes", 2, "gain"), 3), "trees[0].nodes[2]: unknown key 'gain'"),
    (set_at(("trees", 0, "nodes", 2), {"feature": 1}), "trees[0].nodes[2]: missing key 'threshold'"),
    (set_at(("trees", 0, "nodes", 3), []), "trees[0].nodes[3]: must be an object"),
    (set_at(("trees", 0, "nodes", 0, "feature"), 2), "trees[0].nodes[0].feature: must be between 0 and 1"),
    (set_at(("trees", 0, "nodes", 0, "missing"), "none"), "trees[0].nodes[0].missing: must be 'left' or 'right'"),
    (set_at(("trees", 0, "nodes", 0, "left"), 5), "trees[0].nodes[0].left: must be between 0 and 4"),
    (set_at(("trees", 0, "nodes", 0, "right"), -1), "trees[0].nodes[0].right: must be between 0 and 4"),
    (set_at(("trees", 0, "nodes", 2, "right"), 0),
     "trees[0].nodes[2].right: node 0 is reached twice (a cycle or a shared child)"),
    (set_at(("trees", 0, "nodes", 2, "left"), 2),
     "trees[0].nodes[2].left: node 2 is reached twice (a cycle or a shared child)"),
    (set_at(("trees", 0, "nodes", 2, "right"), 3),
     "trees[0].nodes[2].right: node 3 is reached twice (a cycle or a shared child)"),
    (set_at(("trees", 0, "nodes", 0, "right"), 3), "trees[0].nodes[2]: not reachable from the root"),
    (_chain(65), "trees[0]: deeper than 64 levels"),
    (set_at(("trees", 0, "nodes", 0, "value"), 2 * SCALE),
     f"trees[0].nodes[0].value: must lie between its children's values ({-SCALE} and {SCALE})"),
    (_unsorted, "pd_cutpoints[5001]: must not be below pd_cutpoints[5000]"),
    (set_at(("pd_cutpoints",), [0, 1, 2]), "pd_cutpoints: must be a list of 10000 integers"),
    (set_at(("pd_cutpoints", 7), None), "pd_cutpoints[7]: must be an integer"),
]


@pytest.mark.parametrize(("change", "message"), CASES, ids=[m for _, m in CASES])
def test_model_errors(change: Edit, message: str) -> None:
    assert refusal(GbmModel.from_dict, small_artefact(), change) == message


def test_depth_limit_is_inclusive() -> None:
    data = small_artefact()
    _chain(64)(data)
    GbmModel.from_dict(data)


def test_not_an_object() -> None:
    with pytest.raises(ModelError) as info:
        GbmModel.from_dict([])
    assert str(info.value) == "<root>: must be an object"


def test_feature_list_mismatch() -> None:
    with pytest.raises(ModelError) as info:
        GbmModel.from_dict(small_artefact(), features=("a", "c"))
    assert str(info.value) == "features[1]: the model has 'b' where the vector has 'c'"
    with pytest.raises(ModelError) as info:
        GbmModel.from_dict(small_artefact(), features=("a", "b", "c"))
    assert str(info.value) == "features: the model has 2 names, the vector has 3"
    assert GbmModel.from_dict(small_artefact(), features=("a", "b")).features == ("a", "b")


def test_vector_errors() -> None:
    model = GbmModel.from_dict(small_artefact())
    with pytest.raises(ModelError) as info:
        model.margin([1])
    assert str(info.value) == "vector: has 1 values, the model expects 2"
    with pytest.raises(ModelError) as info:
        model.pd_bps([1, 2.0])
    assert str(info.value) == "vector[1]: must be an integer or None"
    with pytest.raises(ModelError) as info:
        model.contributions("ab")
    assert str(info.value) == "vector: must be a tuple or list"


def test_model_error_is_an_aura_value_error() -> None:
    from chains.core.errors import AuraError

    assert issubclass(ModelError, AuraError) and issubclass(ModelError, ValueError)


def test_scoring_module_uses_no_floats() -> None:
    """The enclave module has no float literals or float maths (a cheap guard; review is the real one)."""
    import ast
    import inspect

    import node.scoring.anomaly as anomaly
    import node.scoring.gbm as gbm

    for module in (gbm, anomaly):
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), module.__name__
            assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)), module.__name__
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n and n.split(".")[0] in ("math", "numpy", "decimal", "fractions") for n in names)
