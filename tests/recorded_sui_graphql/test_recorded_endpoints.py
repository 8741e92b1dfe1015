"""The Sui adapter over two GraphQL endpoints: the recorded service served twice (replay.py), each behind a
loopback endpoint that forwards or misbehaves as told (faulty.py). Connect starts both and checks the network
each serves, reads go to the endpoint with the latest checkpoint and fail over within the call and its deadline,
an error about the call is not a fault of the endpoint, executions go to both, health shows each endpoint."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
import pytest_asyncio

from chains.base import Confidence
from chains.core.errors import ChainError, RetryLater
from chains.sui.adapter import SuiAdapter

from . import scenario
from .conftest import MakeAdapter, Serve
from .faulty import Faulty
from .test_recorded_fulfilment import stored_submission

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"),
              pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")]

TIMEOUT_S = 2.0  # a deadline a loaded machine meets: the introspection at connect is the largest answer
MARGIN_S = 6.0  # a failover must finish well within this; a correctness bound, not a benchmark

Pair = Callable[..., Awaitable[tuple[Faulty, Faulty]]]


@pytest_asyncio.fixture(loop_scope="function")
async def pair(serve: Serve) -> AsyncIterator[Pair]:
    """`await pair("connect", ...)`: two replay servers answering from those recordings, each behind a Faulty."""
    async with AsyncExitStack() as stack:
        async def make(*names: str) -> tuple[Faulty, Faulty]:
            a = await stack.enter_async_context(Faulty((await serve(*names)).url))
            b = await stack.enter_async_context(Faulty((await serve(*names)).url))
            return a, b

        yield make


async def _adapter(adapter_for: MakeAdapter, serve: Serve, a: Faulty, b: Faulty, connect: bool = True,
                   **overrides: Any) -> SuiAdapter:
    """An adapter on a then b, its background probe off (tests call probe())."""
    adapter = await adapter_for(await serve(), connect=False, graphql_url=a.url, graphql_urls=[b.url],
                                rpc_timeout_s=TIMEOUT_S, **overrides)
    adapter.gql.endpoints.probe_every_s = 3600.0
    if connect:
        await adapter.connect()
    return adapter


def _row(adapter: SuiAdapter, endpoint: Faulty) -> dict[str, Any]:
    label = endpoint.url.removesuffix("/graphql")
    [row] = [r for r in adapter.health()["rpc"] if r["endpoint"] == label]
    return dict(row)


async def test_connect_starts_every_endpoint_and_reads_from_the_first(pair: Pair, serve: Serve,
                                                                      adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    adapter = await _adapter(adapter_for, serve, a, b, connect=False, chain_identifier=scenario.CHAIN_IDENTIFIER)
    assert adapter.health()["rpc"] == []  # nothing known before the first connect
    await adapter.connect()
    assert a.operations == ["introspection", "pysui-config", "AuraOracle"]
    assert b.operations == ["introspection", "pysui-config"]
    assert await adapter.head(Confidence.LATEST) == await adapter.head(Confidence.SAFE)
    assert (a.served("AuraHead"), b.served("AuraHead")) == (2, 0)
    rows = adapter.health()["rpc"]
    assert [(r["endpoint"], r["role"], r["up"], r["head"], r["errors"]) for r in rows] == [
        (a.url.removesuffix("/graphql"), "read", True, 1200, {}),
        (b.url.removesuffix("/graphql"), "read", True, None, {})]


async def test_an_endpoint_down_at_connect_is_left_for_the_other(pair: Pair, serve: Serve,
                                                                 adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    await a.close_port()
    adapter = await _adapter(adapter_for, serve, a, b)
    assert b.served("AuraOracle") == 1
    assert (await adapter.head(Confidence.LATEST)).number == 1200
    row = _row(adapter, a)
    assert (row["up"], row["last_error"], row["errors"]) == (
        False, "connection failed: TransportConnectionFailed", {"connection": 1})


@pytest.mark.parametrize(("mode", "errors", "kind", "message"), [
    ("503", [], "http_5xx", "HTTP 503"),
    ("429", [], "http_429", "HTTP 429"),
    ("errors", [{"message": "Request timed out", "extensions": {"code": "REQUEST_TIMEOUT"}}],
     "graphql_timeout", "GraphQL REQUEST_TIMEOUT: Request timed out"),
    ("errors", [{"message": "Failed to connect to the database", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
     "graphql_internal", "GraphQL INTERNAL_SERVER_ERROR: Failed to connect to the database"),
    ("errors", [{"message": "Executing transactions not available", "extensions": {"code": "FEATURE_UNAVAILABLE"}}],
     "graphql_unavailable", "GraphQL FEATURE_UNAVAILABLE: Executing transactions not available"),
    ("errors", [{"message": "Too many requests"}], "graphql_limit", "GraphQL error: Too many requests"),
])
async def test_a_fault_of_the_endpoint_fails_over(pair: Pair, serve: Serve, adapter_for: MakeAdapter, mode: Any,
                                                  errors: list[dict[str, Any]], kind: str, message: str) -> None:
    a, b = await pair("connect")
    adapter = await _adapter(adapter_for, serve, a, b)
    a.mode, a.errors = mode, errors
    assert (await adapter.head(Confidence.LATEST)).number == 1200
    assert (a.served("AuraHead"), b.served("AuraHead")) == (1, 1)
    row = _row(adapter, a)
    assert (row["up"], row["last_error"], row["errors"]) == (False, message, {kind: 1})
    assert _row(adapter, b)["up"] is True
    await adapter.head(Confidence.LATEST)  # a is cooling off: not asked again
    assert (a.served("AuraHead"), b.served("AuraHead")) == (1, 2)


async def test_a_black_hole_costs_one_deadline_then_is_skipped(pair: Pair, serve: Serve,
                                                               adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    adapter = await _adapter(adapter_for, serve, a, b)
    a.mode = "blackhole"
    started = time.monotonic()
    assert (await adapter.head(Confidence.LATEST)).number == 1200
    assert TIMEOUT_S <= time.monotonic() - started < MARGIN_S
    started = time.monotonic()
    await adapter.head(Confidence.LATEST)
    assert time.monotonic() - started < TIMEOUT_S
    assert (a.served("AuraHead"), b.served("AuraHead")) == (1, 2)
    row = _row(adapter, a)
    assert (row["up"], row["last_error"], row["errors"]) == (False, "timeout: no answer within 2 s",
                                                             {"timeout": 1})


async def test_an_error_about_the_call_is_the_answer(pair: Pair, serve: Serve, adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    adapter = await _adapter(adapter_for, serve, a, b)
    a.mode = "errors"
    a.errors = [{"message": "Invalid value for argument \"digest\"", "extensions": {"code": "BAD_USER_INPUT"}}]
    with pytest.raises(RetryLater) as e:
        await adapter.head(Confidence.LATEST)
    assert str(e.value) == "sui-recorded: AuraHead failed: TransportQueryError: Invalid value for argument \"digest\""
    assert (a.served("AuraHead"), b.served("AuraHead")) == (1, 0)
    row = _row(adapter, a)
    assert (row["up"], row["last_error"], row["errors"]) == (True, "", {})


async def test_every_endpoint_failing_raises_retry_later_naming_each(pair: Pair, serve: Serve,
                                                                     adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    adapter = await _adapter(adapter_for, serve, a, b)
    a.mode = "503"
    await b.close_port()
    with pytest.raises(RetryLater) as e:
        await adapter.head(Confidence.LATEST)
    assert str(e.value) == ("sui-recorded: AuraHead failed on every GraphQL endpoint: "
                            f"{a.url.removesuffix('/graphql')}: HTTP 503; {b.url.removesuffix('/graphql')}: "
                            "connection failed: TransportConnectionFailed")


async def test_reads_go_to_the_endpoint_with_the_latest_checkpoint(pair: Pair, serve: Serve,
                                                                   adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    adapter = await _adapter(adapter_for, serve, a, b, rpc_max_lag_checkpoints=40)
    a.lag = 100
    await adapter.gql.endpoints.probe()  # both heads asked: a is 100 checkpoints behind b
    assert (_row(adapter, a)["head"], _row(adapter, b)["head"]) == (1100, 1200)
    assert (await adapter.head(Confidence.LATEST)).number == 1200
    assert (a.served("AuraHead"), b.served("AuraHead")) == (1, 2)
    a.lag = 0
    b.mode = "503"  # the best gone: a, behind, is the best left
    assert (await adapter.head(Confidence.LATEST)).number == 1200
    assert (a.served("AuraHead"), b.served("AuraHead")) == (2, 3)


async def test_an_execution_goes_to_every_live_endpoint(pair: Pair, serve: Serve, adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect", "prepare")
    adapter = await _adapter(adapter_for, serve, a, b)
    await adapter.broadcast(stored_submission())
    assert (a.served("AuraExecute"), b.served("AuraExecute")) == (1, 1)
    a.mode = "503"  # one endpoint failing: the other's effects are the answer
    await adapter.broadcast(stored_submission())
    assert (a.served("AuraExecute"), b.served("AuraExecute")) == (2, 2)
    assert _row(adapter, a)["last_error"] == "HTTP 503"


async def test_connect_refuses_an_endpoint_of_another_network(pair: Pair, serve: Serve,
                                                              adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    b.chain_identifier = "35834a8a"
    adapter = await _adapter(adapter_for, serve, a, b, connect=False, chain_identifier=scenario.CHAIN_IDENTIFIER)
    with pytest.raises(ChainError) as e:
        await adapter.connect()
    assert str(e.value) == (f"sui-recorded: the GraphQL service at {b.url.removesuffix('/graphql')} serves chain "
                            f"'35834a8a', not the configured '{scenario.CHAIN_IDENTIFIER}'")
    assert not adapter.gql.connected and "AuraOracle" not in a.operations + b.operations
    adapter = await _adapter(adapter_for, serve, a, b, connect=False)  # no network configured: they must agree
    with pytest.raises(ChainError) as e:
        await adapter.connect()
    assert str(e.value) == (f"sui-recorded: the GraphQL endpoints serve different chains: "
                            f"{a.url.removesuffix('/graphql')} serves '{scenario.CHAIN_IDENTIFIER}'; "
                            f"{b.url.removesuffix('/graphql')} serves '35834a8a'")


async def test_an_endpoint_of_another_network_first_heard_from_later_is_never_used(
        pair: Pair, serve: Serve, adapter_for: MakeAdapter) -> None:
    a, b = await pair("connect")
    b.chain_identifier = "35834a8a"
    await b.close_port()
    adapter = await _adapter(adapter_for, serve, a, b)
    await b.open_port()
    a.mode = "503"
    with pytest.raises(RetryLater) as e:
        await adapter.head(Confidence.LATEST)
    assert str(e.value) == ("sui-recorded: AuraHead failed on every GraphQL endpoint: "
                            f"{a.url.removesuffix('/graphql')}: HTTP 503; {b.url.removesuffix('/graphql')}: chain "
                            f"'35834a8a', expected '{scenario.CHAIN_IDENTIFIER}'")
    assert b.operations == ["introspection", "pysui-config"]
    assert _row(adapter, b)["errors"] == {"connection": 1, "wrong_chain": 1}
