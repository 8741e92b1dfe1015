"""The `solana` section of `make bench`: the node fulfilling requests through the local Solana endpoint.

Starts the endpoint (LiteSVM behind JSON-RPC, 400 ms slots) with the aura_oracle program built from source,
sets up an oracle and the enclave, starts the node as its own process with only this chain, measures one
lone fulfilment's compute units, then sends pre-signed `request_assessment` transactions at a steady rate
and watches the transmitter's fulfilments land. Run alone it prints {"solana": {...}} as its last line.

The lone request's subject is one whose Score address is found at the first bump tried, so `fulfil_cu` is
the same on every run and compares with `FULFIL_CU_BEFORE_PINNING`, the same measurement of the program
before `fulfil` checked the pinned slot against SlotHashes and paid the enclave's payee.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solana.rpc.api import Client  # noqa: E402
from solana.rpc.types import TxOpts  # noqa: E402
from solders.keypair import Keypair  # noqa: E402
from solders.message import Message  # noqa: E402
from solders.pubkey import Pubkey  # noqa: E402
from solders.signature import Signature  # noqa: E402
from solders.transaction import Transaction  # noqa: E402

from chains.solana import program as prog  # noqa: E402
from node.workshop.devnet.anvil import free_port  # noqa: E402
from node.workshop.devnet.nodeproc import NodeProcess  # noqa: E402
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so  # noqa: E402
from node.workshop.devnet.solana_setup import new_fulfilments, setup_solana_node  # noqa: E402

FULFIL_CU_BEFORE_PINNING = 30_867
"""`fulfil`'s units for a lone first write (Score bump found at the first try), payload version 1 (240 bytes)."""


def first_bump_subject(program: Pubkey, oracle: Pubkey) -> Pubkey:
    """A subject whose Score PDA `find_program_address` finds at its first try (bump 255)."""
    while True:
        subject = Keypair().pubkey()
        if prog.score_pda(program, oracle, subject)[1] == 255:
            return subject


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def program_units(logs: list[str], program: Pubkey) -> int | None:
    """The units the program itself consumed: its `Program <id> consumed N of M compute units` line."""
    prefix = f"Program {program} consumed "
    for line in logs:
        if line.startswith(prefix):
            return int(line[len(prefix):].split()[0])
    return None


class Watcher:
    """Follows the transmitter's transactions: request address -> (slot, seen at, program units)."""

    def __init__(self, client: Client, transmitter: Pubkey, program: Pubkey) -> None:
        self.client, self.transmitter, self.program = client, transmitter, program
        self.seen: dict[str, dict[str, Any]] = {}
        self._known: set[str] = set()

    def poll(self) -> None:
        now = time.monotonic()
        for f in new_fulfilments(self.client, self.transmitter, self._known):
            self.seen[f.request] = {"slot": f.slot, "at": now, "units": program_units(f.logs, self.program),
                                    "tx_units": f.units}


def wait(watcher: Watcher, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        watcher.poll()
        if all(i in watcher.seen for i in ids):
            return
        time.sleep(0.1)


def run(root: Path, requests: int = 200, rate: float = 20.0, slot_ms: int = 400) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    program = prog.idl_address()
    endpoint = SolanaEndpoint({str(program): program_so()}, slot_ms=slot_ms, log_path=root / "endpoint.log").start()
    node: NodeProcess | None = None
    try:
        port = free_port()
        dev, cfg = setup_solana_node(root, endpoint.url, api_port=port, poll_interval_s=0.2)
        client = Client(endpoint.url, commitment="confirmed")
        node = NodeProcess(cfg, root / "node.log").start()
        node.wait_healthy(port)
        requester = dev.keypair("requester")
        oracle = Pubkey.from_string(dev.oracle)
        watcher = Watcher(client, Pubkey.from_string(dev.transmitter), program)

        counter = prog.counter_pda(program, oracle, requester.pubkey())[0]

        def next_nonce() -> int:
            return prog.next_nonce(client.get_account_info(counter).value)

        def request_tx(nonce: int, subject: Pubkey, blockhash: Any) -> Transaction:
            ix = prog.request_assessment_ix(program, oracle, requester.pubkey(), subject, nonce)
            return Transaction([requester], Message.new_with_blockhash([ix], requester.pubkey(), blockhash), blockhash)

        blockhash = client.get_latest_blockhash().value.blockhash
        nonce = next_nonce()
        lone = request_tx(nonce, first_bump_subject(program, oracle), blockhash)
        client.send_raw_transaction(bytes(lone), opts=TxOpts(skip_preflight=True))
        lone_id = str(prog.request_pda(program, oracle, requester.pubkey(), nonce)[0])
        wait(watcher, [lone_id], 60)
        if lone_id not in watcher.seen:
            raise RuntimeError(f"the lone request was not fulfilled; node log:\n{node.tail()}")
        lone_units = watcher.seen[lone_id]["units"]
        log(f"lone fulfilment: {lone_units} compute units in the program")

        nonce = next_nonce()
        blockhash = client.get_latest_blockhash().value.blockhash
        plan = []
        for i in range(requests):
            subject = Keypair().pubkey() if i % 3 else requester.pubkey()
            request = str(prog.request_pda(program, oracle, requester.pubkey(), nonce + i)[0])
            plan.append((request, request_tx(nonce + i, subject, blockhash)))
        log(f"sending {requests} requests at {rate}/s")
        sent_at: dict[str, float] = {}
        sigs: dict[str, Signature] = {}
        t0 = time.monotonic()
        next_watch = 0.0
        for i, (rid, tx) in enumerate(plan):
            due = t0 + i / rate
            while time.monotonic() < due:
                time.sleep(min(0.005, max(0.0, due - time.monotonic())))
            sent_at[rid] = time.monotonic()
            sigs[rid] = client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=True)).value
            if time.monotonic() > next_watch:
                watcher.poll()
                next_watch = time.monotonic() + 0.25
        wait(watcher, [rid for rid, _ in plan], 120)
        done = [rid for rid, _ in plan if rid in watcher.seen]
        log(f"fulfilled {len(done)}/{len(plan)}")
        statuses = {}
        ids = [rid for rid, _ in plan]
        for k in range(0, len(ids), 200):
            chunk = ids[k:k + 200]
            for rid, st in zip(chunk, client.get_signature_statuses([sigs[r] for r in chunk],
                                                                     search_transaction_history=True).value):
                statuses[rid] = st
        lat_slots = [float(watcher.seen[r]["slot"] - statuses[r].slot) for r in done if statuses.get(r)]
        lat_ms = [(watcher.seen[r]["at"] - sent_at[r]) * 1000 for r in done]
        units = [watcher.seen[r]["units"] for r in done if watcher.seen[r]["units"] is not None]
        first = min((watcher.seen[r]["at"] for r in done), default=t0)
        last = max((watcher.seen[r]["at"] for r in done), default=t0)
        by_first = sum(1 for r in done if watcher.seen[r]["at"] == first)
        return {
            "requests": len(plan),
            "fulfilled": len(done),
            "slot_ms": slot_ms,
            "commitment": "confirmed",
            "send_rate_per_s": rate,
            "fulfil_cu": lone_units,
            "fulfil_cu_before_pinning": FULFIL_CU_BEFORE_PINNING,
            "fulfil_cu_added_by_pinning": None if lone_units is None else lone_units - FULFIL_CU_BEFORE_PINNING,
            "fulfil_cu_median": int(statistics.median(units)) if units else None,
            "fulfil_cu_note": "compute units the aura_oracle program consumed in fulfil (the lone one creates the "
                              "subject's Score account, found at the first bump; median over the run); before "
                              "pinning: the same lone measurement with payload version 1",
            "fulfil_tx_cu_median": int(statistics.median(watcher.seen[r]["tx_units"] for r in done)) if done else None,
            "latency_slots_p50": pct(lat_slots, 0.5),
            "latency_slots_p95": pct(lat_slots, 0.95),
            "latency_ms_p50": round(pct(lat_ms, 0.5)),
            "latency_ms_p95": round(pct(lat_ms, 0.95)),
            "fulfilments_per_s": round((len(done) - by_first) / max(1e-9, last - first), 1),
            "fulfilments_per_s_note": "sustained: fulfilments seen after the first one / (last seen - first seen)",
        }
    finally:
        if node is not None:
            node.stop()
        endpoint.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20.0, help="requests sent per second")
    ap.add_argument("--dir", default=str(ROOT / ".aura" / "bench-solana"))
    args = ap.parse_args()
    root = Path(args.dir)
    if root.exists():
        import shutil

        shutil.rmtree(root)
    print(json.dumps({"solana": run(root, args.requests, args.rate)}))


if __name__ == "__main__":
    main()
