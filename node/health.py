"""The node's `/health` report (its JSON shape is in docs/operations.md) and the gauges read from the same state.

`ok` is false, and `problems` says why in one line each, while the enclave is down or not answering, or any
chain has no head yet, a head older than its `max_head_age_s`, no live RPC endpoint, or requests waiting on
a cause outside them (funds, signer, fee cap); and, in a quorum, while fewer operators answer than its threshold.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

from chains.base import ChainAdapter, Height
from node import metrics
from node.checks import ChainChecks
from node.store import Store


def node_version() -> str:
    try:
        return version("aura-oracle")
    except PackageNotFoundError:
        return "unknown"


class EnclaveView(Protocol):
    @property
    def ready(self) -> bool: ...

    @property
    def state(self) -> str: ...

    @property
    def silent_s(self) -> float: ...

    def health(self) -> dict[str, Any]: ...


class ChainView(Protocol):
    """What the report reads of a chain service (node/pipeline.py)."""

    chain: str
    adapter: ChainAdapter
    head: Height | None
    connected: bool
    last_error: str
    waiting: dict[str, str]
    """cause -> what the chain said, while requests wait on a cause outside them"""


class HealthReport:
    """Called for each `/health` and before each `/metrics`: builds the report and sets the gauges."""

    def __init__(self, enclave: EnclaveView, services: Sequence[ChainView], checks: Mapping[str, ChainChecks],
                 store: Store, max_head_age_s: Mapping[str, float], started_at: float,
                 quorum: Callable[[], tuple[dict[str, Any], list[str]]] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.enclave = enclave
        self.services = services
        self.checks = checks
        self.store = store
        self.max_head_age_s = max_head_age_s
        self.started_at = started_at
        self.quorum = quorum
        """The quorum's section and problems (node/quorum/status.py), with peers configured."""
        self.clock = clock
        self.version = node_version()

    def __call__(self) -> dict[str, Any]:
        problems: list[str] = []
        if not self.enclave.ready:
            problems.append(f"enclave: {self.enclave.state}, silent for {self.enclave.silent_s:.1f} s")
        chains = {}
        for service in self.services:
            chains[service.chain] = self._chain(service)
            problems += [f"chain {service.chain}: {p}" for p in chains[service.chain]["problems"]]
        quorum: dict[str, Any] | None = None
        if self.quorum is not None:
            quorum, said = self.quorum()
            problems += said
        ok = not problems
        metrics.HEALTH_OK.set(1 if ok else 0)
        return {"ok": ok, "problems": problems, "version": self.version,
                "uptime_s": round(self.clock() - self.started_at, 1), "enclave": self.enclave.health(),
                "chains": chains, **({"quorum": quorum} if quorum is not None else {})}

    def _chain(self, service: ChainView) -> dict[str, Any]:
        chain = service.chain
        problems: list[str] = []
        extra = dict(service.adapter.health())
        endpoints: list[dict[str, Any]] | None = extra.pop("rpc", None)
        head_age = None if service.head is None else round(max(0.0, self.clock() - service.head.timestamp), 1)
        limit = self.max_head_age_s.get(chain, 0.0)
        if head_age is None:
            problems.append("no head read yet")
        else:
            metrics.HEAD_AGE.labels(chain).set(head_age)
            if limit and head_age > limit:
                problems.append(f"head is {head_age:.0f} s old (limit {limit:g} s)")
        if endpoints is not None:  # the family keeps each endpoint's state
            for ep in endpoints:
                metrics.RPC_UP.labels(chain, str(ep.get("endpoint")), str(ep.get("role"))).set(1 if ep.get("up") else 0)
            rpc_live = any(ep.get("up") and ep.get("role") != "send" for ep in endpoints)
            if not rpc_live:
                problems.append("no live RPC endpoint to read from")
        else:  # the last pass is all there is to go by
            rpc_live = service.connected and not service.last_error
            if not service.connected:
                problems.append("not connected" + (f": {service.last_error}" if service.last_error else ""))
            elif service.last_error:
                problems.append(f"last pass failed: {service.last_error}")
        waiting = dict(service.waiting)
        problems += [f"requests waiting on {cause}: {why}" for cause, why in sorted(waiting.items())]
        in_flight = self._in_flight(chain)
        checks = self.checks.get(chain)
        return {"ok": not problems, "problems": problems, "connected": service.connected,
                "head": None if service.head is None else service.head.number, "head_age_s": head_age,
                "max_head_age_s": limit, "cursor": self.store.cursor(chain), "last_error": service.last_error,
                "rpc": endpoints, "rpc_live": rpc_live, "in_flight": in_flight, "waiting": waiting,
                **(checks.health() if checks is not None else {}), **extra}

    def _in_flight(self, chain: str) -> dict[str, int]:
        """Fulfilments sent and not final: by sequence, so a fee replacement does not count twice."""
        out = {}
        for state in ("pending", "included"):
            out[state] = len({sub.sequence for sub in self.store.submissions_in(chain, state)})
            metrics.IN_FLIGHT.labels(chain, state).set(out[state])
        return out
