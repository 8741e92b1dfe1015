"""Re-scoring watched wallets (node/rescoring.py, node/watchlist.py) over the fake family: the off-chain request at
the finalized head, the stub enclave signing under the off-chain domain, the record's `moved`; and the APScheduler
jobs, persisted in the node's database, which survive a restart and follow the watch-list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from chains.base import Confidence
from chains.core.offchain import offchain_request_id
from node.offchain_scorer import OffchainScorer
from node.rescoring import RescoreScheduler, job_id
from node.watchlist import WatchError, WatchList, parse_every
from tests.fakechain.ledger import SUBJECT, FakeLedger
from tests.unit.pipeline.harness import CHAIN, ENCLAVE, Clock, Node, StubAssessor


def rescorer(node: Node, watchlist: WatchList, assessor: StubAssessor, step: int = 25) -> OffchainScorer:
    return OffchainScorer(node.service.adapter, assessor, watchlist, step)


async def test_a_rescoring_signs_an_offchain_assessment_at_the_finalized_head(ledger: FakeLedger,
                                                                              store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    ledger.mine(10)
    watchlist = WatchList(store_dir / "aura.sqlite")
    record = await rescorer(node, watchlist, StubAssessor()).rescore(SUBJECT)
    final = await node.service.adapter.head(Confidence.FINALIZED)
    expected_id = offchain_request_id("fake", ledger.config(CHAIN).chain_id, bytes.fromhex(SUBJECT[2:]),
                                      final.number, bytes.fromhex(final.hash[2:]))
    assert (record.request_id, record.block_number, record.score, record.moved) == (
        "0x" + expected_id.hex(), final.number, 700, True)
    typed = record.result["typed_data"]
    assert typed["domain"]["name"] == "Aura off-chain assessment"
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=bytes.fromhex(record.result["signature"][2:])) == \
        ENCLAVE.address
    assert watchlist.latest(CHAIN, SUBJECT) == record
    node.store.close()


async def test_moved_follows_the_step_and_the_tier(ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    watchlist = WatchList(store_dir / "aura.sqlite")
    assessor = StubAssessor()
    scorer = rescorer(node, watchlist, assessor, step=25)
    moves = []
    for score, tier in [(700, 2), (724, 2), (749, 2), (751, 1)]:
        assessor.score, assessor.tier = score, tier
        ledger.mine()
        moves.append((await scorer.rescore(SUBJECT)).moved)
    assert moves == [True, False, True, True]  # first; 24 < 25 from 700; 49 from 700; tier changed
    assert [r.score for r in watchlist.history(CHAIN, SUBJECT)] == [751, 749, 724, 700]
    node.store.close()


def test_watches_are_added_updated_and_removed(store_dir: Path) -> None:
    watchlist = WatchList(store_dir / "aura.sqlite", clock=lambda: 5.0)
    assert watchlist.add("c", "0xab", 86400) is True
    assert watchlist.add("c", "0xab", 3600) is False
    assert [(w.chain, w.subject, w.every_s, w.added_at) for w in watchlist.watches()] == [("c", "0xab", 3600, 5.0)]
    watchlist.remove("c", "0xab")
    with pytest.raises(WatchError) as info:
        watchlist.remove("c", "0xab")
    assert str(info.value) == "0xab is not watched on c"


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("30m", 1800), ("7d", 604800), ("90s", 90)])
def test_every_reads_a_number_and_a_unit(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize(("text", "error"), [
    ("24", "--every '24': expected a number and a unit, s, m, h or d (e.g. 24h)"),
    ("0h", "--every '0h': expected a number and a unit, s, m, h or d (e.g. 24h)"),
    ("59s", "--every '59s': must be between 60 s and 366 days"),
    ("367d", "--every '367d': must be between 60 s and 366 days"),
])
def test_every_refuses_other_forms(text: str, error: str) -> None:
    with pytest.raises(WatchError) as info:
        parse_every(text)
    assert str(info.value) == error


async def test_jobs_run_persist_across_restarts_and_follow_the_watch_list(ledger: FakeLedger,
                                                                          store_dir: Path) -> None:
    db = store_dir / "aura.sqlite"
    node = Node(ledger, db, Clock())
    await node.start()
    ledger.mine(5)
    watchlist = WatchList(db)
    watchlist.add(CHAIN, SUBJECT, 3600)
    scheduler = RescoreScheduler(db, watchlist, {CHAIN: rescorer(node, watchlist, StubAssessor())}, jitter_s=0)
    scheduler.start()
    try:
        for _ in range(200):  # its first run is due at once
            if watchlist.latest(CHAIN, SUBJECT) is not None:
                break
            await asyncio.sleep(0.05)
        assert watchlist.latest(CHAIN, SUBJECT) is not None
        first = scheduler.next_runs()[job_id(CHAIN, SUBJECT)]
        assert first is not None
    finally:
        scheduler.stop()

    again = RescoreScheduler(db, watchlist, {CHAIN: rescorer(node, watchlist, StubAssessor())}, jitter_s=0)
    again.start()
    try:
        assert again.next_runs() == {job_id(CHAIN, SUBJECT): first}  # persisted, not started over
        watchlist.add(CHAIN, SUBJECT, 7200)
        again.reconcile()
        [job] = again.scheduler.get_jobs(jobstore="default")
        assert job.trigger.interval == timedelta(seconds=7200)
        watchlist.remove(CHAIN, SUBJECT)
        again.reconcile()
        assert again.next_runs() == {}
    finally:
        again.stop()
    assert len(watchlist.history(CHAIN, SUBJECT)) == 1
    node.store.close()


async def test_a_watch_added_while_the_scheduler_runs_is_picked_up_by_its_reconcile(ledger: FakeLedger,
                                                                                   store_dir: Path) -> None:
    """The interval reconcile runs on the event loop: in a worker thread the watch-list's SQLite connection refuses
    it, and a watch added after start would never get its job."""
    db = store_dir / "aura.sqlite"
    node = Node(ledger, db, Clock())
    await node.start()
    watchlist = WatchList(db)
    scheduler = RescoreScheduler(db, watchlist, {CHAIN: rescorer(node, watchlist, StubAssessor())}, jitter_s=0,
                                 reconcile_s=0.05)
    scheduler.start()
    try:
        assert scheduler.next_runs() == {}
        watchlist.add(CHAIN, SUBJECT, 3600)  # as `aura watch add` does while the node runs
        for _ in range(100):
            if job_id(CHAIN, SUBJECT) in scheduler.next_runs():
                break
            await asyncio.sleep(0.02)
        assert job_id(CHAIN, SUBJECT) in scheduler.next_runs()
    finally:
        scheduler.stop()
    node.store.close()
