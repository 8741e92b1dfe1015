"""API keys (kept as their sha-256 alone, revoked at once) and rate limits: a token bucket per client address,
or per key when the request carries one; 429 with Retry-After over the rate, 401 for a key the node does not
know or revoked; `/health` and the peers' route never limited."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from node.api import ApiKeys, ApiServer, RateLimits
from node.api.rate_limit import TokenBuckets
from node.store import Store
from tests.unit.api.filled_store import CHAINS, EVM_SUBJECT

on_session_loop = pytest.mark.asyncio(loop_scope="session")  # the fixture's server runs on the session's loop

HISTORY = f"/v1/chains/anvil/subjects/{EVM_SUBJECT}/history"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_holds_a_minute_s_rate_and_refills_at_it() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock)
    assert [buckets.take("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", 3) == pytest.approx(20.0)  # one token every 20 s
    assert buckets.take("b", 3) == 0.0  # another client has its own
    clock.now += 10
    assert buckets.take("a", 3) == pytest.approx(10.0)
    clock.now += 10
    assert buckets.take("a", 3) == 0.0
    clock.now += 3600  # refilled to the rate, not beyond
    assert [buckets.take("a", 3) for _ in range(4)][3] == pytest.approx(20.0)


def test_keys_are_kept_as_their_hash_and_revoked_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "aura.sqlite")
    try:
        keys = ApiKeys(store.db, clock=lambda: 1_750_000_000.0)
        record, secret = keys.create("lender-a", per_minute=500)
        assert secret.startswith(f"aura_{record.id}_") and len(secret) > 40
        rows = list(store.db.query("SELECT * FROM api_keys"))
        assert rows == [{"id": record.id, "hash": hashlib.sha256(secret.encode()).hexdigest(), "name": "lender-a",
                         "created_at": 1_750_000_000.0, "revoked_at": None, "per_minute": 500}]
        assert keys.check(secret) == record and keys.check(secret + "x") is None
        other, _ = keys.create("lender-b")
        assert [k.name for k in keys.list()] == ["lender-a", "lender-b"]
        assert keys.revoke(record.id) is True and keys.revoke(record.id) is False and keys.revoke("nope") is False
        assert keys.check(secret) is None
        assert [(k.id, k.revoked_at) for k in ApiKeys(store.db).list()] == [(record.id, 1_750_000_000.0),
                                                                            (other.id, None)]
    finally:
        store.close()


@dataclass
class Limited:
    url: str
    keys: ApiKeys

    async def get(self, path: str, key: str | None = None, header: str = "Authorization") -> aiohttp.ClientResponse:
        headers = {} if key is None else {header: f"Bearer {key}" if header == "Authorization" else key}
        async with aiohttp.ClientSession() as http, http.get(self.url + path, headers=headers) as r:
            await r.read()
            return r


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[Limited]:
    store = Store(tmp_path / "aura.sqlite")
    keys = ApiKeys(store.db)
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=store, chains=CHAINS,
                       rate_limits=RateLimits(per_address=3, per_key=5), keys=keys)
    await server.start()
    try:
        yield Limited(f"http://127.0.0.1:{server.port}", keys)
    finally:
        await server.stop()
        store.close()


@on_session_loop
async def test_an_address_over_its_rate_waits(limited: Limited) -> None:
    assert [(await limited.get(HISTORY)).status for _ in range(3)] == [200, 200, 200]
    refused = await limited.get(HISTORY)
    assert (refused.status, refused.headers["Retry-After"]) == (429, "20")
    assert await refused.json() == {"error": {"code": "rate_limited",
                                              "message": "over 3 requests a minute: retry in 20 s"}}
    assert (await limited.get("/v1/chains/anvil/requests/0x" + "11" * 32)).status == 429  # every /v1 route
    assert [(await limited.get("/health")).status for _ in range(5)] == [200] * 5  # never limited
    async with aiohttp.ClientSession() as http:  # a proxy on this host names the client it forwards for
        async with http.get(limited.url + HISTORY, headers={"X-Forwarded-For": "203.0.113.9"}) as r:
            assert r.status == 200


@on_session_loop
async def test_a_key_has_its_own_rate_whichever_header_carries_it(limited: Limited) -> None:
    _, default_key = limited.keys.create("default rate")
    _, own_key = limited.keys.create("own rate", per_minute=1)
    statuses = [(await limited.get(HISTORY, default_key, header)).status
                for header in ("Authorization", "X-API-Key") * 3]
    assert statuses == [200] * 5 + [429]
    assert [(await limited.get(HISTORY, own_key)).status for _ in range(2)] == [200, 429]
    assert (await limited.get(HISTORY)).status == 200  # the address's bucket is untouched


@on_session_loop
async def test_an_unknown_or_revoked_key_is_refused(limited: Limited) -> None:
    record, key = limited.keys.create("soon revoked")
    assert (await limited.get(HISTORY, key)).status == 200
    limited.keys.revoke(record.id)
    for presented in (key, "aura_00000000_guess", ""):
        refused = await limited.get(HISTORY, presented, "X-API-Key")
        assert (refused.status, await refused.json()) == (401, {"error": {
            "code": "bad_api_key", "message": "API key unknown or revoked"}})
