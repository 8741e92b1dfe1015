"""solana-py's provider over several HTTP JSON-RPC endpoints of one Solana cluster. Every call the adapter makes
goes through `call` here: solana-py's AsyncClient methods (a `SolanaClient` over this provider) and the raw calls
it has no method for.

- Reads go to the live read endpoint with the highest slot seen, from the answers to getSlot at the adapter's
  commitment (the node's own and the probe's); one more than `max_lag` slots behind the best is not read from.
- sendTransaction goes to every live endpoint, read and send-only; the first success is the answer, else the
  first refusal (an answer too: "Blockhash not found", a failed simulation, already processed).
- Every call on an endpoint has a deadline (`timeout_s`) and is made once. A fault of the endpoint (transport,
  deadline, HTTP 429 or 5xx, a JSON-RPC error about the endpoint rather than the call, chains/solana/rpc_errors.py)
  puts it down for a cool-off that doubles from 1 s to 30 s and resets on success; the call moves on to the next
  endpoint at once (chains/failover.py). When none answers, RetryLater names each one's last error.
- Every endpoint must serve one cluster: `verify` asks each its genesis hash, refuses endpoints that disagree, and
  an endpoint first heard from later is used only once it reported that genesis hash.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment
from solana.rpc.core import _ClientCore
from solana.rpc.providers.async_base import AsyncBaseProvider
from solana.rpc.providers.core import T, _parse_raw
from solders.rpc.requests import Body

from chains.core.errors import ChainError, RetryLater
from chains.endpoint import Endpoint, Fault, HttpStatus, Role
from chains.failover import WRONG_CHAIN, Endpoints
from chains.solana.rpc_errors import classify, describe
from chains.urls import labels

SEND = "sendTransaction"
GENESIS = "getGenesisHash"
SLOT = "getSlot"
DEFAULT_COMMITMENT = "finalized"  # what an endpoint answers at when a call names no commitment


class SolanaRpc(AsyncBaseProvider):
    """Several endpoints of one cluster behind solana-py's provider interface.

    Args:
        name: the chain's name, first word of every error.
        read_urls: endpoints to read from and send to, the first preferred among equals.
        send_urls: endpoints only sent to.
        timeout_s: the deadline of one call on one endpoint.
        commitment: the commitment whose slot is an endpoint's head.
        max_lag: slots an endpoint may be behind the best live one and still be read from.
        cooloff_s: the first and the longest cool-off of an endpoint that failed.
        probe_every_s: how often the background task looks for endpoints to probe.
        head_refresh_s: the age at which a read endpoint's slot is asked again.
        clock: seconds, monotonic.
    """

    def __init__(self, name: str, read_urls: Sequence[str], send_urls: Sequence[str] = (), *, timeout_s: float,
                 commitment: str, max_lag: int, cooloff_s: tuple[float, float] = (1.0, 30.0),
                 probe_every_s: float = 0.5, head_refresh_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.commitment = commitment
        given: list[tuple[str, Role]] = [(u, "read") for u in read_urls] + [(u, "send") for u in send_urls]
        names = labels([url for url, _ in given])
        self.endpoints = Endpoints(
            name, [Endpoint(url, label, role, i, timeout_s=timeout_s, cooloff_s=cooloff_s, clock=clock)
                   for i, ((url, role), label) in enumerate(zip(given, names))],
            probe=self._probe, max_lag=max_lag, probe_every_s=probe_every_s, head_refresh_s=head_refresh_s,
            clock=clock)
        self.genesis: str | None = None
        """The genesis hash the endpoints agreed on at `verify`."""
        self._ids = itertools.count(1)

    def __str__(self) -> str:
        return str(self.endpoints)

    def state(self) -> list[dict[str, Any]]:
        """Per endpoint, in config order: {"endpoint", "role", "up", "head", "last_error", "errors", "latency_ms"}."""
        return self.endpoints.state()

    async def verify(self) -> None:
        """Ask every endpoint its genesis hash, and each read endpoint that answered its slot.

        Raises:
            ChainError: endpoints report different genesis hashes (they serve different clusters).
            RetryLater: no read endpoint answered; the message names each one's error.
        """
        self.genesis = None
        everyone = self.endpoints.all
        for e in everyone:
            e.chain_ok = None
        seen = await asyncio.gather(*(self._genesis_of(e) for e in everyone))
        hashes = {g for g in seen if g is not None}
        if len(hashes) > 1:
            raise ChainError(f"{self.name}: the RPC endpoints serve different clusters: " + "; ".join(
                f"{e.label} has genesis hash {g}" for e, g in zip(everyone, seen) if g is not None))
        self.genesis = hashes.pop() if hashes else None
        for e, g in zip(everyone, seen):
            if g is not None:
                e.chain_ok = True
        await asyncio.gather(*(self.endpoints.probe_one(e) for e in self.endpoints.readers if e.up))
        if not any(e.up for e in self.endpoints.readers):
            raise RetryLater(f"{self.name}: RPC unreachable: {self.endpoints.details()}")
        self.endpoints.start()

    async def close(self) -> None:
        """Stop probing and close every endpoint's session. Idempotent; the provider may be used again after."""
        await self.endpoints.stop()

    # solana-py's provider interface
    async def make_request(self, body: Body, parser: type[T]) -> T:
        """The answer to a solders request `body`, parsed by `parser`.

        Raises:
            RPCException: the endpoint answered with an error about the call.
            RetryLater: no endpoint answered.
        """
        request = json.loads(body.to_json())
        answer = await self.call(request["method"], request.get("params"))
        return _parse_raw(json.dumps(answer), parser)

    async def call(self, method: str, params: Any = None) -> dict[str, Any]:
        """The JSON-RPC answer (a `result` or an `error` about the call) to `method` with `params`.

        Raises:
            RetryLater: no endpoint answered; the message names each one's last error.
        """
        body = self._body(method, params)

        async def ask(ep: Endpoint) -> dict[str, Any]:
            return await self._ask(ep, method, params, body)

        if method == SEND:
            return await self.endpoints.send(method, ask, landed=lambda answer: "result" in answer)
        return await self.endpoints.read(method, ask)

    # one endpoint
    async def _ask(self, ep: Endpoint, method: str, params: Any, body: bytes) -> dict[str, Any]:
        """`ep`'s answer to the call.

        Raises:
            Fault: the endpoint failed, or serves another cluster (kind `wrong_chain`).
        """
        if self.genesis is not None and ep.chain_ok is not True:
            await self._check_genesis(ep)
        answer = self._judge(await ep.post(body))
        self._note_head(ep, method, params, answer)
        return answer

    @staticmethod
    def _judge(data: Any) -> dict[str, Any]:
        """`data` if it is an answer; the Fault it stands for otherwise."""
        if isinstance(data, HttpStatus):
            error = data.data.get("error") if isinstance(data.data, dict) else None
            if data.status != 429 and isinstance(error, dict) and classify(error).verdict == "answer":
                return dict(data.data)
            raise data.fault()
        if not isinstance(data, dict) or ("result" not in data and "error" not in data):
            raise Fault("malformed", "not a JSON-RPC response")
        error = data.get("error")
        if error is None:
            return data
        if not isinstance(error, dict):
            raise Fault("malformed", "a JSON-RPC error that is not an object")
        classed = classify(error)
        if classed.verdict == "transient":
            raise Fault(classed.kind, describe(error))
        return data

    def _note_head(self, ep: Endpoint, method: str, params: Any, answer: dict[str, Any]) -> None:
        if method != SLOT or not isinstance(answer.get("result"), int):
            return
        config = params[0] if isinstance(params, list) and params and isinstance(params[0], dict) else {}
        if config.get("commitment", DEFAULT_COMMITMENT) == self.commitment:
            ep.saw_head(answer["result"])

    async def _genesis_of(self, ep: Endpoint) -> str | None:
        """`ep`'s genesis hash; None when it failed (it is down) or does not tell."""
        try:
            answer = await self.endpoints.ask(ep, GENESIS, lambda e: self._ask(e, GENESIS, None, self._body(GENESIS)))
        except Fault:
            return None
        result = answer.get("result")
        return result if isinstance(result, str) else None

    async def _check_genesis(self, ep: Endpoint) -> None:
        """Ask `ep` its genesis hash; one that does not tell (an error answer) is taken at its word.

        Raises:
            Fault: no answer, or another genesis hash (kind `wrong_chain`; the endpoint is not used until it
                reports the agreed one).
        """
        answer = self._judge(await ep.post(self._body(GENESIS)))
        seen = answer.get("result")
        if isinstance(seen, str) and seen != self.genesis:
            ep.chain_ok = False
            raise Fault(WRONG_CHAIN, f"genesis hash {seen}, expected {self.genesis}")
        ep.chain_ok = True

    def _body(self, method: str, params: Any = None) -> bytes:
        payload: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            payload["params"] = params
        return json.dumps(payload).encode()

    async def _probe(self, ep: Endpoint) -> Any:
        if ep.role == "send":
            return await self._ask(ep, "getHealth", None, self._body("getHealth"))
        params = [{"commitment": self.commitment}]
        return await self._ask(ep, SLOT, params, self._body(SLOT, params))


class SolanaClient(AsyncClient):
    """solana-py's AsyncClient with every call going through a SolanaRpc."""

    def __init__(self, rpc: SolanaRpc, commitment: Commitment) -> None:  # noqa: D107 - no HTTP client of its own
        _ClientCore.__init__(self, commitment)
        self._provider = rpc  # type: ignore[assignment]
        self.rpc = rpc
