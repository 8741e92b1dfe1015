"""The node as its own process against the local Solana endpoint (LiteSVM behind JSON-RPC, its own process)
with the aura_oracle program built from source: the adapter talks to it through solana-py's AsyncClient
exactly as to a cluster."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solana.rpc.api import Client
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.solana import program as prog
from node.workshop.devnet.anvil import free_port
from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import SolanaDevnet, new_fulfilments, send, setup_solana_node


@dataclass
class SolEnv:
    endpoint: SolanaEndpoint
    dev: SolanaDevnet
    config: Path
    root: Path
    api_port: int

    @property
    def client(self) -> Client:
        return Client(self.endpoint.url, commitment="confirmed")

    @property
    def program(self) -> Pubkey:
        return Pubkey.from_string(self.dev.program)

    @property
    def oracle(self) -> Pubkey:
        return Pubkey.from_string(self.dev.oracle)

    def node(self, **env: str) -> NodeProcess:
        return NodeProcess(self.config, self.root / "node.log", env)

    def request(self, subject: Pubkey | None = None, wait: bool = True) -> str:
        """A consumer's `request_assessment` (waited for until confirmed unless `wait` is false); returns the
        request account's address."""
        client = self.client
        requester = self.dev.keypair("requester")
        counter = client.get_account_info(prog.counter_pda(self.program, self.oracle, requester.pubkey())[0]).value
        ix, request = prog.next_request_ix(self.program, self.oracle, requester.pubkey(), subject or Keypair().pubkey(),
                                           counter)
        send(client, [requester], [ix], wait=wait)
        return str(request)

    def fulfilments(self) -> dict[str, list[str]]:
        """Request address -> the successful transactions that fulfilled it (from the transmitter's history)."""
        out: dict[str, list[str]] = {}
        for f in new_fulfilments(self.client, Pubkey.from_string(self.dev.transmitter), set()):
            out.setdefault(f.request, []).append(f.signature)
        return out

    def wait_fulfilled(self, ids: list[str], node: NodeProcess, timeout: float = 60) -> dict[str, list[str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.fulfilments()
            if all(i in got for i in ids):
                return got
            node.check_alive()
            time.sleep(0.2)
        raise AssertionError(f"not fulfilled in {timeout} s:\n{node.tail()}")

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(f"file:{self.root / 'data' / 'aura.sqlite'}?mode=ro", uri=True)
        try:
            return [tuple(r) for r in con.execute(sql, args)]
        finally:
            con.close()

    def wait_states(self, ids: list[str], state: str, node: NodeProcess, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        keys = [f"solana-local:{i}" for i in ids]
        while time.monotonic() < deadline:
            marks = ",".join("?" for _ in keys)
            got = dict(self.rows(f"SELECT key, state FROM requests WHERE key IN ({marks})", *keys))
            if all(got.get(k) == state for k in keys):
                return
            node.check_alive()
            time.sleep(0.2)
        raise AssertionError(f"requests not {state} in {timeout} s: {got}\n{node.tail()}")

    def control(self, method: str, *params: Any) -> Any:
        return self.endpoint.call(method, list(params))


@pytest.fixture
def sol_env(tmp_path: Path) -> Iterator[SolEnv]:
    endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, log_path=tmp_path / "endpoint.log").start()
    try:
        port = free_port()
        dev, config = setup_solana_node(tmp_path / "node", endpoint.url, api_port=port, poll_interval_s=0.2)
        yield SolEnv(endpoint, dev, config, tmp_path / "node", port)
    finally:
        endpoint.stop()


def stored_result(env: SolEnv, request: str) -> dict[str, Any]:
    (row,) = env.rows("SELECT result FROM assessments WHERE key=?", f"solana-local:{request}")
    return dict(json.loads(row[0]))
