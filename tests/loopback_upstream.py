"""What the failover tests' faulty endpoints share: a JSON endpoint on 127.0.0.1 in front of a real service,
whose port can be closed (connections refused) and opened again, which can hold a request without answering (a
black hole) until its port closes, and answer HTTP 429 or 503. Each family's endpoint (EVM JSON-RPC, Solana
JSON-RPC, Sui GraphQL) says how it forwards and misbehaves in `_handle`."""

from __future__ import annotations

import asyncio
from typing import Self

import aiohttp
from aiohttp import web

from node.process import free_port


class LoopbackUpstream:
    path = "/"
    """The one route it serves."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self._release = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}" + ("" if self.path == "/" else self.path)

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "enter the upstream first (async with)"
        return self._session

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
        app.router.add_post(self.path, self._handle)
        self._release = asyncio.Event()
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def close_port(self) -> None:
        """Close every connection; nothing listens on the port until open_port(): connections are refused."""
        runner, self._runner = self._runner, None
        self._release.set()
        if runner is not None:
            await runner.cleanup()

    async def misbehaving(self) -> web.StreamResponse | None:
        """The answer of the modes every endpoint has: a black hole (held until the port closes), 429, 503."""
        if self.mode == "blackhole":
            await self._release.wait()
            return web.Response(status=504)
        if self.mode in ("429", "503"):
            return web.Response(status=int(self.mode), text="slow down")
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError
