"""The feature store: normalised events in SQLite, and how far each wallet's history has been read.

Tables (a sqlite-utils database; rows written with plain `executemany`, one transaction per batch):

- `events`: one row per log, primary key (chain, tx_hash, log_index), so re-ingesting a log changes nothing.
  Amounts are decimal TEXT (uint256 does not fit SQLite's INTEGER); details are a JSON list of pairs.
- `event_wallets`: (chain, wallet, tx_hash, log_index) for every wallet an event concerns; the wallet index.
- `wallet_marks`: (chain, wallet) -> the last block whose logs for that wallet are all in `events`.

The store is a cache of what the chain says: it runs WAL with synchronous=NORMAL (a crash may lose the last
commit, never corrupt it; the next sync reads those blocks again, because the mark commits with the events).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from chains.core.errors import StoreError
from chains.evm.indexer.events import Event, normalise_address

SCHEMA_VERSION = 1

# WITHOUT ROWID: the primary key is the table's only b-tree (no rowid table plus key index): a third less disk.
_DDL = (
    "CREATE TABLE IF NOT EXISTS events (chain TEXT NOT NULL, tx_hash TEXT NOT NULL, log_index INTEGER NOT NULL, "
    "block INTEGER NOT NULL, timestamp INTEGER NOT NULL, kind TEXT NOT NULL, protocol TEXT NOT NULL, "
    "contract TEXT NOT NULL, subject TEXT NOT NULL, counterparty TEXT NOT NULL, wallets TEXT NOT NULL, "
    "asset TEXT NOT NULL, amount TEXT NOT NULL, details TEXT NOT NULL, "
    "PRIMARY KEY (chain, tx_hash, log_index)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS event_wallets (chain TEXT NOT NULL, wallet TEXT NOT NULL, tx_hash TEXT NOT NULL, "
    "log_index INTEGER NOT NULL, PRIMARY KEY (chain, wallet, tx_hash, log_index)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS wallet_marks (chain TEXT NOT NULL, wallet TEXT NOT NULL, "
    "indexed_to_block INTEGER NOT NULL, PRIMARY KEY (chain, wallet)) WITHOUT ROWID",
)
_INSERT_EVENT = (
    "INSERT OR IGNORE INTO events (chain, tx_hash, log_index, block, timestamp, kind, protocol, contract, "
    "subject, counterparty, wallets, asset, amount, details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_WALLET = "INSERT OR IGNORE INTO event_wallets (chain, wallet, tx_hash, log_index) VALUES (?,?,?,?)"
_SELECT = (
    "SELECT e.block, e.timestamp, e.kind, e.protocol, e.contract, e.subject, e.counterparty, e.wallets, "
    "e.asset, e.amount, e.tx_hash, e.log_index, e.details FROM event_wallets w JOIN events e "
    "ON e.chain = w.chain AND e.tx_hash = w.tx_hash AND e.log_index = w.log_index "
    "WHERE w.chain = ? AND w.wallet = ?"
)


class EventStore:
    """Normalised events keyed by (chain, tx hash, log index), indexed by wallet. One writer per file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(str(path))
        self.conn: sqlite3.Connection = self.db.conn
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        db = self.db
        db.table("feature_meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
        row = self.conn.execute("SELECT value FROM feature_meta WHERE key='schema'").fetchone()
        if row and int(row[0]) != SCHEMA_VERSION:
            raise StoreError(f"feature store {self.path} has schema {row[0]}, this node expects {SCHEMA_VERSION}")
        for ddl in _DDL:
            self.conn.execute(ddl)
        with self.conn:
            self.conn.execute("INSERT OR IGNORE INTO feature_meta (key, value) VALUES ('schema', ?)",
                              (str(SCHEMA_VERSION),))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def ingest(self, chain: str, events: Iterable[Event], marks: Mapping[str, int] | None = None) -> int:
        """Store a batch of events and, in the same transaction, move wallets' "indexed up to" marks.

        Args:
            chain: the chain's name in the node config.
            events: decoded events; ones already stored (same chain, tx hash, log index) are skipped.
            marks: wallet -> last block now fully read for it. A mark never moves backwards.

        Returns:
            How many events were new.
        """
        event_rows, wallet_rows = _rows(chain, events)
        mark_rows = [(chain, normalise_address(w), int(b)) for w, b in (marks or {}).items()]
        with self._transaction() as conn:
            before = conn.total_changes
            conn.executemany(_INSERT_EVENT, event_rows)
            inserted = conn.total_changes - before
            conn.executemany(_INSERT_WALLET, wallet_rows)
            conn.executemany(
                "INSERT INTO wallet_marks (chain, wallet, indexed_to_block) VALUES (?,?,?) "
                "ON CONFLICT (chain, wallet) DO UPDATE SET "
                "indexed_to_block = max(indexed_to_block, excluded.indexed_to_block)", mark_rows)
        return inserted

    def indexed_to(self, chain: str, wallet: str) -> int | None:
        """The last block whose logs for `wallet` are all stored, or None for a wallet never read."""
        row = self.conn.execute("SELECT indexed_to_block FROM wallet_marks WHERE chain = ? AND wallet = ?",
                                (chain, normalise_address(wallet))).fetchone()
        return None if row is None else int(row[0])

    def pending_range(self, chain: str, wallet: str, head: int, start_block: int = 0) -> tuple[int, int] | None:
        """The blocks still to read for `wallet` to be current at `head`: (from, to) inclusive, or None."""
        mark = self.indexed_to(chain, wallet)
        first = start_block if mark is None else max(mark + 1, start_block)
        return (first, head) if first <= head else None

    def events_for(self, chain: str, wallet: str, until_timestamp: int | None = None) -> list[Event]:
        """The wallet's stored events (at or before `until_timestamp` if given), by block then log index."""
        sql, args = _SELECT, list[Any]([chain, normalise_address(wallet)])
        if until_timestamp is not None:
            sql += " AND e.timestamp <= ?"
            args.append(until_timestamp)
        sql += " ORDER BY e.block, e.log_index, e.tx_hash"
        return [_event(row) for row in self.conn.execute(sql, args)]

    def event_count(self, chain: str | None = None) -> int:
        if chain is None:
            return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM events WHERE chain = ?", (chain,)).fetchone()[0])


def _rows(chain: str, events: Iterable[Event]) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    event_rows: list[tuple[object, ...]] = []
    wallet_rows: list[tuple[object, ...]] = []
    for e in events:
        event_rows.append((chain, e.tx_hash, e.log_index, e.block, e.timestamp, e.kind, e.protocol, e.contract,
                           e.subject, e.counterparty, ",".join(e.wallets), e.asset, str(e.amount),
                           json.dumps(e.details, separators=(",", ":")) if e.details else "[]"))
        for wallet in e.wallets:
            wallet_rows.append((chain, wallet, e.tx_hash, e.log_index))
    return event_rows, wallet_rows


def _event(row: Sequence[Any]) -> Event:
    (block, timestamp, kind, protocol, contract, subject, counterparty, wallets, asset, amount, tx_hash,
     log_index, details) = row
    return Event(kind=kind, protocol=protocol, contract=contract, subject=subject, counterparty=counterparty,
                 wallets=tuple(wallets.split(",")) if wallets else (), asset=asset, amount=int(amount),
                 block=block, timestamp=timestamp, tx_hash=tx_hash, log_index=log_index,
                 details=tuple((k, v) for k, v in json.loads(details)))
