"""The peer endpoint and the client, over loopback: the node's real API server (node/api/) serving a real
store's signed assessments, and a hostile peer (an aiohttp app of its own) for what a peer may send instead.
Every refusal names the peer and why."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from chains.base import OracleRequest
from node.api import ApiServer
from node.config import PeerSection
from node.quorum.agreement import compare
from node.quorum.answer import SignedAnswer
from node.quorum.peer_api import store_answers
from node.quorum.peer_client import PeerAssessment, PeerClient, PeerError
from node.store import Store
from tests.unit.quorum.operators import CHAIN, FEATURES, KEY, REQUEST, REQUEST_ID, answer, operator, signed

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the fixtures' servers run on the session's loop

BOB = operator(2)
UNSCORED_ID = "0x" + "22" * 32


def oracle_request(request_id: str) -> OracleRequest:
    return OracleRequest(chain=CHAIN, family="evm", chain_id=31337, contract=REQUEST["contract"],
                         request_id=request_id, requester=REQUEST["requester"], subject=REQUEST["subject"], fee=1000,
                         expires_at=REQUEST["expires_at"], params="0x", block_number=120,
                         block_hash="0x" + "ab" * 32, tx_hash="0x" + "cd" * 32, ordinal=0)


@pytest.fixture
async def bob_url(tmp_path: Path) -> AsyncIterator[str]:
    """Bob's node: a store holding his signed assessment for KEY (and a request not scored yet), served by the
    node's API on a free loopback port."""
    store = Store(tmp_path / "aura.sqlite")
    store.store_batch(CHAIN, [oracle_request(REQUEST_ID), oracle_request(UNSCORED_ID)], "cursor")
    store.transition(KEY, "confirmed")
    store.record_assessment(KEY, signed(BOB), FEATURES)
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, peer_answers=store_answers(store))
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()
        store.close()


@pytest.fixture
async def client() -> AsyncIterator[PeerClient]:
    peers = PeerClient(deadline_s=0.5)
    try:
        yield peers
    finally:
        await peers.close()


def peer(url: str, signer: str = BOB.address, name: str | None = "bob") -> PeerSection:
    return PeerSection(url=url, signer=signer, name=name)  # type: ignore[arg-type]


async def refusal(client: PeerClient, peer: PeerSection, key: str = KEY) -> PeerError:
    with pytest.raises(PeerError) as refused:
        await client.fetch(peer, key, "evm")
    return refused.value


async def test_a_peer_s_signed_assessment_is_fetched_and_authenticated(bob_url: str, client: PeerClient) -> None:
    got = await client.fetch(peer(bob_url), KEY, "evm", features=True)
    assert got == PeerAssessment(peer="bob", signer=BOB.address,
                                 answer=SignedAnswer(key=KEY, assessment=signed(BOB), features=FEATURES))


async def test_the_features_come_only_when_asked_for(bob_url: str, client: PeerClient) -> None:
    """A leader compares digests; the features (an EVM account proof among them) travel only to name what differs."""
    got = await client.fetch(peer(bob_url), KEY, "evm")
    assert got.answer == SignedAnswer(key=KEY, assessment=signed(BOB), features=None)
    async with aiohttp.ClientSession() as http:  # a leader of an earlier version asks without the parameter
        async with http.get(f"{bob_url}/peer/v1/assessments/{KEY}") as r:
            assert (await r.json())["features"] == FEATURES
    assert compare(answer(operator(1)), got.answer, got.peer) is None


async def test_unknown_or_unscored_requests_are_404_with_a_json_error(bob_url: str, client: PeerClient) -> None:
    async with aiohttp.ClientSession() as session:
        for key in (f"{CHAIN}:0x" + "33" * 32, f"{CHAIN}:{UNSCORED_ID}"):
            async with session.get(f"{bob_url}/peer/v1/assessments/{key}") as resp:
                assert (resp.status, await resp.json()) == (404, {"error": f"no signed assessment for {key}"})
    error = await refusal(client, peer(bob_url), f"{CHAIN}:{UNSCORED_ID}")
    assert (str(error), error.peer, error.reason) == ("peer bob: HTTP 404", "bob", "http_status")


async def test_an_answer_signed_by_another_key_than_the_configured_one(bob_url: str, client: PeerClient) -> None:
    carol = operator(3).address
    error = await refusal(client, peer(bob_url, signer=carol.lower()))
    assert (str(error), error.reason) == (
        f"peer bob: signed by {BOB.address}, not by its configured signer {carol}", "wrong_signer")


async def test_a_peer_without_a_name_is_named_by_its_signer(client: PeerClient) -> None:
    error = await refusal(client, peer("http://user:hunter2@127.0.0.1:1", name=None))
    assert str(error) == (f"peer {BOB.address}: unreachable: Cannot connect to host 127.0.0.1:1 ssl:default "
                          "[Connect call failed ('127.0.0.1', 1)]")
    assert error.reason == "unreachable"


async def test_requests_to_each_peer_are_rate_limited(bob_url: str) -> None:
    now = [0.0]
    client = PeerClient(rate_per_s=0.5, burst=2, clock=lambda: now[0])
    try:
        assert (await client.fetch(peer(bob_url), KEY, "evm")).signer == BOB.address
        await client.fetch(peer(bob_url), KEY, "evm")
        error = await refusal(client, peer(bob_url))
        assert (str(error), error.reason) == (
            "peer bob: rate limited (at most 2 requests at once, 0.5 a second)", "rate_limited")
        other = await refusal(client, peer(bob_url, signer=operator(3).address, name="carol"))
        assert other.reason == "wrong_signer"  # carol's bucket is her own
        now[0] += 2.0
        assert (await client.fetch(peer(bob_url), KEY, "evm")).signer == BOB.address
    finally:
        await client.close()


# a hostile peer: what it answers instead of a signed assessment

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def hostile() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[TestServer] = []

    async def serve(handler: Handler) -> str:
        app = web.Application()
        app.router.add_get("/peer/v1/assessments/{key}", handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield serve
    for server in servers:
        await server.close()


def answering(body: Any) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.json_response(body)
    return handler


async def chunked(_: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse()
    await resp.prepare(_)
    for _i in range(9):
        await resp.write(b" " * 8192)
    await resp.write_eof()
    return resp


async def slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.json_response({})


def raw(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=body, status=status, headers=headers)
    return handler


def tampered(**assessment: Any) -> dict[str, Any]:
    good = answer(BOB).to_json()
    return {**good, "assessment": {**good["assessment"], **assessment}}


@pytest.mark.parametrize(("handler", "reason", "error"), [
    (raw(b" " * (64 * 1024 + 1)), "too_big", "answer over 65536 bytes"),
    (chunked, "too_big", "answer over 65536 bytes"),
    (slow, "timeout", "no answer within 0.5 s"),
    (raw(b"<html>"), "bad_json", "bad JSON: Expecting value: line 1 column 1 (char 0)"),
    (raw(b"\xff\xfe{"), "bad_json", "bad JSON: not UTF-8"),
    (raw(b"", status=302, headers={"Location": "http://169.254.169.254/"}), "http_status", "HTTP 302"),
    (raw(b"{}", status=500), "http_status", "HTTP 500"),
    (answering({**answer(BOB).to_json(), "key": f"{CHAIN}:{UNSCORED_ID}"}), "malformed",
     f"malformed answer: for {CHAIN}:{UNSCORED_ID}, not {KEY}"),
    (answering({**answer(BOB).to_json(), "features": {**FEATURES, "tx_count": 1}}), "malformed",
     "malformed answer: features: do not hash to the assessment's features_hash"),
    (answering(tampered(signature="0x" + "11" * 64 + "01")), "bad_signature",
     "bad signature: signature v must be 27 or 28"),
    (answering(tampered(digest=answer(BOB, score=100).digest)), "wrong_signer", None),
])
async def test_what_a_hostile_peer_sends_is_refused(hostile: Callable[[Handler], Awaitable[str]], client: PeerClient,
                                                    handler: Handler, reason: str, error: str | None) -> None:
    refused = await refusal(client, peer(await hostile(handler)))
    assert refused.reason == reason
    if error is None:  # a signature over another digest recovers some other address
        assert str(refused).startswith("peer bob: signed by 0x") and str(refused).endswith(
            f", not by its configured signer {BOB.address}")
    else:
        assert str(refused) == f"peer bob: {error}"


async def test_the_peer_answer_is_the_stored_json(bob_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{bob_url}/peer/v1/assessments/{KEY}") as resp:
            assert resp.status == 200
            assert json.loads(await resp.read()) == {"key": KEY, "assessment": signed(BOB), "features": FEATURES}


async def test_each_peers_last_answer_is_kept_for_health(bob_url: str, client: PeerClient) -> None:
    down = peer("http://127.0.0.1:1", signer=operator(3).address, name="carol")
    assert client.status.health(["bob", "carol"], 2) == (
        {"threshold": 2, "peers": {"bob": {"answering": None, "last": "not asked yet", "age_s": None},
                                   "carol": {"answering": None, "last": "not asked yet", "age_s": None}}}, [])
    await refusal(client, peer(bob_url), f"{CHAIN}:{UNSCORED_ID}")
    await refusal(client, down)
    section, problems = client.status.health(["bob", "carol"], 3)
    assert {name: (p["answering"], p["last"]) for name, p in section["peers"].items()} == {
        "bob": (True, "not signed yet"),
        "carol": (False, "peer carol: unreachable: Cannot connect to host 127.0.0.1:1 ssl:default "
                         "[Connect call failed ('127.0.0.1', 1)]")}
    assert problems == ["quorum: 2 operator(s) answer (this node included), the threshold is 3"]
    await client.fetch(peer(bob_url), KEY, "evm")
    assert client.status.health(["bob", "carol"], 2)[1] == []
    assert client.status.health(["bob", "carol"], 2)[0]["peers"]["bob"]["last"] == "signed"
