"""A JSON-RPC endpoint on 127.0.0.1 that forwards to a real anvil, or misbehaves as told: refuses connections
(its port closed), holds requests without answering (a black hole), answers HTTP 429 or 503, answers JSON-RPC
-32005, serves a head some blocks behind, reports another chain id, or refuses eth_getLogs over more than N blocks.
It records the method of every call it received."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import pytest
from aiohttp import web
from web3 import AsyncWeb3

from chains.evm.rpc import FailoverProvider
from node.process import free_port
from node.workshop.devnet.anvil import Anvil
from tests.loopback_upstream import LoopbackUpstream

CHAIN_ID = 31337
TIMEOUT_S = 0.5
MARGIN_S = 3.0  # a failover must finish well within this; a correctness bound, not a benchmark

Mode = Literal["ok", "blackhole", "429", "503", "limit"]


class Upstream(LoopbackUpstream):
    def __init__(self, anvil_url: str) -> None:
        super().__init__()
        self.anvil_url = anvil_url
        self.mode: Mode = "ok"
        self.lag = 0
        self.chain_id: int | None = None
        self.max_range: int | None = None
        self.error_status: int | None = None
        self.range_message = "query exceeds max block range {n}"
        self.calls: list[str] = []

    def served(self, method: str) -> int:
        return self.calls.count(method)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        calls = body if isinstance(body, list) else [body]
        self.calls.extend(c["method"] for c in calls)
        refused = await self.misbehaving()
        if refused is not None:
            return refused
        answers = [await self._answer(c) for c in calls]
        status = self.error_status if self.error_status and any("error" in a for a in answers) else 200
        return web.json_response(answers if isinstance(body, list) else answers[0], status=status)

    async def _answer(self, call: dict[str, Any]) -> dict[str, Any]:
        method, params, rid = call["method"], call.get("params", []), call["id"]
        if self.mode == "limit":
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32005, "message": "limit exceeded"}}
        if method == "eth_chainId" and self.chain_id is not None:
            return {"jsonrpc": "2.0", "id": rid, "result": hex(self.chain_id)}
        if method == "eth_getLogs" and self.max_range is not None:
            first, last = (int(params[0][k], 16) for k in ("fromBlock", "toBlock"))
            if last - first + 1 > self.max_range:
                message = self.range_message.format(n=self.max_range)
                return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32005, "message": message}}
        if self.lag and method == "eth_blockNumber":
            head = int((await self._forward("eth_blockNumber", [], rid))["result"], 16)
            return {"jsonrpc": "2.0", "id": rid, "result": hex(max(0, head - self.lag))}
        if self.lag and method == "eth_getBlockByNumber" and params and params[0] == "latest":
            head = int((await self._forward("eth_blockNumber", [], rid))["result"], 16)
            params = [hex(max(0, head - self.lag)), *params[1:]]
        return await self._forward(method, params, rid)

    async def _forward(self, method: str, params: Any, rid: Any) -> dict[str, Any]:
        payload = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
        async with self.session.post(self.anvil_url, data=json.dumps(payload),
                                      headers={"Content-Type": "application/json"}) as resp:
            answer: dict[str, Any] = await resp.json()
            return answer


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    """One anvil per test module: tests only count blocks relative to the head they find."""
    with Anvil() as node:
        yield node


def provider(*reads: Upstream | str, sends: tuple[Upstream | str, ...] = (), **kw: Any) -> FailoverProvider:
    """A provider over the given endpoints with the background probe off unless asked (tests call probe())."""
    options: dict[str, Any] = {"timeout_s": TIMEOUT_S, "chain_id": CHAIN_ID, "probe_every_s": 3600.0,
                               "head_refresh_s": 3600.0, **kw}
    return FailoverProvider("anvil", [_url(r) for r in reads], [_url(s) for s in sends], **options)


def _url(endpoint: Upstream | str) -> str:
    return endpoint.url if isinstance(endpoint, Upstream) else endpoint


@asynccontextmanager
async def verified(p: FailoverProvider) -> AsyncIterator[AsyncWeb3]:
    """`p` checked (chain ids, heads) behind an AsyncWeb3; every session closed at the end."""
    try:
        await p.verify()
        yield AsyncWeb3(p)
    finally:
        await p.disconnect()


def closed_port() -> str:
    return f"http://127.0.0.1:{free_port()}"
