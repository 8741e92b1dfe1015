"""The node's local HTTP endpoint: `/health` (JSON) and `/metrics` (Prometheus text)."""

from __future__ import annotations

import time
from typing import Any, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from node.metrics import REGISTRY


def make_app(health: Callable[[], dict[str, Any]]) -> web.Application:
    async def get_health(_: web.Request) -> web.Response:
        report = health()
        return web.json_response(report, status=200 if report.get("ok") else 503)

    async def get_metrics(_: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/health", get_health)
    app.router.add_get("/metrics", get_metrics)
    return app


class ApiServer:
    def __init__(self, host: str, port: int, health: Callable[[], dict[str, Any]]) -> None:
        self.host, self.port = host, port
        self._runner = web.AppRunner(make_app(health), access_log=None)
        self.started_at = time.time()

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # the bound port, when 0 was asked for
        if server is not None and server.sockets:  # type: ignore[union-attr]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self._runner.cleanup()
