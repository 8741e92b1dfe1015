"""Discrimination and calibration measures for PD models (host side, numpy).

`y` holds 0/1 labels (1 = bad), `p` predicted probabilities of bad in [0, 1]. All three are exact for the
given inputs: ties in `p` are handled explicitly rather than by sort order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _arrays(y: Sequence[int], p: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(y, dtype=np.int64)
    scores = np.asarray(p, dtype=np.float64)
    if labels.ndim != 1 or labels.shape != scores.shape or labels.size == 0:
        raise ValueError("y and p must be non-empty and of the same length")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("y must hold 0/1 labels")
    if not np.isfinite(scores).all():
        raise ValueError("p must be finite")
    return labels, scores


def _average_ranks(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, tied scores sharing the mean of their ranks."""
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    mean_rank = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends
    ranks = np.empty(scores.size, dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def auc(y: Sequence[int], p: Sequence[float]) -> float:
    """Area under the ROC curve: P(score of a bad > score of a good) + P(tie) / 2 (Mann-Whitney U)."""
    labels, scores = _arrays(y, p)
    bad = int(labels.sum())
    good = labels.size - bad
    if bad == 0 or good == 0:
        raise ValueError("AUC needs both classes")
    rank_sum = float(_average_ranks(scores)[labels == 1].sum())
    return (rank_sum - bad * (bad + 1) / 2.0) / (bad * good)


def ks(y: Sequence[int], p: Sequence[float]) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score distributions of bads and goods,
    evaluated only between distinct scores (a tied group is never split)."""
    labels, scores = _arrays(y, p)
    bad = int(labels.sum())
    good = labels.size - bad
    if bad == 0 or good == 0:
        raise ValueError("KS needs both classes")
    order = np.argsort(scores, kind="mergesort")
    ordered, ordered_labels = scores[order], labels[order]
    last_of_group = np.r_[ordered[1:] != ordered[:-1], True]
    cum_bad = np.cumsum(ordered_labels)[last_of_group] / bad
    cum_good = np.cumsum(1 - ordered_labels)[last_of_group] / good
    return float(np.abs(cum_bad - cum_good).max())


def brier(y: Sequence[int], p: Sequence[float]) -> float:
    """Mean squared difference between the predicted probability and the 0/1 outcome."""
    labels, scores = _arrays(y, p)
    if ((scores < 0) | (scores > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    return float(np.mean((scores - labels) ** 2))
