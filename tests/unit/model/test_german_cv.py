"""`aura model evaluate --protocol german-10fold` (node/workshop/model/german_cv.py): the folds are stratified
partitions fixed by the seed, the paired comparison is computed fold by fold, and the report carries what the
protocol promises. Run here on 1 repeat of 3 folds with one cheap baseline; the full run is the command."""

from __future__ import annotations

import numpy as np
import pytest

from node.workshop.model import german_cv, realdata


def test_the_folds_are_stratified_partitions_fixed_by_the_seed() -> None:
    _, rows, labels = realdata.load()
    splits = german_cv.folds(labels)
    assert len(splits) == 50 and german_cv.folds(labels) == splits
    for r in range(5):
        tests = [set(test) for _, test in splits[r * 10:(r + 1) * 10]]
        assert set().union(*tests) == set(range(len(rows))) and sum(len(t) for t in tests) == len(rows)
        for train, test in splits[r * 10:(r + 1) * 10]:
            assert not set(train) & set(test)
            assert sum(labels[i] for i in test) == 30  # 300 bad of 1000: 30 per tenth
    assert splits[0][1] != splits[10][1]  # each repeat shuffles anew
    other = german_cv.folds(labels, seed=1)
    assert other != splits and [len(test) for _, test in other] == [100] * 50


def test_a_small_run_reports_the_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    def constant(features: list[str], train_x: np.ndarray, train_y: list[int], test_x: np.ndarray) -> list[float]:
        return [0.5] * len(test_x)  # no information: AUC 0.5 on every fold

    lines: list[str] = []
    report = german_cv.evaluate(n_folds=3, repeats=1, baselines={"constant": constant}, progress=lines.append)
    assert report["protocol"] == "german-10fold" and report["folds"] == 3 and len(lines) == 3
    assert report["baselines"] == {"constant": 0.5} and report["baselines_sd"] == {"constant": 0.0}
    assert 0.7 < report["auc_mean"] < 0.85 and report["auc_per_repeat"] == [report["auc_mean"]]
    assert report["paired"]["constant"]["wins"] == 3
    assert report["paired"]["constant"]["mean_difference"] == pytest.approx(report["auc_mean"] - 0.5, abs=1e-4)
    assert report["aim_met"] is (report["auc_mean"] >= 0.805)
