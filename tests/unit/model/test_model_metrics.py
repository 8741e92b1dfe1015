"""AUC, KS and Brier (node/workshop/model/metrics.py) against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from node.workshop.model.metrics import auc, brier, ks


def test_auc_with_ties_matches_sklearn() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    p = rng.integers(0, 20, 500) / 20  # many ties
    assert auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_auc_by_hand() -> None:
    assert auc([0, 1], [0.1, 0.9]) == 1.0
    assert auc([0, 1], [0.9, 0.1]) == 0.0
    assert auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert auc([0, 0, 1], [0.2, 0.6, 0.6]) == 0.75


def test_ks_matches_roc_definition() -> None:
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 400)
    p = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1).round(2)
    fpr, tpr, _ = roc_curve(y, p)
    assert ks(y, p) == pytest.approx(float(np.max(tpr - fpr)), abs=1e-12)
    assert ks([0, 1], [0.3, 0.3]) == 0.0  # a tied group is never split
    assert ks([0, 1], [0.2, 0.8]) == 1.0


def test_brier() -> None:
    assert brier([0, 1], [0.0, 1.0]) == 0.0
    assert brier([0, 1, 1], [0.5, 0.5, 0.5]) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        brier([0], [1.5])


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        auc([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError):
        auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError):
        ks([0, 1], [0.1])
