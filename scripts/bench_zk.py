"""The `zk` section of `make bench`: the threshold circuit's constraints and median proving and verifying times
(snarkjs, scripts/zk_measure.py), the gas of an EVM verifying call (AuraThresholdVerifier on a fresh anvil,
scripts/gas_report.py's `measure_zk`), and the compute units of a Solana verifying call, as the program test that
verifies the vector's proof under LiteSVM records them (tests/integration/solana_program/test_zk.py). Sui's
verifying call is not measured: the WASM Move runner here panics inside the `sui::groth16` natives.

Run from the project root after `make zk`: `.venv/bin/python scripts/bench_zk.py [--runs N]`; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node.workshop.devnet.anvil import Anvil  # noqa: E402
from node.zk import snarkjs  # noqa: E402
from scripts.gas_report import measure_zk  # noqa: E402
from scripts.zk_measure import measure  # noqa: E402

SOLANA_TESTS = ("tests/integration/solana_program/test_zk.py::test_the_vector_proof_verifies",
                "tests/integration/solana_program/test_zk.py::test_spending_the_nullifier_once")
AIMS = {"prove_ms_p50": 2000, "verify_gas_evm": 210_000, "verify_cu_solana": 100_000}
SUI_NOT_MEASURED = ("the WASM Move test runner (sui-move-builder 0.5.1) panics inside the sui::groth16 natives and "
                    "no Sui network runs here")


def solana_units() -> dict[str, int]:
    """`verify_cu_solana` and `verify_spend_cu_solana`, as the program tests record them (pytest's junit XML)."""
    with tempfile.TemporaryDirectory(prefix="aura-bench-zk-") as tmp:
        report = Path(tmp) / "junit.xml"
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                              *SOLANA_TESTS], cwd=ROOT, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise snarkjs.ZkError(f"the Solana verifier tests failed:\n{run.stdout[-2000:]}")
        props = {p.get("name"): p.get("value") for p in ET.parse(report).iter("property")}
    return {name: int(str(props[name])) for name in ("verify_cu_solana", "verify_spend_cu_solana")}


def run(runs: int = 5) -> dict[str, Any]:
    out = measure(runs)
    with Anvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        w3.provider.make_request("anvil_setBlockTimestampInterval", [1])  # type: ignore[arg-type]
        gas = measure_zk(w3, snarkjs.locate())
    out["verify_gas_evm"] = gas["verify_threshold_scope_zero"]
    out["verify_gas_evm_spending_nullifier"] = gas["verify_threshold_spending_nullifier"]
    out.update(solana_units())
    out["verify_gas_sui"] = None
    out["verify_gas_sui_not_measured"] = SUI_NOT_MEASURED
    out["aims"] = AIMS
    out["aims_met"] = {name: out[name] <= aim for name, aim in AIMS.items()}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="proofs to time (default 5)")
    args = parser.parse_args()
    try:
        print(json.dumps(run(args.runs), indent=2))
    except snarkjs.ZkError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
