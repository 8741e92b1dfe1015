"""Three operators, a threshold of two, on one in-memory ledger (quorum_harness.py): the leader collects matching
signatures over HTTP and submits once; a liar's signature never counts; operators down, a leader killed
mid-submission and a cosigner revoked before submission all end in exactly one fulfilment."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from chains.core.secp256k1 import keccak256, recover_address
from node import failpoints
from node.api.v1.views import assessment_view
from node.request_params import encode_params
from tests.fakechain.ledger import FakeLedger
from tests.unit.pipeline.harness import CHAIN, Clock, Killed
from tests.unit.pipeline.quorum_harness import Operator, in_order, link, rounds

THRESHOLD = 2


def states(ops: list[Operator], request_id: str) -> list[str]:
    return [op.state(request_id)[0] for op in ops]


async def test_two_of_three_fulfil_once_and_the_leader_alone_sends(operators: list[Operator],
                                                                  ledger: FakeLedger) -> None:
    request_id = ledger.request()
    leader, *others = in_order(operators, request_id)
    await rounds(operators, ledger)
    assert ledger.fulfilments(request_id) == 1
    signers = ledger.signers_of(request_id)
    assert len(signers) == THRESHOLD and leader.key.address in signers
    assert sorted(s.lower() for s in signers) == [s.lower() for s in signers]
    assert leader.state(request_id)[0] == "final"
    assert [op.state(request_id) for op in others] == [
        ("peer_fulfilled", "fulfilled on-chain by another operator of the quorum")] * 2
    assert [op.submissions() for op in others] == [[], []]


async def test_a_liars_signature_is_not_counted_and_its_disagreement_is_recorded(
        ledger: FakeLedger, store_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    ledger.threshold = THRESHOLD
    clock = Clock()
    ops = [Operator(ledger, store_dir / f"op{i}.sqlite", clock, {"transmitter": "0x" + f"{0xe0 + i:02x}" * 32},
                    index=i, lying=i == 2) for i in range(3)]
    for op in ops:
        ledger.register(op.key.address)
        await op.start()
        await op.serve()
    link(ops)
    try:
        request_id = ledger.request()
        with caplog.at_level(logging.WARNING, logger="aura.quorum"):
            await rounds(ops, ledger)
        honest, liar = ops[:2], ops[2]
        # Answers travel without features; the liar's are fetched again to name what it invented.
        named = [r.f for r in caplog.records if r.getMessage() == "peer disagrees"  # type: ignore[attr-defined]
                 and r.f["peer"] == liar.name]  # type: ignore[attr-defined]
        assert named and all(f["features"] == ["tx_count"] for f in named)
        assert ledger.fulfilments(request_id) == 1
        assert set(ledger.signers_of(request_id)) == {op.key.address for op in honest}
        for op in honest:
            (seen,) = [k for k in op.disagreements._seen if k[0] == liar.name]
            assert seen[1] == f"{CHAIN}:{request_id}"
        assert liar.state(request_id)[0] == "peer_fulfilled"
        assert liar.submissions() == []
    finally:
        for op in ops:
            await op.close()


async def test_one_operator_down_and_it_is_fulfilled(operators: list[Operator], ledger: FakeLedger) -> None:
    request_id = ledger.request()
    leader = in_order(operators, request_id)[0]
    await leader.down()
    running = [op for op in operators if op is not leader]
    await rounds(running, ledger)
    assert ledger.fulfilments(request_id) == 1
    assert set(ledger.signers_of(request_id)) == {op.key.address for op in running}


async def test_two_down_the_request_waits_then_is_fulfilled_once_one_returns(
        operators: list[Operator], ledger: FakeLedger) -> None:
    request_id = ledger.request()
    alone, *gone = operators
    for op in gone:
        await op.down()
    await rounds([alone], ledger)
    assert alone.state(request_id)[0] == "scored"
    assert ledger.fulfilments(request_id) == 0
    await gone[0].up()
    await rounds([alone, gone[0]], ledger)
    assert ledger.fulfilments(request_id) == 1
    assert set(ledger.signers_of(request_id)) == {alone.key.address, gone[0].key.address}


async def test_the_leader_killed_mid_submission_and_another_fulfils_it_exactly_once(
        operators: list[Operator], ledger: FakeLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    request_id = ledger.request()
    leader, *others = in_order(operators, request_id)
    ledger.mine()
    for op in others:
        await op.tick()  # they sign first, so that the leader can collect

    def die(name: str) -> None:
        if name == "after_record_submission":
            raise Killed(name)

    alive = failpoints.hit
    monkeypatch.setattr(failpoints, "hit", die)
    with pytest.raises(Killed):
        await leader.tick()
    monkeypatch.setattr(failpoints, "hit", alive)
    await leader.down()
    assert leader.state(request_id)[0] == "submitted"  # recorded, never broadcast
    await rounds(others, ledger)
    assert ledger.fulfilments(request_id) == 1
    await leader.up()  # re-sends its stored fulfilment: it cannot land a second time
    await rounds(operators, ledger)
    assert ledger.fulfilments(request_id) == 1
    assert leader.state(request_id) == ("peer_fulfilled", "fulfilled on-chain by another operator of the quorum")


async def test_a_cosigner_revoked_between_signing_and_submission_is_replaced(
        operators: list[Operator], ledger: FakeLedger) -> None:
    request_id = ledger.request()
    leader, second, third = in_order(operators, request_id)
    ledger.mine()
    for op in (second, third):
        await op.tick()
    assert [op.state(request_id)[0] for op in (second, third)] == ["scored", "scored"]
    ledger.revoke(second.key.address)
    await rounds(operators, ledger)
    assert ledger.fulfilments(request_id) == 1
    assert set(ledger.signers_of(request_id)) == {leader.key.address, third.key.address}


async def test_a_cosigner_revoked_before_a_batch_lands_is_replaced_item_by_item(
        operators: list[Operator], ledger: FakeLedger) -> None:
    """Two requests with the same leader and the same cosigner, batched: the cosigner is revoked once it signed, so
    the contract skips both items for a revoked signer without saying whose; each is sent alone, its refusal names
    the cosigner, and the leader collects the third operator's signature instead."""
    ids: list[str] = []
    while len(ids) < 2:
        request_id = ledger.request()
        order = in_order(operators, request_id)
        if not ids or order[:2] == in_order(operators, ids[0])[:2]:
            ids.append(request_id)
    leader, second, third = in_order(operators, ids[0])
    ledger.mine()
    for op in (second, third):
        await op.tick()
    ledger.revoke(second.key.address)
    for op in (third, leader):  # the third is behind the leader in the order: its signature is not asked for yet
        await op.tick()
    await rounds(operators, ledger)
    assert [ledger.fulfilments(i) for i in ids] == [1, 1]
    assert [set(ledger.signers_of(i)) for i in ids] == [{leader.key.address, third.key.address}] * 2
    assert all(leader.state(i)[0] in ("included", "final") for i in ids)


async def test_operators_that_read_a_questionnaire_differently_agree_without_it_once_the_time_is_up(
        ledger: FakeLedger, store_dir: Path) -> None:
    """The reader's answers may differ between machines: no two payloads match while the questionnaire counts;
    `questionnaire_agree_s` (60 s of chain time) after the pinned block every operator scores without it."""
    ledger.threshold = THRESHOLD
    clock = Clock()
    ops = [Operator(ledger, store_dir / f"op{i}.sqlite", clock, {"transmitter": "0x" + f"{0xe0 + i:02x}" * 32},
                    index=i, reader_differs=True) for i in range(3)]
    body = json.dumps({"answers": {"purpose": "working capital"}})
    qhash = keccak256(body.encode())
    for op in ops:
        ledger.register(op.key.address)
        op.store.put_questionnaire("0x" + qhash.hex(), body)
        await op.start()
        await op.serve()
    link(ops)
    try:
        request_id = ledger.request(params="0x" + encode_params(qhash).hex())
        await rounds(ops, ledger, count=3)  # blocks 12 s apart: 36 s of chain time, short of 60
        assert ledger.fulfilments(request_id) == 0
        assert [op.assessor.read for op in ops] == [[True]] * 3  # type: ignore[attr-defined]
        await rounds(ops, ledger, count=8)
        assert ledger.fulfilments(request_id) == 1
        assert [op.assessor.read[-1] for op in ops] == [False] * 3  # type: ignore[attr-defined]
        assert sorted(op.state(request_id)[0] for op in ops) == ["final", "peer_fulfilled", "peer_fulfilled"]
        assert any(k[1] == f"{CHAIN}:{request_id}" for op in ops for k in op.disagreements._seen)
    finally:
        for op in ops:
            await op.close()


async def test_a_leader_that_dies_after_its_peers_hold_its_signature_is_replaced_at_once(
        operators: list[Operator], ledger: FakeLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Holding a peer's signature says nothing of whether it is still up: the peers ahead in the order are asked
    again each pass, and a dead leader is passed over without waiting for its turn to end (its signature, valid,
    may still be one of those the new leader sends)."""
    request_id = ledger.request()
    leader, *others = in_order(operators, request_id)
    ledger.mine()
    await leader.tick()  # scored and signed; its peers have not signed yet
    for op in others:
        await op.tick()  # they hold the leader's signature and follow it
    assert leader.state(request_id)[0] == "scored"

    def die(name: str) -> None:
        if name == "after_record_submission":
            raise Killed(name)

    alive = failpoints.hit
    monkeypatch.setattr(failpoints, "hit", die)
    leader.clock.advance(1)  # its peers are due to be asked again
    with pytest.raises(Killed):
        await leader.tick()
    monkeypatch.setattr(failpoints, "hit", alive)
    await leader.down()
    for _ in range(4):  # no block mined: the chain's time stands still, so no turn ends
        others[0].clock.advance(1)
        for op in others:
            await op.tick()
    assert ledger.fulfilments(request_id) == 0  # not mined yet: the new leader's fulfilment waits for a block
    ledger.mine()
    assert ledger.fulfilments(request_id) == 1
    assert sorted(len(op.submissions()) for op in others) == [0, 1]  # one of them took over
    taker = next(op for op in others if op.submissions())
    assert taker.key.address in ledger.signers_of(request_id) and len(ledger.signers_of(request_id)) == 2


async def test_the_leader_keeps_its_cosigners_signatures_and_the_api_serves_them(operators: list[Operator],
                                                                                  ledger: FakeLedger) -> None:
    request_id = ledger.request()
    leader, *others = in_order(operators, request_id)
    await rounds(operators, ledger)
    key = f"{CHAIN}:{request_id}"
    subject = leader.store.request(key)["subject"]  # type: ignore[index]
    (row,) = leader.store.subject_assessments(CHAIN, subject, 1)
    view = assessment_view(row)
    on_chain = [s.lower() for s in ledger.signers_of(request_id)]
    assert [c.signer.lower() for c in view.cosigners] == [s for s in on_chain if s != leader.key.address.lower()]
    for cosigner in view.cosigners:
        assert cosigner.model_extra == {}  # the fake family's answer has nothing of its own beyond the signature
        assert recover_address(bytes.fromhex(view.signed.digest[2:]), bytes.fromhex(cosigner.signature[2:])) == \
            cosigner.signer
    followed = others[0].store.subject_assessments(CHAIN, subject, 1)
    assert [assessment_view(r).cosigners for r in followed] == [[]]  # a follower gathered none
