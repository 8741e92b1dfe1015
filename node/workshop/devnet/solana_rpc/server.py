"""The HTTP server: JSON-RPC over POST on `/`, the PubSub WebSocket on `GET /` (upgraded) of the same port and
of the next one, `/health`, a slot clock, and the in-process devnet controls.

The WebSocket is also served on port + 1 because that is where a stock client looks for it: solana-web3.js's
`Connection` derives its WebSocket URL from the HTTP one by adding one to the port (unless given `wsEndpoint`),
as solana-test-validator serves it (8899 and 8900).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from solders.account import Account
from solders.pubkey import Pubkey
from solders.signature import Signature

from node.workshop.devnet.solana_ledger import MAX_PROCESSING_AGE, LedgerError, SolanaLedger, error_message
from node.workshop.devnet.solana_rpc.errors import SolanaDevnetError, invalid_params
from node.workshop.devnet.solana_rpc.methods import SolanaRpc
from node.workshop.devnet.solana_rpc.pubsub import SolanaPubSub
from node.workshop.devnet.solana_rpc.ws import PubSubEndpoint

log = logging.getLogger(__name__)

MAX_REQUEST_BODY_SIZE = 50 * 1024
PORT_PAIR_TRIES = 20
MAX_PORT = 65535


class SolanaDevnet:
    """A Solana JSON-RPC server on `host:port` (0 picks a free port) over an in-process LiteSVM ledger.

    The PubSub WebSocket is served on `port` and on `ws_port`. By default `ws_port` is `port + 1`: with port 0,
    a free port whose next one is free too is picked; with a given port, a taken `port + 1` is logged and the
    WebSocket is then on `port` only. A `ws_port` given is bound or the start fails (0 picks a free one, `port`
    itself means no second port).

    All of it runs on the event loop that calls `start()`; the in-process helpers must be called from it too.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, slot_ms: int = 400, finality_depth: int = 2,
                 blockhash_max_age: int = MAX_PROCESSING_AGE, programs: dict[Pubkey, Path] | None = None,
                 ws_port: int | None = None) -> None:
        if slot_ms <= 0:
            raise SolanaDevnetError(f"slot_ms must be positive, got {slot_ms}")
        try:
            self.ledger = SolanaLedger(finality_depth=finality_depth, blockhash_max_age=blockhash_max_age,
                                       programs=programs)
        except LedgerError as e:
            raise SolanaDevnetError(str(e)) from e
        self.rpc = SolanaRpc(self.ledger)
        self.pubsub = SolanaPubSub(self.ledger)
        self._ws = PubSubEndpoint(self.pubsub)
        # Devnet controls, as anvil has its evm_* methods: no cluster answers these.
        self.rpc.methods.update({
            "aura_pauseSlots": lambda params: self._control(params, 0, lambda: self.pause()),
            "aura_resumeSlots": lambda params: self._control(params, 0, lambda: self.resume()),
            "aura_advanceSlots": lambda params: self._control(params, 1, lambda n: self.advance_slots(n)),
            "aura_advanceTime": lambda params: self._control(params, 1, lambda s: self.advance_time(s)),
        })
        self.host = host
        self.port = port
        self.ws_port = port if ws_port is None else ws_port
        self._ws_port_wanted = ws_port
        self.slot_ms = slot_ms
        self._paused = False
        self._runner: web.AppRunner | None = None
        self._clock: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._runner is None:
            raise SolanaDevnetError("the Solana devnet has not been started")
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The PubSub WebSocket URL on the second port (`ws://host:port` serves it too)."""
        if self._runner is None:
            raise SolanaDevnetError("the Solana devnet has not been started")
        return f"ws://{self.host}:{self.ws_port}"

    @property
    def slot(self) -> int:
        return self.ledger.slot

    async def start(self) -> SolanaDevnet:
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=MAX_REQUEST_BODY_SIZE)
        app.router.add_post("/", self._post)
        app.router.add_get("/", self._ws.handle)
        app.router.add_get("/health", self._health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            self.port, self.ws_port = await self._listen(runner)
        except SolanaDevnetError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._clock = asyncio.get_running_loop().create_task(self._run_clock())
        return self

    async def stop(self) -> None:
        clock, self._clock = self._clock, None
        if clock is not None:
            clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await clock
        runner, self._runner = self._runner, None
        if runner is not None:
            await self._ws.close()
            await runner.cleanup()

    async def __aenter__(self) -> SolanaDevnet:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _bind(self, runner: web.AppRunner, port: int) -> tuple[web.TCPSite, int]:
        """Listen on `port` (0: a free one); returns the site and the port it got."""
        before = {int(address[1]) for address in runner.addresses}
        site = web.TCPSite(runner, self.host, port)
        try:
            await site.start()
        except OSError as e:
            await site.stop()
            reason = (e.strerror or str(e)).rsplit(": ", 1)[-1]
            raise SolanaDevnetError(f"cannot listen on {self.host}:{port}: {reason}") from e
        return site, min({int(address[1]) for address in runner.addresses} - before)

    async def _listen(self, runner: web.AppRunner) -> tuple[int, int]:
        """Bind the JSON-RPC port and the second WebSocket port (see the class docstring); returns both."""
        wanted = self._ws_port_wanted
        if wanted is None and self.port == 0:
            for _ in range(PORT_PAIR_TRIES):
                site, port = await self._bind(runner, 0)
                try:
                    if port < MAX_PORT:
                        await self._bind(runner, port + 1)
                        return port, port + 1
                except SolanaDevnetError:
                    pass
                await site.stop()
        _, port = await self._bind(runner, self.port)
        if wanted is not None:
            return port, port if wanted == port else (await self._bind(runner, wanted))[1]
        try:
            if port >= MAX_PORT:
                raise SolanaDevnetError(f"no port after {port}")
            await self._bind(runner, port + 1)
        except SolanaDevnetError as e:
            log.warning("%s: the PubSub WebSocket is served on port %d only", e, port)
            return port, port
        return port, port + 1

    async def _run_clock(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.slot_ms / 1000
        deadline = loop.time() + interval
        while True:
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            if not self._paused:
                self.ledger.advance_slot()
                self.pubsub.poll()
            deadline += interval
            if loop.time() - deadline > interval:  # after a stall, carry on from now instead of bursting
                deadline = loop.time() + interval

    async def _post(self, request: web.Request) -> web.Response:
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return web.json_response({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"},
                                      "id": None})
        response = self.rpc.handle(payload)
        self.pubsub.poll()
        if response is None:
            return web.Response(status=200)
        return web.Response(text=json.dumps(response, separators=(",", ":")), content_type="application/json")

    async def _health(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    # ---------------------------------------------------------------------------------- in-process helpers

    def airdrop(self, pubkey: Pubkey, lamports: int) -> Signature:
        """Fund `pubkey` from the faucet in the current slot; raises if the transfer failed."""
        try:
            signature = self.ledger.airdrop(pubkey, lamports)
        except LedgerError as e:
            raise SolanaDevnetError(str(e)) from e
        self.pubsub.poll()
        rec = self.ledger.record(signature)
        if rec is None or rec.err is not None:
            reason = error_message(rec.err) if rec is not None else "it did not land"
            raise SolanaDevnetError(f"airdrop of {lamports} lamports to {pubkey} failed: {reason}")
        return Signature.from_string(signature)

    def advance_slots(self, n: int = 1) -> int:
        """Close `n` slots at once (paused or not); returns the new slot."""
        if n < 0:
            raise SolanaDevnetError(f"cannot advance a negative number of slots ({n})")
        for _ in range(n):
            self.ledger.advance_slot()
        self.pubsub.poll()
        return self.ledger.slot

    def advance_time(self, seconds: int) -> None:
        """Move the clock sysvar's unix_timestamp (and every later block time) forward by `seconds`."""
        try:
            self.ledger.advance_time(seconds)
        except LedgerError as e:
            raise SolanaDevnetError(str(e)) from e
        self.pubsub.poll()

    def _control(self, params: Any, arity: int, action: Callable[..., Any]) -> Any:
        args = params if isinstance(params, list) else [] if params is None else None
        if args is None or len(args) != arity or not all(isinstance(a, int) and not isinstance(a, bool)
                                                         for a in args):
            raise invalid_params(f"expected {arity} integer param(s)")
        try:
            result = action(*args)
        except SolanaDevnetError as e:
            raise invalid_params(str(e)) from None
        return self.ledger.slot if result is None else result

    def pause(self) -> None:
        """Stop the slot clock; `advance_slots` still works."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def set_account(self, pubkey: Pubkey, account: Account) -> None:
        self.ledger.set_account(pubkey, account)
        self.pubsub.poll()

    def get_account(self, pubkey: Pubkey) -> Account | None:
        return self.ledger.get_account(pubkey)
