"""`make bench-score`: scoring latency, indexer throughput, and the models' held-out figures.

- score_ms_p50/p99: one wallet through the whole engine (scorecard, integer PD trees, isolation forest,
  rules, reasons, terms) as the enclave runs it, over simulated held-out wallets; `sign_ms_p50` adds the
  EIP-712 signature (EnclaveService.assess, no socket).
- score_llm_ms_p50: the same with a questionnaire read by the enclave's reader (its rule layer; the local LLM only
  with `model_fallback`) and the intent rules.
- indexer_events_per_s: real-layout logs decoded by EventDecoder and ingested into a fresh SQLite event
  store, end to end (decode_events_per_s and store_events_per_s separately).
- auc/ks/brier: `aura model evaluate` (held-out simulated wallets, the real credit data set).
Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chains.evm.indexer.store import EventStore  # noqa: E402
from node.scoring.config import load_config  # noqa: E402
from node.scoring.engine import Engine  # noqa: E402
from node.workshop.bench_ingest import decode_rate, ingest_timed, synthetic_events  # noqa: E402
from node.workshop.model.simulator import simulate_wallet  # noqa: E402
from node.workshop.model.train import HOLDOUT_START, evaluate  # noqa: E402

QUESTIONNAIRE = {"version": 1, "answers": {
    "controller": "I am the only person who controls this wallet.",
    "purpose": "Working capital for my small online shop.",
    "liabilities": "I have one open loan on Aave that I repay monthly.",
    "risk_tolerance": "Conservative: I keep most of my funds in stablecoins.",
}}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def score_latency(n: int) -> dict[str, Any]:
    engine = Engine.load(load_config())
    wallets = [simulate_wallet(HOLDOUT_START + i).features for i in range(n)]
    for f in wallets[:50]:
        engine.assess(f)  # warm-up
    times = []
    for f in wallets:
        t = time.perf_counter_ns()
        engine.assess(f)
        times.append((time.perf_counter_ns() - t) / 1e6)
    return {"score_ms_p50": round(statistics.median(times), 3), "score_ms_p99": round(_pct(times, 0.99), 3),
            "score_wallets": n}


def llm_latency(runs: int) -> dict[str, Any]:
    from node.scoring.features import as_dict, vector
    from node.scoring.questionnaire import parse_questionnaire

    engine = Engine.load(load_config())
    reader = engine.read_questionnaire
    features = simulate_wallet(HOLDOUT_START).features
    q = parse_questionnaire(QUESTIONNAIRE)
    reader(q, as_dict(vector(features)))  # loads whatever the reader loads, once
    times = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        points, flags, reasons = reader(q, as_dict(vector(features)))
        engine.assess(features, intent_points=points, intent_flags=flags, intent_reasons=reasons)
        times.append((time.perf_counter_ns() - t) / 1e6)
    return {"score_llm_ms_p50": round(statistics.median(times), 1), "llm_runs": runs}


def indexer_rate(count: int) -> dict[str, Any]:
    events = synthetic_events(count)
    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore(Path(tmp) / "events.sqlite")
        _, store_s = ingest_timed(store, [events[i:i + 5_000] for i in range(0, len(events), 5_000)])
        store.close()
    decode = decode_rate(count // 4)
    store_rate = count / store_s
    return {"indexer_events_per_s": int(1 / (1 / decode + 1 / store_rate)), "decode_events_per_s": int(decode),
            "store_events_per_s": int(store_rate)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--wallets", type=int, default=2_000, help="wallets timed through the engine")
    ap.add_argument("--holdout", type=int, default=5_000, help="held-out simulated wallets for AUC/KS/Brier")
    ap.add_argument("--llm-runs", type=int, default=50)
    args = ap.parse_args()
    out: dict[str, Any] = {}
    say("timing the scoring engine")
    out.update(score_latency(args.wallets))
    say("timing the questionnaire path")
    out.update(llm_latency(args.llm_runs))
    say("timing the indexer")
    out.update(indexer_rate(40_000))
    say("evaluating the models")
    report = evaluate(args.holdout, progress=say)
    real = report.get("real", {})
    out.update({
        "auc_simulated": report["pd_model"]["auc"], "ks_simulated": report["pd_model"]["ks"],
        "brier_simulated": report["pd_model"]["brier"],
        "auc_simulated_final_score": report["final_score"]["auc"],
        "auc_simulated_scorecard": report["scorecard_alone"]["auc"],
        "auc_simulated_tigertrust": report["tigertrust_seed"]["auc"],
        "auc_simulated_reputa_fallback": report["reputa_fallback_seed"]["auc"],
        "auc_real": real.get("gbm_integer", {}).get("auc"), "ks_real": real.get("gbm_integer", {}).get("ks"),
        "brier_real": real.get("gbm_integer", {}).get("brier"), "real_dataset": real.get("dataset"),
        "real_baseline_logistic_auc": real.get("logistic", {}).get("auc"),
        "real_published": real.get("published"),
    })
    print(json.dumps(report, sort_keys=True))
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
