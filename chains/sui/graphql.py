"""Sui's GraphQL service over one or more endpoints of one network, each through pysui's GraphQL client
(chains/sui/graphql_endpoint.py). Each operation of `chains/sui/queries.py` is sent with its variables:

- A read goes to the live endpoint with the latest checkpoint seen (from the answers to the node's own `AuraHead`
  and `AuraEvents` and the probe's); one more than `max_lag` checkpoints behind the best is not read from. A fault
  of the endpoint puts it down for a cool-off that doubles from 1 s to 30 s and moves the call to the next endpoint
  at once (chains/failover.py); when none answers, RetryLater names each one's last error.
- `AuraExecute` goes to every live endpoint: the same signed bytes execute at most once (one digest), and the
  first answer with effects is the answer.
- A GraphQL error about the call is RetryLater naming it; no endpoint is marked down for it.
- Every endpoint must serve one network: its chain identifier (from pysui's start-up query) must be the configured
  `chain_identifier`, or, without one, the one the endpoints agreed on at `connect`.

Endpoint URLs may carry credentials: only scheme://host:port is ever printed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from chains.core.errors import ChainError, RetryLater
from chains.endpoint import Fault
from chains.failover import WRONG_CHAIN, Endpoints
from chains.sui.graphql_endpoint import GraphQLEndpoint, Reply, Unusable, quiet_transport_logs
from chains.urls import labels

EXECUTE = "AuraExecute"
HEADS = ("AuraHead", "AuraEvents")
"""Operations whose top-level `checkpoint` is the latest the endpoint has."""


def _landed(reply: Reply) -> bool:
    effects = reply.data.get("executeTransaction")
    return isinstance(effects, dict) and effects.get("effects") is not None


class GraphQL:
    """One network's GraphQL endpoints.

    Args:
        name: the chain's name, first word of every error.
        urls: the endpoints, the first preferred among equals.
        timeout: the deadline of one call on one endpoint.
        chain_identifier: the network every endpoint must serve (None: the one they agree on).
        max_lag: checkpoints an endpoint may be behind the best live one and still be read from.
        cooloff_s: the first and the longest cool-off of an endpoint that failed.
        probe_every_s: how often the background task looks for endpoints to probe.
        head_refresh_s: the age at which an endpoint's checkpoint is asked again.
        clock: seconds, monotonic.
    """

    def __init__(self, name: str, urls: Sequence[str], timeout: float, *, chain_identifier: str | None = None,
                 max_lag: int = 40, cooloff_s: tuple[float, float] = (1.0, 30.0), probe_every_s: float = 0.5,
                 head_refresh_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        quiet_transport_logs()
        self.name = name
        self.timeout = timeout
        self.wanted = chain_identifier
        self.agreed: str | None = None
        """The chain identifier every endpoint must report: the configured one, or the one agreed at connect."""
        self.endpoints = Endpoints(
            name, [GraphQLEndpoint(url, label, i, name=name, timeout_s=timeout, cooloff_s=cooloff_s, clock=clock)
                   for i, (url, label) in enumerate(zip(urls, labels(urls)))],
            probe=self._probe, service="GraphQL", max_lag=max_lag, probe_every_s=probe_every_s,
            head_refresh_s=head_refresh_s, clock=clock)
        self._connected = False
        self._asked = False

    def __repr__(self) -> str:
        return f"GraphQL({self.name})"

    @property
    def connected(self) -> bool:
        return self._connected

    def state(self) -> list[dict[str, Any]]:
        """Per endpoint, in config order: {"endpoint", "role", "up", "head", "last_error", "errors", "latency_ms"};
        none before the first `connect`."""
        return self.endpoints.state() if self._asked else []

    def _started(self) -> GraphQLEndpoint | None:
        """The endpoint a read would go to now, else the first one started."""
        best = self.endpoints.best()
        if best is not None and best.client is not None:
            return best
        return next((e for e in self.endpoints.all if e.client is not None), None)

    @property
    def chain_identifier(self) -> str:
        ep = self._started()
        return ep.chain_identifier if ep is not None else ""

    @property
    def service_version(self) -> str:
        ep = self._started()
        return ep.service_version if ep is not None else ""

    def reference_gas_price(self) -> int | None:
        """The reference gas price pysui read at start-up (its configuration query)."""
        ep = self._started()
        return ep.client.current_gas_price if ep is not None and ep.client is not None else None

    async def connect(self) -> None:
        """Start every endpoint (pysui's start-up queries) and check the network each serves.

        Raises:
            ChainError: an endpoint is not a usable Sui GraphQL service, serves another network than the
                configured one, or the endpoints serve different networks.
            RetryLater: no endpoint answered; the message names each one's error.
        """
        if self._connected:
            return
        self._asked = True
        everyone = self.endpoints.all
        for e in everyone:
            e.chain_ok = None
        outcomes = await asyncio.gather(*(self.endpoints.ask(e, "start", self._start) for e in everyone),
                                        return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Fault):
                await self.close()
                raise outcome
        try:
            self._agree([(e, o) for e, o in zip(everyone, outcomes)])
        except ChainError:
            await self.close()
            raise
        self._connected = True
        self.endpoints.start()

    def _agree(self, outcomes: list[tuple[GraphQLEndpoint, object]]) -> None:
        unusable = [f"{e.label}: {o.message}" for e, o in outcomes if isinstance(o, Unusable)]
        if unusable:
            raise ChainError(f"{self.name}: GraphQL endpoint {'; '.join(unusable)}")
        started = [e for e in self.endpoints.all if e.client is not None]
        if not started:
            raise RetryLater(f"{self.name}: GraphQL service unreachable: {self.endpoints.details()}")
        if self.wanted is not None:
            wrong = [e for e in started if e.chain_identifier != self.wanted]
            if wrong:
                raise ChainError("; ".join(f"{self.name}: the GraphQL service at {e.label} serves chain "
                                           f"{e.chain_identifier!r}, not the configured {self.wanted!r}"
                                           for e in wrong))
        seen = {e.chain_identifier for e in started}
        if len(seen) > 1:
            raise ChainError(f"{self.name}: the GraphQL endpoints serve different chains: "
                             + "; ".join(f"{e.label} serves {e.chain_identifier!r}" for e in started))
        self.agreed = self.wanted or seen.pop()
        for e in started:
            e.chain_ok = True

    async def close(self) -> None:
        """Stop probing and close every endpoint's client. Idempotent; the endpoints' state stays readable."""
        self._connected = False
        await self.endpoints.stop()

    async def run(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one operation of chains/sui/queries.py.

        Raises:
            RetryLater: no endpoint answered (the message names each one's last error), or the service refused the
                call (the message names its errors).
        """
        if not self._connected:
            raise ChainError(f"{self.name}: not connected")
        values = variables or {}

        async def ask(ep: GraphQLEndpoint) -> Reply:
            return await self._ask(ep, operation, values)

        if operation == EXECUTE:
            reply = await self.endpoints.send(operation, ask, landed=_landed)
        else:
            reply = await self.endpoints.read(operation, ask)
        if reply.error:
            raise RetryLater(f"{self.name}: {operation} failed: {reply.error}")
        return reply.data

    # one endpoint
    async def _start(self, ep: GraphQLEndpoint) -> None:
        await ep.start()

    async def _ask(self, ep: GraphQLEndpoint, operation: str, variables: dict[str, Any]) -> Reply:
        """`ep`'s reply.

        Raises:
            Fault: the endpoint failed, is not usable, or serves another network (kind `wrong_chain`).
        """
        await ep.start()
        if ep.chain_ok is not True:
            if self.agreed is not None and ep.chain_identifier != self.agreed:
                ep.chain_ok = False
                raise Fault(WRONG_CHAIN, f"chain {ep.chain_identifier!r}, expected {self.agreed!r}")
            ep.chain_ok = True
        reply = await ep.run(operation, variables)
        checkpoint = reply.data.get("checkpoint") if operation in HEADS else None
        number = checkpoint.get("sequenceNumber") if isinstance(checkpoint, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            ep.saw_head(number)
        return reply

    async def _probe(self, ep: GraphQLEndpoint) -> Reply:
        return await self._ask(ep, "AuraHead", {})
