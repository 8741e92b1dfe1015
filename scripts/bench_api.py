"""The `api` section of `make bench`: the node's API under load from a real load generator.

Starts anvil and a node (its own process, as an operator runs it, rate limits off), has it fulfil a few requests so
that its store holds signed assessments, then points wrk (Debian's) at `GET /v1/chains/anvil/subjects/{subject}/
assessment` with 100 connections on 2 threads, several runs. Reports the medians over runs of requests a second,
p50 and p99 latency (wrk's latency distribution), and the node's peak resident memory under that load (VmRSS,
sampled every 100 ms; its enclave process apart). The node is doing its usual work meanwhile: polling the chain
and tracking fulfilments.

Run from the project root: `.venv/bin/python scripts/bench_api.py [--runs 3 --duration 10]`; progress on stderr,
one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import threading
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

import tomli_w
from eth_account import Account
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chains.evm.artifacts import contract  # noqa: E402
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil, free_port  # noqa: E402
from node.workshop.devnet.deploy import setup_devnet  # noqa: E402
from node.workshop.devnet.nodeproc import NodeProcess  # noqa: E402
from scripts.bench import evm_load, log  # noqa: E402

AIMS = {"score_requests_per_s": 1000, "score_ms_p99": 50}
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def rss_now_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url: str, connections: int, threads: int, duration_s: int) -> dict[str, float]:
    """One wrk run: requests a second, p50 and p99 in ms, and the count of non-2xx answers and socket errors."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency", url],
                         capture_output=True, text=True, check=True, timeout=duration_s + 60).stdout
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    dist = dict(re.findall(r"^\s+(50|99)%\s+([0-9.]+\w+)", out, re.MULTILINE))
    if rate is None or set(dist) != {"50", "99"}:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests_per_s": float(rate[1]), "p50_ms": _ms(dist["50"]), "p99_ms": _ms(dist["99"]),
            "non_2xx": int(non_2xx[1]) if non_2xx else 0,
            "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * UNITS_MS[unit], 3)


def run(runs: int = 3, duration_s: int = 10, connections: int = 100, threads: int = 2,
        workdir: Path | None = None) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"not_measured": "wrk is not installed (make bench installs Debian's wrk)"}
    root = workdir or ROOT / ".aura" / "bench-api"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    anvil = Anvil(block_time=1.0, log_path=root / "anvil.log").start()
    node: NodeProcess | None = None
    try:
        port = free_port()
        dev = setup_devnet(root, anvil.url, api_port=port, poll_interval_s=0.2, kdf_light=True)
        cfg_path = Path(dev.config_path)
        cfg = tomllib.loads(cfg_path.read_text())
        cfg["api"].update(rate_per_address=0, rate_per_key=0)  # the load generator is one address
        cfg_path.write_text(tomli_w.dumps(cfg))
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        node = NodeProcess(cfg_path, root / "node.log").start()
        node.wait_healthy(port)
        load = evm_load(w3, dev.oracle, contract(w3, "AuraOracle", dev.oracle), 24, 12.0)
        subject = Account.from_key(DEFAULT_KEYS[0]).address
        url = f"http://127.0.0.1:{port}/v1/chains/anvil/subjects/{subject}/assessment"
        with urllib.request.urlopen(url, timeout=10) as answer:
            body = json.loads(answer.read())
        log(f"api: {load['fulfilled']} fulfilled; {subject} scored {body['score']}; wrk -c{connections} "
            f"-t{threads} -d{duration_s}s x {runs}")
        results, peaks = [], []
        for i in range(runs):
            peak, stop = [0.0], threading.Event()

            def sample(peak: list[float] = peak, stop: threading.Event = stop) -> None:
                while not stop.wait(0.1):
                    peak[0] = max(peak[0], rss_now_mb(node.pid))  # type: ignore[union-attr]

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            try:
                results.append(wrk(url, connections, threads, duration_s))
            finally:
                stop.set()
                sampler.join()
            peaks.append(round(peak[0], 1))
            log(f"api: run {i + 1}: {results[-1]}, node rss {peaks[-1]} MB")
        out: dict[str, Any] = {
            "score_requests_per_s": round(statistics.median(r["requests_per_s"] for r in results), 1),
            "score_ms_p50": statistics.median(r["p50_ms"] for r in results),
            "score_ms_p99": statistics.median(r["p99_ms"] for r in results),
            "node_rss_mb": statistics.median(peaks),
            "non_2xx": sum(int(r["non_2xx"]) for r in results),
            "socket_errors": sum(int(r["socket_errors"]) for r in results),
            "runs": results, "connections": connections, "threads": threads, "duration_s": duration_s,
            "route": "GET /v1/chains/{chain}/subjects/{subject}/assessment",
        }
        out["aims"] = {k: {"aim": v, "met": out[k] >= v if k.endswith("_per_s") else out[k] < v}
                       for k, v in AIMS.items()}
        return out
    finally:
        if node is not None:
            node.stop()
        anvil.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    ap.add_argument("--connections", type=int, default=100)
    args = ap.parse_args()
    print(json.dumps(run(args.runs, args.duration, args.connections)))


if __name__ == "__main__":
    main()
