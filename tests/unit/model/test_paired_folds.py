"""The paired comparison of node/workshop/model/paired_folds.py: fold by fold, with Student's t quantile for the
folds' degrees of freedom, and every fold of a split scored for the shipped model and each baseline."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from node.workshop.model.paired_folds import paired, score_folds, t_975


def test_the_paired_comparison_is_fold_by_fold() -> None:
    got = paired([0.80, 0.70, 0.90], [0.75, 0.72, 0.85])
    diffs = [0.05, -0.02, 0.05]
    assert got["mean_difference"] == round(statistics.fmean(diffs), 4)
    assert got["sd"] == round(statistics.stdev(diffs), 4)
    half = 4.302653 * statistics.stdev(diffs) / 3**0.5
    assert (got["wins"], got["losses"]) == (2, 1)
    assert got["ci95"] == [round(statistics.fmean(diffs) - half, 4), round(statistics.fmean(diffs) + half, 4)]
    ten = paired([0.8] * 10, [0.7] * 10)
    assert ten["ci95"] == [0.1, 0.1] and ten["wins"] == 10
    assert paired([0.8], [0.7]) == {"mean_difference": 0.1, "sd": 0.0, "ci95": None, "wins": 1, "losses": 0}


@pytest.mark.parametrize(("degrees", "quantile"), [(2, 4.302653), (9, 2.262157), (35, 2.030108), (49, 2.009575)])
def test_the_t_quantile_is_students_for_any_degrees(degrees: int, quantile: float) -> None:
    assert t_975(degrees) == pytest.approx(quantile, abs=1e-6)


def test_every_split_is_scored_for_the_shipped_model_and_each_baseline() -> None:
    labels = [0, 1, 0, 1, 0, 1, 0, 1]
    x = np.asarray([[i] for i in range(8)])
    splits = [([0, 1, 2, 3], [4, 5, 6, 7]), ([4, 5, 6, 7], [0, 1, 2, 3])]

    def by_value(features: list[str], train_x: np.ndarray, train_y: list[int], test_x: np.ndarray) -> list[float]:
        return [float(r[0]) for r in test_x]  # odd rows are bad and each is above its even neighbour

    def backwards(features: list[str], train_x: np.ndarray, train_y: list[int], test_x: np.ndarray) -> list[float]:
        return [-float(r[0]) for r in test_x]

    lines: list[str] = []
    got = score_folds(["v"], x, labels, splits, by_value, {"backwards": backwards}, lines.append, unit="split")
    assert (got.rows, got.bad) == (8, 4)
    assert got.ours == [0.75, 0.75] and got.theirs == {"backwards": [0.25, 0.25]}
    assert lines == ["split 1/2: shipped 0.7500 backwards 0.2500", "split 2/2: shipped 0.7500 backwards 0.2500"]
