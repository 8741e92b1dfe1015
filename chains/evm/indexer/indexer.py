"""Bring one wallet's stored history up to a head block: read only the blocks after its mark."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chains.core.errors import MalformedLog
from chains.evm.indexer.events import EventDecoder, normalise_address
from chains.evm.indexer.store import EventStore

log = logging.getLogger(__name__)

LogSource = Callable[[str, int, int], Iterable[tuple[Mapping[str, Any], int]]]
"""(wallet, from_block, to_block) inclusive -> the wallet's raw logs with their block timestamps."""


@dataclass(frozen=True)
class SyncResult:
    wallet: str
    from_block: int | None  # None: the wallet was already current, nothing was read
    to_block: int
    logs: int
    events: int
    inserted: int
    skipped: int  # malformed logs (a token with a non-standard Transfer layout, say), logged and left out


def sync_wallet(store: EventStore, decoder: EventDecoder, chain: str, wallet: str, head: int,
                fetch: LogSource, start_block: int = 0) -> SyncResult:
    """Read the wallet's logs from after its "indexed up to" mark (or `start_block`) through `head`, store
    the decoded events and move the mark to `head`, all in one transaction.

    Errors from `fetch` propagate and leave the store as it was.
    """
    wallet = normalise_address(wallet)
    pending = store.pending_range(chain, wallet, head, start_block)
    if pending is None:
        return SyncResult(wallet, None, head, 0, 0, 0, 0)
    first, last = pending
    logs = list(fetch(wallet, first, last))
    events, skipped = [], 0
    for raw, timestamp in logs:
        try:
            event = decoder.decode(raw, timestamp)
        except MalformedLog as exc:
            log.warning("skipping a log for %s on %s: %s", wallet, chain, exc)
            skipped += 1
            continue
        if event is not None:
            events.append(event)
    inserted = store.ingest(chain, events, marks={wallet: last})
    return SyncResult(wallet, first, last, len(logs), len(events), inserted, skipped)
