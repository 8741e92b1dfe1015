"""A quorum devnet for the module: anvil and the local Solana endpoint, three operators of threshold 2 set up
once (node/workshop/devnet/quorum.py), and their real node processes (node/workshop/devnet/fleet.py); `wide_world`
the same with six operators of threshold 6 (more signatures than a legacy Solana transaction holds)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from solana.rpc.api import Client
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from web3 import Web3
from web3.logs import DISCARD

from chains.evm.artifacts import contract
from chains.solana import program as prog
from node.process import free_ports
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil
from node.workshop.devnet.deploy import FEE_WEI, send
from node.workshop.devnet.fleet import Fleet
from node.workshop.devnet.quorum import Operator, QuorumDevnet, setup_quorum
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import SolanaDevnet, new_fulfilments
from node.workshop.devnet.solana_setup import send as sol_send

REQUESTER_KEY = DEFAULT_KEYS[8]


@dataclass
class World:
    anvil: Anvil
    endpoint: SolanaEndpoint
    quorum: QuorumDevnet
    fleet: Fleet

    @property
    def w3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.anvil.url))

    @property
    def client(self) -> Client:
        return Client(self.endpoint.url, commitment="confirmed")

    @property
    def sol(self) -> SolanaDevnet:
        return SolanaDevnet(**self.quorum.devnet.solana)

    def op(self, name: str) -> Operator:
        return next(o for o in self.quorum.operators if o.name == name)

    def evm_request(self) -> str:
        oracle = contract(self.w3, "AuraOracle", self.quorum.devnet.oracle)
        data = oracle.encode_abi("requestAssessment", [Account.create().address, b""])
        receipt = send(self.w3, REQUESTER_KEY, {"to": self.quorum.devnet.oracle, "data": data, "value": FEE_WEI})
        ev = oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)[0]
        return "0x" + bytes(ev["args"]["requestId"]).hex()

    def solana_request(self) -> tuple[str, str]:
        """(request account, subject)."""
        sol, client = self.sol, self.client
        program, oracle = Pubkey.from_string(sol.program), Pubkey.from_string(sol.oracle)
        requester, subject = sol.keypair("requester"), Keypair().pubkey()
        counter = client.get_account_info(prog.counter_pda(program, oracle, requester.pubkey())[0]).value
        ix, request = prog.next_request_ix(program, oracle, requester.pubkey(), subject, counter)
        sol_send(client, [requester], [ix])
        return str(request), str(subject)

    def evm_fulfilments(self, request_id: str) -> list[dict[str, Any]]:
        """Every AssessmentFulfilled of the request, with the transaction's sender."""
        oracle = contract(self.w3, "AuraOracle", self.quorum.devnet.oracle)
        out = []
        for ev in oracle.events.AssessmentFulfilled().get_logs(from_block=0):
            if "0x" + bytes(ev["args"]["requestId"]).hex() == request_id:
                sender = self.w3.eth.get_transaction(ev["transactionHash"])["from"]
                out.append({"tx": "0x" + bytes(ev["transactionHash"]).hex(), "from": sender})
        return out

    def solana_fulfilments(self, request: str) -> list[tuple[str, str]]:
        """Every successful fulfilment of the request: (transaction, operator whose transmitter paid for it). A
        quorum fulfilment is in each signer's payee's history too (the payees are the transmitters): once here."""
        known: set[str] = set()
        out = []
        for op in self.quorum.operators:
            for f in new_fulfilments(self.client, Pubkey.from_string(op.solana_transmitter), known):
                if f.request == request:
                    out.append((f.signature, self.payer(f.signature)))
        return out

    def payer(self, tx: str) -> str:
        """The operator whose transmitter paid for the Solana transaction `tx`."""
        got = self.client.get_transaction(Signature.from_string(tx), max_supported_transaction_version=0).value
        assert got is not None
        payer = str(got.transaction.transaction.message.account_keys[0])  # type: ignore[union-attr]
        return next(o.name for o in self.quorum.operators if o.solana_transmitter == payer)

    def evm_status(self, request_id: str) -> int:
        """The oracle's requestStatus: 1 pending, 2 fulfilled."""
        oracle = contract(self.w3, "AuraOracle", self.quorum.devnet.oracle)
        return int(oracle.functions.requestStatus(bytes.fromhex(request_id[2:])).call())

    def wait(self, what: str, probe: Any, timeout: float = 45.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = probe()
            if got:
                return got
            self.fleet.check_alive()
            time.sleep(0.2)
        raise AssertionError(f"{what} not within {timeout} s:\n{self.fleet.tail(15)}")

    def state(self, op: str, key: str) -> str | None:
        path = Path(self.op(op).root) / "data" / "aura.sqlite"
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT state FROM requests WHERE key=?", [key]).fetchone()
        finally:
            con.close()
        return None if row is None else str(row[0])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from _world(tmp_path_factory.mktemp("quorum"), operators=3, threshold=2)


@pytest.fixture(scope="module")
def wide_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from _world(tmp_path_factory.mktemp("quorum-wide"), operators=6, threshold=6)


def _world(tmp: Path, operators: int, threshold: int) -> Iterator[World]:
    anvil = Anvil(log_path=tmp / "anvil.log").start()
    endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, log_path=tmp / "endpoint.log")
    fleet: Fleet | None = None
    try:
        endpoint.start()
        quorum = setup_quorum(tmp / "devnet", anvil.url, operators=operators, threshold=threshold,
                              api_ports=free_ports(operators), poll_interval_s=0.2, kdf_light=True,
                              solana_url=endpoint.url)
        fleet = Fleet(quorum.operators).start()
        yield World(anvil, endpoint, quorum, fleet)
    finally:
        if fleet is not None:
            fleet.stop()
        endpoint.stop()
        anvil.stop()
