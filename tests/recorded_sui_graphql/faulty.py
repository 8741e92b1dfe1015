"""A GraphQL endpoint on 127.0.0.1 in front of a replay server (replay.py) that forwards every request, or
misbehaves as told: refuses connections (its port closed), holds requests without answering (a black hole),
answers HTTP 429 or 503, answers the adapter's operations with GraphQL errors, serves checkpoints some behind, or
reports another chain identifier in pysui's start-up query. It records the operation of every request."""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Self

import aiohttp
from aiohttp import web

from node.process import free_port

Mode = Literal["ok", "blackhole", "429", "503", "errors"]
VERSION_HEADER = "x-sui-rpc-version"


class Faulty:
    def __init__(self, target: str) -> None:
        self.target = target
        self.port = free_port()
        self.mode: Mode = "ok"
        self.errors: list[dict[str, Any]] = []
        """The GraphQL errors the adapter's operations get in mode "errors" (start-up queries pass)."""
        self.lag = 0
        self.chain_identifier: str | None = None
        self.operations: list[str] = []
        self._release = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        await self.open_port()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close_port()
        if self._session is not None:
            await self._session.close()

    async def open_port(self) -> None:
        app = web.Application()
        app.router.add_post("/graphql", self._handle)
        self._release = asyncio.Event()
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def close_port(self) -> None:
        runner, self._runner = self._runner, None
        self._release.set()
        if runner is not None:
            await runner.cleanup()

    def served(self, operation: str) -> int:
        return self.operations.count(operation)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        operation = body.get("operationName") or ("introspection" if "__schema" in body.get("query", "")
                                                  else "pysui-config")
        self.operations.append(operation)
        if self.mode == "blackhole":
            await self._release.wait()
            return web.Response(status=504)
        if self.mode in ("429", "503"):
            return web.Response(status=int(self.mode), text="slow down")
        if self.mode == "errors" and operation.startswith("Aura"):
            return web.json_response({"data": None, "errors": self.errors},
                                     headers={VERSION_HEADER: "1.62.0"})
        assert self._session is not None
        async with self._session.post(self.target, json=body) as resp:
            headers = {VERSION_HEADER: resp.headers[VERSION_HEADER]} if VERSION_HEADER in resp.headers else {}
            status, answer = resp.status, await resp.json()
        data = answer.get("data") if isinstance(answer, dict) else None
        if isinstance(data, dict):
            if self.chain_identifier is not None and "chainIdentifier" in data:
                data["chainIdentifier"] = self.chain_identifier
            checkpoint = data.get("checkpoint")
            if self.lag and isinstance(checkpoint, dict) and isinstance(checkpoint.get("sequenceNumber"), int):
                checkpoint["sequenceNumber"] -= self.lag
        return web.json_response(answer, status=status, headers=headers)
