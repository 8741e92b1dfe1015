"""Every error is JSON `{"error": {"code", "message"}}` with a stable code, never a stack trace: no such route, a
method a route does not take, a body over 16 KiB (declared, or sent chunked without a length), an unexpected
failure; and CORS for the configured origins alone."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.api import ApiServer
from node.store import Store
from tests.unit.api.conftest import Api
from tests.unit.api.filled_store import CHAINS, EVM_SUBJECT

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUESTIONNAIRE = {"version": 1, "answers": {"controller": "Only me: it is my personal wallet.",
                                           "purpose": "Working capital for my small online shop.",
                                           "liabilities": "No debts at all.",
                                           "risk_tolerance": "Very conservative, mostly stablecoins."}}


async def test_no_such_route_and_a_method_the_route_does_not_take(api: Api) -> None:
    assert await api.get("/v2/anything") == (404, {"error": {"code": "not_found",
                                                             "message": "not found: GET /v2/anything"}})
    async with api.http.get("/questionnaires") as r:
        assert (r.status, await r.json()) == (405, {"error": {"code": "method_not_allowed",
                                                              "message": "method not allowed: GET /questionnaires"}})
        assert r.headers["Allow"] == "POST"
    async with api.http.post(f"/v1/chains/anvil/subjects/{EVM_SUBJECT}/assessment", data=b"{}") as r:
        assert (r.status, (await r.json())["error"]["code"]) == (405, "method_not_allowed")


async def test_a_body_over_16_kib_is_refused_before_any_route_reads_it(api: Api) -> None:
    too_large = (413, {"error": {"code": "body_too_large", "message": "body over 16384 bytes"}})
    async with api.http.post("/questionnaires", data=b" " * 16_385) as r:
        assert (r.status, await r.json()) == too_large

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit holds all the same
        for _ in range(5):
            yield b" " * 4096

    async with api.http.post("/questionnaires", data=chunks()) as r:
        assert r.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert (r.status, await r.json()) == too_large
    async with api.http.post("/v1/anything", data=b"x" * 20_000) as r:  # every POST, routed or not
        assert (r.status, await r.json()) == too_large
    assert api.store.questionnaire("0x" + "00" * 32) is None


async def test_a_body_at_the_limit_reaches_the_route(api: Api) -> None:
    body = json.dumps(QUESTIONNAIRE).encode()
    padded = body + b" " * (16_384 - len(body))
    async with api.http.post("/questionnaires", data=padded) as r:
        reply = await r.json()
        assert (r.status, reply["stored"]) == (201, "new")
    assert api.store.questionnaire(reply["hash"]) is not None
    async with api.http.post("/questionnaires", data=b'{"version": 1}') as r:  # its own errors, as before
        assert (r.status, await r.json()) == (400, {"error": "questionnaire.answers: missing"})


class BrokenStore:
    """A store whose every read fails as a full disk or a corrupt file would."""

    def _fail(self, *_: Any) -> Any:
        raise RuntimeError("database disk image is malformed")

    subject_assessments = request = history = assessment = _fail


async def test_an_unexpected_failure_is_a_500_without_a_stack_trace(caplog: pytest.LogCaptureFixture) -> None:
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=BrokenStore(), chains=CHAINS)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{server.port}/v1/chains/anvil/subjects/{EVM_SUBJECT}/assessment") as r:
            text = await r.text()
            assert (r.status, json.loads(text)) == (500, {"error": {"code": "internal",
                                                                    "message": "internal error: see the node's log"}})
    finally:
        await server.stop()
    assert "Traceback" not in text and "malformed" not in text
    logged = [r for r in caplog.records if r.name == "aura.api"]
    assert [(r.getMessage(), str(r.exc_info[1]) if r.exc_info else None) for r in logged] == [
        ("api: unexpected error", "database disk image is malformed")]


@pytest.fixture
async def cors_url(tmp_path: Path) -> AsyncIterator[str]:
    store = Store(tmp_path / "aura.sqlite")
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=store, chains=CHAINS,
                       cors_origins=["https://app.example"])
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()
        store.close()


async def test_cors_for_the_configured_origins_alone(cors_url: str) -> None:
    url = f"{cors_url}/v1/chains/anvil/subjects/{EVM_SUBJECT}/history"
    preflight = {"Access-Control-Request-Method": "GET"}
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers={"Origin": "https://app.example"}) as r:
            assert (r.status, r.headers["Access-Control-Allow-Origin"]) == (200, "https://app.example")
        async with http.get(url, headers={"Origin": "https://evil.example"}) as r:
            assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers
        async with http.options(url, headers={"Origin": "https://app.example", **preflight}) as r:
            assert (r.status, r.headers["Access-Control-Allow-Origin"]) == (200, "https://app.example")
            assert r.headers["Access-Control-Allow-Methods"] == "GET, POST"
        async with http.options(url, headers={"Origin": "https://evil.example", **preflight}) as r:
            assert (r.status, await r.json()) == (400, {"error": {"code": "cors_refused",
                                                                  "message": "Disallowed CORS origin"}})
            assert "Access-Control-Allow-Origin" not in r.headers


async def test_no_cors_without_configured_origins(api: Api) -> None:
    async with api.http.get("/health", headers={"Origin": "https://app.example"}) as r:
        assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers
