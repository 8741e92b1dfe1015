"""The Sui adapter's reads against recorded GraphQL conversations, through pysui's real client: connect (schema
introspection, configuration query, chain identifier, oracle and package), heads, polling with cursors and
bounds, request status, features, and transport faults."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from chains.base import Confidence, Height
from chains.core.errors import ChainError, RetryLater
from chains.core.offchain import offchain_request_id
from chains.sui import adapter as adapter_module
from chains.urls import redact

from . import scenario
from .conftest import MakeAdapter, Serve

HEAD = Height(number=scenario.HEAD, timestamp=int(scenario.HEAD_TIME))


async def test_recorded_connect_introspects_reads_config_and_checks_the_oracle(serve: Serve,
                                                                               adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server, chain_identifier=scenario.CHAIN_IDENTIFIER)
    assert server.operations() == ["introspection", "pysui-config", "AuraOracle"]
    assert adapter.gql.chain_identifier == scenario.CHAIN_IDENTIFIER
    assert adapter.gql.service_version == scenario.SERVICE_VERSION
    assert adapter.gql.reference_gas_price() == scenario.REFERENCE_GAS_PRICE
    assert adapter.oracle_initial_shared_version == scenario.ORACLE_INITIAL_SHARED_VERSION
    assert adapter.type_package == scenario.PACKAGE
    await adapter.connect()  # idempotent: no second start-up
    assert server.operations() == ["introspection", "pysui-config", "AuraOracle"]


async def test_recorded_connect_refuses_another_chain(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server, connect=False, chain_identifier="35834a8a")
    with pytest.raises(ChainError) as e:
        await adapter.connect()
    assert str(e.value) == (f"sui-recorded: the GraphQL service at {redact(server.url)} serves chain '5f1e2a9c', "
                            "not the configured '35834a8a'")
    assert not adapter.gql.connected
    assert "AuraOracle" not in server.operations()


async def test_recorded_connect_refuses_an_owned_oracle(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("connect_not_shared")
    adapter = await adapter_for(server, connect=False)
    with pytest.raises(ChainError) as e:
        await adapter.connect()
    assert str(e.value) == f"sui-recorded: {scenario.ORACLE} is not a shared object"


async def test_recorded_connect_to_nothing_is_retried_later(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server, connect=False)
    await server.stop()
    with pytest.raises(RetryLater) as e:
        await adapter.connect()
    assert str(e.value) == (f"sui-recorded: GraphQL service unreachable: {redact(server.url)}: connection failed: "
                            "TransportConnectionFailed")
    assert "/graphql" not in str(e.value)  # the endpoint is named by scheme://host:port alone, never its path


async def test_recorded_head_is_the_latest_checkpoint_at_every_confidence(serve: Serve,
                                                                          adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server)
    heads = [await adapter.head(level) for level in Confidence]
    assert heads == [Height(number=1200, timestamp=1_764_619_200, hash=scenario.checkpoint_hash(1200))] * 3


async def test_recorded_poll_pages_through_events(serve: Serve, adapter_for: MakeAdapter,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    server = await serve("poll")
    adapter = await adapter_for(server)
    with caplog.at_level(logging.INFO):
        batch = await adapter.poll_requests("1000", HEAD)
    # another oracle's request is passed over silently, the malformed one with a warning naming its field
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage() == "skipping a malformed AssessmentRequested event"
    assert warning.f == {"chain": "sui-recorded", "tx": scenario.REQ_MALFORMED.tx_digest,  # type: ignore[attr-defined]
                         "error": "fee: 50000000 is not a u64 decimal string"}
    assert all(server.url not in r.getMessage() for r in caplog.records)  # the endpoint is never logged
    assert batch.next_cursor == "1200"
    assert batch.items == [scenario.REQ_A.oracle_request(), scenario.REQ_B.oracle_request(),
                           scenario.REQ_PRIVATE.oracle_request()]
    assert [r.private for r in batch.items] == [False, False, True]  # as each event records it
    a = batch.items[0]
    assert (a.block_number, a.ordinal, a.tx_hash, a.expires_at) == (
        1005, 7, scenario.REQ_A.tx_digest, scenario.REQ_A.expires_ms // 1000)
    assert a.params == "0x010000000000000000" and a.program == scenario.PACKAGE and a.contract == scenario.ORACLE
    assert adapter_module.SuiAdapter.enclave_request(a)["package"] == scenario.PACKAGE
    assert [op for op in server.operations() if op == "AuraEvents"] == ["AuraEvents"] * 2


async def test_recorded_poll_stops_at_a_checkpoint_boundary(serve: Serve, adapter_for: MakeAdapter,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With a budget of one page, the poll finishes the last checkpoint it saw and stops there: the cursor
    never passes an event it has not returned, and the next poll starts right after it."""
    monkeypatch.setattr(adapter_module, "EVENT_PAGES", 1)
    server = await serve("poll")
    adapter = await adapter_for(server)
    batch = await adapter.poll_requests("1000", HEAD)
    assert batch.next_cursor == "1010"
    assert batch.items == [scenario.REQ_A.oracle_request()]


async def test_recorded_poll_bounded_by_until_and_by_the_index(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("poll_bounds")
    adapter = await adapter_for(server)
    # events past `until` (1050) are not returned even if the service sends them; the malformed one is skipped
    batch = await adapter.poll_requests("1000", Height(number=1050, timestamp=0))
    assert (batch.next_cursor, batch.items) == ("1050", [scenario.REQ_A.oracle_request()])
    # the service has indexed only up to 1150: the cursor stops there
    batch = await adapter.poll_requests("1050", HEAD)
    assert (batch.next_cursor, batch.items) == ("1150", [scenario.REQ_B.oracle_request()])
    # no cursor yet: from start_checkpoint (0) on
    batch = await adapter.poll_requests(None, HEAD)
    assert batch.next_cursor == "1200"
    assert batch.items == [scenario.REQ_A.oracle_request(), scenario.REQ_B.oracle_request()]
    # nothing to read: no query
    before = len(server.requests)
    batch = await adapter.poll_requests("1200", HEAD)
    assert (batch.next_cursor, batch.items, len(server.requests)) == ("1200", [], before)


async def test_recorded_request_status_each_state(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("request_status")
    adapter = await adapter_for(server)
    for req, state in ((scenario.REQ_A, "pending"), (scenario.REQ_FULFILLED, "fulfilled"),
                       (scenario.REQ_CANCELLED, "cancelled")):
        assert (await adapter.request_status(req.oracle_request())).value == state
    unknown = scenario.Req(99, 1000).oracle_request()
    unknown = unknown.__class__(**{**unknown.__dict__, "request_id": scenario.REQ_UNKNOWN_ID})
    assert (await adapter.request_status(unknown)).value == "none"
    assert await adapter.is_canonical(scenario.REQ_A.oracle_request())


async def test_recorded_pinned_is_the_checkpoint_holding_the_request(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("pinned")
    adapter = await adapter_for(server)
    # checkpoint 1005 at 2025-12-01T19:59:11.500Z: its time in whole seconds, its digest as 0x + hex
    a = await adapter.pinned(scenario.REQ_A.oracle_request())
    assert a == Height(number=1005, timestamp=1_764_619_151, hash=scenario.checkpoint_hash(1005))
    assert len(a.hash) == 66 and a.hash != scenario.checkpoint_digest(1005)
    # the service no longer has B's transaction: its checkpoint, where its event was read, is still pinned
    assert await adapter.pinned(scenario.REQ_B.oracle_request()) == Height(
        number=1100, timestamp=int(scenario.checkpoint_time(1100)), hash=scenario.checkpoint_hash(1100))
    assert server.operations().count("AuraPinned") == 2


async def test_recorded_pinned_refuses_another_checkpoint(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("pinned")
    adapter = await adapter_for(server)
    moved = scenario.REQ_MOVED.oracle_request()
    with pytest.raises(ChainError) as e:
        await adapter.pinned(moved)
    assert str(e.value) == (f"sui-recorded: request {moved.request_id}'s transaction {moved.tx_hash} is in "
                            "checkpoint 1021, not 1020")
    # the request was read with another digest for its checkpoint than the service gives now
    other = replace(scenario.REQ_A.oracle_request(), block_hash=scenario.checkpoint_digest(1006))
    with pytest.raises(ChainError) as e:
        await adapter.pinned(other)
    assert str(e.value) == (f"sui-recorded: checkpoint 1005 has digest {scenario.checkpoint_digest(1005)}, not "
                            f"{scenario.checkpoint_digest(1006)} as when request {other.request_id} was read")


async def test_recorded_pinned_waits_for_an_unavailable_checkpoint(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("pinned")
    adapter = await adapter_for(server)
    with pytest.raises(RetryLater) as e:
        await adapter.pinned(scenario.REQ_FULFILLED.oracle_request())
    assert str(e.value) == "sui-recorded: checkpoint 900 is not available"


async def test_recorded_features_at_the_pinned_checkpoint(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("pinned", "features")
    adapter = await adapter_for(server)
    at = await adapter.pinned(scenario.REQ_A.oracle_request())
    features = await adapter.read_features(scenario.SUBJECT, at)
    assert features == {"as_of_block": 1005, "as_of_block_hash": scenario.checkpoint_hash(1005),
                        "as_of_timestamp": 1_764_619_151, "tx_count": 3, "balance_wei": "2500000000000000000",
                        "first_seen_timestamp": 1_700_000_000}
    # the enclave's request names the same checkpoint the features were read at
    assert adapter_module.SuiAdapter.enclave_request(scenario.REQ_A.oracle_request())["block_number"] == 1005


async def test_recorded_features_refuse_another_digest_for_the_pinned_checkpoint(serve: Serve,
                                                                                 adapter_for: MakeAdapter) -> None:
    server = await serve("features")
    adapter = await adapter_for(server)
    at = Height(number=1005, timestamp=1_764_619_151, hash=scenario.checkpoint_hash(1006))
    with pytest.raises(ChainError) as e:
        await adapter.read_features(scenario.SUBJECT, at)
    assert str(e.value) == (f"sui-recorded: checkpoint 1005 has digest {scenario.checkpoint_hash(1005)}, not the "
                            f"pinned {scenario.checkpoint_hash(1006)}")


async def test_recorded_transport_faults_are_retried_later(serve: Serve, adapter_for: MakeAdapter) -> None:
    """A fault of the only endpoint is RetryLater naming it; the endpoint, down after each, is asked again at the
    next call all the same (there is no other)."""
    server = await serve("transport")
    adapter = await adapter_for(server)
    adapter.gql.endpoints.probe_every_s = 3600.0  # only the calls below read the recorded answers, in order
    failed = f"sui-recorded: AuraHead failed on every GraphQL endpoint: {redact(server.url)}: "
    for error in ("HTTP 503", "GraphQL REQUEST_TIMEOUT: Request timed out", "not a GraphQL response"):
        with pytest.raises(RetryLater) as e:
            await adapter.head(Confidence.LATEST)
        assert str(e.value) == failed + error
    assert (await adapter.head(Confidence.LATEST)).number == 1200
    [state] = adapter.health()["rpc"]
    assert (state["up"], state["head"], state["last_error"]) == (True, 1200, "not a GraphQL response")
    assert state["errors"] == {"http_5xx": 1, "graphql_timeout": 1, "malformed": 1}


def test_recorded_adapter_shows_no_secret(key_file: Path) -> None:
    from chains.sui.adapter import SuiAdapter
    from chains.sui.keys import load_transmitter

    from .conftest import chain_config

    cfg = chain_config("https://user:hunter2@graphql.example/graphql", key_file)
    adapter = SuiAdapter(cfg, load_transmitter(key_file))
    text = repr(adapter) + repr(adapter.gql) + repr(adapter.transmitter) + repr(cfg)
    assert "hunter2" not in text and scenario.TRANSMITTER_SECRET.hex() not in text
    assert scenario.transmitter_key_text() not in text


async def test_recorded_offchain_request_pins_the_latest_checkpoint(serve: Serve, adapter_for: MakeAdapter) -> None:
    """An off-chain assessment's request: the latest checkpoint, the enclave's own id for it, the subject in full
    form whatever form it was given in; a subject that is no Sui address is refused before any call."""
    server = await serve("offchain")
    adapter = await adapter_for(server)
    request, at = await adapter.offchain_request(scenario.SUBJECT.upper().replace("0X", "0x"))
    assert at == Height(number=HEAD.number, timestamp=HEAD.timestamp, hash=scenario.checkpoint_hash(HEAD.number))
    assert request.request_id == "0x" + offchain_request_id("sui", 0, bytes.fromhex(scenario.SUBJECT[2:]), at.number,
                                                            bytes.fromhex(at.hash[2:])).hex()
    assert (request.subject, request.block_hash, request.fee, request.private) == (scenario.SUBJECT, at.hash, 0,
                                                                                   False)
    calls = len(server.requests)
    with pytest.raises(ChainError) as e:
        await adapter.offchain_request("0xZZ")
    assert str(e.value) == "sui-recorded: '0xZZ' is not a Sui address"
    assert len(server.requests) == calls
