"""A GraphQL endpoint on 127.0.0.1 in front of a replay server (replay.py) that forwards every request, or
misbehaves as told: refuses connections (its port closed), holds requests without answering (a black hole),
answers HTTP 429 or 503, answers the adapter's operations with GraphQL errors, serves checkpoints some behind, or
reports another chain identifier in pysui's start-up query. It records the operation of every request."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web

from tests.loopback_upstream import LoopbackUpstream

Mode = Literal["ok", "blackhole", "429", "503", "errors"]
VERSION_HEADER = "x-sui-rpc-version"


class Faulty(LoopbackUpstream):
    path = "/graphql"

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.mode: Mode = "ok"
        self.errors: list[dict[str, Any]] = []
        """The GraphQL errors the adapter's operations get in mode "errors" (start-up queries pass)."""
        self.lag = 0
        self.chain_identifier: str | None = None
        self.operations: list[str] = []

    def served(self, operation: str) -> int:
        return self.operations.count(operation)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        operation = body.get("operationName") or ("introspection" if "__schema" in body.get("query", "")
                                                  else "pysui-config")
        self.operations.append(operation)
        refused = await self.misbehaving()
        if refused is not None:
            return refused
        if self.mode == "errors" and operation.startswith("Aura"):
            return web.json_response({"data": None, "errors": self.errors},
                                     headers={VERSION_HEADER: "1.62.0"})
        async with self.session.post(self.target, json=body) as resp:
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
