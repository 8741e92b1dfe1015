"""Measure the circuit of circuits/threshold.circom: constraints and setup seconds (from build/zk/setup.json, written
by `make zk`) and the median of five `snarkjs groth16 fullprove` and `snarkjs groth16 verify` runs, wall clock with
node's start-up, on the inputs of tests/vectors/make_zk_vector.py. Prints one JSON object.

Run from the project root after `make zk`: `.venv/bin/python scripts/zk_measure.py [--runs N]`.
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

from node.zk import snarkjs  # noqa: E402
from tests.vectors.make_zk_vector import circuit_inputs  # noqa: E402


def measure(runs: int) -> dict[str, Any]:
    """Constraints, setup seconds, and the medians of `runs` proofs and verifications (ZkError when one fails)."""
    build = snarkjs.locate()
    setup = json.loads(build.setup_report.read_text())
    prove_ms, verify_ms = [], []
    with tempfile.TemporaryDirectory(prefix="aura-zk-") as tmp:
        input_file, proof, public = (Path(tmp) / name for name in ("input.json", "proof.json", "public.json"))
        input_file.write_text(json.dumps({k: str(v) for k, v in circuit_inputs().items()}))
        for _ in range(runs):
            start = time.perf_counter()
            result = snarkjs.snarkjs("groth16", "fullprove", str(input_file), str(build.wasm), str(build.zkey),
                                     str(proof), str(public))
            prove_ms.append((time.perf_counter() - start) * 1000)
            if result.returncode != 0:
                raise snarkjs.ZkError(f"fullprove failed: {snarkjs.error_line(result)}")
            start = time.perf_counter()
            result = snarkjs.snarkjs("groth16", "verify", str(build.verification_key), str(public), str(proof))
            verify_ms.append((time.perf_counter() - start) * 1000)
            if result.returncode != 0:
                raise snarkjs.ZkError(f"verify failed: {snarkjs.error_line(result)}")
    setup_s = sum(value for key, value in setup.items() if key.endswith("_s"))
    return {
        "constraints": setup["constraints"],
        "power": setup["power"],
        "setup_s": round(setup_s, 1),
        "setup_steps_s": {key: round(value, 1) for key, value in setup.items() if key.endswith("_s")},
        "prove_ms_p50": round(statistics.median(prove_ms)),
        "verify_ms_p50": round(statistics.median(verify_ms)),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    try:
        report = measure(args.runs)
    except snarkjs.ZkError as e:
        print(e, file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
