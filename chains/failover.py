"""Several endpoints of one chain's service, whatever it speaks: which endpoint a read goes to, failing over within
the call, a send to every live endpoint, and the background probe that brings endpoints back and keeps heads
fresh. The family says how one endpoint is asked (`call`) and probed (`probe`); a call raises `Fault` for a fault
of the endpoint and returns anything else, an error answer about the call included.

- A read goes to the live read endpoint with the highest head seen (the first in config order among equals); one
  more than `max_lag` behind the best live one is not read from. A fault puts the endpoint down for its cool-off
  (chains/endpoint.py) and moves the call to the next endpoint at once; once the live ones have all failed, those
  cooling off are tried too, the soonest back first. When none answers, RetryLater names each one's last error.
- A `Refusal` (the endpoint will not take the call as asked; another may) is counted, the endpoint stays up, and
  the call moves on to the next live endpoint; when some refused and none answered, the read raises what the
  family makes of the refusals (EVM: RangeTooLarge), without trying the endpoints cooling off.
- A send goes to every live endpoint, read and send-only (to every endpoint when none is live); the first answer
  `landed` accepts is the answer, else the first answer, else RetryLater.
- The probe asks each endpoint that is due: one down whose cool-off has ended and, where there is a choice (two
  read endpoints or more), a read endpoint whose head is older than `head_refresh_s`.
- An endpoint whose `chain_ok` is False (it serves another chain) is neither read from nor sent to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from chains.core.errors import RetryLater
from chains.core.logs import fields
from chains.endpoint import EndpointState, Fault, Refusal

log = logging.getLogger("aura.endpoints")
WRONG_CHAIN = "wrong_chain"
"""The kind of Fault of an endpoint that serves another chain than the config names."""

E = TypeVar("E", bound=EndpointState)
T = TypeVar("T")


def choose_reader(readers: Sequence[E], tried: set[int], everyone: bool, max_lag: int) -> E | None:
    """The read endpoint to ask next, or None.

    Args:
        readers: the read endpoints, in config order.
        tried: indexes of the endpoints already asked for this call.
        everyone: choose among the endpoints cooling off (the soonest back first) rather than the live ones.
        max_lag: heads an endpoint may be behind the best live one and still be read from.
    """
    pool = [e for e in readers if e.index not in tried and e.chain_ok is not False]
    if everyone:
        return min((e for e in pool if not e.up), key=lambda e: (e.down_until, e.index), default=None)
    pool = [e for e in pool if e.up]
    best = max((e.head for e in readers if e.up and e.head is not None), default=None)
    if best is not None:
        pool = [e for e in pool if e.head is None or e.head >= best - max_lag]
    return min(pool, key=lambda e: (e.head is None, -(e.head or 0), e.index), default=None)


class Endpoints(Generic[E]):
    """Several endpoints of one chain.

    Args:
        name: the chain's name, first word of every error.
        endpoints: read and send-only endpoints, in config order (their `index` is their place here).
        probe: asks one endpoint whether it is up (and a read endpoint its head); raises Fault when it is not.
        service: what the endpoints are, in messages ("RPC", "GraphQL").
        max_lag: heads an endpoint may be behind the best live one and still be read from.
        probe_every_s: how often the background task looks for endpoints to probe.
        head_refresh_s: the age at which a read endpoint's head is asked again.
        clock: seconds, monotonic (the endpoints' own).
    """

    def __init__(self, name: str, endpoints: Sequence[E], *, probe: Callable[[E], Awaitable[Any]],
                 service: str = "RPC", max_lag: int = 0, probe_every_s: float = 0.5, head_refresh_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.all = list(endpoints)
        self.readers = [e for e in self.all if e.role == "read"]
        if not self.readers:
            raise ValueError(f"{name}: at least one read endpoint is needed")
        self.service = service
        self.max_lag = max_lag
        self.probe_every_s = probe_every_s
        self.head_refresh_s = head_refresh_s
        self.clock = clock
        self._probe = probe
        self._task: asyncio.Task[None] | None = None

    def __str__(self) -> str:
        return f"{self.service} endpoints {', '.join(e.label for e in self.all)}"

    def state(self) -> list[dict[str, Any]]:
        """Per endpoint, in config order: {"endpoint", "role", "up", "head", "last_error", "errors", "latency_ms"}."""
        return [e.state() for e in self.all]

    def details(self, endpoints: Sequence[E] | None = None) -> str:
        """Each endpoint's label and last error, for a message."""
        return "; ".join(f"{e.label}: {e.last_error or 'no error seen'}" for e in endpoints or self.readers)

    def best(self) -> E | None:
        """The read endpoint a read would go to first now."""
        return choose_reader(self.readers, set(), False, self.max_lag)

    async def ask(self, ep: E, what: str, call: Callable[[E], Awaitable[T]]) -> T:
        """`call(ep)`, with `ep` marked up on an answer and down for its cool-off on a Fault (raised again); a
        Refusal is counted and raised again, and leaves `ep` as it was."""
        try:
            answer = await call(ep)
        except Refusal as f:
            ep.refused(f)
            raise
        except Fault as f:
            if ep.up and f.kind != WRONG_CHAIN:  # one serving another chain is named by the caller's refusal
                log.warning(f"{self.service} endpoint down", extra=fields(chain=self.name, endpoint=ep.label,
                                                                         error=f.message, call=what))
            ep.failed(f)
            raise
        if not ep.up:
            log.info(f"{self.service} endpoint up again", extra=fields(chain=self.name, endpoint=ep.label))
        ep.answered()
        return answer

    async def read(self, what: str, call: Callable[[E], Awaitable[T]],
                   refused: Callable[[str], Exception] | None = None) -> T:
        """The first answer of the read endpoints, asked one at a time in the order above.

        Args:
            what: the call, in messages.
            call: asks one endpoint.
            refused: the error to raise when some endpoints refused the call and none answered, from the refusing
                endpoints' labels and errors (None: a RetryLater naming them).

        Raises:
            RetryLater: no endpoint answered; the message names each one's last error.
        """
        self.start()
        tried: set[int] = set()
        refusing: list[E] = []
        everyone = not any(e.up for e in self.readers if e.chain_ok is not False)
        while True:
            ep = choose_reader(self.readers, tried, everyone, self.max_lag)
            if ep is None and not everyone and not refusing:
                everyone = True  # the live ones failed: try the ones cooling off before giving up
                ep = choose_reader(self.readers, tried, everyone, self.max_lag)
            if ep is None:
                break
            tried.add(ep.index)
            try:
                return await self.ask(ep, what, call)
            except Refusal:
                refusing.append(ep)
            except Fault:
                pass
        if refusing:
            details = self.details(refusing)
            raise refused(details) if refused is not None else RetryLater(f"{self.name}: {what} refused: {details}")
        raise RetryLater(f"{self.name}: {what} failed on every {self.service} endpoint: {self.details()}")

    async def send(self, what: str, call: Callable[[E], Awaitable[T]], landed: Callable[[T], bool]) -> T:
        """`call` on every live endpoint at once (on every endpoint when none is live).

        Returns:
            The first answer `landed` accepts, else the first answer.

        Raises:
            RetryLater: no endpoint answered; the message names each one's last error.
        """
        self.start()
        pool = [e for e in self.all if e.chain_ok is not False]
        targets = [e for e in pool if e.up] or pool
        outcomes = await asyncio.gather(*(self.ask(e, what, call) for e in targets), return_exceptions=True)
        for other in outcomes:
            if isinstance(other, BaseException) and not isinstance(other, Fault):
                raise other
        answers: list[T] = [o for o in outcomes if not isinstance(o, BaseException)]
        for answer in answers:
            if landed(answer):
                return answer
        if answers:
            return answers[0]
        raise RetryLater(f"{self.name}: {what} failed on every {self.service} endpoint: "
                         f"{self.details(targets or self.all)}")

    # probing
    def start(self) -> None:
        """Start the background probe (again after `stop`)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(), name=f"{self.name}-endpoint-probe")

    async def stop(self) -> None:
        """Stop probing and close every endpoint. Idempotent; the endpoints' state stays readable, and they may be
        used again after."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(e.close() for e in self.all))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.probe_every_s)
            try:
                await self.probe()
            except Exception:  # noqa: BLE001 - the probe must outlive any one failure
                log.exception(f"{self.service} probe failed", extra=fields(chain=self.name))

    async def probe(self) -> None:
        """Probe each endpoint that is due now (heads only where there is a choice: two read endpoints or more)."""
        now = self.clock()
        heads = len(self.readers) > 1
        due = [e for e in self.all
               if (not e.up and now >= e.down_until) or (heads and e.up and e.role == "read"
                                                          and now - e.head_at >= self.head_refresh_s)]
        await asyncio.gather(*(self.probe_one(e) for e in due))

    async def probe_one(self, ep: E) -> None:
        """Probe `ep` now; a fault only marks it down."""
        with contextlib.suppress(Fault):
            await self.ask(ep, "probe", self._probe)
