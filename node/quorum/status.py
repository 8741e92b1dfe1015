"""What `/health` says of a quorum: each peer's last answer, and whether enough operators answer to reach the
threshold (docs/operations.md)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LastAnswer:
    """A peer's last answer: whether it answered (with a signed assessment, or "not signed yet"), what, and when
    (the status clock's seconds)."""

    answering: bool
    detail: str
    at: float


class PeerStatus:
    """Each peer's last answer, recorded by the client for every fetch (node/quorum/peer_client.py)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._last: dict[str, LastAnswer] = {}

    def record(self, peer: str, answering: bool, detail: str) -> None:
        self._last[peer] = LastAnswer(answering, detail, self.clock())

    def health(self, peers: Iterable[str], threshold: int) -> tuple[dict[str, Any], list[str]]:
        """The `quorum` section of `/health` for the configured `peers` (labels) and `threshold`, and its
        problems: fewer operators answering (this node included) than the threshold."""
        now = self.clock()
        section: dict[str, Any] = {}
        answering = 1
        for peer in peers:
            last = self._last.get(peer)
            if last is None:
                section[peer] = {"answering": None, "last": "not asked yet", "age_s": None}
                continue
            answering += last.answering
            section[peer] = {"answering": last.answering, "last": last.detail, "age_s": round(now - last.at, 1)}
        asked = all(self._last.get(peer) is not None for peer in section)
        problems = [] if answering >= threshold or not asked else [
            f"quorum: {answering} operator(s) answer (this node included), the threshold is {threshold}"]
        return {"threshold": threshold, "peers": section}, problems
