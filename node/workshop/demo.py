"""`aura demo`: the node's main job, end to end, on a local anvil chain and a local Solana endpoint it starts
and stops itself.

Starts anvil with a genesis three years back, deploys the oracle and the example lender, gives a few wallets
different histories, starts a quorum of operators' nodes (3 of threshold 2 by default; `--operators 1` is a
lone node), each its own process, sends assessment requests (loan applications through the lender, and one
direct request), waits for every fulfilment, verifies each signature with eth_account, reads each fulfilment's
signatures back from the chain (at least k, of distinct registered signers, each request fulfilled once, or the
demo fails), and prints a table (or, with --json, everything needed to check each assessment elsewhere).
On Solana it does the same through the `aura_oracle` program (node/workshop/demo_solana.py): requests sent by
consumer transactions, the stored Score accounts read back with anchorpy, each payload's signature recovered.
"""

from __future__ import annotations

import json
import os
import shutil
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
from chains.evm.consumer import CALLBACK_OUTCOMES
from chains.evm.facts import unpack_facts
from node.process import free_ports
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil
from node.workshop.devnet.deploy import FEE_WEI, Devnet, send
from node.workshop.devnet.fleet import Fleet
from node.workshop.devnet.histories import PERSONAS, build_histories
from node.workshop.devnet.quorum import Operator, QuorumDevnet, setup_quorum
from node.workshop.devnet.signatures import check_signers, evm_registered, evm_signers
from node.workshop.devnet.stored import stored_assessment

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


def run_demo(root: Path, as_json: bool = False, timeout: float = 90.0, operators: int = 3,
             threshold: int = 2) -> dict[str, Any]:
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
    fleet: Fleet | None = None
    try:
        anvil.start()
        say(f"anvil at {anvil.url} (pid {anvil.pid})", quiet)
        endpoint.start()
        say(f"Solana endpoint (LiteSVM) at {endpoint.url} (pid {endpoint.pid})", quiet)
        quorum = setup_quorum(root, anvil.url, operators=operators, threshold=threshold,
                              api_ports=free_ports(operators), poll_interval_s=0.25,
                              solana_url=endpoint.url)
        dev = quorum.devnet
        sol = SolanaDevnet(**dev.solana)
        say(f"oracle {dev.oracle}, lender {dev.lender}; enclave signer(s) "
            f"{', '.join(o.signer for o in quorum.operators)}, threshold {threshold}", quiet)
        say(f"Solana program {sol.program}, oracle account {sol.oracle}", quiet)
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        build_histories(w3, dev.protocols)
        client = Client(endpoint.url, commitment=Commitment("confirmed"))
        wallets = demo_solana.build_wallets(client)
        say(f"gave {len(PERSONAS)} EVM and {len(wallets)} Solana wallets their histories", quiet)

        fleet = Fleet(quorum.operators).start()
        pids = ", ".join(f"{name} pid {node.pid}" for name, node in fleet.nodes.items())
        say(f"{'node' if operators == 1 else f'{operators} nodes'} up ({pids}); sending requests", quiet)
        rows = send_requests(w3, dev)
        sol_rows = demo_solana.send_requests(client, sol, wallets)
        wait_fulfilled(w3, dev, rows, timeout, fleet)
        transmitters = [o.solana_transmitter for o in quorum.operators]
        demo_solana.wait_fulfilled(client, transmitters, sol_rows, timeout, fleet)
        add_decisions(w3, dev, rows)
        for r in rows + sol_rows:
            r.pop("sent_at", None)
        add_signed(quorum.operators, rows)
        add_signers(w3, quorum, rows)
        demo_solana.read_scores(sol, sol_rows)
        demo_solana.add_signed(quorum.operators, sol, sol_rows)
        demo_solana.add_signers(client, quorum, sol_rows)
        report = {
            "rpc_url": dev.rpc_url, "chain_id": dev.chain_id,
            "contracts": {"oracle": dev.oracle, "example_lender": dev.lender},
            "enclave": {"signer": dev.signer, "measurement": dev.measurement, "threshold": quorum.threshold,
                        "operators": [{"name": o.name, "signer": o.signer, "api_url": o.api_url,
                                       "config": o.config_path} for o in quorum.operators]},
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
        if fleet is not None:
            fleet.stop()
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
                     "request_tx": "0x" + cast(bytes, receipt["transactionHash"]).hex(),
                     "request_block": receipt["blockNumber"], "sent_at": started, "status": "pending"})
    return rows


def wait_fulfilled(w3: Web3, dev: Devnet, rows: list[dict[str, Any]], timeout: float, node: Fleet) -> None:
    """Until every request has its AssessmentFulfilled event; AuraError when one has two."""
    oracle = contract(w3, "AuraOracle", dev.oracle)
    by_id = {r["request_id"]: r for r in rows}
    start_block = min(r["request_block"] for r in rows)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = oracle.events.AssessmentFulfilled().get_logs(from_block=start_block)
        now = time.time()
        for ev in logs:
            rid = "0x" + bytes(ev["args"]["requestId"]).hex()
            tx = "0x" + bytes(ev["transactionHash"]).hex()
            row = by_id.get(rid)
            if row is not None and row["status"] == "fulfilled" and row["fulfil_tx"] != tx:
                raise AuraError(f"{row['label']}: request {rid} fulfilled twice ({row['fulfil_tx']} and {tx})")
            if row is None or row["status"] == "fulfilled":
                continue
            block = w3.eth.get_block(ev["blockNumber"])
            facts = unpack_facts(ev["args"]["facts"])
            row.update(status="fulfilled", score=facts.score, tier=facts.tier,
                       tier_name=TIERS[facts.tier], pd_bps=facts.pd_bps, flags=facts.flags,
                       fulfil_tx=tx, fulfil_block=ev["blockNumber"],
                       latency_blocks=ev["blockNumber"] - row["request_block"],
                       latency_ms=round((now - row["sent_at"]) * 1000), fulfil_timestamp=block["timestamp"],
                       callback=CALLBACK_OUTCOMES[ev["args"]["callback"]])
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


def add_signed(operators: list[Operator], rows: list[dict[str, Any]]) -> None:
    """The signed payload of each fulfilled request, from the store of an operator that scored it, checked with
    eth_account against that operator's signer."""
    for r in rows:
        found = stored_assessment(operators, f"anvil:{r['request_id']}", r["request_id"])
        signed = found.signed
        r["typed_data"] = signed["typed_data"]
        r["typed_data_ethers"] = signed["typed_data_ethers"]
        r["signature"] = signed["signature"]
        r["stored_by"] = found.operator
        recovered = Account.recover_message(encode_typed_data(full_message=signed["typed_data"]),
                                            signature=signed["signature"])
        r["signature_verified"] = recovered == found.signer
        r["dimensions"] = signed.get("dimensions")
        for key in ("flag_names", "scorecard", "anomaly_bps", "rules", "reasons", "terms"):
            r[key] = signed.get(key)


def add_signers(w3: Web3, quorum: QuorumDevnet, rows: list[dict[str, Any]]) -> None:
    """Each fulfilment's signatures read back from its calldata, recovered over the EIP-712 digest the oracle
    computes; AuraError unless they are at least k of distinct active registered signers."""
    registered = evm_registered(w3, quorum.devnet.oracle)
    for r in rows:
        signed = evm_signers(w3, quorum.devnet.oracle, r["fulfil_tx"], r["request_id"])
        check_signers(f"{r['label']} ({r['request_id']})", signed, quorum.threshold, registered)
        r["signatures"] = [s.as_json() for s in signed]


def short_signers(row: dict[str, Any]) -> str:
    """The fulfilment's signers as short addresses: `0x1234..,0xabcd..`."""
    return ",".join(s["signer"][:6] + ".." for s in row["signatures"])


def print_table(report: dict[str, Any]) -> None:
    print(f"\nAura demo on {report['rpc_url']} (chain {report['chain_id']})")
    enclave = report["enclave"]
    ops = enclave["operators"]
    print(f"oracle {report['contracts']['oracle']}  " + (f"enclave signer {enclave['signer']}" if len(ops) == 1 else
          f"{len(ops)} operators, threshold {enclave['threshold']}: "
          + ", ".join(f"{o['name']} {o['signer']}" for o in ops)))
    print(f"measurement {enclave['measurement']}\n")
    width = 8 * enclave["threshold"]
    head = f"{'wallet':18} {'subject':12} {'score':>5} {'tier':9} {'PD':>6} {'latency':>9} " \
           f"{'sig':4} {'signers':{width}} {'lender decision':22} why"
    print(head)
    print("-" * (len(head) + 40))
    for r in report["requests"]:
        ltv = f" (max LTV {r['max_ltv_bps'] / 100:.0f}%)" if r.get("max_ltv_bps") else ""
        print(f"{r['label']:18} {r['subject'][:10] + '..':12} {r['score']:>5} {r['tier_name']:9} "
              f"{r['pd_bps'] / 100:>5.1f}% {r['latency_ms']:>7}ms "
              f"{'ok' if r['signature_verified'] else 'BAD':4} {short_signers(r):{width}} {(r['decision'] + ltv):22} "
              f"{why(r)}")
    sol = report.get("solana")
    if sol:
        print(f"\nSolana: program {sol['program']}  oracle {sol['oracle']} ({sol['rpc_url']})\n")
        head = f"{'wallet':18} {'subject':12} {'score':>5} {'tier':9} {'PD':>6} {'slots':>5} {'latency':>9} " \
               f"{'sig':4} {'signers':{width}} {'Score account (read with anchorpy)':36} why"
        print(head)
        print("-" * (len(head) + 20))
        for r in sol["requests"]:
            print(f"{r['label']:18} {r['subject'][:10] + '..':12} {r['score']:>5} {r['tier_name']:9} "
                  f"{r['pd_bps'] / 100:>5.1f}% {r['latency_slots']:>5} {r['latency_ms']:>7}ms "
                  f"{'ok' if r['signature_verified'] else 'BAD':4} {short_signers(r):{width}} "
                  f"{r['score_account'][:34] + '..':36} {why(r)}")
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


def main_demo(as_json: bool, root: Path, operators: int = 3, threshold: int = 2) -> int:
    try:
        run_demo(root, as_json=as_json, operators=operators, threshold=threshold)
    except AuraError as e:
        print(f"demo failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main_demo("--json" in sys.argv, Path(os.environ.get("AURA_DEMO_DIR", ".aura/demo"))))
