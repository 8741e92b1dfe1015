"""Re-scoring on a watched wallet's lending events (docs/operations.md, "Re-scoring"): when a watched wallet borrows,
repays or is liquidated, it is re-scored then rather than at its next scheduled run.

Each chain's trigger asks its adapter for the lending events of the chain's watched wallets (`credit_events`) up to
the chain's finalized head, the block an off-chain re-score pins (node/offchain_scorer.py), so the re-score sees the
event. Each wallet with one or more events is re-scored once per pass, through the scheduler's own job
(node/rescoring.py `run_watch`: a transient failure is retried by its reconcile). The cursor is stored in the
watch-list's table after the pass's re-scores ran, so a node killed in between re-scores those wallets again on
restart rather than missing them; a new trigger starts at the finalized head and reads nothing older. A chain whose
adapter reads no lending protocol says so once and its trigger stops; an RPC failure, or a chain not connected yet
(down when the node started), waits for the next pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chains.base import ChainAdapter, Confidence, CreditEvent
from chains.core.errors import ChainError, NotSupported, RetryLater
from chains.core.logs import fields
from node.watchlist import WatchList

log = logging.getLogger("aura.rescoring")

Rescore = Callable[[str, str], Awaitable[None]]
"""(chain, subject): re-score the watched subject now."""


@dataclass
class CreditTrigger:
    """One chain's trigger: `tick` once per pass, `run` until stopped."""

    adapter: ChainAdapter
    watchlist: WatchList
    rescore: Rescore
    interval_s: float = 15.0

    async def tick(self) -> list[CreditEvent]:
        """One pass: the events since the stored cursor, each subject among them re-scored, the cursor stored.

        Raises:
            RetryLater: the chain could not be read (nothing was stored). NotSupported: no lending events here.
        """
        chain = self.adapter.name
        watched = [w.subject for w in self.watchlist.watches() if w.chain == chain]
        cursor = self.watchlist.credit_cursor(chain)
        if not watched and cursor is not None:
            return []  # nothing to look for: the chain is not read; the next watch's pass reads from the cursor
        until = await self.adapter.head(Confidence.FINALIZED)
        found = await self.adapter.credit_events(watched, cursor, until)
        for subject in dict.fromkeys(e.subject for e in found.items):
            kinds = sorted({e.kind for e in found.items if e.subject == subject})
            log.info("re-scoring on lending events", extra=fields(chain=chain, subject=subject, events=kinds,
                                                                  block=found.reached))
            await self.rescore(chain, subject)
        self.watchlist.set_credit_cursor(chain, found.next_cursor)
        return found.items

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass, `interval_s` apart, until `stop` is set."""
        while not stop.is_set():
            try:
                await self.tick()
            except NotSupported as exc:
                log.info("no re-scoring on lending events", extra=fields(chain=self.adapter.name, reason=str(exc)))
                return
            except (RetryLater, ChainError) as exc:  # ChainError: not connected yet (the chain was down at start)
                log.warning("lending events wait", extra=fields(chain=self.adapter.name, error=str(exc)))
            try:
                await asyncio.wait_for(stop.wait(), self.interval_s)
            except TimeoutError:
                pass


__all__ = ["CreditTrigger", "Rescore"]
