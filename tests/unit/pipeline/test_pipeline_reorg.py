"""Reorganisations over the fake family: a request or its fulfilment taken off the chain is neither lost nor
fulfilled twice, counted on the ledger's canonical chain at the end."""

from __future__ import annotations

from pathlib import Path

from chains.base import RequestStatus
from tests.fakechain.ledger import SUBJECT, FakeLedger
from tests.unit.pipeline.harness import CHAIN, Clock, Node, sender_nonce

OTHER = "0x" + "6c" * 32


async def test_a_request_reorged_into_another_block_is_still_fulfilled(ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"confirmations": 2})
    await node.start()
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("seen", "")
    seen_in = node.store.request(f"{CHAIN}:{request_id}")
    ledger.reorg(1)
    ledger.mine()
    assert ledger.status(request_id) is RequestStatus.PENDING
    await node.settle()
    assert node.state(request_id) == ("final", "")
    row = node.store.request(f"{CHAIN}:{request_id}")
    assert row is not None and seen_in is not None
    assert (row["block_number"], row["block_hash"]) == (ledger.requests[request_id].block.number,
                                                        ledger.requests[request_id].block.hash)
    assert row["block_hash"] != seen_in["block_hash"]
    assert ledger.fulfilments(request_id) == 1
    node.store.close()


async def test_a_request_reorged_out_after_its_fulfilment_was_sent_is_scored_again(node: Node,
                                                                                 ledger: FakeLedger) -> None:
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("submitted", "")
    ledger.reorg(1)  # the request goes back to the queue; the fulfilment, pinned to the old block, to the mempool
    ledger.mine()
    await node.settle()
    assert node.state(request_id) == ("final", "")
    assert ledger.fulfilments(request_id) == 1
    assert "seen" in node.path_of(request_id)[1:]
    assert node.assessor.assessed == [request_id, request_id]


async def test_a_request_and_its_fulfilment_reorged_out_and_mined_again_with_a_new_expiry(node: Node,
                                                                                       ledger: FakeLedger) -> None:
    request_id = ledger.request()
    ledger.mine()
    await node.settle()
    assert node.state(request_id) == ("final", "")
    recorded = ledger.requests[request_id]
    expires = recorded.request.expires_at
    ledger.reorg(ledger.latest.number - recorded.block.number + 1, later_expiry=1, lose_transactions=True)
    ledger.mine()
    assert ledger.status(request_id) is RequestStatus.PENDING
    await node.settle()
    row = node.store.request(f"{CHAIN}:{request_id}")
    assert row is not None and (row["state"], row["expires_at"]) == ("final", expires + 1)
    assert ledger.fulfilments(request_id) == 1


async def test_a_vanished_requests_id_taken_by_the_next_request_serves_the_next_one(node: Node,
                                                                                   ledger: FakeLedger) -> None:
    request_id = ledger.request(subject=SUBJECT)
    ledger.mine()
    await node.tick()
    ledger.reorg(1, lose_requests=True)
    assert ledger.status(request_id) is RequestStatus.NONE
    assert ledger.request(subject=OTHER) == request_id
    ledger.mine()
    await node.settle()
    row = node.store.request(f"{CHAIN}:{request_id}")
    assert row is not None and (row["state"], row["subject"]) == ("final", OTHER)
    fulfilment, item = ledger.fulfilled_by[request_id]
    assert ledger.fulfilments(request_id) == 1 and item.request_id == request_id


async def test_a_request_that_never_comes_back_waits_until_it_expires(node: Node, ledger: FakeLedger) -> None:
    request_id = ledger.request(ttl=100)
    ledger.mine()
    await node.tick()
    ledger.reorg(1, lose_requests=True)
    ledger.mine(2)
    await node.tick()
    assert node.state(request_id)[0] in ("seen", "confirmed")
    assert ledger.fulfilments(request_id) == 0
    ledger.mine(12)
    await node.tick()
    assert node.state(request_id) == ("expired", "request expired before it was confirmed")


async def test_a_final_fulfilment_the_chain_took_back_is_sent_again_and_later_ones_are_not_stuck(
        node: Node, ledger: FakeLedger) -> None:
    first = ledger.request()
    ledger.mine()
    await node.settle()
    assert node.state(first) == ("final", "")
    ledger.reorg(node.service.adapter.cfg.finality_depth + 1, lose_transactions=True)  # past finality
    assert ledger.status(first) is RequestStatus.PENDING and ledger.fulfilments(first) == 0
    second = ledger.request()  # the clock does not reach the next audit: the reorganisation found calls it
    ledger.mine()
    await node.settle()
    assert [node.state(r) for r in (first, second)] == [("final", "")] * 2
    assert [ledger.fulfilments(r) for r in (first, second)] == [1, 1]
    assert node.path_of(first)[5:] == ["final", "submitted", "included", "final"]


async def test_a_fulfilment_the_node_no_longer_holds_is_sent_again_at_once(node: Node, ledger: FakeLedger) -> None:
    """Dropped from the pool (a fee spike, a restart of the chain's node) or taken off the chain: not left
    waiting `resubmit_after_s`."""
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    (_, _, tx_hash), = node.submissions()
    sent = len(ledger.broadcasts)
    ledger.drop(tx_hash)
    await node.tick()  # the clock has not moved
    assert ledger.broadcasts[sent:] == [tx_hash] and tx_hash in ledger.mempool
    ledger.mine()
    await node.settle()
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1


async def test_a_fulfilment_still_held_waits_for_resubmit_after_s(node: Node, ledger: FakeLedger) -> None:
    ledger.request()
    ledger.mine()
    await node.tick()
    sent = len(ledger.broadcasts)
    await node.tick()
    assert ledger.broadcasts[sent:] == []
    node.clock.advance(node.service.tracker.resubmit_after_s + 1)
    await node.tick()
    assert len(ledger.broadcasts[sent:]) == 1


async def _mined_again_while_its_fulfilment_was_lost(node: Node, ledger: FakeLedger) -> tuple[str, int, str]:
    """A request fulfilled as far as the pool, then mined again with a later expiry while its fulfilment left the
    pool, and one pass of the node after: (request id, the first fulfilment's nonce and hash)."""
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    ((nonce, _, stale),) = node.submissions()
    ledger.reorg(1, later_expiry=1)
    ledger.drop(stale)
    ledger.mine()
    await node.tick()
    return request_id, nonce, stale


async def test_a_fulfilment_gone_stale_in_a_reorg_is_voided_and_its_request_served_afresh(ledger: FakeLedger,
                                                                                       store_dir: Path) -> None:
    """Where the family replaces fees: a fulfilment the chain's node lost while a reorg moved its request (mined
    again with a new expiry) is not sent again as it is, to be skipped and paid for; a void takes its nonce."""
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"replaces_fees": True})
    await node.start()
    request_id, nonce, stale = await _mined_again_while_its_fulfilment_was_lost(node, ledger)
    # the pass started the request over and sent a fresh fulfilment at the next nonce, then voided the stale one
    (_, afresh), (_, void) = [(s, tx) for s, _, tx in node.submissions()[1:]]
    assert [s for s, _, _ in node.submissions()] == [nonce, nonce + 1, nonce]
    assert ledger.mempool[void].items == () and ledger.mempool[afresh].items != () and stale not in ledger.mempool
    await node.settle()
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1
    assert ledger.receipt(stale) is None and ledger.receipt(void) is not None
    assert [state for _, state, _ in node.submissions()] == ["replaced", "final", "final"]
    assert all(o.fulfilled for r in ledger.receipts.values() for o in r.outcomes.values())
    node.store.close()


async def test_a_lost_fulfilment_whose_requests_stayed_is_sent_again_as_it_was(ledger: FakeLedger,
                                                                               store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"replaces_fees": True})
    await node.start()
    request_id = ledger.request()
    ledger.mine()
    await node.tick()
    ((_, _, sent),) = node.submissions()
    ledger.drop(sent)
    await node.tick()
    assert [tx for _, _, tx in node.submissions()] == [sent] and sent in ledger.mempool
    await node.settle()
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1
    node.store.close()


async def test_an_earlier_fulfilment_made_final_does_not_make_a_later_ones_request_final(node: Node,
                                                                                       ledger: FakeLedger) -> None:
    """A request's first fulfilment reverts and the request is served again by a second one. When the first is made
    final, the request (now waiting on the second) is not the first's to settle: marked final then, it was lost
    once a reorganisation took the second back, the void that followed settling nothing."""
    ledger.revert_next()
    request_id = ledger.request()
    ledger.mine()
    await node.tick()  # the first fulfilment sent
    ledger.mine()  # ... and mined, reverted
    await node.tick()
    assert node.path_of(request_id)[-2:] == ["submitted", "seen"]
    await node.tick()  # the second sent
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("included", "")
    (first, reverted, _), (second, included, _) = node.submissions()
    assert (first, reverted, second, included) == (0, "included", 1, "included")
    ledger.mine()
    await node.tick()  # the first is final; the second is one block short
    assert [s[:2] for s in node.submissions()] == [(0, "final"), (1, "included")]
    assert node.state(request_id) == ("included", "")
    ledger.reorg(2, lose_transactions=True)  # the second's block goes, and the second with it
    ledger.mine(2)
    await node.settle()
    assert node.state(request_id) == ("final", "")
    assert ledger.fulfilments(request_id) == 1


async def test_a_dropped_fulfilment_leaves_alone_a_request_served_again_since(node: Node, ledger: FakeLedger) -> None:
    """A request mined again is served by a second fulfilment; the first, stale, is then dropped. The request waits
    on the second, so the drop sends nothing: sent again, a third fulfilment would race the second and pay for an
    item the contract skips."""
    request_id, _, first = await _mined_again_while_its_fulfilment_was_lost(node, ledger)
    # served afresh at the next nonce; the stale one, lost, sent again as it was
    (_, _, first_again), (_, _, second) = node.submissions()
    assert first_again == first and first in ledger.mempool and second in ledger.mempool
    ledger.drop(second)
    ledger.burn_nonce(*sender_nonce(node, first))
    ledger.mine(1 + node.service.adapter.cfg.finality_depth)
    await node.tick()
    assert [s[:2] for s in node.submissions()] == [(0, "dropped"), (1, "pending")]
    assert node.state(request_id) == ("submitted", "")
    await node.settle()
    assert [s[:2] for s in node.submissions()] == [(0, "dropped"), (1, "final")]
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1
