"""`make bench`'s `quorum` section: three operators, a threshold of two, on anvil with 1 s blocks.

The gas of a lone overwrite at k = 1, 2 and 3 comes from the gas report's quorum measurement
(scripts/gas_report.py) on an anvil of its own. Then a quorum devnet (node/workshop/devnet/quorum.py) runs three
nodes, each with its own enclave, store and transmitter, and requests are sent at a steady rate, as the `evm`
section does for one node (scripts/bench.py `evm_load`): the latency in blocks and the sustained fulfilments a
second at k = 2, and for a sample of fulfilments the signatures each carries (read back from the transaction and
recovered); and on the local Solana endpoint, the program's compute units in a lone fulfilment at k = 2 (the
`solana` section's `fulfil_cu` is k = 1). Run alone: `python scripts/bench_quorum.py`; progress on stderr, one
JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solana.rpc.types import TxOpts
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chains.evm.artifacts import contract  # noqa: E402
from chains.solana import program as prog  # noqa: E402
from node.process import free_ports  # noqa: E402
from node.workshop.devnet.anvil import Anvil  # noqa: E402
from node.workshop.devnet.fleet import Fleet  # noqa: E402
from node.workshop.devnet.quorum import QuorumDevnet, setup_quorum  # noqa: E402
from node.workshop.devnet.signatures import evm_signers  # noqa: E402
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so  # noqa: E402
from node.workshop.devnet.solana_setup import SolanaDevnet  # noqa: E402
from scripts.bench import Watcher, evm_load, log  # noqa: E402
from scripts.bench_solana import Watcher as SolanaWatcher  # noqa: E402
from scripts.bench_solana import first_bump_subject  # noqa: E402
from scripts.gas_report import measure_quorum  # noqa: E402

OPERATORS = 3
THRESHOLD = 2
SAMPLE = 10  # fulfilments whose signatures are read back


def quorum_gas() -> dict[str, int]:
    """A lone overwrite's gas at k = 1, 2, 3 (three signers registered), and per further signature."""
    with Anvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        w3.provider.make_request("anvil_setBlockTimestampInterval", [1])  # type: ignore[arg-type]
        gas = measure_quorum(w3, 10)
    return {"fulfil_gas_k1": gas["fulfil_overwrite_k1"], "fulfil_gas_k2": gas["fulfil_overwrite_k2"],
            "fulfil_gas_k3": gas["fulfil_overwrite_k3"],
            "fulfil_gas_per_extra_signature": gas["fulfil_overwrite_k3"] - gas["fulfil_overwrite_k2"]}


def solana_units(quorum: QuorumDevnet, lone_subject: Pubkey) -> dict[str, Any]:
    """The program's compute units in a lone fulfilment at k = 2 on the local endpoint (the subject's first Score,
    at its first bump, as the `solana` section's `fulfil_cu` at k = 1), and the signatures it carried."""
    dev = SolanaDevnet(**quorum.devnet.solana)
    client = Client(dev.rpc_url, commitment=Commitment("confirmed"))
    program, oracle = Pubkey.from_string(dev.program), Pubkey.from_string(dev.oracle)
    requester = dev.keypair("requester")
    counter = client.get_account_info(prog.counter_pda(program, oracle, requester.pubkey())[0]).value
    ix, request_key = prog.next_request_ix(program, oracle, requester.pubkey(), lone_subject, counter)
    blockhash = client.get_latest_blockhash().value.blockhash
    tx = Transaction([requester], Message.new_with_blockhash([ix], requester.pubkey(), blockhash), blockhash)
    client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=True))
    request = str(request_key)
    watchers = [SolanaWatcher(client, Pubkey.from_string(op.solana_transmitter), program) for op in quorum.operators]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for w in watchers:
            w.poll()
            if request in w.seen:
                return {"fulfil_cu_k2": w.seen[request]["units"], "fulfil_tx_cu_k2": w.seen[request]["tx_units"]}
        time.sleep(0.2)
    raise SystemExit(f"the Solana request {request} was not fulfilled by the quorum in 60 s")


def run(root: Path, requests: int = 300, rate: float = 60.0, block_time: float = 1.0) -> dict[str, Any]:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    log("quorum: gas of a lone overwrite at k = 1, 2, 3")
    out: dict[str, Any] = {"operators": OPERATORS, "threshold": THRESHOLD, **quorum_gas()}
    anvil = Anvil(block_time=block_time, log_path=root / "anvil.log").start()
    program = prog.idl_address()
    endpoint = SolanaEndpoint({str(program): program_so()}, log_path=root / "solana-endpoint.log").start()
    fleet: Fleet | None = None
    try:
        ports = free_ports(OPERATORS)
        q = setup_quorum(root, anvil.url, operators=OPERATORS, threshold=THRESHOLD, api_ports=ports,
                         poll_interval_s=0.2, kdf_light=True, solana_url=endpoint.url)
        for op in q.operators:  # batches as large as the `evm` section's node sends
            cfg = Path(op.config_path)
            cfg.write_text(cfg.read_text().replace("finality_depth = 2", "finality_depth = 2\nbatch_size = 60"))
        fleet = Fleet(q.operators).start()
        log(f"quorum: {OPERATORS} nodes up, threshold {THRESHOLD}")
        out.update(solana_units(q, first_bump_subject(program, Pubkey.from_string(q.devnet.solana["oracle"]))))
        log(f"quorum: a lone Solana fulfilment at k = 2: {out['fulfil_cu_k2']} compute units in the program")
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        oracle_address = q.devnet.oracle
        start = w3.eth.block_number
        load = evm_load(w3, oracle_address, contract(w3, "AuraOracle", oracle_address), requests, rate)
        fleet.check_alive()
        watcher = Watcher(w3, oracle_address, start)
        watcher.poll()
        counts = []
        for rid in sorted(watcher.info)[:SAMPLE]:
            tx = "0x" + bytes(watcher.info[rid]["tx"]).hex()
            signed = evm_signers(w3, oracle_address, tx, rid)
            if len({s.signer for s in signed}) != len(signed) or not {s.signer for s in signed} <= q.signers():
                raise SystemExit(f"fulfilment {tx} of {rid}: signers {[s.signer for s in signed]} are not distinct "
                                 f"registered ones")
            counts.append(len(signed))
        out.update({
            "requests": load["requests"], "fulfilled": load["fulfilled"], "block_time_s": block_time,
            "send_rate_per_s": rate,
            "latency_blocks_p50_k2": load["latency_blocks_p50"], "latency_blocks_p95_k2": load["latency_blocks_p95"],
            "latency_ms_p50_k2": load["latency_ms_p50"],
            "fulfilments_per_s_k2": load["fulfilments_per_s"],
            "fulfil_gas_per_item_batched_k2": load["fulfil_gas_per_item_batched"], "fulfil_txs": load["fulfil_txs"],
            "signatures_per_fulfilment": sorted(set(counts)),
            "note": "latency and throughput: three nodes on this one machine (2 cores), each with its enclave; "
                    "the gas: gas_report's quorum section (lone overwrite, fee paid, three signers registered)",
        })
    finally:
        if fleet is not None:
            fleet.stop()
        endpoint.stop()
        anvil.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--rate", type=float, default=60.0)
    ap.add_argument("--dir", default=str(ROOT / ".aura" / "bench-quorum"))
    args = ap.parse_args()
    print(json.dumps(run(Path(args.dir), args.requests, args.rate)))


if __name__ == "__main__":
    main()
