"""Announcing an operator update to the quorum's peers (node/quorum/update_announce.py) over loopback, to peers
that are aiohttp apps answering from a script: a peer whose cause may pass (a 5xx, 429, no answer, unreachable) is
told again after each retry delay, one that refuses is not, and one never told is given up on with a warning."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from node.config import PeerSection
from node.quorum.peer_client import PeerClient
from node.quorum.update_announce import UpdateAnnouncer
from node.quorum.update_intake import PEER_UPDATES_PATH

pytestmark = pytest.mark.asyncio(loop_scope="session")

OFFCHAIN = {"typed_data": {"message": {"score": 700}}, "signature": "0x" + "11" * 65, "score": 700}
SUBJECT = "0x" + "ab" * 20
RETRIES = (0.05, 0.05, 0.05)


class ScriptedPeer:
    """A peer answering each POST to the updates path with the next status of `script` (the last one repeats),
    keeping every body it was sent."""

    def __init__(self, *script: int) -> None:
        self.script = list(script)
        self.bodies: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        status = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return web.json_response({"code": f"status_{status}"}, status=status)


@pytest.fixture
async def client() -> AsyncIterator[PeerClient]:
    peers = PeerClient(deadline_s=0.5)
    try:
        yield peers
    finally:
        await peers.close()


async def serve(peer: ScriptedPeer) -> TestServer:
    app = web.Application()
    app.router.add_post(PEER_UPDATES_PATH, peer.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


def section(server: TestServer, name: str) -> PeerSection:
    return PeerSection(url=str(server.make_url("/")), signer="0x" + "22" * 20, name=name)  # type: ignore[arg-type]


async def settle(announcer: UpdateAnnouncer) -> None:
    for _ in range(200):
        if announcer.pending == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("retries still pending")


async def test_a_peer_that_answers_503_is_told_again_until_it_queues(client: PeerClient) -> None:
    flaky, steady = ScriptedPeer(503, 503, 202), ScriptedPeer(202)
    servers = [await serve(flaky), await serve(steady)]
    announcer = UpdateAnnouncer([section(servers[0], "flaky"), section(servers[1], "steady")], client,
                                retry_after_s=RETRIES)
    try:
        told = await announcer.announce("anvil", SUBJECT, OFFCHAIN)
        assert told == {"flaky": 'HTTP 503: {"code": "status_503"}', "steady": "queued"}
        await settle(announcer)
    finally:
        await announcer.close()
        for server in servers:
            await server.close()
    expected = {"chain": "anvil", "subject": SUBJECT,
                "offchain": {"typed_data": OFFCHAIN["typed_data"], "signature": OFFCHAIN["signature"]}}
    assert flaky.bodies == [expected] * 3
    assert steady.bodies == [expected]


async def test_a_peer_that_refuses_is_not_asked_again(client: PeerClient) -> None:
    refusing = ScriptedPeer(403)
    server = await serve(refusing)
    announcer = UpdateAnnouncer([section(server, "carol")], client, retry_after_s=RETRIES)
    try:
        told = await announcer.announce("anvil", SUBJECT, OFFCHAIN)
        assert told == {"carol": 'HTTP 403: {"code": "status_403"}'}
        assert announcer.pending == 0
        await asyncio.sleep(sum(RETRIES) * 2)
    finally:
        await announcer.close()
        await server.close()
    assert len(refusing.bodies) == 1


async def test_a_peer_never_reached_is_given_up_on_with_a_warning(client: PeerClient,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    server = await serve(ScriptedPeer(202))
    gone = section(server, "dave")
    await server.close()  # nothing listens on its port any more
    announcer = UpdateAnnouncer([gone], client, retry_after_s=RETRIES)
    with caplog.at_level(logging.INFO, logger="aura.quorum"):
        try:
            told = await announcer.announce("anvil", SUBJECT, OFFCHAIN)
            assert told["dave"].startswith("unreachable: ")
            await settle(announcer)
        finally:
            await announcer.close()
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warned] == ["operator update not announced to a peer"]
    logged = warned[0].f  # type: ignore[attr-defined]
    assert {k: logged[k] for k in ("chain", "subject", "peer", "attempts")} == {
        "chain": "anvil", "subject": SUBJECT, "peer": "dave", "attempts": 4}
    assert logged["outcome"].startswith("unreachable: ")


async def test_closing_stops_the_retries_waiting(client: PeerClient) -> None:
    flaky = ScriptedPeer(500)
    server = await serve(flaky)
    announcer = UpdateAnnouncer([section(server, "erin")], client, retry_after_s=(30.0,))
    try:
        await announcer.announce("anvil", SUBJECT, OFFCHAIN)
        assert announcer.pending == 1
        await announcer.close()
        assert announcer.pending == 0
        await announcer.close()  # again: nothing to do
    finally:
        await server.close()
    assert len(flaky.bodies) == 1

