"""Telling the quorum's other operators about an operator update this node queued (node/quorum/update_intake.py is
the other end): `POST /peer/v1/updates` to every peer at once, with the wallet and this node's off-chain
assessment of the moved re-score, which its enclave signed and so names this node to them.

Each peer is told over the node's peer client (node/quorum/peer_client.py: one session, its deadline, no redirect,
the peer's URL never in a log). A peer that could not be told for a passing cause (no answer in time, unreachable,
an HTTP 5xx or 429) is told again in the background after each of `retry_after_s` (2, 10 and 30 s), then given up
on with a warning: the update still lands once `threshold` operators cosign it, and the wallet's next moved
re-score is announced again. A peer that refuses (any other status) is not asked again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chains.core.logs import fields
from node.config import PeerSection
from node.quorum.peer_client import PeerClient, PeerError
from node.quorum.update_intake import PEER_UPDATES_PATH

log = logging.getLogger("aura.quorum")

RETRY_AFTER_S = (2.0, 10.0, 30.0)
"""How long after each failed telling a peer is told again (then it is given up on)."""
PASSING_STATUSES = frozenset({429, 500, 502, 503, 504})


class UpdateAnnouncer:
    """Announces updates to `peers` over `client` (which the caller owns and closes); `close()` stops the retries
    still waiting (and may be called again)."""

    def __init__(self, peers: Iterable[PeerSection], client: PeerClient, *,
                 retry_after_s: Sequence[float] = RETRY_AFTER_S) -> None:
        self.peers = list(peers)
        self.client = client
        self.retry_after_s = tuple(retry_after_s)
        self._retries: set[asyncio.Task[None]] = set()

    async def announce(self, chain: str, subject: str, offchain: Mapping[str, Any]) -> dict[str, str]:
        """Each peer's label -> `queued`, `known` (it had it), or why it was not told (then, if the cause may pass,
        it is told again in the background). Never raises."""
        body = {"chain": chain, "subject": subject,
                "offchain": {"typed_data": offchain["typed_data"], "signature": offchain["signature"]}}
        outcomes = await asyncio.gather(*(self._tell(peer, body) for peer in self.peers))
        told = {peer.label: outcome for peer, (outcome, _) in zip(self.peers, outcomes)}
        log.info("operator update announced", extra=fields(chain=chain, subject=subject, peers=told))
        for peer, (_, passing) in zip(self.peers, outcomes):
            if passing and self.retry_after_s:
                task = asyncio.create_task(self._retry(peer, body), name=f"announce-{peer.label}")
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)
        return told

    async def _tell(self, peer: PeerSection, body: dict[str, Any]) -> tuple[str, bool]:
        """The outcome of telling `peer` once, and whether its cause may pass (worth telling again)."""
        try:
            status, text = await self.client.post(peer, PEER_UPDATES_PATH, body)
        except PeerError as e:
            return str(e).removeprefix(f"peer {peer.label}: "), True
        if status in (200, 202):
            return ("queued" if status == 202 else "known"), False
        return f"HTTP {status}: {text}", status in PASSING_STATUSES

    async def _retry(self, peer: PeerSection, body: dict[str, Any]) -> None:
        outcome = ""
        for attempt, delay in enumerate(self.retry_after_s, start=2):
            await asyncio.sleep(delay)
            outcome, passing = await self._tell(peer, body)
            if not passing:
                log.info("operator update announced again", extra=fields(
                    chain=body["chain"], subject=body["subject"], peer=peer.label, outcome=outcome, attempt=attempt))
                return
        log.warning("operator update not announced to a peer", extra=fields(
            chain=body["chain"], subject=body["subject"], peer=peer.label, outcome=outcome,
            attempts=len(self.retry_after_s) + 1))

    @property
    def pending(self) -> int:
        """Peers still to be told again."""
        return len(self._retries)

    async def close(self) -> None:
        retries, self._retries = list(self._retries), set()
        for task in retries:
            task.cancel()
        await asyncio.gather(*retries, return_exceptions=True)


__all__ = ["UpdateAnnouncer"]
