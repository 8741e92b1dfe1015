"""`aura model train` / `aura model evaluate`: the shipped PD and anomaly models, reproducibly.

train: simulate `wallets` wallets (node/workshop/model/simulator.py, indices 0..n-1; one in six seen without
its history, as on a chain with no indexer), train the gradient-boosted PD model and the isolation forest on
them, export both to their integer artefacts and write them (canonical JSON) into the scoring folder.
evaluate: simulate a disjoint held-out population (indices from 1,000,000) and score it with the INTEGER
artefacts exactly as the enclave does, next to the scorecard alone and the seeds' rule-based scores; with
`real=True`, also the same training code on a real credit data set (node/workshop/model/realdata.py). Same
seed, same bytes: two runs write identical files.

Labelled data from a real chain: `labelled_from_store` builds rows from an indexer's event store (an
operator with an archive RPC indexes the wallets, then trains with `train_rows`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from chains.evm.indexer.compute import compute_features
from chains.evm.indexer.history import history_from
from chains.evm.indexer.store import EventStore
from node.scoring.config import DEFAULT_CONFIG_PATH, load_config
from node.scoring.features import VECTOR, WalletFeatures, as_dict, vector
from node.scoring.scorecard import pd_bps_of
from node.workshop.model.baselines import reputa_fallback, tigertrust
from node.workshop.model.labels import DEFAULT_HORIZON_DAYS, label
from node.workshop.model.simulator import SimWallet, matrix, simulate_wallet

HOLDOUT_START = 1_000_000
MASK_EVERY = 6  # one training wallet in six is seen without history (a chain without an indexer)
DEFAULT_WALLETS = 20_000
DEFAULT_HOLDOUT = 5_000
SCORING_DIR = DEFAULT_CONFIG_PATH.parent  # the packaged node/scoring: its models/ are what the enclave loads
PD_FILE = "models/pd_gbm.json"
ANOMALY_FILE = "models/anomaly_iforest.json"

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def simulate_progress(n: int, seed: int, start: int, progress: Progress, what: str) -> list[SimWallet]:
    wallets = []
    step = max(1, n // 10)
    began = time.monotonic()
    for i in range(n):
        wallets.append(simulate_wallet(start + i, seed))
        if (i + 1) % step == 0 or i + 1 == n:
            progress(f"{what}: {i + 1}/{n} wallets simulated ({time.monotonic() - began:.0f} s)")
    return wallets


def train_rows(X: list[tuple[int | None, ...]], y: list[int], seed: int = 7) -> tuple[dict[str, Any], dict[str, Any]]:
    """(PD artefact, anomaly artefact) trained on integer rows in VECTOR order."""
    from node.workshop.model.export import export_gbm, train_gbm, train_isolation

    booster = train_gbm([list(r) for r in X], list(y), list(VECTOR), seed=seed)
    return export_gbm(booster, list(VECTOR)), train_isolation([list(r) for r in X], list(VECTOR), seed=seed)


def train(out_dir: Path = SCORING_DIR, wallets: int = DEFAULT_WALLETS, seed: int = 7,
          progress: Progress = _stderr) -> dict[str, Any]:
    from node.workshop.model.export import dumps

    data = simulate_progress(wallets, seed, 0, progress, "training set")
    X, y = matrix(data, mask_every=MASK_EVERY)
    progress(f"training on {len(y)} wallets, bad rate {sum(y) / len(y):.3f}")
    pd_art, anomaly_art = train_rows(X, y, seed)
    written = {}
    for rel, art in ((PD_FILE, pd_art), (ANOMALY_FILE, anomaly_art)):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dumps(art))
        written[rel] = str(path)
        progress(f"wrote {path}")
    return {"wallets": wallets, "seed": seed, "bad_rate": round(sum(y) / len(y), 4), "written": written}


def evaluate(holdout: int = DEFAULT_HOLDOUT, seed: int = 7, scoring_config: Path | None = None,
             progress: Progress = _stderr, real: bool = True, with_scores: bool = False) -> dict[str, Any]:
    """Held-out figures of the integer artefacts the scoring config names, as the enclave computes them; with
    `with_scores`, also each held-out wallet's label and PD (`labels`, `pd_scores`)."""
    from node.scoring.engine import Engine
    from node.workshop.model.metrics import auc, brier, ks

    loaded = load_config(scoring_config)
    engine = Engine.load(loaded)
    data = simulate_progress(holdout, seed, HOLDOUT_START, progress, "held-out set")
    y = [w.label for w in data]
    pd_model, card, tiger, reputa, final = [], [], [], [], []
    for w in data:
        result = engine.assess(w.features)
        facts = as_dict(vector(w.features))
        pd_model.append(result.pd_bps / 10_000)
        card.append(result.scorecard)
        tiger.append(tigertrust(facts))
        reputa.append(reputa_fallback(facts))
        final.append(result.score)

    def risk_of(scores: list[int]) -> list[float]:
        return [(1000 - s) / 1000 for s in scores]

    report: dict[str, Any] = {
        "population": "simulated (node/workshop/model/simulator.py)",
        "holdout_wallets": holdout,
        "seed": seed,
        "bad_rate": round(sum(y) / len(y), 4),
        "pd_model": {"auc": auc(y, pd_model), "ks": ks(y, pd_model), "brier": brier(y, pd_model)},
        "final_score": {"auc": auc(y, risk_of(final)), "ks": ks(y, risk_of(final))},
        "scorecard_alone": {
            "auc": auc(y, risk_of(card)), "ks": ks(y, risk_of(card)),
            "brier_of_its_pd_table": brier(y, [pd_bps_of(c, loaded.config) / 10_000 for c in card]),
        },
        "tigertrust_seed": {"auc": auc(y, risk_of(tiger)), "ks": ks(y, risk_of(tiger))},
        "reputa_fallback_seed": {"auc": auc(y, risk_of(reputa)), "ks": ks(y, risk_of(reputa))},
    }
    debtors = [i for i, w in enumerate(data) if (w.features.history or {}).get("outstanding_positions")]
    if debtors and 0 < sum(y[i] for i in debtors) < len(debtors):
        report["pd_model_among_open_debt"] = {
            "wallets": len(debtors),
            "auc": auc([y[i] for i in debtors], [pd_model[i] for i in debtors]),
        }
    if real:
        from node.workshop.model.realdata import evaluate as validate_real

        progress("validating the training code on the real credit data set")
        report["real"] = validate_real(seed=seed)
    rounded: dict[str, Any] = _rounded(report)
    if with_scores:
        rounded.update(labels=y, pd_scores=pd_model)
    return rounded


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    return obj


def labelled_from_store(store: EventStore, chain: str, wallets: Iterable[str], as_of: int,
                        base: Callable[[str], tuple[int, int, int | None]],
                        horizon_days: int = DEFAULT_HORIZON_DAYS) -> tuple[list[tuple[int | None, ...]], list[int]]:
    """Rows and labels from indexed chain history. `base(wallet) -> (tx_count, balance_wei, first_seen)` at
    `as_of` (an archive RPC's nonce and balance at that block). The store must hold each wallet's history
    through as_of + horizon; features use only events up to as_of, labels only the horizon after it."""
    X, y = [], []
    for wallet in wallets:
        events = store.events_for(chain, wallet)
        tx_count, balance, first_seen = base(wallet)
        computed = compute_features(events, wallet, as_of, first_seen=first_seen)
        features = WalletFeatures(as_of, tx_count, balance, first_seen, history_from(computed))
        X.append(vector(features))
        y.append(label(events, wallet, as_of, horizon_days))
    return X, y
