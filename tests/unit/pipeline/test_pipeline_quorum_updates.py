"""Operator updates in a quorum (node/quorum/update_intake.py, node/quorum/update_announce.py): three operators, a
threshold of two, on one in-memory ledger. One operator's moved re-score is queued and announced; the others take
the announcement over HTTP only from a peer's enclave, for their own chain and the subject it signed, queue the same
update, sign it with their own enclaves, and the leader lands it once with the quorum's signatures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chains.base import Confidence
from chains.core import offchain
from node.offchain_scorer import OffchainScorer
from node.quorum.peer_client import PeerClient
from node.quorum.update_announce import UpdateAnnouncer
from node.watchlist import WatchList
from tests.fakechain.codec import update_request_id
from tests.fakechain.ledger import SUBJECT, FakeLedger
from tests.unit.pipeline.harness import CHAIN, StubAssessor
from tests.unit.pipeline.quorum_harness import Operator, operator_key, rounds

THRESHOLD = 2
OTHER = "0x" + "5a" * 32






async def post(op: Operator, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /peer/v1/updates to `op`'s API (from the test's own event loop, which also runs that API)."""
    async with aiohttp.ClientSession() as session, \
            session.post(f"http://127.0.0.1:{op.port}/peer/v1/updates", json=body) as resp:
        return resp.status, json.loads(await resp.read())


async def signed_offchain(op: Operator, key_index: int | None = None, subject: str = SUBJECT) -> dict[str, Any]:
    """An off-chain assessment of `subject` at the finalized head, signed by operator `key_index`'s enclave key
    (by default `op`'s own)."""
    request, at = await op.service.adapter.offchain_request(subject)
    features = await op.service.adapter.read_features(subject, at)
    key = op.key if key_index is None else operator_key(key_index)
    facts = StubAssessor.facts(op.service.adapter.enclave_request(request), features)
    return offchain.sign("fake", request.chain_id, bytes.fromhex(subject[2:]), facts, key)


async def test_an_announced_update_is_cosigned_and_lands_once(operators: list[Operator], ledger: FakeLedger,
                                                              store_dir: Path) -> None:
    ledger.mine(3)
    proposer = operators[0]
    client = PeerClient()
    announcer = UpdateAnnouncer(proposer.peers, client)
    scorer = OffchainScorer(proposer.service.adapter, proposer.assessor, WatchList(proposer.path), 25,
                            push=proposer.store.add_updates, announce=announcer.announce)
    try:
        await scorer.rescore(SUBJECT, watched=True)
    finally:
        await announcer.close()
        await client.close()
    at = await proposer.service.adapter.head(Confidence.FINALIZED)
    uid = "0x" + update_request_id(ledger.chain_id, bytes.fromhex(ledger.contract[2:]), bytes.fromhex(SUBJECT[2:]),
                                   at.timestamp).hex()
    assert [op.store.request(f"{CHAIN}:{uid}") is not None for op in operators] == [True] * 3
    await rounds(operators, ledger, count=8)
    assert ledger.fulfilments(uid) == 1
    signers = {s.lower() for s in ledger.signers_of(uid)}
    assert len(signers) >= THRESHOLD and signers <= {op.key.address.lower() for op in operators}
    assert sorted(op.state(uid)[0] for op in operators) == ["final", "peer_fulfilled", "peer_fulfilled"]


async def test_an_announcement_is_taken_once(operators: list[Operator], ledger: FakeLedger) -> None:
    ledger.mine(3)
    body = {"chain": CHAIN, "subject": SUBJECT, "offchain": await signed_offchain(operators[1])}
    status, got = await post(operators[0], body)
    assert status == 202 and got["queued"] is True and got["key"].startswith(f"{CHAIN}:0x")
    assert await post(operators[0], body) == (200, {"key": got["key"], "queued": False})
    assert len(operators[0].store.all_requests(100)) == 1


@pytest.mark.parametrize(("change", "status", "code", "message"), [
    ({"chain": "elsewhere"}, 404, "unknown_chain", "this node serves no chain 'elsewhere'"),
    ({"subject": OTHER}, 400, "bad_update", "the off-chain assessment is of another subject"),
    ({"subject": 7}, 400, "bad_update", "subject must be a string and offchain an object"),
    ({"offchain": {"typed_data": {}, "signature": "0x00"}}, 400, "bad_update", None),
])
async def test_a_malformed_announcement_is_refused(operators: list[Operator], ledger: FakeLedger,
                                                   change: dict[str, Any], status: int, code: str,
                                                   message: str | None) -> None:
    ledger.mine(3)
    body = {"chain": CHAIN, "subject": SUBJECT, "offchain": await signed_offchain(operators[1]), **change}
    got_status, got = await post(operators[0], body)
    assert (got_status, got["error"]["code"]) == (status, code)
    if message is not None:
        assert got["error"]["message"] == message
    assert operators[0].store.all_requests(100) == []


async def test_only_a_peers_enclave_can_announce(operators: list[Operator], ledger: FakeLedger) -> None:
    """An off-chain assessment signed by an enclave that is no peer (here operator 7's), however well formed."""
    ledger.mine(3)
    stranger = operator_key(7).address
    body = {"chain": CHAIN, "subject": SUBJECT, "offchain": await signed_offchain(operators[1], key_index=7)}
    assert await post(operators[0], body) == (403, {"error": {"code": "not_a_peer", "message":
                                                        f"signed by {stranger}, which is no peer of this node"}})
    own = {"chain": CHAIN, "subject": SUBJECT, "offchain": await signed_offchain(operators[0])}
    status, got = await post(operators[0], own)  # nor this node's own enclave: it queues its own updates itself
    assert (status, got["error"]["code"]) == (403, "not_a_peer")
    assert operators[0].store.all_requests(100) == []


async def test_an_announcement_for_another_chain_id_is_refused(operators: list[Operator], ledger: FakeLedger) -> None:
    ledger.mine(3)
    request, at = await operators[1].service.adapter.offchain_request(SUBJECT)
    features = await operators[1].service.adapter.read_features(SUBJECT, at)
    facts = StubAssessor.facts(operators[1].service.adapter.enclave_request(request), features)
    signed = offchain.sign("fake", request.chain_id + 1, bytes.fromhex(SUBJECT[2:]), facts, operators[1].key)
    status, got = await post(operators[0], {"chain": CHAIN, "subject": SUBJECT, "offchain": signed})
    assert (status, got["error"]["message"]) == (
        400, f"the off-chain assessment is for chain id {request.chain_id + 1}, not {CHAIN}'s {request.chain_id}")
