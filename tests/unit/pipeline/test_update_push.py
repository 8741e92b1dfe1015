"""Pushing moved re-scores on-chain (node/offchain_scorer.py, docs/protocol.md "Operator updates") over the fake
family: a watched wallet's moved re-score queues one operator update at the same height, which the chain's pipeline
signs (with `update`) and sends like a fulfilment; an unmoved one, an API caller's, or a second at the same height
queue nothing; a crash anywhere between signing and sending ends as if it never happened, the update sent once."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from chains.base import UPDATE_WINDOW_S, Confidence, Height, OracleRequest, RequestStatus
from chains.core.errors import NotSupported
from node.offchain_scorer import OffchainScorer
from node.watchlist import WatchList
from tests.fakechain.codec import update_request_id
from tests.fakechain.ledger import SUBJECT, FakeLedger, served
from tests.unit.pipeline.harness import CHAIN, ENCLAVE, Clock, Node, StubAssessor, crash_once_at
from tests.unit.pipeline.test_pipeline_fake import FAILPOINTS


def pusher(node: Node, path: Path, assessor: StubAssessor | None = None, step: int = 25) -> OffchainScorer:
    return OffchainScorer(node.service.adapter, assessor or node.assessor, WatchList(path), step,
                          push=node.store.add_updates)


def update_id(ledger: FakeLedger, at: Height) -> str:
    return "0x" + update_request_id(ledger.chain_id, bytes.fromhex(ledger.contract[2:]), bytes.fromhex(SUBJECT[2:]),
                                    at.timestamp).hex()


async def test_a_moved_rescore_is_pushed_once_and_lands(ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"confirmations": 1})
    await node.start()
    ledger.mine(3)
    scorer = pusher(node, store_dir / "aura.sqlite")
    record = await scorer.rescore(SUBJECT, watched=True)
    at = await node.service.adapter.head(Confidence.FINALIZED)
    uid = update_id(ledger, at)
    row = node.store.request(f"{CHAIN}:{uid}")
    assert record.moved and row is not None
    assert (row["operator_update"], row["subject"], row["block_number"], row["fee"], row["expires_at"]) == (
        1, SUBJECT, record.block_number, "0", at.timestamp + UPDATE_WINDOW_S)
    await scorer.rescore(SUBJECT, watched=True)  # the same height again: not moved, nothing more queued
    assert len(node.store.all_requests(100)) == 1
    await node.settle()
    assert node.state(uid) == ("final", "")
    assert node.path_of(uid) == ["seen", "confirmed", "scored", "submitted", "included", "final"]
    assert ledger.fulfilments(uid) == 1 and ledger.status(uid) is RequestStatus.FULFILLED
    assert ledger.signers_of(uid) == (ENCLAVE.address,)
    assert node.assessor.extras[-1] == {"update": True}
    node.store.close()


async def test_an_unmoved_or_api_rescore_pushes_nothing(ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    ledger.mine(3)
    scorer = pusher(node, store_dir / "aura.sqlite")
    first = await scorer.rescore(SUBJECT)  # an API caller's assessment: never pushed
    ledger.mine()
    node.assessor.score = 710  # 10 < 25 points from 700
    second = await scorer.rescore(SUBJECT, watched=True)
    assert (first.moved, second.moved) == (True, False)
    assert node.store.all_requests(100) == []
    ledger.mine()
    node.assessor.score = 600
    assert (await scorer.rescore(SUBJECT, watched=True)).moved
    assert len(node.store.all_requests(100)) == 1
    node.store.close()


async def test_a_chain_without_updates_is_said_once_and_never_blocks_rescoring(
        ledger: FakeLedger, store_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()

    async def refuse(subject: str, at: Height) -> OracleRequest:
        raise NotSupported("fake", "operator updates")

    monkeypatch.setattr(node.service.adapter, "update_request", refuse)
    scorer = pusher(node, store_dir / "aura.sqlite")
    caplog.set_level(logging.WARNING, logger="aura.offchain")
    for score in (700, 500):
        node.assessor.score = score
        ledger.mine()
        assert (await scorer.rescore(SUBJECT, watched=True)).moved
    said = [r for r in caplog.records if r.getMessage() == "moved re-scores are not pushed on this chain"]
    assert len(said) == 1 and said[0].__dict__["f"]["error"] == "family 'fake' does not support operator updates"
    assert node.store.all_requests(100) == []
    node.store.close()


async def test_an_update_for_another_time_is_refused_by_the_enclave(ledger: FakeLedger, store_dir: Path) -> None:
    """A host that edits an update's id gets no signature for it: the enclave derives the id itself."""
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    ledger.mine(3)
    at = await node.service.adapter.head(Confidence.FINALIZED)
    update = await node.service.adapter.update_request(SUBJECT, Height(at.number, at.timestamp + 1, at.hash))
    node.store.add_updates(CHAIN, [update])
    await node.tick()
    assert node.state(update.request_id) == (
        "failed", f"enclave refused: enclave refused (invalid_params): request.request_id: an update of this subject "
                  f"with an assessment of time {at.timestamp} is {update_id(ledger, at)}")
    assert ledger.broadcasts == []
    node.store.close()


async def _pushed(root: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str | None) -> dict[str, Any]:
    """A moved re-score pushed, the pass killed at `crash_at` (then the node restarted)."""
    hits = crash_once_at(monkeypatch, crash_at)
    with served(FakeLedger()) as ledger:
        ledger.register(ENCLAVE.address)
        node = Node(ledger, root / "aura.sqlite", Clock())
        await node.start()
        ledger.mine(3)
        await pusher(node, root / "aura.sqlite", StubAssessor()).rescore(SUBJECT, watched=True)
        await node.settle_through_a_crash()
        assert hits == ([crash_at] if crash_at else [])
        (key,) = node.states()
        uid = key.partition(":")[2]
        outcome = {"states": node.states(), "path": node.path_of(uid), "submissions": node.submissions(),
                   "fulfilments": ledger.fulfilments(uid), "mined": [r.tx_hash for r in ledger.receipts.values()]}
        node.store.close()
        return outcome


@pytest.mark.filterwarnings("ignore:coroutine 'ChainService.track' was never awaited:RuntimeWarning")
@pytest.mark.parametrize("point", FAILPOINTS)
async def test_a_push_that_crashes_resumes_and_is_sent_once(point: str, store_dir: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    never = await _pushed(store_dir / "never", monkeypatch, None)
    crashed = await _pushed(store_dir / "crashed", monkeypatch, point)
    assert crashed == never
    assert never["fulfilments"] == 1 and len(never["mined"]) == 1
    assert set(never["states"].values()) == {("final", "")}
