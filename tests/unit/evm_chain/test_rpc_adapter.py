"""The EVM adapter over FailoverProvider: connect checks every endpoint's chain id and the oracle's code, health
shows each endpoint, RPC faults reach the caller as RetryLater (RangeTooLarge for a refused log window), and no
aiohttp session outlives close() or a failed connect."""

from __future__ import annotations

import gc
import json
import urllib.request
import warnings
from pathlib import Path

import pytest
from eth_account import Account

from chains.core.errors import ChainError, RetryLater
from chains.endpoint import Endpoint
from chains.evm.adapter import EvmAdapter
from chains.evm.config import EvmChain
from chains.evm.rpc import RangeTooLarge
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil

from .rpc_upstream import CHAIN_ID, Upstream, anvil, closed_port  # noqa: F401

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"),
              pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")]

ORACLE = "0x00000000000000000000000000000000000A0A0A"
NO_CODE = "0x00000000000000000000000000000000000b0B0b"


def _set_code(anvil: Anvil) -> None:  # noqa: F811
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_setCode", "params": [ORACLE, "0x00"]}).encode()
    urllib.request.urlopen(urllib.request.Request(anvil.url, body, {"Content-Type": "application/json"}), timeout=5)


def _adapter(tmp_path: Path, rpc_url: str, *more: str, chain_id: int = CHAIN_ID, oracle: str = ORACLE,
             max_log_range: int = 2000) -> EvmAdapter:
    cfg = EvmChain.model_validate({
        "family": "evm", "name": "anvil", "chain_id": chain_id, "rpc_url": rpc_url, "rpc_urls": list(more),
        "oracle": oracle, "rpc_timeout_s": 0.5, "max_log_range": max_log_range,
        "transmitter_keystore": str(tmp_path / "k.json"), "transmitter_passphrase_file": str(tmp_path / "p")})
    return EvmAdapter(cfg, Account.from_key(DEFAULT_KEYS[0]))


def _unclosed_sessions(records: list[warnings.WarningMessage]) -> int:
    return sum(1 for r in records
               if issubclass(r.category, ResourceWarning) and str(r.message).startswith("Unclosed client session"))


async def test_a_session_left_open_is_seen_by_this_check() -> None:
    """The check the other tests use: an endpoint never closed leaves a session that warns when collected."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        ep = Endpoint(closed_port(), "x", "read", 0, timeout_s=0.5, cooloff_s=(1.0, 30.0), clock=lambda: 0.0)
        with pytest.raises(Exception):  # noqa: B017 - any failure: only the session matters here
            await ep.post(b"{}")
        del ep
        gc.collect()
    assert _unclosed_sessions(records) == 1


async def test_connect_over_two_endpoints_health_and_close(anvil: Anvil, tmp_path: Path) -> None:  # noqa: F811
    _set_code(anvil)
    dead = closed_port()
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        async with Upstream(anvil.url) as live:
            adapter = _adapter(tmp_path, dead, live.url)
            assert adapter.health()["rpc"] == []
            await adapter.connect()
            try:
                rpc = adapter.health()["rpc"]
                assert [{k: v for k, v in e.items() if k != "latency_ms"} for e in rpc] == [
                    {"endpoint": dead, "role": "read", "up": False, "head": None,
                     "last_error": "connection failed: ConnectionRefusedError", "errors": {"connection": 1}},
                    {"endpoint": live.url, "role": "read", "up": True, "head": await adapter.w3.eth.block_number,
                     "last_error": "", "errors": {}},
                ]
                assert rpc[0]["latency_ms"] is None and isinstance(rpc[1]["latency_ms"], float)
            finally:
                await adapter.close()
            await adapter.connect()  # again after close: the same endpoints, their counts kept
            await adapter.close()
            assert adapter.health()["rpc"][0]["errors"] == {"connection": 2}
            del adapter
            gc.collect()
    assert _unclosed_sessions(records) == 0


async def test_connect_refuses_an_oracle_without_code_and_leaves_no_session(anvil: Anvil,  # noqa: F811
                                                                            tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        adapter = _adapter(tmp_path, anvil.url, oracle=NO_CODE)
        with pytest.raises(ChainError) as e:
            await adapter.connect()
        assert str(e.value) == f"anvil: no contract at oracle address {NO_CODE}"
        assert [x["up"] for x in adapter.health()["rpc"]] == [True]
        del adapter
        gc.collect()
    assert _unclosed_sessions(records) == 0


async def test_connect_refuses_another_chain(anvil: Anvil, tmp_path: Path) -> None:  # noqa: F811
    adapter = _adapter(tmp_path, anvil.url, chain_id=1)
    with pytest.raises(ChainError) as e:
        await adapter.connect()
    assert str(e.value) == f"anvil: RPC {anvil.url} reports chain id {CHAIN_ID}, config says 1"


async def test_connect_with_no_endpoint_answering_is_retry_later(tmp_path: Path) -> None:
    dead = [closed_port(), closed_port()]
    adapter = _adapter(tmp_path, *dead)
    with pytest.raises(RetryLater) as e:
        await adapter.connect()
    assert str(e.value) == (f"anvil: RPC unreachable: {dead[0]}: connection failed: ConnectionRefusedError; "
                            f"{dead[1]}: connection failed: ConnectionRefusedError")


async def test_rpc_faults_reach_the_caller_unchanged(anvil: Anvil, tmp_path: Path) -> None:  # noqa: F811
    _set_code(anvil)
    async with Upstream(anvil.url) as up:
        up.max_range = 10
        adapter = _adapter(tmp_path, up.url)
        await adapter.connect()
        try:
            with pytest.raises(RangeTooLarge) as e:
                await adapter._rpc(adapter.w3.eth.get_logs({"fromBlock": 0, "toBlock": 10}))
            assert str(e.value) == (f"anvil: eth_getLogs over blocks 0..10 refused for its size: {up.url}: JSON-RPC "
                                    "-32005: query exceeds max block range 10")
            up.mode = "429"
            with pytest.raises(RetryLater) as f:
                await adapter._rpc(adapter.w3.eth.get_block("latest"))
            assert str(f.value) == (f"anvil: eth_getBlockByNumber failed on every RPC endpoint: {up.url}: HTTP 429 "
                                    "Too Many Requests")
        finally:
            await adapter.close()
