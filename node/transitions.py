"""One chain's requests moved from state to state: each move stored (node/store.py) and counted, a start-over
logged.

Both the pipeline (node/pipeline.py) and the tracking of sent fulfilments (node/tracking.py) move requests, so
the moves are neither's. The requests to send alone are marked here too: the tracking marks them, the pipeline
sends them, and a start-over clears the mark.
"""

from __future__ import annotations

import logging
from typing import Any

from chains.base import RequestStatus
from chains.core.logs import fields
from node import metrics
from node.store import Store

log = logging.getLogger("aura.pipeline")  # the pipeline's log lines, whichever of its parts moves the request


class Transitions:
    """Moves one chain's requests in the store and counts each move (aura_transitions_total)."""

    def __init__(self, chain: str, store: Store, *, peers: bool = False) -> None:
        self.chain = chain
        self.store = store
        self.peers = peers
        """Whether other operators fulfil this chain's requests too (a quorum, docs/quorum.md)."""
        self.alone: set[str] = set()
        """Requests skipped from a batch for want of gas: sent in a transaction of their own."""

    def move(self, key: str, dst: str, reason: str = "", **kw: Any) -> None:
        self.store.transition(key, dst, reason, **kw)
        metrics.TRANSITIONS.labels(self.chain, dst).inc()

    def move_many(self, moves: list[tuple[str, str, str]]) -> None:
        if moves:
            self.store.transition_many(moves)
            for _, dst, _ in moves:
                metrics.TRANSITIONS.labels(self.chain, dst).inc()

    def fulfilled_elsewhere(self, key: str, alone: str = "already fulfilled on-chain by another transaction") -> None:
        """The contract holds the request fulfilled by a transaction not this node's: in a quorum, another
        operator's (`peer_fulfilled`); alone, someone else's (`failed`, for the reason `alone`)."""
        if self.peers:
            self.move(key, "peer_fulfilled", "fulfilled on-chain by another operator of the quorum")
        else:
            self.move(key, "failed", alone)

    def settle(self, key: str, status: RequestStatus) -> bool:
        """Move a request the contract no longer holds pending: fulfilled by another transaction, cancelled by its
        requester, or unknown to the contract now (started over). False, and no move, while it is pending."""
        if status is RequestStatus.FULFILLED:
            self.fulfilled_elsewhere(key)
        elif status is RequestStatus.CANCELLED:
            self.move(key, "cancelled", "cancelled by the requester")
        elif status is RequestStatus.NONE:
            self.reopen(key, "the contract does not know this request now")
        else:
            return False
        return True

    def send_alone(self, key: str, reason: str) -> None:
        """Back to `scored`, to be sent in a transaction of its own."""
        self.move(key, "scored", reason)
        self.alone.add(key)

    def reopen(self, key: str, reason: str) -> None:
        """Start the request over (node/store.py `reopen`), or fail it past the store's limit."""
        self.store.reopen(key, reason)
        self.alone.discard(key)
        row = self.store.request(key)
        state = row["state"] if row else "seen"
        metrics.TRANSITIONS.labels(self.chain, state).inc()
        log.warning("request started over" if state == "seen" else "request failed",
                    extra=fields(key=key, reason=row["reason"] if row else reason))
