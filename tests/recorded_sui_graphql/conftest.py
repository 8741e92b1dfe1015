"""Fixtures for the recorded Sui GraphQL tests: a replay server per test and adapters pointed at it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from chains.sui.adapter import SuiAdapter
from chains.sui.config import SuiChain
from chains.sui.keys import load_transmitter

from . import scenario
from .replay import Replay, load

Serve = Callable[..., Awaitable[Replay]]


@pytest_asyncio.fixture(loop_scope="function")
async def serve() -> AsyncIterator[Serve]:
    """`await serve("poll", ...)`: a running replay server answering from those recordings (and start.json), and
    from `extra` exchanges after them. Every server is stopped at the end; a request that no recording answered
    fails the test."""
    servers: list[Replay] = []

    async def start(*names: str, extra: list[dict[str, Any]] | None = None) -> Replay:
        server = Replay(load(*names) + list(extra or []), scenario.SERVICE_VERSION)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()
    misses = [m for s in servers for m in s.misses]
    assert not misses, f"requests no recording answers: {misses}"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "transmitter.key"
    path.write_text(scenario.transmitter_key_text() + "\n")
    os.chmod(path, 0o600)
    return path


def chain_config(url: str, key_file: Path, **overrides: Any) -> SuiChain:
    base: dict[str, Any] = {
        "family": "sui", "name": scenario.CHAIN, "graphql_url": url, "package_id": scenario.PACKAGE,
        "oracle": scenario.ORACLE, "transmitter_key": str(key_file), "max_gas_budget": scenario.MAX_GAS_BUDGET,
        "gas_budget_margin_pct": scenario.MARGIN_PCT, "rpc_timeout_s": 5.0,
    }
    base.update(overrides)
    return SuiChain.model_validate(base)


MakeAdapter = Callable[..., Awaitable[SuiAdapter]]


@pytest_asyncio.fixture(loop_scope="function")
async def adapter_for(key_file: Path) -> AsyncIterator[MakeAdapter]:
    """`await adapter_for(server, connect=True, **config)`: an adapter on that server (closed at the end)."""
    made: list[SuiAdapter] = []

    async def make(server: Replay, connect: bool = True, **overrides: Any) -> SuiAdapter:
        cfg = chain_config(server.url, key_file, **overrides)
        adapter = SuiAdapter(cfg, load_transmitter(key_file))
        made.append(adapter)
        if connect:
            await adapter.connect()
        return adapter

    yield make
    for adapter in made:
        await adapter.close()
