"""`GET /v1/chains/{chain}/requests/{request_id}`: a request's state, its reason and every transition, as the
store recorded them; an id in another case is the same request; unknown and malformed ids."""

from __future__ import annotations

import pytest

from tests.unit.api.conftest import Api
from tests.unit.api.filled_store import EVM_SUBJECT, request_id

pytestmark = pytest.mark.asyncio(loop_scope="session")


def path(rid: str, chain: str = "anvil") -> str:
    return f"/v1/chains/{chain}/requests/{rid}"


async def test_a_fulfilled_request_and_its_transitions(api: Api) -> None:
    req, _ = api.fill.score("anvil", 1, 120)
    tx = api.fill.send(req, sequence=3)
    api.store.set_submission_state(tx, "included", 125)
    api.store.transition(req.key, "included", "in block 125", fulfil_block=125)
    status, body = await api.get(path(req.request_id.upper().replace("0X", "0x")))
    assert status == 200
    transitions = body.pop("transitions")
    assert [(t["src"], t["dst"], t["detail"]) for t in transitions] == [
        ("", "seen", ""), ("seen", "confirmed", ""), ("confirmed", "scored", ""), ("scored", "submitted", ""),
        ("submitted", "included", "in block 125")]
    row = api.store.request(req.key)
    assert row is not None
    assert body == {
        "chain": "anvil", "family": "evm", "request_key": req.key, "request_id": req.request_id,
        "subject": EVM_SUBJECT, "requester": req.requester, "private": False, "state": "included",
        "reason": "in block 125", "block": {"number": 120, "hash": req.block_hash}, "request_tx": req.tx_hash,
        "fee": "5000", "expires_at": req.expires_at, "fulfilment_tx": tx, "fulfil_block": 125, "assessed": True,
        "seen_at": row["seen_at"], "updated_at": row["updated_at"]}


async def test_a_failed_request_says_why(api: Api) -> None:
    req, _, _ = api.fill.request("devnet", 1, 50, private=True)
    api.store.transition(req.key, "failed", "malformed request params: params are 2 bytes; expected 0 or 128")
    status, body = await api.get(path(req.request_id, chain="devnet"))
    assert (status, body["state"], body["reason"], body["assessed"], body["private"], body["fulfilment_tx"]) == (
        200, "failed", "malformed request params: params are 2 bytes; expected 0 or 128", False, True, None)
    assert [t["dst"] for t in body["transitions"]] == ["seen", "failed"]


async def test_an_unknown_request(api: Api) -> None:
    rid = request_id("anvil", 5)
    api.fill.score("sui-local", 5, 50)  # the same id on another chain is another request
    assert await api.get(path(rid)) == (404, {"error": {"code": "unknown_request",
                                                         "message": f"no request {rid} on anvil"}})


@pytest.mark.parametrize(("chain", "rid", "message"), [
    ("anvil", "0x1234", "request_id: must be 0x followed by 64 hex digits"),
    ("devnet", "0x" + "ab" * 32, "request_id: must be base58, not 0x-prefixed hex"),
    ("sui-local", "12", "request_id: must be 0x followed by 64 lower-case hex digits (a full Sui address)"),
])
async def test_a_malformed_request_id(api: Api, chain: str, rid: str, message: str) -> None:
    assert await api.get(path(rid, chain)) == (400, {"error": {"code": "bad_request_id", "message": message}})


async def test_a_request_on_an_unknown_chain(api: Api) -> None:
    assert await api.get(path("0x" + "11" * 32, chain="goerli")) == (
        404, {"error": {"code": "unknown_chain", "message": "no chain named 'goerli' on this node"}})
