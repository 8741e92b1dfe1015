"""A real anvil, the real contracts and a real node process for each test that asks for one."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3
from web3.logs import DISCARD

from chains.evm.artifacts import contract
from chains.evm.facts import unpack_facts
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil, free_port
from node.workshop.devnet.deploy import Devnet, send, setup_devnet
from node.workshop.devnet.nodeproc import NodeProcess

REQUESTER_KEYS = DEFAULT_KEYS[6:9]


@dataclass
class Env:
    anvil: Anvil
    dev: Devnet
    root: Path
    w3: Web3
    api_port: int

    @property
    def oracle(self) -> Any:
        return contract(self.w3, "AuraOracle", self.dev.oracle)

    def node(self, **env: str) -> NodeProcess:
        return NodeProcess(Path(self.dev.config_path), self.root / "node.log", env)

    def request(self, subject: str, key: str = REQUESTER_KEYS[0], params: bytes = b"") -> str:
        data = self.oracle.encode_abi("requestAssessment", [subject, params])
        receipt = send(self.w3, key, {"to": self.dev.oracle, "data": data, "value": 10**15})
        ev = self.oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)[0]
        return "0x" + bytes(ev["args"]["requestId"]).hex()

    def fulfilled(self) -> dict[str, list[dict[str, Any]]]:
        """Each request's `AssessmentFulfilled` arguments, its `facts` word also unpacked (`score`, `tier`, ...)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for ev in self.oracle.events.AssessmentFulfilled().get_logs(from_block=0):
            args = {**ev["args"], **unpack_facts(ev["args"]["facts"])._asdict()}
            out.setdefault("0x" + bytes(ev["args"]["requestId"]).hex(), []).append(args)
        return out

    def wait_fulfilled(self, ids: list[str], node: NodeProcess, timeout: float = 60) -> dict[str, list[dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.fulfilled()
            if all(i in got for i in ids):
                return got
            if node.proc is not None and node.proc.poll() is not None:
                raise AssertionError(f"node exited {node.proc.returncode}:\n{node.logs()[-4000:]}")
            time.sleep(0.1)
        raise AssertionError(f"not fulfilled in {timeout} s:\n{node.logs()[-4000:]}")

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/health", timeout=2) as r:
            return dict(json.loads(r.read()))

    def wait_healthy(self, node: NodeProcess, timeout: float = 60) -> None:
        node.wait_healthy(self.api_port, timeout)

    def mine(self, n: int = 1) -> None:
        for _ in range(n):
            self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    anvil = Anvil(log_path=tmp_path / "anvil.log").start()
    try:
        port = free_port()
        dev = setup_devnet(tmp_path / "devnet", anvil.url, api_port=port, poll_interval_s=0.2, kdf_light=True)
        yield Env(anvil, dev, tmp_path / "devnet", Web3(Web3.HTTPProvider(anvil.url)), port)
    finally:
        anvil.stop()
