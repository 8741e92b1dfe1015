"""Re-scoring on lending events (node/credit_trigger.py) over the fake family: a watched wallet's borrow, repayment
or liquidation re-scores it once it is final, nothing else does, the cursor survives a restart, and a pass that
fails (the chain unreachable, the node killed before the cursor is stored) is done again rather than lost."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from chains.base import Confidence
from chains.core.errors import NotSupported, RetryLater
from node.credit_trigger import CreditTrigger
from node.offchain_scorer import OffchainScorer
from node.watchlist import WatchList
from tests.fakechain.adapter import FakeAdapter
from tests.fakechain.ledger import SUBJECT, FakeLedger
from tests.unit.pipeline.harness import CHAIN, Clock, Node, StubAssessor

OTHER = "0x" + "6c" * 32
STRANGER = "0x" + "7d" * 32


class Rescores:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail_next = False

    async def __call__(self, chain: str, subject: str) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("killed")
        self.calls.append((chain, subject))


async def started(ledger: FakeLedger, store_dir: Path) -> tuple[Node, WatchList]:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    watchlist = WatchList(store_dir / "aura.sqlite")
    watchlist.add(CHAIN, SUBJECT, 86400)
    watchlist.add(CHAIN, OTHER, 86400)
    return node, watchlist


async def test_a_watched_wallets_lending_events_rescore_it_once_final(ledger: FakeLedger, store_dir: Path) -> None:
    node, watchlist = await started(ledger, store_dir)
    rescores = Rescores()
    trigger = CreditTrigger(node.service.adapter, watchlist, rescores)
    assert await trigger.tick() == []  # the first pass starts at the finalized head
    start = watchlist.credit_cursor(CHAIN)
    ledger.lend(SUBJECT, "borrow")
    ledger.lend(STRANGER, "borrow")  # not watched
    ledger.mine()
    ledger.lend(SUBJECT, "repay")
    ledger.lend(OTHER, "liquidation")
    ledger.mine()
    assert await trigger.tick() == [] and rescores.calls == []  # not final yet
    ledger.mine(8)
    found = await trigger.tick()
    assert [(e.subject, e.kind) for e in found] == [(SUBJECT, "borrow"), (SUBJECT, "repay"), (OTHER, "liquidation")]
    assert rescores.calls == [(CHAIN, SUBJECT), (CHAIN, OTHER)]  # each wallet once per pass
    final = await node.service.adapter.head(Confidence.FINALIZED)
    assert start is not None and watchlist.credit_cursor(CHAIN) == str(final.number) != start
    assert await trigger.tick() == [] and len(rescores.calls) == 2
    node.store.close()


async def test_the_cursor_survives_a_restart_and_a_pass_cut_short_is_done_again(ledger: FakeLedger,
                                                                                  store_dir: Path) -> None:
    node, watchlist = await started(ledger, store_dir)
    rescores = Rescores()
    await CreditTrigger(node.service.adapter, watchlist, rescores).tick()
    ledger.lend(SUBJECT)
    ledger.mine(10)
    rescores.fail_next = True  # killed in the middle of the pass: the cursor is not stored
    with pytest.raises(RuntimeError):
        await CreditTrigger(node.service.adapter, watchlist, rescores).tick()
    watchlist.close()
    restarted = WatchList(store_dir / "aura.sqlite")
    again = CreditTrigger(node.service.adapter, restarted, rescores)
    assert [e.subject for e in await again.tick()] == [SUBJECT] and rescores.calls == [(CHAIN, SUBJECT)]
    assert await again.tick() == [] and rescores.calls == [(CHAIN, SUBJECT)]
    node.store.close()


async def test_an_event_rescores_through_the_offchain_scorer(ledger: FakeLedger, store_dir: Path) -> None:
    node, watchlist = await started(ledger, store_dir)
    scorer = OffchainScorer(node.service.adapter, StubAssessor(), watchlist, 25)

    async def rescore(chain: str, subject: str) -> None:
        await scorer.rescore(subject)

    trigger = CreditTrigger(node.service.adapter, watchlist, rescore)
    await trigger.tick()
    ledger.lend(OTHER, "repay")
    ledger.mine(10)
    await trigger.tick()
    record = watchlist.latest(CHAIN, OTHER)
    assert record is not None and record.block_number >= ledger.credit_log[0][2] and watchlist.latest(
        CHAIN, SUBJECT) is None
    node.store.close()


async def test_an_unreachable_chain_waits_and_keeps_the_cursor(ledger: FakeLedger, store_dir: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    node, watchlist = await started(ledger, store_dir)
    rescores = Rescores()
    trigger = CreditTrigger(node.service.adapter, watchlist, rescores, interval_s=0.01)
    await trigger.tick()
    before = watchlist.credit_cursor(CHAIN)
    ledger.lend(SUBJECT)
    ledger.mine(10)
    ledger.down = True
    with pytest.raises(RetryLater):
        await trigger.tick()
    assert watchlist.credit_cursor(CHAIN) == before
    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, "aura.rescoring")
    running = asyncio.create_task(trigger.run(stop))
    await asyncio.sleep(0.05)
    assert rescores.calls == [] and "lending events wait" in caplog.messages
    ledger.down = False
    for _ in range(100):
        if rescores.calls:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert rescores.calls == [(CHAIN, SUBJECT)]
    node.store.close()


async def test_a_chain_without_lending_events_says_so_once_and_stops(ledger: FakeLedger, store_dir: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    node, watchlist = await started(ledger, store_dir)

    async def refuse(*_: object) -> None:
        raise NotSupported("fake", "lending events")

    node.service.adapter.credit_events = refuse  # type: ignore[method-assign,assignment]
    caplog.set_level(logging.INFO, "aura.rescoring")
    await asyncio.wait_for(CreditTrigger(node.service.adapter, watchlist, Rescores()).run(asyncio.Event()), 1)
    assert caplog.messages == ["no re-scoring on lending events"]
    node.store.close()


async def test_a_chain_not_connected_yet_waits_then_is_read(ledger: FakeLedger, store_dir: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A chain down when the node started: its adapter is not connected until the chain's service connects it."""
    node, watchlist = await started(ledger, store_dir)
    adapter = FakeAdapter(ledger.config(CHAIN))
    rescores = Rescores()
    trigger = CreditTrigger(adapter, watchlist, rescores, interval_s=0.01)
    caplog.set_level(logging.WARNING, "aura.rescoring")
    stop = asyncio.Event()
    running = asyncio.create_task(trigger.run(stop))
    await asyncio.sleep(0.05)
    assert [r.f["error"] for r in caplog.records if r.getMessage() == "lending events wait"][0] == \
        f"{CHAIN}: not connected"
    await adapter.connect()
    for _ in range(100):
        if watchlist.credit_cursor(CHAIN) is not None:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert watchlist.credit_cursor(CHAIN) is not None and not running.exception()
    node.store.close()


async def test_a_chain_with_no_watched_wallet_is_read_once_for_its_cursor(ledger: FakeLedger,
                                                                          store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    watchlist = WatchList(store_dir / "aura.sqlite")
    rescores = Rescores()
    trigger = CreditTrigger(node.service.adapter, watchlist, rescores)
    assert await trigger.tick() == [] and watchlist.credit_cursor(CHAIN) is not None  # the start is marked
    start = watchlist.credit_cursor(CHAIN)
    ledger.down = True  # any further read would raise RetryLater
    assert await trigger.tick() == [] and watchlist.credit_cursor(CHAIN) == start
    ledger.down = False
    ledger.lend(SUBJECT)
    ledger.mine(10)
    watchlist.add(CHAIN, SUBJECT, 86400)  # watched after its borrow: read from the cursor, not missed
    assert [e.subject for e in await trigger.tick()] == [SUBJECT] and rescores.calls == [(CHAIN, SUBJECT)]
    node.store.close()
