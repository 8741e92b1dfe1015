"""`aura demo`: the node's main job, end to end, on a local anvil chain and a local Solana endpoint it starts
and stops itself.

Starts anvil with a genesis three years back, deploys the oracle and the example lender, gives a few wallets
different histories, starts the node as its own process, sends assessment requests (loan applications
through the lender, and one direct request), waits for every fulfilment, verifies each signature with
eth_account, and prints a table (or, with --json, everything needed to check each assessment elsewhere).
On Solana it does the same through the `aura_oracle` program (node/workshop/demo_solana.py): requests sent by
consumer transactions, the stored Score accounts read back with anchorpy, each payload's signature recovered.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3
from web3.logs import DISCARD

from chains.core.errors import AuraError
from chains.evm.artifacts import contract
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil, free_port
from node.workshop.devnet.deploy import FEE_WEI, Devnet, send, setup_devnet
from node.workshop.devnet.histories import PERSONAS, build_histories
from node.workshop.devnet.nodeproc import NodeProcess

TIERS = ("Basic", "Standard", "Premium")
DECISIONS = ("none", "approved", "manual review", "rejected")
DIRECT_REQUESTER_KEY = DEFAULT_KEYS[9]
YEARS_3 = 3 * 365 * 86_400


def say(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def request_id_of(w3: Web3, oracle: Any, receipt: dict[str, Any]) -> str:
    for ev in oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD):
        return "0x" + bytes(ev["args"]["requestId"]).hex()
    raise AuraError("request transaction emitted no AssessmentRequested event")


def run_demo(root: Path, as_json: bool = False, timeout: float = 90.0) -> dict[str, Any]:
    quiet = as_json
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    from solana.rpc.api import Client
    from solana.rpc.commitment import Commitment

    from chains.solana import program as prog
    from node.workshop import demo_solana
    from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
    from node.workshop.devnet.solana_setup import SolanaDevnet

    anvil = Anvil(genesis_timestamp=int(time.time()) - YEARS_3, log_path=root / "anvil.log")
    endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, log_path=root / "solana-endpoint.log")
    node: NodeProcess | None = None
    try:
        anvil.start()
        say(f"anvil at {anvil.url} (pid {anvil.pid})", quiet)
        endpoint.start()
        say(f"Solana endpoint (LiteSVM) at {endpoint.url} (pid {endpoint.pid})", quiet)
        api_port = free_port()
        dev = setup_devnet(root, anvil.url, api_port=api_port, poll_interval_s=0.25, solana_url=endpoint.url)
        sol = SolanaDevnet(**dev.solana)
        say(f"oracle {dev.oracle}, lender {dev.lender}; enclave signer {dev.signer}", quiet)
        say(f"Solana program {sol.program}, oracle account {sol.oracle}", quiet)
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        build_histories(w3, dev.protocols)
        client = Client(endpoint.url, commitment=Commitment("confirmed"))
        wallets = demo_solana.build_wallets(client)
        say(f"gave {len(PERSONAS)} EVM and {len(wallets)} Solana wallets their histories", quiet)

        node = NodeProcess(Path(dev.config_path), root / "node.log").start()
        node.wait_healthy(api_port)
        say(f"node up (pid {node.pid}); sending requests", quiet)
        rows = send_requests(w3, dev)
        sol_rows = demo_solana.send_requests(client, sol, wallets)
        wait_fulfilled(w3, dev, rows, timeout, node)
        demo_solana.wait_fulfilled(client, sol, sol_rows, timeout, node)
        add_decisions(w3, dev, rows)
        for r in rows + sol_rows:
            r.pop("sent_at", None)
        add_signed(root / "data" / "aura.sqlite", dev, rows)
        demo_solana.read_scores(sol, sol_rows)
        demo_solana.add_signed(root / "data" / "aura.sqlite", sol, sol_rows, dev.signer)
        report = {
            "rpc_url": dev.rpc_url, "chain_id": dev.chain_id,
            "contracts": {"oracle": dev.oracle, "example_lender": dev.lender},
            "enclave": {"signer": dev.signer, "measurement": dev.measurement},
            "requests": rows,
            "solana": {"rpc_url": sol.rpc_url, "program": sol.program, "oracle": sol.oracle,
                       "enclave_account": sol.enclave_account, "requests": sol_rows},
        }
        if as_json:
            print(json.dumps(report, indent=2))
        else:
            print_table(report)
        return report
    finally:
        if node is not None:
            node.stop()
        endpoint.stop()
        anvil.stop()


def send_requests(w3: Web3, dev: Devnet) -> list[dict[str, Any]]:
    oracle = contract(w3, "AuraOracle", dev.oracle)
    lender = contract(w3, "ExampleLender", dev.lender)
    rows = []
    for p in PERSONAS:
        started = time.time()
        if p.txs == 0:  # a direct request from another account, so this wallet's own history stays empty
            data = oracle.encode_abi("requestAssessment", [p.address, b""])
            receipt = send(w3, DIRECT_REQUESTER_KEY, {"to": dev.oracle, "data": data, "value": FEE_WEI})
            via = "direct"
        else:
            amount = 10**18
            data = lender.encode_abi("applyForLoan", [amount])
            receipt = send(w3, p.key, {"to": dev.lender, "data": data, "value": FEE_WEI})
            via = "ExampleLender"
        rows.append({"label": p.label, "subject": p.address, "via": via,
                     "request_id": request_id_of(w3, oracle, receipt),
                     "request_tx": cast(bytes, receipt["transactionHash"]).hex(),
                     "request_block": receipt["blockNumber"], "sent_at": started, "status": "pending"})
    return rows


def wait_fulfilled(w3: Web3, dev: Devnet, rows: list[dict[str, Any]], timeout: float, node: NodeProcess) -> None:
    oracle = contract(w3, "AuraOracle", dev.oracle)
    by_id = {r["request_id"]: r for r in rows}
    start_block = min(r["request_block"] for r in rows)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = oracle.events.AssessmentFulfilled().get_logs(from_block=start_block)
        now = time.time()
        for ev in logs:
            rid = "0x" + bytes(ev["args"]["requestId"]).hex()
            row = by_id.get(rid)
            if row is None or row["status"] == "fulfilled":
                continue
            block = w3.eth.get_block(ev["blockNumber"])
            row.update(status="fulfilled", score=ev["args"]["score"], tier=ev["args"]["tier"],
                       tier_name=TIERS[ev["args"]["tier"]], pd_bps=ev["args"]["pdBps"], flags=ev["args"]["flags"],
                       fulfil_tx=ev["transactionHash"].hex(), fulfil_block=ev["blockNumber"],
                       latency_blocks=ev["blockNumber"] - row["request_block"],
                       latency_ms=round((now - row["sent_at"]) * 1000), fulfil_timestamp=block["timestamp"],
                       callback_succeeded=ev["args"]["callbackSucceeded"])
        if all(r["status"] == "fulfilled" for r in rows):
            return
        node.check_alive()
        time.sleep(0.05)
    missing = [r["label"] for r in rows if r["status"] != "fulfilled"]
    raise AuraError(f"not fulfilled within {timeout:.0f} s: {', '.join(missing)}; node log:\n{node.tail()}")


def add_decisions(w3: Web3, dev: Devnet, rows: list[dict[str, Any]]) -> None:
    lender = contract(w3, "ExampleLender", dev.lender)
    for r in rows:
        if r["via"] != "ExampleLender":
            r["decision"] = "-"
            continue
        request_id, decision, max_ltv_bps, _score, _at, _amount = lender.functions.decisionOf(r["subject"]).call()
        if "0x" + bytes(request_id).hex() != r["request_id"]:
            raise AuraError(f"the lender decided on another request for {r['label']}")
        r["decision"] = DECISIONS[decision]
        r["max_ltv_bps"] = max_ltv_bps


def add_signed(db_path: Path, dev: Devnet, rows: list[dict[str, Any]]) -> None:
    """The signed payload of each fulfilled request, from the node's store, checked with eth_account."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for r in rows:
            row = con.execute("SELECT result FROM assessments WHERE key=?", [f"anvil:{r['request_id']}"]).fetchone()
            if row is None:
                raise AuraError(f"no stored assessment for {r['request_id']}")
            signed = json.loads(row[0])
            r["typed_data"] = signed["typed_data"]
            r["signature"] = signed["signature"]
            recovered = Account.recover_message(encode_typed_data(full_message=signed["typed_data"]),
                                                signature=signed["signature"])
            r["signature_verified"] = recovered == dev.signer
            r["dimensions"] = signed.get("dimensions")
            for key in ("flag_names", "scorecard", "anomaly_bps", "rules", "reasons", "terms"):
                r[key] = signed.get(key)
    finally:
        con.close()


def print_table(report: dict[str, Any]) -> None:
    print(f"\nAura demo on {report['rpc_url']} (chain {report['chain_id']})")
    print(f"oracle {report['contracts']['oracle']}  enclave signer {report['enclave']['signer']}")
    print(f"measurement {report['enclave']['measurement']}\n")
    head = f"{'wallet':18} {'subject':12} {'score':>5} {'tier':9} {'PD':>6} {'latency':>9} " \
           f"{'sig':4} {'lender decision':22} why"
    print(head)
    print("-" * (len(head) + 40))
    for r in report["requests"]:
        ltv = f" (max LTV {r['max_ltv_bps'] / 100:.0f}%)" if r.get("max_ltv_bps") else ""
        print(f"{r['label']:18} {r['subject'][:10] + '..':12} {r['score']:>5} {r['tier_name']:9} "
              f"{r['pd_bps'] / 100:>5.1f}% {r['latency_ms']:>7}ms "
              f"{'ok' if r['signature_verified'] else 'BAD':4} {(r['decision'] + ltv):22} {why(r)}")
    sol = report.get("solana")
    if sol:
        print(f"\nSolana: program {sol['program']}  oracle {sol['oracle']} ({sol['rpc_url']})\n")
        head = f"{'wallet':18} {'subject':12} {'score':>5} {'tier':9} {'PD':>6} {'slots':>5} {'latency':>9} " \
               f"{'sig':4} {'Score account (read with anchorpy)':36} why"
        print(head)
        print("-" * (len(head) + 20))
        for r in sol["requests"]:
            print(f"{r['label']:18} {r['subject'][:10] + '..':12} {r['score']:>5} {r['tier_name']:9} "
                  f"{r['pd_bps'] / 100:>5.1f}% {r['latency_slots']:>5} {r['latency_ms']:>7}ms "
                  f"{'ok' if r['signature_verified'] else 'BAD':4} {r['score_account'][:34] + '..':36} {why(r)}")
    print()


def why(row: dict[str, Any]) -> str:
    """The matched rules, else the largest risk and strength the PD model saw."""
    if row.get("rules"):
        return "rules: " + ", ".join(row["rules"])
    reasons = row.get("reasons") or {}
    parts = []
    for sign, key in (("-", "risks"), ("+", "strengths")):
        if reasons.get(key):
            top = reasons[key][0]
            name = top.get("feature", top.get("dimension", "?"))
            value = top.get("value", top.get("points"))
            parts.append(f"{sign} {name}={'?' if value is None else value}")
    return "  ".join(parts)


def main_demo(as_json: bool, root: Path) -> int:
    try:
        run_demo(root, as_json=as_json)
    except AuraError as e:
        print(f"demo failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main_demo("--json" in sys.argv, Path(os.environ.get("AURA_DEMO_DIR", ".aura/demo"))))
