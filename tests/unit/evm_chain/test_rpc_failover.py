"""FailoverProvider against real loopback endpoints in front of a real anvil: which endpoint serves each call,
failover within the call and within the deadline, cool-offs, probes, lagging heads."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from chains.core.errors import RetryLater
from node.workshop.devnet.anvil import Anvil

from .rpc_upstream import MARGIN_S, TIMEOUT_S, Upstream, anvil, closed_port, provider, verified  # noqa: F401

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"),
              pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")]


def _mine(anvil: Anvil, blocks: int) -> None:  # noqa: F811
    import json
    import urllib.request
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine", "params": [hex(blocks)]}).encode()
    urllib.request.urlopen(urllib.request.Request(anvil.url, body, {"Content-Type": "application/json"}), timeout=5)


def _entry(state: list[dict[str, Any]], up: Upstream | str) -> dict[str, Any]:
    url = up.url if isinstance(up, Upstream) else up
    found = [e for e in state if e["endpoint"] == url]
    assert len(found) == 1
    return found[0]


async def test_reads_go_to_the_first_endpoint_among_equal_heads(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        async with verified(provider(a, b)) as w3:
            assert (a.calls, b.calls) == (["eth_chainId", "eth_blockNumber"], ["eth_chainId", "eth_blockNumber"])
            for _ in range(3):
                await w3.eth.block_number
            assert (a.served("eth_blockNumber"), b.served("eth_blockNumber")) == (4, 1)


async def test_a_refused_connection_fails_over_within_the_call(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        p = provider(a, b)
        async with verified(p) as w3:
            await a.close_port()
            started = time.monotonic()
            assert await w3.eth.block_number >= 0
            assert time.monotonic() - started < MARGIN_S
            assert b.served("eth_blockNumber") == 2
            entry = _entry(p.state(), a)
            assert (entry["up"], entry["last_error"], entry["errors"]) == (
                False, "connection failed: ConnectionRefusedError", {"connection": 1})
            await w3.eth.block_number  # a is cooling off: not asked again
            assert _entry(p.state(), a)["errors"] == {"connection": 1}
            assert b.served("eth_blockNumber") == 3


async def test_a_black_hole_costs_one_deadline_then_is_skipped(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        p = provider(a, b)
        async with verified(p) as w3:
            a.mode = "blackhole"
            started = time.monotonic()
            await w3.eth.block_number
            took = time.monotonic() - started
            assert TIMEOUT_S <= took < MARGIN_S
            assert (a.served("eth_blockNumber"), b.served("eth_blockNumber")) == (2, 2)
            started = time.monotonic()
            await w3.eth.block_number
            assert time.monotonic() - started < TIMEOUT_S
            assert (a.served("eth_blockNumber"), b.served("eth_blockNumber")) == (2, 3)
            entry = _entry(p.state(), a)
            assert (entry["up"], entry["last_error"], entry["errors"]) == (
                False, "timeout: no answer within 0.5 s", {"timeout": 1})


@pytest.mark.parametrize(("mode", "kind", "message"), [
    ("429", "http_429", "HTTP 429 Too Many Requests"),
    ("503", "http_5xx", "HTTP 503 Service Unavailable"),
    ("limit", "rpc_limit", "JSON-RPC -32005: limit exceeded"),
])
async def test_a_refusal_by_the_endpoint_fails_over(anvil: Anvil, mode: Any, kind: str,  # noqa: F811
                                                    message: str) -> None:
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        p = provider(a, b)
        async with verified(p) as w3:
            a.mode = mode
            await w3.eth.get_block("latest")
            assert (a.served("eth_getBlockByNumber"), b.served("eth_getBlockByNumber")) == (1, 1)
            entry = _entry(p.state(), a)
            assert (entry["up"], entry["last_error"], entry["errors"]) == (False, message, {kind: 1})
            assert _entry(p.state(), b)["up"] is True


async def test_every_endpoint_failing_raises_retry_later_naming_each(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        async with verified(provider(a, b)) as w3:
            a.mode = "429"
            await b.close_port()
            with pytest.raises(RetryLater) as e:
                await w3.eth.block_number
            assert type(e.value) is RetryLater
            assert str(e.value) == (f"anvil: eth_blockNumber failed on every RPC endpoint: {a.url}: HTTP 429 Too Many "
                                    f"Requests; {b.url}: connection failed: ConnectionRefusedError")


async def test_a_silent_endpoint_costs_the_deadline_not_a_minute(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a:
        async with verified(provider(a)) as w3:
            a.mode = "blackhole"
            for _ in range(2):  # the second time every endpoint is down: it is tried anyway
                started = time.monotonic()
                with pytest.raises(RetryLater) as e:
                    await w3.eth.block_number
                assert TIMEOUT_S <= time.monotonic() - started < MARGIN_S
                assert str(e.value) == (f"anvil: eth_blockNumber failed on every RPC endpoint: {a.url}: timeout: no "
                                        "answer within 0.5 s")
            a.mode = "ok"
            assert await w3.eth.block_number >= 0  # back at the next call, whatever its cool-off


class Clock:
    """A settable clock for the cool-offs: the test moves time, not the machine's load."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_cooloff_doubles_and_resets_on_success(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        clock = Clock()
        p = provider(a, b, cooloff_s=(1.0, 3.0), clock=clock)
        async with verified(p) as w3:
            a.mode = "429"
            await w3.eth.block_number  # a fails: down for 1 s
            asked = len(a.calls)
            clock.now += 0.9
            await p.probe()
            assert len(a.calls) == asked  # still cooling off
            clock.now += 0.1
            await p.probe()
            assert len(a.calls) == asked + 1  # probed, failed again: down for 2 s
            clock.now += 1.9
            await p.probe()
            assert len(a.calls) == asked + 1
            clock.now += 0.1
            await p.probe()
            assert len(a.calls) == asked + 2  # failed again: down for 3 s, the longest
            clock.now += 3.0
            await p.probe()
            assert len(a.calls) == asked + 3  # and again 3 s
            clock.now += 3.0
            a.mode = "ok"
            await p.probe()
            assert len(a.calls) == asked + 4
            assert _entry(p.state(), a)["up"] is True
            a.mode = "429"
            await w3.eth.block_number  # a fails again: the cool-off starts over at 1 s
            clock.now += 1.0
            a.mode = "ok"
            await p.probe()
            assert _entry(p.state(), a)["up"] is True


async def test_the_background_probe_brings_an_endpoint_back(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        p = provider(a, b, cooloff_s=(0.2, 1.0), probe_every_s=0.05)
        async with verified(p) as w3:
            await a.close_port()
            await w3.eth.block_number
            assert _entry(p.state(), a)["up"] is False
            await a.open_port()
            started = time.monotonic()
            while not _entry(p.state(), a)["up"]:
                assert time.monotonic() - started < MARGIN_S
                await asyncio.sleep(0.05)
            before = a.served("eth_blockNumber")
            await w3.eth.block_number
            assert a.served("eth_blockNumber") == before + 1


async def test_an_endpoint_lagging_behind_is_not_read_from(anvil: Anvil) -> None:  # noqa: F811
    _mine(anvil, 20)
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        a.lag = 10
        p = provider(a, b)
        async with verified(p) as w3:
            head = _entry(p.state(), b)["head"]
            assert _entry(p.state(), a)["head"] == head - 10
            assert (await w3.eth.get_block("latest"))["number"] == head
            assert (a.served("eth_getBlockByNumber"), b.served("eth_getBlockByNumber")) == (0, 1)
            assert _entry(p.state(), a)["up"] is True
            await b.close_port()  # the best is gone: the one behind is the best left
            assert await w3.eth.block_number == head - 10
            assert a.served("eth_blockNumber") == 2


async def test_probes_refresh_heads_so_a_lag_that_starts_later_is_seen(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        p = provider(a, b, head_refresh_s=0.0)
        async with verified(p) as w3:
            a.lag = 10
            _mine(anvil, 20)
            head = await w3.eth.block_number  # a is still the best it knows of
            assert a.served("eth_blockNumber") == 2
            await p.probe()  # b's head is asked again
            assert await w3.eth.block_number == head + 10
            assert b.served("eth_blockNumber") == 3


async def test_a_lagging_endpoint_is_not_asked_when_the_others_refuse_the_call(anvil: Anvil) -> None:  # noqa: F811
    _mine(anvil, 20)
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b, Upstream(anvil.url) as c:
        a.max_range = b.max_range = 100
        b.lag, c.lag = 3, 10
        async with verified(provider(a, b, c, max_lag=5)) as w3:
            with pytest.raises(RetryLater) as e:
                await w3.eth.get_logs({"fromBlock": 0, "toBlock": 200})
            assert str(e.value) == (f"anvil: eth_getLogs over blocks 0..200 refused for its size: {a.url}: JSON-RPC "
                                    f"-32005: query exceeds max block range 100; {b.url}: JSON-RPC -32005: query "
                                    "exceeds max block range 100")
            assert (a.served("eth_getLogs"), b.served("eth_getLogs"), c.served("eth_getLogs")) == (1, 1, 0)
