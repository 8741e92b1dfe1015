"""A local HTTP server that answers GraphQL requests from recordings, so pysui's real client (gql over HTTPX,
schema introspection, configuration query) runs unchanged against it.

A request is answered by the first unused exchange of the same operation with exactly the same variables;
once all of those are used, the last one keeps answering (a service's state stays until it changes). The
introspection query is answered from introspection.json.gz, pysui's anonymous configuration query from the
`pysui-config` exchange. A request no exchange answers gets HTTP 500 and is listed in `misses`.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from graphql import parse, print_ast

HERE = Path(__file__).resolve().parent
INTROSPECTION = HERE / "introspection.json.gz"
RECORDINGS = HERE / "recordings"
VERSION_HEADER = "x-sui-rpc-version"


def load_introspection() -> dict[str, Any]:
    return json.loads(gzip.decompress(INTROSPECTION.read_bytes()))


def load(*names: str) -> list[dict[str, Any]]:
    """The exchanges of recordings/<name>.json, in order (start.json, pysui's start-up, always first)."""
    out: list[dict[str, Any]] = []
    for name in ("start", *names):
        out += json.loads((RECORDINGS / f"{name}.json").read_text())["exchanges"]
    return out


def _normal(query: str) -> str:
    return print_ast(parse(query))


class Replay:
    def __init__(self, exchanges: list[dict[str, Any]], version: str) -> None:
        from pysui.sui.sui_pgql.pgql_configs import _QUERY_BETA

        self.exchanges = exchanges
        self.version = version
        self.used: set[int] = set()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.misses: list[str] = []
        self._config = _normal(_QUERY_BETA)
        self._introspection = load_introspection()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/graphql", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the port the OS chose
        self.url = f"http://127.0.0.1:{port}/graphql"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def operations(self) -> list[str]:
        return [op for op, _ in self.requests]

    def _json(self, body: Any, status: int = 200) -> web.Response:
        return web.json_response(body, status=status, headers={VERSION_HEADER: self.version})

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        query = body.get("query", "")
        if "__schema" in query:
            self.requests.append(("introspection", {}))
            return self._json({"data": self._introspection})
        operation = body.get("operationName")
        if operation is None and _normal(query) == self._config:
            operation = "pysui-config"
        variables = body.get("variables") or {}
        self.requests.append((str(operation), variables))
        matching = [i for i, e in enumerate(self.exchanges)
                    if e["operation"] == operation and e["variables"] == variables]
        if not matching:
            self.misses.append(f"{operation} {json.dumps(variables, sort_keys=True)[:400]}")
            return self._json({"errors": [{"message": f"no recording answers {operation}"}]}, status=500)
        unused = [i for i in matching if i not in self.used]
        index = unused[0] if unused else matching[-1]
        self.used.add(index)
        exchange = self.exchanges[index]
        status = exchange.get("status", 200)
        if "body" in exchange:
            return web.Response(text=exchange["body"], status=status, headers={VERSION_HEADER: self.version})
        return self._json(exchange["response"], status=status)
