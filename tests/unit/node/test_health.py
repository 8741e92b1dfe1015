"""`/health` and `/metrics` over the node's real API server (uvicorn on a free loopback port), from a real store and fake chain services, adapters and
enclave (named Fake*): what makes `ok` false, the one-line problems, and the gauges read from the same state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chains.base import Height, SignerStatus, Submission
from node.api import ApiServer
from node.checks import ChainChecks
from node.health import HealthReport, node_version
from node.store import Store

NOW = 1_800_000_000.0
SIGNER = "0x" + "5e" * 20
MEASUREMENT = "0x" + "ab" * 32
PUBLIC_KEY = bytes.fromhex("02" + "ab" * 32)
"""The enclave's key, which the chain checks pass on to the adapter."""


@dataclass
class FakeEnclave:
    ready: bool = True
    state: str = "ready"
    silent_s: float = 0.4

    def health(self) -> dict[str, Any]:
        return {"up": self.ready, "state": self.state, "signer": SIGNER, "restarts": 0}


@dataclass
class FakeAdapter:
    name: str
    rpc: list[dict[str, Any]] | None = None
    signer: SignerStatus | None = SignerStatus.ACTIVE
    balance: int | None = 10**18

    def health(self) -> dict[str, Any]:
        return {"websocket": True} if self.rpc is None else {"websocket": True, "rpc": self.rpc}

    async def signer_status(self, signer: str, measurement: str,
                            public_key: bytes | None = None) -> SignerStatus | None:
        assert (signer, measurement, public_key) == (SIGNER, MEASUREMENT, PUBLIC_KEY)
        return self.signer

    async def transmitter_balance(self) -> int | None:
        return self.balance


@dataclass
class FakeService:
    chain: str
    adapter: FakeAdapter
    head: Height | None = field(default_factory=lambda: Height(number=120, timestamp=int(NOW) - 3))
    connected: bool = True
    last_error: str = ""
    waiting: dict[str, str] = field(default_factory=dict)


def endpoint(label: str, role: str, up: bool) -> dict[str, Any]:
    return {"endpoint": label, "role": role, "up": up, "head": 120, "last_error": "" if up else "refused",
            "errors": {}, "latency_ms": 3.0}


@dataclass
class Node:
    """What the daemon would hold: the report, and the parts a test changes."""

    enclave: FakeEnclave
    services: list[FakeService]
    checks: dict[str, ChainChecks]
    store: Store
    client: aiohttp.ClientSession

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.client.get("/health") as r:
            return r.status, await r.json()

    async def metrics(self) -> str:
        async with self.client.get("/metrics") as r:
            assert r.status == 200
            return await r.text()


@asynccontextmanager
async def node(tmp_path: Path, *services: FakeService, max_head_age_s: float = 120.0) -> AsyncIterator[Node]:
    store = Store(tmp_path / "aura.sqlite")
    enclave = FakeEnclave()
    checks = {s.chain: ChainChecks(s.adapter, SIGNER, MEASUREMENT, 5 * 10**17, PUBLIC_KEY) for s in services}  # type: ignore[arg-type]
    report = HealthReport(enclave, list(services), checks, store,  # type: ignore[arg-type]
                          {s.chain: max_head_age_s for s in services}, started_at=NOW - 60, clock=lambda: NOW)
    server = ApiServer("127.0.0.1", 0, report)
    await server.start()
    client = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}")
    try:
        yield Node(enclave, list(services), checks, store, client)
    finally:
        await client.close()
        await server.stop()
        store.close()


async def test_a_healthy_node(tmp_path: Path) -> None:
    anvil = FakeService("anvil", FakeAdapter("anvil", rpc=[endpoint("rpc-0", "read", True)]))
    async with node(tmp_path, anvil) as n:
        await n.checks["anvil"].check()
        status, body = await n.health()
    assert status == 200
    assert body == {
        "ok": True, "problems": [], "version": node_version(), "uptime_s": 60.0,
        "enclave": {"up": True, "state": "ready", "signer": SIGNER, "restarts": 0},
        "chains": {"anvil": {
            "ok": True, "problems": [], "connected": True, "head": 120, "head_age_s": 3.0, "max_head_age_s": 120.0,
            "cursor": None, "last_error": "", "rpc": [endpoint("rpc-0", "read", True)], "rpc_live": True,
            "in_flight": {"pending": 0, "included": 0}, "waiting": {}, "signer_status": "active",
            "transmitter_balance": 10**18, "min_balance": 5 * 10**17, "balance_low": False, "checks_error": "",
            "websocket": True}},
    }


async def test_an_enclave_that_does_not_answer_is_not_ok(tmp_path: Path) -> None:
    async with node(tmp_path, FakeService("anvil", FakeAdapter("anvil"))) as n:
        n.enclave.ready, n.enclave.state, n.enclave.silent_s = False, "not answering", 12.04
        status, body = await n.health()
        assert status == 503 and body["ok"] is False
        assert body["problems"] == ["enclave: not answering, silent for 12.0 s"]
        assert body["chains"]["anvil"]["ok"] is True
        assert "aura_health_ok 0.0" in await n.metrics()


async def test_an_old_head_is_not_ok_and_a_zero_limit_never_is(tmp_path: Path) -> None:
    old = Height(number=7, timestamp=int(NOW) - 130)
    async with node(tmp_path, FakeService("anvil", FakeAdapter("anvil"), head=old)) as n:
        status, body = await n.health()
        assert (status, body["problems"]) == (503, ["chain anvil: head is 130 s old (limit 120 s)"])
        assert body["chains"]["anvil"]["head_age_s"] == 130.0
        assert 'aura_chain_head_age_seconds{chain="anvil"} 130.0' in await n.metrics()
    async with node(tmp_path / "no-limit", FakeService("anvil", FakeAdapter("anvil"), head=old),
                    max_head_age_s=0) as n:
        status, body = await n.health()
        assert (status, body["problems"]) == (200, [])


async def test_no_head_yet_is_not_ok(tmp_path: Path) -> None:
    service = FakeService("anvil", FakeAdapter("anvil"), head=None, connected=False,
                          last_error="anvil: RPC unreachable: ClientConnectorError")
    async with node(tmp_path, service) as n:
        status, body = await n.health()
    assert status == 503
    assert body["problems"] == ["chain anvil: no head read yet",
                                "chain anvil: not connected: anvil: RPC unreachable: ClientConnectorError"]
    assert body["chains"]["anvil"]["head"] is None and body["chains"]["anvil"]["head_age_s"] is None


@pytest.mark.parametrize(("endpoints", "live"), [
    ([endpoint("rpc-0", "read", False), endpoint("rpc-1", "read", True)], True),
    ([endpoint("rpc-0", "read", False), endpoint("send-0", "send", True)], False),
    ([endpoint("rpc-0", "read", False)], False),
])
async def test_a_chain_without_a_live_endpoint_to_read_from_is_not_ok(tmp_path: Path, endpoints: list[dict[str, Any]],
                                                                     live: bool) -> None:
    service = FakeService("anvil", FakeAdapter("anvil", rpc=endpoints), last_error="anvil: RPC failed: timeout")
    async with node(tmp_path, service) as n:
        status, body = await n.health()
        metrics = await n.metrics()
    assert body["chains"]["anvil"]["rpc_live"] is live
    assert body["problems"] == ([] if live else ["chain anvil: no live RPC endpoint to read from"])
    assert status == (200 if live else 503)
    assert 'aura_rpc_endpoint_up{chain="anvil",endpoint="rpc-0",role="read"} 0.0' in metrics


async def test_without_endpoint_states_the_last_pass_decides(tmp_path: Path) -> None:
    service = FakeService("anvil", FakeAdapter("anvil"), last_error="anvil: RPC failed: TimeoutError")
    async with node(tmp_path, service) as n:
        status, body = await n.health()
    assert (status, body["problems"]) == (503, ["chain anvil: last pass failed: anvil: RPC failed: TimeoutError"])
    assert body["chains"]["anvil"]["rpc"] is None and body["chains"]["anvil"]["rpc_live"] is False


async def test_requests_waiting_on_a_cause_are_not_ok(tmp_path: Path) -> None:
    waiting = {"signer": "the enclave's signer is not registered", "funds": "transmitter has 0 wei"}
    async with node(tmp_path, FakeService("anvil", FakeAdapter("anvil"), waiting=waiting),
                    FakeService("other", FakeAdapter("other"))) as n:
        status, body = await n.health()
    assert status == 503
    assert body["problems"] == ["chain anvil: requests waiting on funds: transmitter has 0 wei",
                                "chain anvil: requests waiting on signer: the enclave's signer is not registered"]
    assert body["chains"]["anvil"]["waiting"] == waiting
    assert body["chains"]["other"]["ok"] is True


async def test_in_flight_fulfilments_count_once_per_sequence(tmp_path: Path) -> None:
    async with node(tmp_path, FakeService("anvil", FakeAdapter("anvil"))) as n:
        for tx, sequence in (("0x01", 4), ("0x02", 5), ("0x03", 6), ("0x04", 7)):
            n.store.record_submission(Submission("anvil", tx, sequence, "0x", ()))
        n.store.record_replacement(Submission("anvil", "0x05", 5, "0x", ()), replaces="0x02")  # a fee bump
        n.store.set_submission_state("0x03", "included", 130)
        n.store.set_submission_state("0x04", "final", 131)
        _, body = await n.health()
        metrics = await n.metrics()
    assert body["chains"]["anvil"]["in_flight"] == {"pending": 2, "included": 1}
    assert 'aura_submissions_in_flight{chain="anvil",state="pending"} 2.0' in metrics
    assert 'aura_submissions_in_flight{chain="anvil",state="included"} 1.0' in metrics


async def test_signer_and_balance_warn_without_making_the_node_not_ok(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    adapter = FakeAdapter("anvil", signer=SignerStatus.UNREGISTERED, balance=10**17)
    async with node(tmp_path, FakeService("anvil", adapter)) as n:
        await n.checks["anvil"].check()
        status, body = await n.health()
        metrics = await n.metrics()
        chain = body["chains"]["anvil"]
        assert status == 200 and body["problems"] == []
        assert (chain["signer_status"], chain["transmitter_balance"], chain["balance_low"]) == (
            "unregistered", 10**17, True)
        assert 'aura_signer_status{chain="anvil",status="unregistered"} 1.0' in metrics
        assert 'aura_signer_status{chain="anvil",status="active"} 0.0' in metrics
        assert 'aura_transmitter_balance{chain="anvil"} 1e+17' in metrics
        warnings = [(r.getMessage(), r.f) for r in caplog.records if r.name == "aura.checks"]
        assert warnings == [
            ("the enclave's signer is not active on this chain: its requests wait until it is",
             {"chain": "anvil", "signer": SIGNER, "measurement": MEASUREMENT, "status": "unregistered"}),
            ("transmitter balance below the configured floor: fund it, or fulfilments will wait",
             {"chain": "anvil", "balance": 10**17, "min_balance": 5 * 10**17}),
        ]
        adapter.signer, adapter.balance = SignerStatus.ACTIVE, 10**18  # registered and funded a minute later
        await n.checks["anvil"].check()
        chain = (await n.health())[1]["chains"]["anvil"]
        assert (chain["signer_status"], chain["balance_low"]) == ("active", False)
        assert 'aura_signer_status{chain="anvil",status="active"} 1.0' in await n.metrics()


async def test_a_family_that_cannot_tell_leaves_the_fields_empty(tmp_path: Path) -> None:
    adapter = FakeAdapter("sui-test", signer=None, balance=None)
    async with node(tmp_path, FakeService("sui-test", adapter)) as n:
        await n.checks["sui-test"].check()
        chain = (await n.health())[1]["chains"]["sui-test"]
        metrics = await n.metrics()
    assert (chain["signer_status"], chain["transmitter_balance"], chain["balance_low"]) == (None, None, False)
    assert 'chain="sui-test"' not in "".join(line for line in metrics.splitlines()
                                             if line.startswith(("aura_signer_status", "aura_transmitter_balance")))


async def test_metrics_answer_in_prometheus_text(tmp_path: Path) -> None:
    async with node(tmp_path, FakeService("anvil", FakeAdapter("anvil"))) as n:
        async with n.client.get("/metrics") as r:
            assert r.headers["Content-Type"].startswith("text/plain; version=")
            text = await r.text()
    for name in ("aura_enclave_up", "aura_enclave_probe_seconds", "aura_enclave_restarts_total", "aura_build_info",
                 "aura_fee_bumps_total", "aura_fee_bumps_at_cap_total", "aura_errors_total", "aura_requests_waiting",
                 "aura_health_ok 1.0"):
        assert name in text, name
