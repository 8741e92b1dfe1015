"""A JSON-RPC proxy on 127.0.0.1 between the node and its chain, with faults switched at run time.

The proxy runs its own event loop in a thread, so a blocking driver (the chaos runner, a test) sets its faults
with `set()` while the node talks through it. With no fault it forwards every POST body to the upstream
unchanged and answers with the upstream's status and body.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Self

import aiohttp
from aiohttp import web

from chains.core.errors import AuraError
from node.process import free_port

RANGE_CAP_CODE = -32005
INTERNAL_ERROR_CODE = -32603
CONTROL_TIMEOUT_S = 10.0


class ProxyError(AuraError, RuntimeError):
    """The fault proxy could not be started or switched."""


@dataclass(frozen=True)
class Faults:
    """What the proxy does to calls; the default passes everything through.

    Args:
        refuse: close the listener (connections are refused) and drop the connections already open.
        blackhole: accept calls and never answer them; a held call's connection is dropped once this ends.
        delay_s: wait this long before forwarding each call.
        http_429: the fraction of calls answered `429 Too Many Requests`.
        fail: the fraction of calls that fail: half answered `503`, half with a JSON-RPC internal error.
        log_range_cap: `eth_getLogs` over more blocks than this is answered with a JSON-RPC error
            (code -32005), as providers that cap the range answer.
    """

    refuse: bool = False
    blackhole: bool = False
    delay_s: float = 0.0
    http_429: float = 0.0
    fail: float = 0.0
    log_range_cap: int | None = None


PASS = Faults()


class FaultProxy:
    """One proxy in front of `upstream` (an HTTP JSON-RPC URL). Use as a context manager or start()/stop().

    `stats` counts what happened to calls: "forwarded", "dropped" (refused on an open connection),
    "blackholed", "delayed", "rate_limited", "failed", "range_capped", "upstream_error". `sends` lists the raw
    transactions forwarded by `eth_sendRawTransaction` with when (monotonic seconds) the upstream took them.
    """

    def __init__(self, upstream: str, *, name: str = "proxy", port: int = 0, seed: int = 0) -> None:
        self.upstream = upstream
        self.name = name
        self.port = port or free_port()
        self.stats: Counter[str] = Counter()
        self.sends: list[tuple[float, str]] = []
        self._faults = PASS
        self._random = random.Random(seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: aiohttp.ClientSession | None = None
        self._released: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def faults(self) -> Faults:
        return self._faults

    def start(self) -> Self:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._open())
            except BaseException as e:  # noqa: BLE001 - handed to the starting thread
                failure.append(e)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name=f"chaos-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(CONTROL_TIMEOUT_S) or failure:
            self.stop()
            why = f": {failure[0]}" if failure else ""
            raise ProxyError(f"{self.name} on port {self.port} did not start{why}")
        return self

    def set(self, faults: Faults) -> None:
        """Switch to `faults` (PASS to heal); returns once the listener is closed or open again as they say."""
        if self._loop is None:
            raise ProxyError(f"{self.name} is not running")
        done = asyncio.run_coroutine_threadsafe(self._apply(faults), self._loop)
        done.result(CONTROL_TIMEOUT_S)

    def stop(self) -> None:
        """Stop serving and join the thread; held calls are dropped. Idempotent."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(CONTROL_TIMEOUT_S)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # on the proxy's loop
    async def _open(self) -> None:
        self._released = asyncio.Event()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()

    async def _close(self) -> None:
        if self._released is not None:
            self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _apply(self, faults: Faults) -> None:
        old, self._faults = self._faults, faults
        assert self._released is not None and self._runner is not None
        if old.blackhole and not faults.blackhole:
            self._released.set()
            self._released = asyncio.Event()
        if faults.refuse and not old.refuse:
            if self._site is not None:
                await self._site.stop()
                self._site = None
            server = self._runner.server
            for connection in list(server.connections if server is not None else []):
                connection.force_close()
        elif old.refuse and not faults.refuse:
            await self._listen()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        faults = self._faults
        if faults.refuse:
            self.stats["dropped"] += 1
            return self._drop(request)
        if faults.blackhole:
            self.stats["blackholed"] += 1
            released = self._released
            assert released is not None
            await released.wait()
            return self._drop(request)
        if faults.delay_s:
            self.stats["delayed"] += 1
            await asyncio.sleep(faults.delay_s)
        body = await request.read()
        if faults.http_429 and self._random.random() < faults.http_429:
            self.stats["rate_limited"] += 1
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": "1"})
        if faults.fail and self._random.random() < faults.fail:
            self.stats["failed"] += 1
            if self._random.random() < 0.5:
                return web.Response(status=503, text="Service Unavailable")
            return _answer(_errors(body, INTERNAL_ERROR_CODE, "internal error"))
        if faults.log_range_cap is not None:
            capped = await self._range_capped(body, faults.log_range_cap)
            if capped is not None:
                self.stats["range_capped"] += 1
                return _answer(capped)
        return await self._forward(body)

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        """Close the call's connection without an answer."""
        request.protocol.force_close()
        return web.Response(status=502)

    async def _forward(self, body: bytes) -> web.Response:
        assert self._session is not None
        try:
            async with self._session.post(self.upstream, data=body,
                                          headers={"Content-Type": "application/json"}) as upstream:
                answer = await upstream.read()
                self.stats["forwarded"] += 1
                if upstream.status == 200:
                    self._note_sends(body)
                return web.Response(status=upstream.status, body=answer, content_type="application/json")
        except (aiohttp.ClientError, TimeoutError) as e:
            self.stats["upstream_error"] += 1
            return web.Response(status=502, text=f"upstream unreachable: {type(e).__name__}")

    def _note_sends(self, body: bytes) -> None:
        try:
            call = json.loads(body)
        except ValueError:
            return
        now = time.monotonic()
        for c in call if isinstance(call, list) else [call]:
            if isinstance(c, dict) and c.get("method") == "eth_sendRawTransaction" and c.get("params"):
                self.sends.append((now, str(c["params"][0])))

    async def _range_capped(self, body: bytes, cap: int) -> Any:
        """The error answer when the call is (or a batch holds) an `eth_getLogs` wider than `cap`; else None."""
        try:
            call = json.loads(body)
        except ValueError:
            return None
        calls = call if isinstance(call, list) else [call]
        wide = []
        for c in calls:
            if isinstance(c, dict) and c.get("method") == "eth_getLogs":
                span = await self._span(c.get("params") or [{}])
                if span is not None and span > cap:
                    wide.append(c)
        if not wide:
            return None
        if isinstance(call, dict):
            return _error(call.get("id"), RANGE_CAP_CODE, _range_message(cap))
        # a batch: answer the wide calls with the error and forward the rest as a batch of their own
        rest = [c for c in calls if not any(c is w for w in wide)]
        answers = [_error(c.get("id"), RANGE_CAP_CODE, _range_message(cap)) for c in wide]
        if rest:
            forwarded = await self._forward(json.dumps(rest).encode())
            if forwarded.body is not None and forwarded.status == 200:
                answers += json.loads(bytes(forwarded.body))  # type: ignore[arg-type]
        return answers

    async def _span(self, params: list[Any]) -> int | None:
        """How many blocks an `eth_getLogs` filter covers; None for a `blockHash` filter."""
        flt = params[0] if params and isinstance(params[0], dict) else {}
        if "blockHash" in flt:
            return None
        low = await self._block(flt.get("fromBlock", "latest"))
        high = await self._block(flt.get("toBlock", "latest"))
        return high - low + 1

    async def _block(self, tag: Any) -> int:
        if isinstance(tag, int):
            return tag
        if isinstance(tag, str) and tag.startswith("0x"):
            return int(tag, 16)
        if tag == "earliest":
            return 0
        assert self._session is not None
        call = {"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []}
        async with self._session.post(self.upstream, json=call) as upstream:
            return int((await upstream.json())["result"], 16)


def _range_message(cap: int) -> str:
    return f"eth_getLogs is limited to a {cap} block range"


def _error(call_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": call_id, "error": {"code": code, "message": message}}


def _errors(body: bytes, code: int, message: str) -> Any:
    """The same error for the call or for each call of a batch."""
    try:
        call = json.loads(body)
    except ValueError:
        return _error(None, -32700, "parse error")
    if isinstance(call, list):
        return [_error(c.get("id") if isinstance(c, dict) else None, code, message) for c in call]
    return _error(call.get("id") if isinstance(call, dict) else None, code, message)


def _answer(payload: Any) -> web.Response:
    return web.Response(status=200, text=json.dumps(payload), content_type="application/json")
