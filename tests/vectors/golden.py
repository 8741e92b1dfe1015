"""Golden assessments: fixed features in, exact signed payload out (tests/vectors/golden_assessments.json).

`python tests/vectors/golden.py` rewrites the file from the current scoring engine; do that only when a
scoring change is intended, and review the diff: every changed byte is a changed score somewhere. The
enclave key and measurement are fixed test values, so only the scoring code, config and artefacts (and
the signing code) move these bytes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from node.enclave.keys import EnclaveKey  # noqa: E402
from node.enclave.measurement import Measurement  # noqa: E402
from node.enclave.service import EnclaveService  # noqa: E402
from node.scoring.config import load_config  # noqa: E402
from node.scoring.engine import Engine  # noqa: E402
from tests.vectors import evm_state  # noqa: E402

OUT = Path(__file__).with_name("golden_assessments.json")
KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
MEASUREMENT = Measurement(hashlib.sha256(b"aura golden measurement").digest(), ())
NOW = 1_750_000_000
DAY = 86_400
REQUEST = {"family": "evm", "chain_id": 31337, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
           "request_id": "0x" + "11" * 32, "requester": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
           "subject": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "fee": "1000000000000000",
           "expires_at": NOW + 3600, "block_number": 123}
SIGNED = ("score", "tier", "pd_bps", "flags", "dimensions", "scorecard", "model_points", "anomaly_bps", "rules",
          "reasons", "terms", "commitment", "block_number", "block_hash", "features_hash", "timestamp", "expiry",
          "digest", "signature")


def _history(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "first_activity_timestamp": NOW - 600 * DAY, "last_activity_timestamp": NOW - 2 * DAY,
        "active_months": 18, "tx_per_active_month_milli": 5_000, "longest_gap_days": 30, "tx_30d": 6, "tx_7d": 2,
        "counterparties": 35, "protocols": 3, "tokens": 6, "inflow_hhi_bps": 3_000, "stablecoin_share_bps": 5_000,
        "transfers_in_30d": 3, "swaps": 14, "supplies": 5, "borrows": 6, "repays": 6, "liquidations": 0,
        "borrows_30d": 1, "outstanding_positions": 0, "repayment_ratio_bps": 10_000,
    }
    base.update(kw)
    return base


CASES: dict[str, dict[str, Any]] = {
    "careful borrower": {"features": {"tx_count": 120, "balance_wei": "3000000000000000000",
                                      "first_seen_timestamp": NOW - 620 * DAY, "history": _history()},
                         "loan": {"amount": "5000000000", "duration_days": 60}},
    "liquidated trader": {"features": {"tx_count": 900, "balance_wei": "20000000000000000",
                                       "first_seen_timestamp": NOW - 380 * DAY, "history": _history(
                                           first_activity_timestamp=NOW - 370 * DAY, tx_per_active_month_milli=70_000,
                                           tx_30d=80, tx_7d=20, swaps=600, borrows=25, repays=12, liquidations=3,
                                           borrows_30d=5, outstanding_positions=2, repayment_ratio_bps=4_200,
                                           inflow_hhi_bps=8_200)}},
    "airdrop farmer": {"features": {"tx_count": 8, "balance_wei": "5000000000000000",
                                    "first_seen_timestamp": NOW - 6 * DAY, "history": _history(
                                        first_activity_timestamp=NOW - 9 * DAY, last_activity_timestamp=NOW - DAY,
                                        active_months=1, tx_per_active_month_milli=60_000, longest_gap_days=2,
                                        tx_30d=60, tx_7d=40, counterparties=55, protocols=1, tokens=22,
                                        inflow_hhi_bps=700, stablecoin_share_bps=0, transfers_in_30d=52, swaps=8,
                                        supplies=0, borrows=0, repays=0, borrows_30d=0,
                                        repayment_ratio_bps=None)}},
    "idle holder": {"features": {"tx_count": 2, "balance_wei": "80000000000000000000",
                                 "first_seen_timestamp": NOW - 800 * DAY, "history": _history(
                                     first_activity_timestamp=NOW - 800 * DAY, last_activity_timestamp=NOW - 700 * DAY,
                                     active_months=2, tx_per_active_month_milli=1_000, longest_gap_days=100, tx_30d=0,
                                     tx_7d=0, counterparties=1, protocols=0, tokens=1, inflow_hhi_bps=10_000,
                                     stablecoin_share_bps=0, transfers_in_30d=0, swaps=0, supplies=0, borrows=0,
                                     repays=0, borrows_30d=0, repayment_ratio_bps=None)}},
    "no indexer": {"features": {"tx_count": 40, "balance_wei": "1500000000000000000",
                                "first_seen_timestamp": NOW - 500 * DAY}},
}


def params(case: dict[str, Any]) -> dict[str, Any]:
    """The case's features at block 123 of a state that proves their nonce and balance (tests/vectors/evm_state.py)."""
    features, proof = evm_state.pinned({"as_of_block": 123, "as_of_timestamp": NOW, **case["features"]},
                                       REQUEST["subject"])
    out: dict[str, Any] = {"request": REQUEST, "features": features, "proof": proof}
    if "loan" in case:
        out["loan"] = case["loan"]
    return out


def service() -> EnclaveService:
    return EnclaveService(EnclaveKey(bytes.fromhex(KEY[2:])), MEASUREMENT, Engine.load(load_config()), clock=lambda: NOW)


def compute() -> dict[str, Any]:
    svc = service()
    return {name: {k: svc.assess(params(case))[k] for k in SIGNED} for name, case in CASES.items()}


if __name__ == "__main__":
    OUT.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.name}")
