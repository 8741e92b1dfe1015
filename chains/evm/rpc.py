"""An async web3 provider over several HTTP JSON-RPC endpoints of one EVM chain: `AsyncWeb3(FailoverProvider(...))`.

- Reads go to the live read endpoint with the highest head seen. Heads come from the answers to the node's own
  eth_blockNumber and eth_getBlockByNumber("latest") calls, and from light probes; an endpoint more than
  `max_lag` blocks behind the best live one is not read from.
- eth_sendRawTransaction goes to every live endpoint, read and send-only; the first success is the answer.
- Every call on an endpoint has a deadline (`timeout_s`) and is made once. A fault of the endpoint (transport,
  deadline, HTTP 429 or 5xx, a JSON-RPC error about the endpoint rather than the call) puts it down for a
  cool-off that doubles from 1 s to 30 s and resets on success, and the call moves on to the next endpoint at
  once. When every endpoint is down, each is tried anyway; when none answers, RetryLater names each one's last
  error.
- A JSON-RPC error about the call itself (a revert, invalid params, a nonce already used) is the answer: web3
  raises it as Web3RPCError, and no endpoint is marked down for it. An eth_getLogs window that every endpoint
  asked refuses for its size raises RangeTooLarge.
- A background task probes each endpoint that is down once its cool-off ends, and the head of each read
  endpoint not heard from for `head_refresh_s`.
- With `chain_id`, an endpoint is used only once it reported that chain id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from web3._utils.batching import sort_batch_response_by_response_ids
from web3.exceptions import ProviderConnectionError
from web3.providers.async_base import AsyncJSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from chains.core.errors import ChainError, RetryLater
from chains.core.logs import fields
from chains.endpoint import Endpoint, Fault, HttpStatus, Role
from chains.evm.rpc_errors import classify, describe
from chains.failover import choose_reader
from chains.urls import labels as endpoint_labels

log = logging.getLogger("aura.evm.rpc")

SEND = "eth_sendRawTransaction"
CHAIN_ID = RPCEndpoint("eth_chainId")
BLOCK_NUMBER = RPCEndpoint("eth_blockNumber")


class RangeTooLarge(RetryLater):
    """Every endpoint asked refused an eth_getLogs window for its size: a smaller window may pass."""


class RangeRefused(Fault):
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
        if not read_urls:
            raise ValueError(f"{name}: at least one read endpoint is needed")
        self.name = name
        self.chain_id = chain_id
        self.max_lag = max_lag
        self.probe_every_s = probe_every_s
        self.head_refresh_s = head_refresh_s
        self.clock = clock
        given: list[tuple[str, Role]] = [(u, "read") for u in read_urls] + [(u, "send") for u in send_urls]
        labels = endpoint_labels([url for url, _ in given])
        self.endpoints = [Endpoint(url, label, role, i, timeout_s=timeout_s, cooloff_s=cooloff_s, clock=clock)
                          for i, ((url, role), label) in enumerate(zip(given, labels))]
        self.readers = [e for e in self.endpoints if e.role == "read"]
        self._seen_chain: dict[int, int] = {}
        self._probe_task: asyncio.Task[None] | None = None

    def __str__(self) -> str:
        return f"RPC endpoints {', '.join(e.label for e in self.endpoints)}"

    def state(self) -> list[dict[str, Any]]:
        """Per endpoint, in config order: {"endpoint", "role", "up", "head", "last_error", "errors", "latency_ms"}."""
        return [e.state() for e in self.endpoints]

    # web3's provider interface
    async def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        self._start_probing()
        body = self.encode_rpc_request(method, params)
        if method == SEND:
            return cast(RPCResponse, await self._broadcast(method, params, body))
        return cast(RPCResponse, await self._read(method, params, body))

    async def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        self._start_probing()
        response = await self._read(RPCEndpoint("batch"), None, self.encode_batch_rpc_request(requests))
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
        for e in self.endpoints:
            e.chain_ok = None
        await asyncio.gather(*(self._probe_one(e) for e in self.endpoints))
        wrong = [e for e in self.endpoints if e.chain_ok is False]
        if wrong:
            raise ChainError("; ".join(f"{self.name}: RPC {e.label} reports chain id {self._seen_chain[e.index]}, "
                                       f"config says {self.chain_id}" for e in wrong))
        if not any(e.up for e in self.readers):
            raise RetryLater(f"{self.name}: RPC unreachable: {self._details(self.readers)}")
        self._start_probing()

    async def disconnect(self) -> None:
        """Stop probing and close every endpoint's session. Idempotent; the provider may be used again after."""
        task, self._probe_task = self._probe_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(e.close() for e in self.endpoints))

    # choosing
    def _next_reader(self, tried: set[int], everyone: bool) -> Endpoint | None:
        return choose_reader(self.readers, tried, everyone, self.max_lag)

    async def _read(self, method: RPCEndpoint, params: Any, body: bytes) -> Any:
        tried: set[int] = set()
        refused: list[Endpoint] = []
        everyone = not any(e.up for e in self.readers if e.chain_ok is not False)
        while True:
            ep = self._next_reader(tried, everyone)
            if ep is None and not everyone and not refused:
                everyone = True  # the live ones failed: try the ones cooling off before giving up
                ep = self._next_reader(tried, everyone)
            if ep is None:
                break
            tried.add(ep.index)
            try:
                return await self._ask(ep, method, params, body)
            except RangeRefused:
                refused.append(ep)
            except Fault:
                pass
        if refused:
            raise RangeTooLarge(f"{self.name}: {method}{_window(params)} refused for its size: "
                                f"{self._details(refused)}")
        raise RetryLater(f"{self.name}: {method} failed on every RPC endpoint: {self._details(self.readers)}")

    async def _broadcast(self, method: RPCEndpoint, params: Any, body: bytes) -> Any:
        pool = [e for e in self.endpoints if e.chain_ok is not False]
        targets = [e for e in pool if e.up] or pool
        outcomes = await asyncio.gather(*(self._ask(e, method, params, body) for e in targets),
                                        return_exceptions=True)
        answers = [o for o in outcomes if not isinstance(o, BaseException)]
        for other in outcomes:
            if isinstance(other, BaseException) and not isinstance(other, Fault):
                raise other
        for answer in answers:
            if isinstance(answer, dict) and "result" in answer:
                return answer
        if answers:
            return answers[0]
        raise RetryLater(f"{self.name}: {method} failed on every RPC endpoint: "
                         f"{self._details(targets or self.endpoints)}")

    def _details(self, endpoints: list[Endpoint]) -> str:
        return "; ".join(f"{e.label}: {e.last_error or 'no error seen'}" for e in endpoints)

    # asking one endpoint
    async def _ask(self, ep: Endpoint, method: RPCEndpoint, params: Any, body: bytes) -> Any:
        """`ep`'s answer (a result, or an error about the call).

        Raises:
            RangeRefused: the endpoint refused the call for its size (it stays up).
            Fault: the endpoint failed; it is down for its cool-off.
        """
        if self.chain_id is not None and ep.chain_ok is not True and method != CHAIN_ID:
            await self._verify(ep)
        try:
            answer = self._judge(method, await ep.post(body))
        except RangeRefused as f:
            ep.refused(f)
            raise
        except Fault as f:
            if ep.up:
                log.warning("RPC endpoint down", extra=fields(chain=self.name, endpoint=ep.label, error=f.message,
                                                              method=str(method)))
            ep.failed(f)
            raise
        if not ep.up:
            log.info("RPC endpoint up again", extra=fields(chain=self.name, endpoint=ep.label))
        ep.answered()
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

    async def _verify(self, ep: Endpoint) -> None:
        """Ask `ep` its chain id; an endpoint that does not tell (an error answer) is taken at its word.

        Raises:
            Fault: no answer, or another chain id (kind `wrong_chain`; the endpoint is down for its cool-off).
        """
        answer = await self._ask(ep, CHAIN_ID, [], self.encode_rpc_request(CHAIN_ID, []))
        seen = _block(answer.get("result")) if isinstance(answer, dict) else None
        if self.chain_id is not None and seen is not None and seen != self.chain_id:
            self._seen_chain[ep.index] = seen
            ep.chain_ok = False
            fault = Fault("wrong_chain", f"chain id {seen}, expected {self.chain_id}")
            ep.failed(fault)
            raise fault
        ep.chain_ok = True

    # probing
    def _start_probing(self) -> None:
        if self._probe_task is None or self._probe_task.done():
            self._probe_task = asyncio.get_running_loop().create_task(self._probe_loop(),
                                                                      name=f"{self.name}-rpc-probe")

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(self.probe_every_s)
            try:
                await self.probe()
            except Exception:  # noqa: BLE001 - the probe must outlive any one failure
                log.exception("RPC probe failed", extra=fields(chain=self.name))

    async def probe(self) -> None:
        """Ask each endpoint that is due: one down whose cool-off has ended, a read endpoint whose head is older
        than `head_refresh_s`."""
        now = self.clock()
        due = [e for e in self.endpoints
               if (not e.up and now >= e.down_until) or (e.up and e.role == "read"
                                                          and now - e.head_at >= self.head_refresh_s)]
        await asyncio.gather(*(self._probe_one(e) for e in due))

    async def _probe_one(self, ep: Endpoint) -> None:
        with contextlib.suppress(Fault):
            if ep.role == "send":
                await self._verify(ep)
            else:
                await self._ask(ep, BLOCK_NUMBER, [], self.encode_rpc_request(BLOCK_NUMBER, []))
