"""`aura model evaluate --protocol simulated|time-split`: the simulated population's figures in the protocols' common
form (`protocol`, `folds`, `auc_mean`, `auc_sd`, `baselines`).

- simulated: the shipped artefacts on 5,000 held-out wallets (train.evaluate), the AUC's spread from 200 bootstrap
  resamples of those wallets, and the seeds' rule-based scores and the scorecard alone as baselines.
- time-split: a model trained by the shipped training code on wallets assessed a year before the held-out ones
  (disjoint wallets, every training label's horizon over before the test period begins), scored on the held-out
  wallets by its integer trees; the baseline is the shipped model, trained on wallets of the test's own period. The
  simulator's world does not change over time, so the two should agree: a gap would show the features or labels
  depending on the calendar.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from node.scoring.config import load_config
from node.scoring.engine import Engine
from node.scoring.features import VECTOR
from node.scoring.gbm import GbmModel
from node.workshop.model.metrics import auc
from node.workshop.model.simulator import AS_OF, matrix, simulate_wallet
from node.workshop.model.train import (
    DEFAULT_HOLDOUT,
    DEFAULT_WALLETS,
    HOLDOUT_START,
    MASK_EVERY,
    Progress,
    evaluate,
    simulate_progress,
    train_rows,
)

DAY = 86_400
BOOTSTRAP = 200
GAP_DAYS = 365


def bootstrap_sd(y: Sequence[int], p: Sequence[float], rounds: int = BOOTSTRAP, seed: int = 7) -> float:
    """The standard deviation of the AUC over `rounds` resamples (with replacement) of the rows, seeded."""
    rng = random.Random(seed)
    n = len(y)
    values = []
    for _ in range(rounds):
        picks = [rng.randrange(n) for _ in range(n)]
        ys = [y[i] for i in picks]
        if 0 < sum(ys) < n:
            values.append(auc(ys, [p[i] for i in picks]))
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5


def simulated(holdout: int = DEFAULT_HOLDOUT, seed: int = 7, progress: Progress | None = None) -> dict[str, Any]:
    quiet: Progress = progress or (lambda _m: None)
    report = evaluate(holdout, seed, progress=quiet, real=False, with_scores=True)
    y, pd = report.pop("labels"), report.pop("pd_scores")
    return {
        "protocol": "simulated", "population": report["population"], "folds": 1, "holdout_wallets": holdout,
        "seed": seed, "bad_rate": report["bad_rate"],
        "auc_mean": report["pd_model"]["auc"], "auc_sd": round(bootstrap_sd(y, pd), 4),
        "baselines": {"scorecard_alone": report["scorecard_alone"]["auc"],
                      "tigertrust_seed": report["tigertrust_seed"]["auc"],
                      "reputa_fallback_seed": report["reputa_fallback_seed"]["auc"]},
        "report": report,
    }


def time_split(wallets: int = DEFAULT_WALLETS, holdout: int = DEFAULT_HOLDOUT, seed: int = 7,
               gap_days: int = GAP_DAYS, progress: Progress | None = None) -> dict[str, Any]:
    quiet: Progress = progress or (lambda _m: None)
    earlier = AS_OF - gap_days * DAY
    quiet(f"training set: {wallets} wallets assessed {gap_days} days before the held-out ones")
    train = [simulate_wallet(i, seed, as_of=earlier) for i in range(wallets)]
    X, y = matrix(train, mask_every=MASK_EVERY)
    pd_art, _ = train_rows(X, y, seed)
    model = GbmModel.from_dict(pd_art, list(VECTOR))
    test = simulate_progress(holdout, seed, HOLDOUT_START, quiet, "held-out set")
    test_x, test_y = matrix(test)
    ours = [model.pd_bps(row) / 10_000 for row in test_x]
    engine = Engine.load(load_config())
    same = [engine.assess(w.features).pd_bps / 10_000 for w in test]
    return {
        "protocol": "time-split", "folds": 1, "seed": seed, "train_wallets": wallets, "holdout_wallets": holdout,
        "train_as_of": earlier, "test_as_of": AS_OF, "train_bad_rate": round(sum(y) / len(y), 4),
        "test_bad_rate": round(sum(test_y) / len(test_y), 4),
        "auc_mean": round(auc(test_y, ours), 4), "auc_sd": round(bootstrap_sd(test_y, ours), 4),
        "baselines": {"shipped_same_period": round(auc(test_y, same), 4)},
    }


__all__ = ["bootstrap_sd", "simulated", "time_split"]
