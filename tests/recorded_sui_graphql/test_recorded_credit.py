"""Lending events (`credit_events`) over recorded GraphQL conversations, through pysui's real client: the default
Navi and Scallop event types read after a cursor, page by page, bounded by the service's index; the watched wallet's
events only; transport faults; the capability turned off."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chains.base import CreditEvent, Height
from chains.core.errors import NotSupported, RetryLater
from chains.sui.adapter import SuiAdapter
from chains.sui.credit_events import MAINNET_LENDING_EVENTS
from chains.sui.keys import load_transmitter

from . import scenario
from .conftest import MakeAdapter, Serve, chain_config
from .faulty import Faulty

UNTIL = Height(number=scenario.LENT_HEAD, timestamp=int(scenario.checkpoint_time(scenario.LENT_HEAD)))
CREDIT = "AuraEvents"


def _event(lend: scenario.Lend, kind: str, protocol: str) -> CreditEvent:
    return CreditEvent(subject=lend.wallet, kind=kind, protocol=protocol, height=lend.checkpoint, tx_hash=lend.digest)


async def test_recorded_credit_events_after_the_cursor_name_the_watched_wallets(serve: Serve,
                                                                                adapter_for: MakeAdapter) -> None:
    server = await serve("connect", "lending")
    adapter = await adapter_for(server)
    borrow, bystander, repay = scenario.LENDS
    head = UNTIL
    written = "0x" + scenario.BORROWER[2:].upper()  # a watched wallet as its owner wrote it: matched by address
    found = await adapter.credit_events([written], str(scenario.HEAD), head)
    assert found.items == [
        CreditEvent(subject=written, kind="borrow", protocol="scallop", height=borrow.checkpoint,
                    tx_hash=borrow.digest),
        CreditEvent(subject=written, kind="repay", protocol="navi", height=repay.checkpoint, tx_hash=repay.digest),
    ]
    assert (found.next_cursor, found.reached) == (str(scenario.LENT_HEAD), scenario.LENT_HEAD)
    asked = [v["type"] for op, v in server.requests if op == CREDIT]
    assert asked == list(MAINNET_LENDING_EVENTS)  # one query per configured type, in the configured order
    both = await adapter.credit_events([scenario.BORROWER, scenario.BYSTANDER, "not a sui address"],
                                       str(scenario.HEAD), head)
    assert both.items == [_event(borrow, "borrow", "scallop"), _event(bystander, "borrow", "navi"),
                          _event(repay, "repay", "navi")]


async def test_recorded_credit_events_without_a_cursor_or_past_it_read_nothing(serve: Serve,
                                                                               adapter_for: MakeAdapter) -> None:
    server = await serve("connect", "lending")
    adapter = await adapter_for(server)
    first = await adapter.credit_events([scenario.BORROWER], None, UNTIL)
    assert (first.items, first.next_cursor, first.reached) == ([], str(scenario.LENT_HEAD), scenario.LENT_HEAD)
    again = await adapter.credit_events([scenario.BORROWER], str(scenario.LENT_HEAD), UNTIL)
    assert (again.items, again.next_cursor, again.reached) == ([], str(scenario.LENT_HEAD), scenario.LENT_HEAD)
    nobody = await adapter.credit_events([], str(scenario.HEAD), UNTIL)
    assert (nobody.items, nobody.reached) == ([], scenario.LENT_HEAD)
    assert CREDIT not in server.operations()


async def test_recorded_credit_events_page_and_stop_at_the_services_index(serve: Serve, adapter_for: MakeAdapter,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    """Scallop's borrows over two pages: a look-alike of another package and a malformed event skipped, the borrow
    in 1209 held back because the service has indexed Navi's types only to 1208."""
    server = await serve("connect", "lending_paged")
    adapter = await adapter_for(server)
    borrow, _, repay = scenario.LENDS
    with caplog.at_level(logging.WARNING, logger="aura.sui"):
        found = await adapter.credit_events([scenario.BORROWER], str(scenario.HEAD), UNTIL)
    assert found.items == [_event(borrow, "borrow", "scallop"), _event(repay, "repay", "navi")]
    assert (found.next_cursor, found.reached) == (str(scenario.HEAD + 8), scenario.HEAD + 8)
    pages = [v["cursor"] for op, v in server.requests if op == CREDIT and v["type"] == scenario.SCALLOP_BORROW]
    assert pages == [None, "eyJlIjoyfQ"]
    assert [r.getMessage() for r in caplog.records] == ["skipping a malformed lending event"]
    assert caplog.records[0].__dict__["f"]["error"] == "7 is not a 0x-prefixed hex Sui address of at most 32 bytes"


async def test_recorded_credit_events_wait_while_the_service_fails(serve: Serve, key_file: Path) -> None:
    server = await serve("connect", "lending")
    async with Faulty(server.url) as faulty:
        adapter = SuiAdapter(chain_config(faulty.url, key_file), load_transmitter(key_file))
        await adapter.connect()
        try:
            faulty.mode = "503"
            with pytest.raises(RetryLater) as failed:
                await adapter.credit_events([scenario.BORROWER], str(scenario.HEAD), UNTIL)
        finally:
            await adapter.close()
    where = f"on every GraphQL endpoint: {faulty.url.removesuffix('/graphql')}: HTTP 503"
    assert str(failed.value) == f"{scenario.CHAIN}: {CREDIT} failed {where}"


async def test_recorded_credit_events_off_with_no_lending_events(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server, lending_events={})
    with pytest.raises(NotSupported) as off:
        await adapter.credit_events([scenario.BORROWER], str(scenario.HEAD), UNTIL)
    assert str(off.value) == "family 'sui' does not support lending events with an empty lending_events"
