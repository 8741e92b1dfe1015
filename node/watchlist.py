"""Watch-lists (`aura watch`, docs/operations.md "Re-scoring"): wallets the node re-scores on a schedule, and the
off-chain assessments those re-scorings signed (chains/core/offchain.py), in the node's database beside the store.

Tables:
- `watches`: one row per (chain, subject): how often it is re-scored, when it was added;
- `offchain_assessments`: every off-chain assessment signed, newest last, with the enclave's whole result; its
  `moved` column says whether it moved the score by the configured step or changed the tier since the one before;
- `credit_cursors`: per chain, how far its lending events have been acted on (node/credit_trigger.py).

The CLI writes `watches` while a node runs: the daemon's scheduler reads them again every RECONCILE_S
(node/rescoring.py). Its jobs themselves are APScheduler's, persisted in the same file by APScheduler.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError
from node.lean_sqlite_utils import sqlite_utils

MIN_EVERY_S = 60
MAX_EVERY_S = 366 * 86400
EVERY_RE = re.compile(r"([1-9][0-9]{0,6})([smhd])")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class WatchError(AuraError, ValueError):
    """A watch that cannot be added or removed as asked (the message says why)."""


@dataclass(frozen=True)
class Watch:
    chain: str
    subject: str
    every_s: int
    added_at: float


@dataclass(frozen=True)
class OffchainRecord:
    """One off-chain assessment as stored: `moved` against the subject's one before (True for the first)."""

    chain: str
    subject: str
    request_id: str
    block_number: int
    score: int
    tier: int
    flags: int
    moved: bool
    created_at: float
    result: dict[str, Any]


def parse_every(text: str) -> int:
    """Seconds of `30m`, `24h`, `7d` (a number and one of s, m, h, d), between MIN_EVERY_S and MAX_EVERY_S.

    Raises:
        WatchError: another form, or out of range.
    """
    found = EVERY_RE.fullmatch(text.strip())
    if found is None:
        raise WatchError(f"--every {text!r}: expected a number and a unit, s, m, h or d (e.g. 24h)")
    seconds = int(found[1]) * UNIT_S[found[2]]
    if not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
        raise WatchError(f"--every {text!r}: must be between {MIN_EVERY_S} s and {MAX_EVERY_S // 86400} days")
    return seconds


class WatchList:
    """The watch-list and its off-chain assessments in `path` (the node's aura.sqlite)."""

    def __init__(self, path: Path | str, clock: Any = time.time) -> None:
        self.db = sqlite_utils.Database(str(path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=5000")  # the daemon and the CLI write the same file
        self._clock = clock
        self._lock = threading.RLock()
        self.db.table("watches").create({"chain": str, "subject": str, "every_s": int, "added_at": float},
                                        pk=("chain", "subject"), if_not_exists=True)
        self.db.table("offchain_assessments").create(
            {"id": int, "chain": str, "subject": str, "request_id": str, "block_number": int, "score": int,
             "tier": int, "flags": int, "moved": int, "created_at": float, "result": str},
            pk="id", if_not_exists=True)
        self.db.table("offchain_assessments").create_index(["chain", "subject", "id"], if_not_exists=True)
        self.db.table("credit_cursors").create({"chain": str, "cursor": str}, pk="chain", if_not_exists=True)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        with self._lock, self.db.atomic():
            yield

    def add(self, chain: str, subject: str, every_s: int) -> bool:
        """Watch `subject` on `chain`; an existing watch takes the new period. True when it was not watched."""
        with self._tx():
            new = self.get(chain, subject) is None
            self.db.conn.execute(
                "INSERT INTO watches(chain, subject, every_s, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(chain, subject) DO UPDATE SET every_s = excluded.every_s",
                [chain, subject, every_s, self._clock()])
            return new

    def remove(self, chain: str, subject: str) -> None:
        """Stop watching; its off-chain assessments stay.

        Raises:
            WatchError: it was not watched.
        """
        with self._tx():
            cur = self.db.conn.execute("DELETE FROM watches WHERE chain = ? AND subject = ?", [chain, subject])
            if cur.rowcount == 0:
                raise WatchError(f"{subject} is not watched on {chain}")

    def get(self, chain: str, subject: str) -> Watch | None:
        row = self.db.execute("SELECT chain, subject, every_s, added_at FROM watches WHERE chain = ? AND subject = ?",
                              [chain, subject]).fetchone()
        return None if row is None else Watch(*row)

    def watches(self) -> list[Watch]:
        rows = self.db.execute("SELECT chain, subject, every_s, added_at FROM watches ORDER BY chain, subject")
        return [Watch(*row) for row in rows.fetchall()]

    def credit_cursor(self, chain: str) -> str | None:
        """How far the chain's lending events have been acted on (node/credit_trigger.py); None before the first."""
        row = self.db.execute("SELECT cursor FROM credit_cursors WHERE chain = ?", [chain]).fetchone()
        return None if row is None else str(row[0])

    def set_credit_cursor(self, chain: str, cursor: str) -> None:
        with self._tx():
            self.db.conn.execute("INSERT INTO credit_cursors(chain, cursor) VALUES (?, ?) "
                                 "ON CONFLICT(chain) DO UPDATE SET cursor = excluded.cursor", [chain, cursor])

    def record(self, chain: str, subject: str, result: dict[str, Any], step: int) -> OffchainRecord:
        """Store an off-chain assessment (the enclave's result); `moved` when it is the subject's first, its score
        moved by `step` points or more from the one before, or its tier changed."""
        with self._tx():
            last = self.latest(chain, subject)
            moved = last is None or abs(result["score"] - last.score) >= step or result["tier"] != last.tier
            now = self._clock()
            self.db.table("offchain_assessments").insert({
                "chain": chain, "subject": subject, "request_id": result["request_id"],
                "block_number": result["block_number"], "score": result["score"], "tier": result["tier"],
                "flags": result["flags"], "moved": int(moved), "created_at": now,
                "result": json.dumps(result, sort_keys=True)})
        return OffchainRecord(chain, subject, result["request_id"], result["block_number"], result["score"],
                              result["tier"], result["flags"], moved, now, result)

    def latest(self, chain: str, subject: str) -> OffchainRecord | None:
        found = self.history(chain, subject, limit=1)
        return found[0] if found else None

    def history(self, chain: str, subject: str, limit: int = 20, before_id: int | None = None) -> list[OffchainRecord]:
        """The subject's off-chain assessments, newest first, at most `limit`, older than row `before_id`."""
        rows = self.db.execute(
            "SELECT chain, subject, request_id, block_number, score, tier, flags, moved, created_at, result "
            "FROM offchain_assessments WHERE chain = ? AND subject = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [chain, subject, before_id if before_id is not None else 2**62, limit]).fetchall()
        return [OffchainRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], json.loads(r[9]))
                for r in rows]


__all__ = ["OffchainRecord", "Watch", "WatchError", "WatchList", "parse_every"]
