"""A Solana JSON-RPC endpoint on 127.0.0.1 that forwards to a real local Solana endpoint (LiteSVM behind JSON-RPC),
or misbehaves as told: refuses connections (its port closed), holds requests without answering (a black hole),
answers HTTP 429 or 503, answers every call with one JSON-RPC error, reports a slot some slots behind, or another
genesis hash. It records the method of every call it received."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from aiohttp import web

from chains.solana.rpc import SolanaRpc
from node.process import free_port
from node.workshop.devnet.solana_rpc import SolanaDevnet
from tests.loopback_upstream import LoopbackUpstream

TIMEOUT_S = 0.5
MARGIN_S = 3.0  # a failover must finish well within this; a correctness bound, not a benchmark

Mode = Literal["ok", "blackhole", "429", "503", "error"]


class Upstream(LoopbackUpstream):
    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.mode: Mode = "ok"
        self.error: dict[str, Any] = {}
        """The JSON-RPC error every call gets in mode "error"."""
        self.lag = 0
        self.genesis: str | None = None
        self.calls: list[str] = []

    def served(self, method: str) -> int:
        return self.calls.count(method)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        call = await request.json()
        method, params, rid = call["method"], call.get("params"), call.get("id")
        self.calls.append(method)
        refused = await self.misbehaving()
        if refused is not None:
            return refused
        if self.mode == "error":
            return web.json_response({"jsonrpc": "2.0", "id": rid, "error": self.error})
        if method == "getGenesisHash" and self.genesis is not None:
            return web.json_response({"jsonrpc": "2.0", "id": rid, "result": self.genesis})
        answer = await self.forward(method, params, rid)
        if method == "getSlot" and self.lag and isinstance(answer.get("result"), int):
            answer["result"] = max(0, answer["result"] - self.lag)
        return web.json_response(answer)

    async def forward(self, method: str, params: Any, rid: Any = 1) -> dict[str, Any]:
        payload: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            payload["params"] = params
        async with self.session.post(self.target, data=json.dumps(payload),
                                      headers={"Content-Type": "application/json"}) as resp:
            answer: dict[str, Any] = await resp.json()
            return answer


@asynccontextmanager
async def devnet() -> AsyncIterator[SolanaDevnet]:
    """A local Solana endpoint in this process, its slots paused: the tests move them."""
    dev = SolanaDevnet(slot_ms=50)
    await dev.start()
    dev.pause()
    try:
        yield dev
    finally:
        await dev.stop()


def provider(*reads: Upstream | str, sends: tuple[Upstream | str, ...] = (), **kw: Any) -> SolanaRpc:
    """A provider over the given endpoints with the background probe off unless asked (tests call probe())."""
    options: dict[str, Any] = {"timeout_s": TIMEOUT_S, "commitment": "confirmed", "max_lag": 5,
                               "probe_every_s": 3600.0, "head_refresh_s": 3600.0, **kw}
    return SolanaRpc("sol", [_url(r) for r in reads], [_url(s) for s in sends], **options)


def _url(endpoint: Upstream | str) -> str:
    return endpoint.url if isinstance(endpoint, Upstream) else endpoint


@asynccontextmanager
async def verified(p: SolanaRpc) -> AsyncIterator[SolanaRpc]:
    """`p` checked (genesis hashes, slots); every session closed at the end."""
    try:
        await p.verify()
        yield p
    finally:
        await p.close()


def closed_port() -> str:
    return f"http://127.0.0.1:{free_port()}"


def entry(p: SolanaRpc, endpoint: Upstream | str) -> dict[str, Any]:
    """`endpoint`'s row of the provider's state."""
    found = [e for e in p.state() if e["endpoint"] == _url(endpoint)]
    assert len(found) == 1
    return found[0]
