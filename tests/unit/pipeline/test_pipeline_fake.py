"""ChainService over the fake family: a real Store on a temporary file, the in-memory ledger of tests/fakechain,
a stub assessor, and an injected clock; every step is driven by the test, so nothing sleeps.

The crash tests kill a pass at each failpoint the product names (`failpoints.hit("...")`, found in the source),
start a fresh service on the same store file and ledger, and check it ends where a run that never crashed ends,
with exactly one fulfilment on the chain.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from chains.base import Confidence
from chains.core.errors import RetryLater
from node.metrics import REGISTRY
from node.store import OPEN_STATES, REOPEN_LIMIT
from tests.fakechain.ledger import SUBJECT, FakeLedger, Fulfilment, served
from tests.unit.pipeline.harness import CHAIN, ENCLAVE, Clock, Node, crash_once_at, sender_nonce

ROOT = Path(__file__).resolve().parents[3]


def failpoint_names() -> list[str]:
    """Every name the product passes to `failpoints.hit`."""
    names: set[str] = set()
    for path in sorted([*(ROOT / "node").rglob("*.py"), *(ROOT / "chains").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "hit"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "failpoints"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                names.add(node.args[0].value)
    return sorted(names)


FAILPOINTS = failpoint_names()


# ---------------------------------------------------------------------------------------------- happy path

async def test_a_request_goes_through_every_state(ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"confirmations": 2})
    await node.start()
    service = node.service
    request_id = ledger.request()
    ledger.mine()
    head = await service.adapter.head(Confidence.LATEST)
    await service.poll(head)
    assert node.state(request_id) == ("seen", "")
    await service.confirm(head)
    assert node.state(request_id) == ("seen", "")  # one confirmation of two
    ledger.mine()
    head = await service.adapter.head(Confidence.LATEST)
    await service.confirm(head)
    assert node.state(request_id) == ("confirmed", "")
    await service.score(head)
    assert node.state(request_id) == ("scored", "")
    await service.submit()
    assert node.state(request_id) == ("submitted", "")
    assert ledger.broadcasts == [node.submissions()[0][2]]
    await service.track()
    assert node.state(request_id) == ("submitted", "")  # in the mempool
    ledger.mine()
    await service.track()
    assert node.state(request_id) == ("included", "")
    ledger.mine(2)
    await service.track()
    assert node.state(request_id) == ("final", "")
    assert node.path_of(request_id) == ["seen", "confirmed", "scored", "submitted", "included", "final"]
    (nonce, state, tx_hash) = node.submissions()[0]
    assert (nonce, state) == (0, "final") and ledger.fulfilments(request_id) == 1
    row = node.store.submission_row(tx_hash)
    assert row is not None and (row["block_number"], row["cost"]) == (3, 51_000)
    node.store.close()


async def test_a_private_request_is_assessed_and_fulfilled_privately(ledger: FakeLedger, store_dir: Path) -> None:
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"confirmations": 1})
    await node.start()
    public_id, private_id = ledger.request(), ledger.request(private=True)
    ledger.mine()
    await node.settle()
    assert node.state(public_id) == node.state(private_id) == ("final", "")
    assert node.assessor.private == [private_id]
    assert [node.store.request(f"{CHAIN}:{i}")["private"] for i in (public_id, private_id)] == [0, 1]  # type: ignore[index]
    assert ledger.fulfilments(private_id) == ledger.fulfilments(public_id) == 1
    node.store.close()


async def test_requests_share_a_batch_up_to_the_batch_size(node: Node, ledger: FakeLedger) -> None:
    ids = [ledger.request() for _ in range(3)]
    ledger.mine()
    await node.settle()
    assert [node.state(i) for i in ids] == [("final", "")] * 3
    assert [s[:2] for s in node.submissions()] == [(0, "final"), (1, "final")]  # two, then one
    assert [ledger.fulfilments(i) for i in ids] == [1, 1, 1]


async def test_the_open_requests_gauge_follows_the_store(node: Node, ledger: FakeLedger) -> None:
    """aura_requests_open: each open state's count, back to zero once it empties; terminal states never."""
    def gauge(state: str) -> float | None:
        return REGISTRY.get_sample_value("aura_requests_open", {"chain": CHAIN, "state": state})

    ids = [ledger.request() for _ in range(3)]
    ledger.mine()
    await node.tick()
    assert gauge("submitted") == 3 and gauge("seen") == gauge("confirmed") == 0
    await node.settle()
    assert [gauge(state) for state in OPEN_STATES] == [0] * len(OPEN_STATES)
    assert gauge("final") is None and [node.state(i) for i in ids] == [("final", "")] * 3


async def test_a_transient_chain_fault_is_a_wait(node: Node, ledger: FakeLedger) -> None:
    request_id = ledger.request()
    ledger.mine()
    ledger.down = True
    with pytest.raises(RetryLater) as fault:
        await node.tick()
    assert str(fault.value) == "fake: RPC unreachable"
    assert node.states() == {}
    ledger.down = False
    await node.settle()
    assert node.state(request_id) == ("final", "")


# ---------------------------------------------------------------------------------------------- crashes

async def _run(root: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str | None) -> dict[str, Any]:
    """Two requests fulfilled in one batch, the pass killed at `crash_at` (then the node restarted)."""
    hits = crash_once_at(monkeypatch, crash_at)
    with served(FakeLedger()) as ledger:
        ledger.register(ENCLAVE.address)
        node = Node(ledger, root / "aura.sqlite", Clock())
        await node.start()
        ids = [ledger.request(), ledger.request()]
        ledger.mine()
        await node.settle_through_a_crash()
        assert hits == ([crash_at] if crash_at else [])
        outcome = {"states": node.states(), "paths": [node.path_of(i) for i in ids], "submissions": node.submissions(),
                   "fulfilments": [ledger.fulfilments(i) for i in ids],
                   "mined": [r.tx_hash for r in ledger.receipts.values()]}
        node.store.close()
        return outcome


def test_failpoints_are_found() -> None:
    assert "after_record_submission" in FAILPOINTS and "after_broadcast" in FAILPOINTS


@pytest.mark.filterwarnings("ignore:coroutine 'ChainService.track' was never awaited:RuntimeWarning")
@pytest.mark.parametrize("point", FAILPOINTS)
async def test_a_crash_at_a_failpoint_ends_as_if_it_never_happened(point: str, store_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    never = await _run(store_dir / "never", monkeypatch, None)
    crashed = await _run(store_dir / "crashed", monkeypatch, point)
    assert crashed == never
    assert never["fulfilments"] == [1, 1] and len(never["mined"]) == 1
    assert set(never["states"].values()) == {("final", "")}


# ---------------------------------------------------------------------------------------------- outcomes

async def _submitted(node: Node, ledger: FakeLedger, **request: Any) -> tuple[str, str]:
    """A request fulfilled as far as the mempool: (request id, its fulfilment's hash)."""
    request_id = ledger.request(**request)
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("submitted", "")
    (_, _, tx_hash), = node.submissions()
    return request_id, tx_hash


async def test_a_dropped_fulfilment_is_sent_again_while_the_request_is_pending(node: Node,
                                                                                ledger: FakeLedger) -> None:
    request_id, first = await _submitted(node, ledger)
    ledger.burn_nonce(*sender_nonce(node, first))
    ledger.mine(1 + node.service.adapter.cfg.finality_depth)  # what took its nonce is final
    await node.tick()
    assert node.state(request_id) == ("scored", "fulfilment dropped; will send again")
    await node.settle()
    assert node.state(request_id) == ("final", "")
    assert [s[:2] for s in node.submissions()] == [(0, "dropped"), (1, "final")]
    assert ledger.fulfilments(request_id) == 1


async def test_a_fulfilment_whose_nonce_was_taken_in_a_block_reorged_out_is_sent_again(node: Node,
                                                                                        ledger: FakeLedger) -> None:
    """Until what took its nonce is final the fulfilment is not given up: given up, the reorganisation below would
    leave its nonce a gap that every later fulfilment of the transmitter waits behind."""
    request_id, first = await _submitted(node, ledger)
    ledger.burn_nonce(*sender_nonce(node, first))
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("submitted", "")
    ledger.reorg(1, lose_transactions=True)
    ledger.mine()
    later = ledger.request()
    await node.settle()
    assert (node.state(request_id), node.state(later)) == (("final", ""), ("final", ""))
    assert [s[:2] for s in node.submissions()] == [(0, "final"), (1, "final")]
    assert (ledger.fulfilments(request_id), ledger.fulfilments(later)) == (1, 1)


@pytest.mark.parametrize(("settle", "state", "reason"), [
    (FakeLedger.settle_elsewhere, "failed", "fulfilled by another transaction"),
    (FakeLedger.cancel, "cancelled", "request is cancelled"),
])
async def test_a_dropped_fulfilment_is_not_sent_again_once_the_request_is_settled(
        node: Node, ledger: FakeLedger, settle: Any, state: str, reason: str) -> None:
    request_id, first = await _submitted(node, ledger)
    settle(ledger, request_id)
    ledger.burn_nonce(*sender_nonce(node, first))
    ledger.mine(1 + node.service.adapter.cfg.finality_depth)
    await node.tick()
    assert node.state(request_id) == (state, reason)
    sent = list(ledger.broadcasts)
    ledger.mine()
    await node.tick()
    assert ledger.broadcasts == sent and [s[:2] for s in node.submissions()] == [(0, "dropped")]
    assert ledger.fulfilments(request_id) == 0


async def test_a_fulfilment_the_contract_skips_as_expired_leaves_the_request_expired(node: Node,
                                                                                     ledger: FakeLedger) -> None:
    request_id, _ = await _submitted(node, ledger, ttl=60)
    ledger.advance_time(120)
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("expired", "contract skipped it: RequestExpired")


async def test_an_item_a_batch_skipped_for_want_of_gas_is_sent_again_alone(node: Node, ledger: FakeLedger) -> None:
    """A consumer whose callback turned into a gas burner after the batch was estimated: the contract skips the
    items it can no longer give their callback gas; the honest ones land, the skipped one lands on its own."""
    ids = [ledger.request() for _ in range(2)]
    ledger.starve(ids[1])
    ledger.mine()
    await node.settle()
    assert [node.state(i) for i in ids] == [("final", "")] * 2
    assert node.path_of(ids[1]) == ["seen", "confirmed", "scored", "submitted", "scored", "submitted", "included",
                                    "final"]
    assert node.store.history(f"{CHAIN}:{ids[1]}")[4]["detail"] == ("contract skipped it: InsufficientGas; sending it "
                                                                   "alone")
    batch, alone = node.submissions()
    assert [Fulfilment.decode(node.store.submission_row(tx)["raw"]).items[0].request_id  # type: ignore[index]
            for _, _, tx in (alone,)] == [ids[1]]
    assert len(Fulfilment.decode(node.store.submission_row(batch[2])["raw"]).items) == 2  # type: ignore[index]
    assert [ledger.fulfilments(i) for i in ids] == [1, 1]


async def test_an_assessment_whose_pin_moved_is_scored_again_at_the_new_pin(node: Node, ledger: FakeLedger) -> None:
    """A request re-pinned after it was scored (a Solana slot that left SlotHashes): the fulfilment already sent
    is skipped by the contract, and one about to be sent is refused before it is; either way the request is
    scored again at its new pin, never failed."""
    sent = ledger.request()
    ledger.mine(2)
    await node.tick()
    assert node.state(sent) == ("submitted", "")
    ledger.repin(sent)  # to the block after the request's, before the fulfilment is mined
    held = ledger.request()
    ledger.mine()
    service = node.service
    head = await service.adapter.head(Confidence.LATEST)
    for step in (service.poll, service.confirm, service.score):
        await step(head)
    assert node.state(held) == ("scored", "")
    ledger.mine()
    ledger.repin(held)
    await service.submit()
    assert node.state(held) == ("confirmed", "scoring it again: fake: fulfilment would revert: PinnedBlockMismatch")
    await node.settle()
    for request_id in (sent, held):
        assert node.state(request_id) == ("final", "")
        assert ledger.fulfilments(request_id) == 1
        stored = node.store.assessment(f"{CHAIN}:{request_id}")
        assert stored is not None and stored["block_number"] == ledger.requests[request_id].pin
    assert "confirmed" in node.path_of(sent)[3:] and "confirmed" in node.path_of(held)[3:]
    reasons = [h["detail"] for h in node.store.history(f"{CHAIN}:{sent}")]
    assert "contract skipped it: PinnedBlockMismatch; scoring it again" in reasons


async def test_a_subject_whose_state_cannot_be_read_now_holds_back_only_its_own_request(node: Node,
                                                                                      ledger: FakeLedger) -> None:
    other = "0x" + "5c" * 32
    held, scored = ledger.request(), ledger.request(subject=other)
    ledger.fail_reads(SUBJECT)
    ledger.mine()
    await node.tick()
    assert (node.state(held), node.state(scored)) == (("confirmed", ""), ("submitted", ""))
    await node.settle()
    assert (node.state(held), node.state(scored)) == (("final", ""), ("final", ""))


async def test_when_no_subject_can_be_read_the_chain_waits(node: Node, ledger: FakeLedger) -> None:
    """Every request's state unreadable: the pass ends as any transient chain fault does (the run loop counts it
    and shows it in health), and the request waits where it is."""
    request_id = ledger.request()
    ledger.fail_reads(SUBJECT)
    ledger.mine()
    with pytest.raises(RetryLater) as caught:
        await node.tick()
    assert str(caught.value) == f"{CHAIN}: state of {SUBJECT} not readable now"
    assert node.state(request_id) == ("confirmed", "")
    await node.settle()
    assert node.state(request_id) == ("final", "")


async def test_a_reverted_fulfilment_of_a_pending_request_starts_it_over(node: Node, ledger: FakeLedger) -> None:
    ledger.revert_next()
    request_id, _ = await _submitted(node, ledger)
    ledger.mine()
    await node.tick()
    assert node.path_of(request_id)[-2:] == ["submitted", "seen"]
    await node.settle()
    assert node.state(request_id) == ("final", "")
    assert ledger.fulfilments(request_id) == 1


async def test_fulfilments_that_keep_reverting_fail_the_request_after_the_limit(node: Node, ledger: FakeLedger) -> None:
    request_id = ledger.request()
    for _ in range(REOPEN_LIMIT + 1):
        ledger.revert_next()
        ledger.mine()
        for _ in range(5):
            await node.tick()
            if node.state(request_id)[0] in ("seen", "failed"):
                break
            ledger.mine()
    assert node.state(request_id) == (
        "failed", f"fulfilment transaction reverted while the request is pending; started over {REOPEN_LIMIT} "
                  "times already, giving up")


async def test_a_reverted_fulfilment_of_a_cancelled_request_cancels_it(node: Node, ledger: FakeLedger) -> None:
    ledger.revert_next()
    request_id, _ = await _submitted(node, ledger)
    ledger.cancel(request_id)
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("cancelled", "fulfilment transaction reverted: cancelled by the requester")


async def test_a_request_someone_else_fulfilled_first_fails_with_the_reason(node: Node, ledger: FakeLedger) -> None:
    service = node.service
    request_id = ledger.request()
    ledger.mine()
    head = await service.adapter.head(Confidence.LATEST)
    await service.poll(head)
    await service.confirm(head)
    await service.score(head)
    ledger.settle_elsewhere(request_id)
    ledger.mine()
    await service.submit()
    assert node.state(request_id) == ("failed", "already fulfilled on-chain by another transaction")
    assert node.submissions() == [] and ledger.broadcasts == []


async def test_a_fulfilment_reorged_out_is_included_again(node: Node, ledger: FakeLedger) -> None:
    request_id, tx_hash = await _submitted(node, ledger)
    ledger.mine()
    await node.tick()
    assert node.state(request_id) == ("included", "")
    ledger.reorg(1)
    await node.tick()
    assert node.state(request_id) == ("submitted", "fulfilment's block was reorged out")
    await node.settle()
    assert node.state(request_id) == ("final", "")
    assert node.submissions() == [(0, "final", tx_hash)] and ledger.fulfilments(request_id) == 1


# ---------------------------------------------------------------------------------------------- fee replacement

async def _replaced(ledger: FakeLedger, store_dir: Path) -> tuple[Node, str, str, str]:
    """A fulfilment stuck in the mempool past `bump_after_s`, replaced at a higher fee by the next pass:
    (the node, the request id, the first attempt's hash, the replacement's)."""
    node = Node(ledger, store_dir / "aura.sqlite", Clock(), {"replaces_fees": True, "bump_after_s": 30})
    await node.start()
    request_id, first = await _submitted(node, ledger)
    node.clock.advance(31)
    await node.tick()
    (_, _, first_hash), (_, _, second) = node.submissions()
    assert first_hash == first and ledger.broadcasts == [first, second]
    assert list(ledger.mempool) == [second] and ledger.mempool[second].fee == 121
    return node, request_id, first, second


async def test_a_stuck_fulfilment_is_replaced_when_the_family_replaces_fees(ledger: FakeLedger,
                                                                             store_dir: Path) -> None:
    node, request_id, first, second = await _replaced(ledger, store_dir)
    ledger.mine()
    await node.settle()
    assert node.submissions() == [(0, "replaced", first), (0, "final", second)]
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1
    node.store.close()


async def test_a_replaced_attempt_is_not_sent_again(ledger: FakeLedger, store_dir: Path) -> None:
    node, request_id, first, second = await _replaced(ledger, store_dir)
    node.clock.advance(11)
    try:
        await node.tick()
    finally:
        node.store.close()
    assert ledger.broadcasts == [first, second, second]


async def test_a_stuck_fulfilment_is_only_sent_again_when_the_family_does_not_replace_fees(
        node: Node, ledger: FakeLedger) -> None:
    request_id, first = await _submitted(node, ledger)
    node.clock.advance(31)
    await node.tick()
    assert node.submissions() == [(0, "pending", first)] and ledger.broadcasts == [first, first]
    await node.settle()
    assert node.state(request_id) == ("final", "") and ledger.fulfilments(request_id) == 1
