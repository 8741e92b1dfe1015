"""Shared, session-scoped training runs for the model tests (each trains once; the suite stays fast).

One xgboost thread: on these small sets it is faster and immune to busy machines; the model is the same
bytes as with two threads (test_same_seed_same_bytes checks it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from node.scoring.gbm import GbmModel
from node.workshop.model.export import export_gbm, train_gbm

SYNTHETIC_FEATURES = ["age_days", "tx_count", "balance_finney", "repayment_ratio_bps", "protocols", "noise"]


def synthetic_rows(n: int = 2000, seed: int = 11) -> tuple[list[list[int | None]], list[int]]:
    """Integer wallet-like rows with missing values (about 15 % per column, more for the ratio) and a label
    that depends on values AND on missingness, so the trees must route missing values on purpose."""
    rng = random.Random(seed)
    rows: list[list[int | None]] = []
    labels: list[int] = []
    for _ in range(n):
        age = rng.randrange(0, 3000)
        tx = int(rng.expovariate(1 / 200))
        balance = int(rng.lognormvariate(6, 2)) % 5_000_000
        ratio = rng.randrange(0, 10_001)
        protocols = rng.randrange(0, 12)
        noise = rng.randrange(-500, 500)
        row: list[int | None] = [age, tx, balance, ratio, protocols, noise]
        for c in range(len(row)):
            if rng.random() < (0.35 if c == 3 else 0.15):
                row[c] = None
        z = 0.8 - age / 1000 - min(tx, 800) / 400 + (0.9 if row[3] is None else 1.5 - ratio / 3000)
        z += 0.5 if row[2] is None else -min(balance, 20_000) / 10_000
        labels.append(1 if rng.random() < 1 / (1 + 2.718281828459045 ** -z) else 0)
        rows.append(row)
    return rows, labels


@dataclass(frozen=True)
class Trained:
    features: list[str]
    rows: list[list[Any]]
    labels: list[int]
    booster: Any
    artefact: dict[str, Any]
    model: GbmModel


@pytest.fixture(scope="session")
def synthetic() -> Trained:
    rows, labels = synthetic_rows()
    booster = train_gbm(rows, labels, SYNTHETIC_FEATURES, seed=7, n_threads=1)
    artefact = export_gbm(booster, SYNTHETIC_FEATURES)
    return Trained(SYNTHETIC_FEATURES, rows, labels, booster, artefact,
                   GbmModel.from_dict(artefact, SYNTHETIC_FEATURES))


@pytest.fixture(scope="session")
def german() -> Trained:
    from node.workshop.model.realdata import load

    features, rows, labels = load()
    booster = train_gbm(rows, labels, features, seed=7, n_threads=1)
    artefact = export_gbm(booster, features)
    return Trained(features, rows, labels, booster, artefact, GbmModel.from_dict(artefact, features))
