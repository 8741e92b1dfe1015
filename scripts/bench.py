"""`make bench`: throughput, latency, gas and memory of the node on anvil with 1 s blocks.

Starts anvil (--block-time 1), deploys, starts the node as its own process, measures a lone fulfilment's gas
(first write and overwrite), then sends requests at a steady rate from several accounts and watches the
fulfilments arrive. Then the same on the local Solana endpoint (scripts/bench_solana.py), and with a quorum of
three operators (scripts/bench_quorum.py), the zero-knowledge figures (scripts/bench_zk.py), and the API under
load (scripts/bench_api.py). Progress goes to stderr; the last line on stdout is one JSON object:
{"evm": {...}, "solana": {...}, "quorum": {...}, "zk": {...}, "api": {...}}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chains.evm.adapter import FULFILLED as FULFILLED_TOPIC  # noqa: E402
from chains.evm.adapter import REQUESTED as REQUESTED_TOPIC  # noqa: E402
from chains.evm.artifacts import contract  # noqa: E402
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil, free_port  # noqa: E402
from node.workshop.devnet.deploy import FEE_WEI, send, setup_devnet  # noqa: E402
from node.workshop.devnet.nodeproc import NodeProcess  # noqa: E402

REQUESTERS = DEFAULT_KEYS[4:9]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rss_mb(pid: int, peak: bool = True) -> float:
    field = "VmHWM" if peak else "VmRSS"
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(x) for x in task.read_text().split()]
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]




class Watcher:
    """Request and fulfilment events as they land, read incrementally (only blocks not read before). The oracle
    numbers requests from one counter in the order they are mined, so a request's id is learnt from its event."""

    def __init__(self, w3: Web3, oracle: str, since: int) -> None:
        self.w3, self.oracle, self.next_block = w3, oracle, since
        self.seen: dict[str, float] = {}
        self.info: dict[str, dict[str, Any]] = {}
        self.requested: dict[bytes, str] = {}  # request transaction hash -> request id

    def poll(self) -> None:
        head = self.w3.eth.block_number
        if head < self.next_block:
            return
        logs = self.w3.eth.get_logs({"address": self.oracle, "fromBlock": self.next_block, "toBlock": head,
                                     "topics": [[FULFILLED_TOPIC, REQUESTED_TOPIC]]})
        now = time.monotonic()
        for log in logs:
            rid = "0x" + bytes(log["topics"][1]).hex()
            if "0x" + bytes(log["topics"][0]).hex() == REQUESTED_TOPIC:
                self.requested[bytes(log["transactionHash"])] = rid
            elif rid not in self.seen:
                self.seen[rid] = now
                self.info[rid] = {"block": log["blockNumber"], "tx": log["transactionHash"]}
        self.next_block = head + 1


def lone_fulfil_gas(w3: Web3, dev: Any, oracle: Any, subject: str) -> int:
    """Gas of a fulfilment that carries a single request (no callback: the requester is an account)."""
    key = DEFAULT_KEYS[9]
    receipt = send(w3, key, {"to": dev.oracle, "value": FEE_WEI,
                             "data": oracle.encode_abi("requestAssessment", [subject, b""])})
    ev = oracle.events.AssessmentRequested().process_receipt(receipt)[0]
    rid = "0x" + bytes(ev["args"]["requestId"]).hex()
    watcher = Watcher(w3, dev.oracle, receipt["blockNumber"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        watcher.poll()
        if rid in watcher.info:
            return int(w3.eth.get_transaction_receipt(watcher.info[rid]["tx"])["gasUsed"])
        time.sleep(0.1)
    raise SystemExit("lone request not fulfilled in 30 s")


def evm_load(w3: Web3, oracle_address: str, oracle: Any, requests: int, rate: float) -> dict[str, Any]:
    """Send `requests` assessment requests at `rate` a second from several accounts (pre-signed, so that sending
    is only I/O), wait for their fulfilments, and measure latency, throughput and gas. Some subjects repeat, so
    that some fulfilments overwrite."""
    # pre-sign every request so sending is only I/O
    chain_id = w3.eth.chain_id
    accts = [Account.from_key(k) for k in REQUESTERS]
    nonces = {a.address: w3.eth.get_transaction_count(a.address) for a in accts}
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    plan = []
    for i in range(requests):
        a = accts[i % len(accts)]
        subject = Account.create().address if i % 3 else Account.from_key(DEFAULT_KEYS[i % 4]).address
        tx = {"to": oracle_address, "value": FEE_WEI, "nonce": nonces[a.address], "gas": 120_000,
              "chainId": chain_id, "maxFeePerGas": 4 * base + 10**9, "maxPriorityFeePerGas": 10**9,
              "data": oracle.encode_abi("requestAssessment", [subject, b""])}
        nonces[a.address] += 1
        signed = a.sign_transaction(tx)
        plan.append((bytes(signed.hash), signed.raw_transaction))
    start_block = w3.eth.block_number
    log(f"sending {requests} requests at {rate}/s")
    sent_at: dict[bytes, float] = {}
    hashes = []
    t0 = time.monotonic()
    watcher = Watcher(w3, oracle_address, start_block)
    seen, fulfil_info, rid_of = watcher.seen, watcher.info, watcher.requested
    next_watch = 0.0
    for i, (tx_hash, raw) in enumerate(plan):
        due = t0 + i / rate
        while time.monotonic() < due:
            time.sleep(min(0.005, max(0.0, due - time.monotonic())))
        sent_at[tx_hash] = time.monotonic()
        hashes.append(w3.eth.send_raw_transaction(raw))
        if time.monotonic() > next_watch:
            watcher.poll()
            next_watch = time.monotonic() + 0.1
    t_sent = time.monotonic()
    deadline = t_sent + 120
    while time.monotonic() < deadline:
        watcher.poll()
        if all(rid_of.get(h) in seen for h, _ in plan):
            break
        time.sleep(0.1)
    sent_rid = {rid_of[h]: h for h, _ in plan if h in rid_of}
    done = [rid for rid in sent_rid if rid in seen]
    log(f"fulfilled {len(done)}/{len(plan)}")

    receipts = {h: w3.eth.get_transaction_receipt(h) for h in hashes}
    req_block = {rid: receipts[h]["blockNumber"] for rid, h in sent_rid.items()}
    request_gas = [int(r["gasUsed"]) for r in receipts.values()]
    lat_ms = [(seen[r] - sent_at[sent_rid[r]]) * 1000 for r in done]
    lat_blocks = [fulfil_info[r]["block"] - req_block[r] for r in done]
    per_item = []
    by_tx: dict[bytes, int] = {}
    for r in done:
        by_tx[bytes(fulfil_info[r]["tx"])] = by_tx.get(bytes(fulfil_info[r]["tx"]), 0) + 1
    for tx, n in by_tx.items():
        per_item.append(int(w3.eth.get_transaction_receipt(tx)["gasUsed"]) / n)
    first_seen = min(seen[r] for r in done) if done else t0
    by_first = sum(1 for r in done if seen[r] == first_seen)
    last_seen = max(seen[r] for r in done) if done else t0
    span = max(1e-9, last_seen - first_seen)
    return {
        "requests": len(plan),
        "fulfilled": len(done),
        "send_rate_per_s": rate,
        "latency_ms_p50": round(pct(lat_ms, 0.5)),
        "latency_ms_p95": round(pct(lat_ms, 0.95)),
        "latency_blocks_p50": pct([float(b) for b in lat_blocks], 0.5),
        "latency_blocks_p95": pct([float(b) for b in lat_blocks], 0.95),
        "fulfilments_per_s": round((len(done) - by_first) / span, 1),
        "fulfilments_per_s_note": "sustained: fulfilments seen after the first one / (last seen - first seen)",
        "first_fulfilment_after_s": round(first_seen - t0, 2),
        "request_gas": int(statistics.median(request_gas)),
        "fulfil_gas_per_item_batched": round(statistics.median(per_item)) if per_item else None,
        "fulfil_txs": len(by_tx),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--rate", type=float, default=80.0, help="requests sent per second")
    ap.add_argument("--block-time", type=float, default=1.0)
    ap.add_argument("--dir", default=str(ROOT / ".aura" / "bench"))
    ap.add_argument("--solana-requests", type=int, default=200)
    ap.add_argument("--solana-rate", type=float, default=20.0)
    ap.add_argument("--quorum-requests", type=int, default=300)
    ap.add_argument("--quorum-rate", type=float, default=60.0)
    args = ap.parse_args()

    root = Path(args.dir)
    if root.exists():
        import shutil

        shutil.rmtree(root)
    root.mkdir(parents=True)
    anvil = Anvil(block_time=args.block_time, log_path=root / "anvil.log").start()
    node: NodeProcess | None = None
    try:
        port = free_port()
        dev = setup_devnet(root, anvil.url, api_port=port, poll_interval_s=0.2, kdf_light=True)
        cfg = Path(dev.config_path)
        cfg.write_text(cfg.read_text().replace("finality_depth = 2", "finality_depth = 2\nbatch_size = 60"))
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        oracle = contract(w3, "AuraOracle", dev.oracle)
        node = NodeProcess(cfg, root / "node.log").start()
        node.wait_healthy(port)
        enclave_pids = children(node.pid)
        log(f"node pid {node.pid}, enclave pid {enclave_pids}")

        lone_subject = Account.create().address
        fulfil_gas_first = lone_fulfil_gas(w3, dev, oracle, lone_subject)
        fulfil_gas_overwrite = lone_fulfil_gas(w3, dev, oracle, lone_subject)
        log(f"lone fulfilment gas: first write {fulfil_gas_first}, overwrite {fulfil_gas_overwrite}")

        load = evm_load(w3, dev.oracle, oracle, args.requests, args.rate)
        result = {
            "requests": load["requests"],
            "fulfilled": load["fulfilled"],
            "block_time_s": args.block_time,
            "confirmations": 1,
            **{k: v for k, v in load.items() if k not in ("requests", "fulfilled")},
            "fulfil_gas": fulfil_gas_first,
            "fulfil_gas_overwrite": fulfil_gas_overwrite,
            "node_rss_mb": rss_mb(node.pid),
            "enclave_rss_mb": max((rss_mb(p, peak=False) for p in enclave_pids), default=0.0),
            "enclave_peak_rss_mb": max((rss_mb(p) for p in enclave_pids), default=0.0),
            "rss_note": "node_rss_mb and enclave_peak_rss_mb are peaks (VmHWM); the enclave's peak includes the "
                        "scrypt unseal of its key",
        }
    finally:
        if node is not None:
            node.stop()
        anvil.stop()
    from scripts.bench_solana import run as run_solana

    log("Solana: the local endpoint with 400 ms slots")
    solana = run_solana(root / "solana", args.solana_requests, args.solana_rate)
    from scripts.bench_quorum import run as run_quorum

    log(f"quorum: three operators, threshold two, on anvil with {args.block_time:g} s blocks")
    quorum = run_quorum(root / "quorum", args.quorum_requests, args.quorum_rate, args.block_time)
    quorum["latency_blocks_p50_k1"] = result["latency_blocks_p50"]  # the `evm` section's node alone
    quorum["fulfil_cu_k1"] = solana["fulfil_cu"]  # the `solana` section's lone first write, as fulfil_cu_k2
    log("zk: the threshold circuit's proving time and each chain's verifying cost")
    from node.zk.snarkjs import ZkError
    from scripts.bench_zk import run as run_zk
    try:
        zk: dict[str, Any] = run_zk()
    except ZkError as e:
        zk = {"not_measured": str(e)}
    log("api: the node's API under 100 concurrent clients (wrk)")
    from scripts.bench_api import run as run_api
    api = run_api(workdir=root / "api")
    print(json.dumps({"evm": result, "solana": solana, "quorum": quorum, "zk": zk, "api": api}))


if __name__ == "__main__":
    main()
