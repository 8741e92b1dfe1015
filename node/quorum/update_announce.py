"""Telling the quorum's other operators about an operator update this node queued (node/quorum/update_intake.py is
the other end): `POST /peer/v1/updates` to every peer at once, with the wallet and this node's off-chain
assessment of the moved re-score, which its enclave signed and so names this node to them.

Best effort, bounded: each peer gets `deadline_s` (2 s), no redirect is followed, and a peer that cannot be told
now is logged, not retried; the update still lands once `threshold` operators cosign it, and the wallet's next
moved re-score is announced again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp

from chains.core.logs import fields
from chains.urls import redact
from node.config import PeerSection
from node.quorum.update_intake import PEER_UPDATES_PATH

log = logging.getLogger("aura.quorum")

DEADLINE_S = 2.0


class UpdateAnnouncer:
    """Announces updates to `peers` over one HTTP session; `close()` ends it (and may be called again)."""

    def __init__(self, peers: Iterable[PeerSection], *, deadline_s: float = DEADLINE_S) -> None:
        self.peers = list(peers)
        self.deadline_s = deadline_s
        self._session: aiohttp.ClientSession | None = None

    async def announce(self, chain: str, subject: str, offchain: Mapping[str, Any]) -> dict[str, str]:
        """Each peer's label -> `queued`, `known` (it had it), or why it was not told. Never raises."""
        body = {"chain": chain, "subject": subject,
                "offchain": {"typed_data": offchain["typed_data"], "signature": offchain["signature"]}}
        outcomes = await asyncio.gather(*(self._tell(peer, body) for peer in self.peers))
        told = {peer.label: outcome for peer, outcome in zip(self.peers, outcomes)}
        log.info("operator update announced", extra=fields(chain=chain, subject=subject, peers=told))
        return told

    async def _tell(self, peer: PeerSection, body: dict[str, Any]) -> str:
        url = peer.url.get_secret_value()
        target = url.rstrip("/") + PEER_UPDATES_PATH
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": "aura-node", "Accept": "application/json"})
        try:
            async with asyncio.timeout(self.deadline_s):
                async with self._session.post(target, json=body, allow_redirects=False) as resp:
                    if resp.status in (200, 202):
                        return "queued" if resp.status == 202 else "known"
                    text = (await resp.content.read(512)).decode(errors="replace")
                    return f"HTTP {resp.status}: {text}"
        except TimeoutError:
            return f"no answer within {self.deadline_s:g} s"
        except aiohttp.ClientError as e:
            return f"unreachable: {str(e).replace(url, redact(url)) or type(e).__name__}"

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


__all__ = ["UpdateAnnouncer"]
