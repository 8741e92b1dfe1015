"""An async web3 provider over several HTTP JSON-RPC endpoints of one EVM chain: `AsyncWeb3(FailoverProvider(...))`.

- Reads go to the live read endpoint with the highest head seen. Heads come from the answers to the node's own
  eth_blockNumber and eth_getBlockByNumber("latest") calls, and from light probes; an endpoint more than
  `max_lag` blocks behind the best live one is not read from.
- eth_sendRawTransaction goes to every live endpoint, read and send-only; the first success is the answer.
- Every call on an endpoint has a deadline (`timeout_s`) and is made once. A fault of the endpoint (transport,
  deadline, HTTP 429 or 5xx, a JSON-RPC error about the endpoint rather than the call, chains/evm/rpc_errors.py)
  puts it down for a cool-off that doubles from 1 s to 30 s and resets on success, and the call moves on to the
  next endpoint at once (chains/failover.py). When every endpoint is down, each is tried anyway; when none
  answers, RetryLater names each one's last error.
- A JSON-RPC error about the call itself (a revert, invalid params, a nonce already used) is the answer: web3
  raises it as Web3RPCError, and no endpoint is marked down for it. An eth_getLogs window that every endpoint
  asked refuses for its size raises RangeTooLarge.
- A background task probes each endpoint that is down once its cool-off ends and, where there are two read
  endpoints or more, the head of each not heard from for `head_refresh_s`.
- With `chain_id`, an endpoint is used only once it reported that chain id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from web3._utils.batching import sort_batch_response_by_response_ids
from web3.exceptions import ProviderConnectionError
from web3.providers.async_base import AsyncJSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from chains.core.errors import ChainError, RetryLater
from chains.endpoint import Endpoint, Fault, HttpStatus, Refusal, Role
from chains.evm.rpc_errors import classify, describe
from chains.failover import WRONG_CHAIN, Endpoints
from chains.urls import labels as endpoint_labels

SEND = "eth_sendRawTransaction"
CHAIN_ID = RPCEndpoint("eth_chainId")
BLOCK_NUMBER = RPCEndpoint("eth_blockNumber")


class RangeTooLarge(RetryLater):
    """Every endpoint asked refused an eth_getLogs window for its size: a smaller window may pass."""


class RangeRefused(Refusal):
    """One endpoint refused a call for its size; it stays up."""


def _block(value: Any) -> int | None:
    try:
        return int(value, 16) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        return None


def _window(params: Any) -> str:
    flt = params[0] if isinstance(params, list | tuple) and params and isinstance(params[0], dict) else {}
    first, last = _block(flt.get("fromBlock")), _block(flt.get("toBlock"))
    return f" over blocks {first}..{last}" if first is not None and last is not None else ""


def _succeeded(answer: Any) -> bool:
    return isinstance(answer, dict) and "result" in answer


class FailoverProvider(AsyncJSONBaseProvider):
    """Several endpoints of one chain behind web3's provider interface.

    Args:
        name: the chain's name, first word of every error.
        read_urls: endpoints to read from and send to, the first preferred among equals.
        send_urls: endpoints only sent to.
        timeout_s: the deadline of one call on one endpoint.
        chain_id: the chain id each endpoint must report before it is used (None: not checked).
        max_lag: blocks an endpoint may be behind the best live one and still be read from.
        cooloff_s: the first and the longest cool-off of an endpoint that failed.
        probe_every_s: how often the background task looks for endpoints to probe.
        head_refresh_s: the age at which a read endpoint's head is asked again.
        clock: seconds, monotonic.
    """

    logger = logging.getLogger("aura.evm.rpc.provider")

    def __init__(self, name: str, read_urls: Sequence[str], send_urls: Sequence[str] = (), *, timeout_s: float,
                 chain_id: int | None = None, max_lag: int = 5, cooloff_s: tuple[float, float] = (1.0, 30.0),
                 probe_every_s: float = 0.5, head_refresh_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.name = name
        self.chain_id = chain_id
        given: list[tuple[str, Role]] = [(u, "read") for u in read_urls] + [(u, "send") for u in send_urls]
        labels = endpoint_labels([url for url, _ in given])
        self.endpoints = Endpoints(
            name, [Endpoint(url, label, role, i, timeout_s=timeout_s, cooloff_s=cooloff_s, clock=clock)
                   for i, ((url, role), label) in enumerate(zip(given, labels))],
            probe=self._probe, max_lag=max_lag, probe_every_s=probe_every_s, head_refresh_s=head_refresh_s,
            clock=clock)
        self._seen_chain: dict[int, int] = {}

    def __str__(self) -> str:
        return str(self.endpoints)

    def state(self) -> list[dict[str, Any]]:
        """Per endpoint, in config order: {"endpoint", "role", "up", "head", "last_error", "errors", "latency_ms"}."""
        return self.endpoints.state()

    # web3's provider interface
    async def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return cast(RPCResponse, await self._call(method, params, self.encode_rpc_request(method, params)))

    async def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        response = await self._call(RPCEndpoint("batch"), None, self.encode_batch_rpc_request(requests))
        if isinstance(response, list):
            return cast(list[RPCResponse], sort_batch_response_by_response_ids(response))
        return cast(RPCResponse, response)

    async def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            await self.make_request(CHAIN_ID, [])
        except RetryLater as e:
            if show_traceback:
                raise ProviderConnectionError(str(e)) from None
            return False
        return True

    async def verify(self) -> None:
        """Ask every endpoint its chain id (and each read endpoint its head).

        Raises:
            ChainError: an endpoint reports another chain id than `chain_id`.
            RetryLater: no read endpoint answered; the message names each one's error.
        """
        everyone = self.endpoints.all
        for e in everyone:
            e.chain_ok = None
        await asyncio.gather(*(self.endpoints.probe_one(e) for e in everyone))
        wrong = [e for e in everyone if e.chain_ok is False]
        if wrong:
            raise ChainError("; ".join(f"{self.name}: RPC {e.label} reports chain id {self._seen_chain[e.index]}, "
                                       f"config says {self.chain_id}" for e in wrong))
        if not any(e.up for e in self.endpoints.readers):
            raise RetryLater(f"{self.name}: RPC unreachable: {self.endpoints.details()}")
        self.endpoints.start()

    async def probe(self) -> None:
        """Probe each endpoint that is due now (chains/failover.py)."""
        await self.endpoints.probe()

    async def disconnect(self) -> None:
        """Stop probing and close every endpoint's session. Idempotent; the provider may be used again after."""
        await self.endpoints.stop()

    # every call
    async def _call(self, method: RPCEndpoint, params: Any, body: bytes) -> Any:
        """The answer to `body` (a result, or an error about the call): eth_sendRawTransaction from every live
        endpoint, the first success else the first answer; anything else from the best read endpoint.

        Raises:
            RangeTooLarge: every endpoint asked that did not fail refused the call for its size.
            RetryLater: no endpoint answered; the message names each one's last error.
        """

        async def ask(ep: Endpoint) -> Any:
            return await self._ask(ep, method, params, body)

        if method == SEND:
            return await self.endpoints.send(method, ask, landed=_succeeded)
        return await self.endpoints.read(method, ask, refused=lambda details: RangeTooLarge(
            f"{self.name}: {method}{_window(params)} refused for its size: {details}"))

    # one endpoint
    async def _ask(self, ep: Endpoint, method: RPCEndpoint, params: Any, body: bytes) -> Any:
        """`ep`'s answer (a result, or an error about the call).

        Raises:
            RangeRefused: the endpoint refused the call for its size.
            Fault: the endpoint failed, or serves another chain (kind `wrong_chain`).
        """
        if self.chain_id is not None and ep.chain_ok is not True and method != CHAIN_ID:
            await self._check_chain(ep)
        answer = self._judge(method, await ep.post(body))
        self._note_head(ep, method, params, answer)
        return answer

    @staticmethod
    def _judge(method: RPCEndpoint, data: Any) -> Any:
        """`data` if it is an answer; the Fault (or RangeRefused) it stands for otherwise."""
        if isinstance(data, HttpStatus):
            error = data.data.get("error") if isinstance(data.data, dict) else None
            if data.status != 429 and isinstance(error, dict):
                verdict = classify(method, error).verdict
                if verdict == "answer":
                    return data.data
                if verdict == "range":
                    raise RangeRefused("range", describe(error))
            raise data.fault()
        if isinstance(data, list):
            return data
        if not isinstance(data, dict) or ("result" not in data and "error" not in data):
            raise Fault("malformed", "not a JSON-RPC response")
        error = data.get("error")
        if error is None:
            return data
        if not isinstance(error, dict):
            raise Fault("malformed", "a JSON-RPC error that is not an object")
        classed = classify(method, error)
        if classed.verdict == "range":
            raise RangeRefused("range", describe(error))
        if classed.verdict == "transient":
            raise Fault(classed.kind, describe(error))
        return data

    def _note_head(self, ep: Endpoint, method: RPCEndpoint, params: Any, answer: Any) -> None:
        result = answer.get("result") if isinstance(answer, dict) else None
        number = None
        if method == BLOCK_NUMBER:
            number = _block(result)
        elif (method == "eth_getBlockByNumber" and isinstance(params, list | tuple) and params
              and params[0] == "latest" and isinstance(result, dict)):
            number = _block(result.get("number"))
        if number is not None:
            ep.saw_head(number)

    async def _check_chain(self, ep: Endpoint) -> None:
        """Ask `ep` its chain id; an endpoint that does not tell (an error answer) is taken at its word.

        Raises:
            Fault: no answer, or another chain id (kind `wrong_chain`; the endpoint is not used again until it
                reports `chain_id`).
        """
        answer = self._judge(CHAIN_ID, await ep.post(self.encode_rpc_request(CHAIN_ID, [])))
        seen = _block(answer.get("result")) if isinstance(answer, dict) else None
        if self.chain_id is not None and seen is not None and seen != self.chain_id:
            self._seen_chain[ep.index] = seen
            ep.chain_ok = False
            raise Fault(WRONG_CHAIN, f"chain id {seen}, expected {self.chain_id}")
        ep.chain_ok = True

    async def _probe(self, ep: Endpoint) -> None:
        if ep.role == "send":
            await self._check_chain(ep)
        else:
            await self._ask(ep, BLOCK_NUMBER, [], self.encode_rpc_request(BLOCK_NUMBER, []))
