"""A stored fulfilment the chain never got is not sent to revert once its request was settled meanwhile: after a
restart (a quorum leader killed before its transaction reached the chain, while a peer fulfilled the request)
and in a running node whose transaction left the chain's pool. Where the family replaces fees a void takes its
sequence, and the request ends as the contract has it."""

from __future__ import annotations

from pathlib import Path

from tests.fakechain.ledger import FakeLedger
from tests.unit.pipeline.harness import Clock, Node


async def _lost_after_settled_elsewhere(ledger: FakeLedger, store_dir: Path) -> tuple[Node, str, str]:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"replaces_fees": True})
    await node.start()
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    ((_, _, sent),) = node.submissions()
    ledger.drop(sent)
    ledger.settle_elsewhere(request_id)
    ledger.mine()
    return node, request_id, sent


async def test_a_restarted_node_voids_a_stored_fulfilment_whose_request_another_fulfilled(
        ledger: FakeLedger, store_dir: Path) -> None:
    node, request_id, stale = await _lost_after_settled_elsewhere(ledger, store_dir)
    before = len(ledger.broadcasts)
    await node.restart()
    (void,) = ledger.broadcasts[before:]
    assert void != stale and ledger.mempool[void].items == ()
    await node.settle()
    assert node.state(request_id) == ("failed", "fulfilled by another transaction")
    assert ledger.receipt(stale) is None and ledger.fulfilments(request_id) == 0  # the other transmitter's only
    assert ledger.receipt(void) is not None and [s[1] for s in node.submissions()][0] == "replaced"
    node.store.close()


async def test_a_running_node_voids_a_lost_fulfilment_whose_request_another_fulfilled(
        ledger: FakeLedger, store_dir: Path) -> None:
    node, request_id, stale = await _lost_after_settled_elsewhere(ledger, store_dir)
    before = len(ledger.broadcasts)
    await node.tick()
    assert stale not in ledger.broadcasts[before:] and len(ledger.broadcasts[before:]) == 1
    await node.settle()
    assert node.state(request_id) == ("failed", "fulfilled by another transaction")
    assert ledger.receipt(stale) is None and ledger.fulfilments(request_id) == 0  # the other transmitter's only
    node.store.close()


async def test_a_restarted_node_sends_a_stored_fulfilment_whose_request_still_waits(
        ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"replaces_fees": True})
    await node.start()
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    ((_, _, sent),) = node.submissions()
    ledger.drop(sent)
    before = len(ledger.broadcasts)
    await node.restart()
    assert ledger.broadcasts[before:] == [sent]
    await node.settle()
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1
    node.store.close()
