"""The PubSub WebSocket transport: JSON-RPC over text frames, one outbox per connection written in order by
its own task, so that a subscription's id always reaches the client before its first notification."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from node.workshop.devnet.solana_rpc.envelope import dispatch, error_response
from node.workshop.devnet.solana_rpc.errors import RpcError
from node.workshop.devnet.solana_rpc.pubsub import SolanaPubSub

MAX_MESSAGE_SIZE = 50 * 1024
CLOSE_TIMEOUT_S = 2.0  # how long a closing connection waits for the client's close frame
NOT_WEBSOCKET = "Used HTTP Method is not allowed. POST or OPTIONS is required\n"
"""What a cluster's RPC port answers a plain GET with (status 405)."""


def _json(message: Any) -> str:
    return json.dumps(message, separators=(",", ":"))


class _Connection:
    """One client: what it is sent waits in the outbox until the writer task puts it on the socket."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.outbox: asyncio.Queue[str] = asyncio.Queue()

    def send(self, text: str) -> None:
        self.outbox.put_nowait(text)

    async def write(self) -> None:
        while True:
            text = await self.outbox.get()
            try:
                await self.ws.send_str(text)
            except ConnectionError:
                return


class PubSubEndpoint:
    """The aiohttp handler of `GET /` upgraded to a WebSocket, over one `SolanaPubSub`."""

    def __init__(self, pubsub: SolanaPubSub) -> None:
        self.pubsub = pubsub
        self._sockets: set[web.WebSocketResponse] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_SIZE, timeout=CLOSE_TIMEOUT_S)
        if not ws.can_prepare(request).ok:
            return web.Response(status=405, text=NOT_WEBSOCKET)
        await ws.prepare(request)
        conn = _Connection(ws)
        methods = self.pubsub.methods(conn)
        writer = asyncio.get_running_loop().create_task(conn.write())
        self._sockets.add(ws)
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    conn.send(_json(error_response(None, RpcError(-32700, "Parse error"))))
                    continue
                response = dispatch(methods, payload)
                if response is not None:
                    conn.send(_json(response))
                self.pubsub.poll()
        finally:
            self._sockets.discard(ws)
            self.pubsub.disconnect(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def close(self) -> None:
        """Close every open connection (the server is stopping)."""
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
                               for ws in list(self._sockets)))
