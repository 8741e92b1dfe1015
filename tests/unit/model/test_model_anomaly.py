"""The integer isolation forest (node/scoring/anomaly.py) against scikit-learn, and its exporter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from node.scoring.anomaly import IsolationModel
from node.scoring.gbm import ModelError
from node.workshop.model.export import SCALE, dumps, fit_isolation, isolation_cutpoints, median_fill, train_isolation
from tests.unit.model.artefact_edits import Edit, refusal, set_at


@pytest.fixture(scope="module")
def forest(synthetic: Any) -> dict[str, Any]:
    rows = synthetic.rows[:1000]
    artefact = train_isolation(rows, synthetic.features, seed=7)
    return {"rows": rows, "features": synthetic.features, "artefact": artefact,
            "model": IsolationModel.from_dict(artefact, synthetic.features)}


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def test_matches_sklearn_score_samples(forest: dict[str, Any]) -> None:
    rows, model = forest["rows"], forest["model"]
    sk = fit_isolation(rows, forest["artefact"]["fill"], seed=7)
    filled = np.array([model.filled(row) for row in rows], dtype=np.float64)
    reference = -sk.score_samples(filled)  # sklearn returns the opposite of the anomaly score
    mine = np.array([model.score_bps(row) for row in rows])
    # Measured: identical to round(10000 * score) on every row.
    assert np.abs(mine - np.round(reference * 10_000)).max() <= 1
    spearman = np.corrcoef(_ranks(mine + reference * 1e-9), _ranks(reference))[0, 1]
    assert spearman > 0.99
    assert 0 < mine.min() < mine.max() < 10_000


def test_missing_uses_fill(forest: dict[str, Any]) -> None:
    model = forest["model"]
    fill = list(model.fill)
    assert fill == median_fill(forest["rows"], len(fill))
    row = [400, None, 1200, None, 3, None]
    assert model.score_bps(row) == model.score_bps([fill[i] if v is None else v for i, v in enumerate(row)])
    assert model.score_bps([None] * 6) == model.score_bps(fill)


def test_outlier_scores_higher(forest: dict[str, Any]) -> None:
    model = forest["model"]
    typical = model.score_bps(list(model.fill))
    extreme = model.score_bps([10**9, 10**9, 10**9, 10**9, 10**9, 10**9])
    assert extreme > typical and extreme > 6_000


def test_deterministic(forest: dict[str, Any]) -> None:
    again = train_isolation(forest["rows"], forest["features"], seed=7)
    assert dumps(again) == dumps(forest["artefact"])
    assert forest["model"].score_bps([400, 50, 1200, None, 3, 0]) == GOLDEN_SCORE
    assert forest["model"].score_bps([10**9] * 6) == GOLDEN_EXTREME


# Fixed by scikit-learn 1.9.1, seed 7 and the exporter: any change here changes the artefact.
GOLDEN_SCORE = 4342
GOLDEN_EXTREME = 7706


def test_cutpoints_rule() -> None:
    cuts = isolation_cutpoints(SCALE, 100, 256)
    assert len(cuts) == 10_000 and list(cuts) == sorted(cuts)
    model = IsolationModel.from_dict(small_artefact(cuts=list(cuts)))
    c256 = 2 * (math.log(255) + 0.5772156649015329) - 2 * 255 / 256
    unit = SCALE * 100 * c256  # S * T * c(psi), in floats only to check the integer rule
    for h in range(0, 40 * int(unit), int(unit) // 13 + 777):
        expected = int(np.floor(10_000 * 2.0 ** (-h / unit) + 0.5))
        assert model.score_from_path_length(h) == expected
    assert model.score_from_path_length(0) == 10_000


# --- strict validation --------------------------------------------------------------------------------------


def small_artefact(cuts: list[int] | None = None) -> dict[str, Any]:
    return {
        "format": "aura-isolation", "version": 1, "features": ["a", "b"], "scale": SCALE, "fill": [7, 0],
        "max_samples": 256,
        "trees": [{"nodes": [
            {"feature": 0, "threshold": 10, "missing": "left", "left": 1, "right": 2},
            {"path": 3 * SCALE},
            {"path": SCALE},
        ]}],
        "score_cutpoints": cuts if cuts is not None else list(isolation_cutpoints(SCALE, 1, 256)),
    }


def test_small_model() -> None:
    model = IsolationModel.from_dict(small_artefact(), features=["a", "b"])
    assert model.path_length([9, 0]) == 3 * SCALE
    assert model.path_length([10, 0]) == SCALE  # value == threshold goes right
    assert model.path_length([None, 0]) == 3 * SCALE  # fill 7 < 10
    assert model.score_bps([10, 0]) > model.score_bps([9, 0])


CASES = [
    (set_at(("format",), "aura-gbm"), "format: must be 'aura-isolation'"),
    (set_at(("weights",), []), "<root>: unknown key 'weights'"),
    (set_at(("fill",), [1]), "fill: must be a list of 2 integers (one per feature)"),
    (set_at(("fill", 1), None), "fill[1]: must be an integer"),
    (set_at(("max_samples",), 1), "max_samples: must be between 2 and 16777216"),
    (set_at(("trees", 0, "nodes", 1, "path"), -1), f"trees[0].nodes[1].path: must be between 0 and {(1 << 63) - 1}"),
    (set_at(("trees", 0, "nodes", 1, "path"), 1.5), "trees[0].nodes[1].path: must be an integer"),
    (set_at(("trees", 0, "nodes", 0, "value"), 0), "trees[0].nodes[0]: unknown key 'value'"),
    (set_at(("trees", 0, "nodes", 0, "missing"), "right"),
     "trees[0].nodes[0].missing: must be 'left', the side the fill value 7 takes"),
    (set_at(("trees", 0, "nodes", 0, "left"), 0),
     "trees[0].nodes[0].left: node 0 is reached twice (a cycle or a shared child)"),
    (set_at(("score_cutpoints", 9999), -1), "score_cutpoints[9999]: must not be below score_cutpoints[9998]"),
]


@pytest.mark.parametrize(("change", "message"), CASES, ids=[m for _, m in CASES])
def test_model_errors(change: Edit, message: str) -> None:
    assert refusal(IsolationModel.from_dict, small_artefact(), change) == message


def test_feature_list_mismatch() -> None:
    with pytest.raises(ModelError) as info:
        IsolationModel.from_dict(small_artefact(), features=["b", "a"])
    assert str(info.value) == "features[0]: the model has 'a' where the vector has 'b'"
