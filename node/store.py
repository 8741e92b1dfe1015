"""Durable state: requests and their state machine, signed assessments, submissions, cursors.

Every transition is committed before the side effect it leads to, so a node killed at any point resumes
without losing a request and without sending a second fulfilment.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from chains.base import OracleRequest, Submission
from chains.core.errors import StoreError
from chains.core.features import canonical_features, features_hash
from node.lean_sqlite_utils import sqlite_utils
from node.sqlite_rows import select

SCHEMA_VERSION = 1

# state -> states it may move to. A request whose block left the canonical chain, or that was mined again with
# another log, goes back to `seen` from wherever it was (`reopen`), `final` included: nothing is final until the
# chain says so, and a chain can take back even what it called final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "seen": frozenset({"confirmed", "expired", "cancelled", "failed"}),
    "confirmed": frozenset({"scored", "seen", "expired", "cancelled", "failed"}),
    "scored": frozenset({"submitted", "confirmed", "seen", "expired", "cancelled", "failed", "peer_fulfilled"}),
    "submitted": frozenset({"included", "scored", "confirmed", "seen", "expired", "cancelled", "failed",
                            "peer_fulfilled"}),
    "included": frozenset({"final", "submitted", "seen", "failed", "peer_fulfilled"}),
    "final": frozenset({"submitted"}),
    "peer_fulfilled": frozenset(),
    "expired": frozenset(),
    "cancelled": frozenset(),
    "failed": frozenset(),
}
TERMINAL = frozenset({"final", "expired", "cancelled", "failed", "peer_fulfilled"})
"""States the pipeline does no more work on (a final request is re-opened only by the chain)."""
OPEN_STATES = tuple(s for s in TRANSITIONS if s not in TERMINAL)
REOPEN_LIMIT = 5
MINED_AGAIN = "mined again:"  # how a start-over with a new log begins its reason
"""How many times one request may be started over because its chain state moved (`reopen`) before it is failed:
a request the contract keeps refusing for want of a canonical pin must not burn fees forever."""
LOG_FIELDS = ("requester", "subject", "fee", "expires_at", "params", "block_number", "block_hash", "tx_hash",
              "ordinal", "program", "private")
"""What a request's log carries besides its id: when any differs, the request was mined again (a reorg)."""


class BatchResult(NamedTuple):
    """What `store_batch` did: requests new to the store, and known ones whose log changed (started over)."""

    new: int
    moved: int


class Store:
    """SQLite through sqlite-utils. One writer; safe to share between asyncio tasks of one process."""

    def __init__(self, path: Path | str, clock: Any = time.time) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(str(path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self._clock = clock
        self._lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        db = self.db
        db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row and int(row[0]) != SCHEMA_VERSION:
            raise StoreError(f"store {self.path} has schema {row[0]}, this node expects {SCHEMA_VERSION}")
        db.table("requests").create(
            {
                "key": str, "chain": str, "family": str, "chain_id": int, "contract": str,
                "request_id": str, "requester": str, "subject": str, "fee": str, "expires_at": int,
                "params": str, "block_number": int, "block_hash": str, "tx_hash": str, "ordinal": int,
                "state": str, "reason": str, "seen_at": float, "updated_at": float,
                "submission": str, "fulfil_block": int, "program": str, "private": int, "operator_update": int,
            },
            pk="key", if_not_exists=True, not_null={"state"},
        )
        if "program" not in db["requests"].columns_dict:  # stores made before Solana support
            db.execute("ALTER TABLE requests ADD COLUMN program TEXT NOT NULL DEFAULT ''")
        if "private" not in db["requests"].columns_dict:  # stores made before private assessments
            db.execute("ALTER TABLE requests ADD COLUMN private INTEGER NOT NULL DEFAULT 0")
        if "operator_update" not in db["requests"].columns_dict:  # stores made before operator updates
            db.execute("ALTER TABLE requests ADD COLUMN operator_update INTEGER NOT NULL DEFAULT 0")
        if "log_index" in db["requests"].columns_dict:  # the name before it also held Solana/Sui nonces
            db.execute("ALTER TABLE requests RENAME COLUMN log_index TO ordinal")
        db.table("requests").create_index(["chain", "state"], if_not_exists=True)
        db.table("requests").create_index(["chain", "subject", "block_number", "ordinal", "key"],
                                          if_not_exists=True)  # a subject's assessments, newest first (node/api)
        db.table("assessments").create(
            {"key": str, "score": int, "tier": int, "pd_bps": int, "flags": int, "signer": str,
             "measurement": str, "signature": str, "result": str, "created_at": float,
             "features": str, "features_hash": str, "cosigners": str},
            pk="key", if_not_exists=True,
        )
        for column in ("features", "features_hash", "cosigners"):  # stores made before the node kept them
            if column not in db["assessments"].columns_dict:
                db.execute(f"ALTER TABLE assessments ADD COLUMN {column} TEXT")
        db.table("submissions").create(
            {"tx_hash": str, "chain": str, "sequence": int, "raw": str, "request_keys": str,
             "state": str, "sent_at": float, "block_number": int, "cost": int, "updated_at": float},
            pk="tx_hash", if_not_exists=True,
        )
        if "gas_used" in db["submissions"].columns_dict:  # the name before costs were per family
            db.execute("ALTER TABLE submissions RENAME COLUMN gas_used TO cost")
        if "nonce" in db["submissions"].columns_dict:  # the name before it also held local sequences
            db.execute("ALTER TABLE submissions RENAME COLUMN nonce TO sequence")
        db.table("submissions").create_index(["chain", "state"], if_not_exists=True)
        db.table("cursors").create({"chain": str, "cursor": str, "updated_at": float}, pk="chain", if_not_exists=True)
        db.table("transitions").create(
            {"key": str, "src": str, "dst": str, "at": float, "detail": str}, if_not_exists=True
        )
        db.table("transitions").create_index(["key"], if_not_exists=True)
        db.table("features").create({"subject": str, "chain": str, "name": str, "value": str},
                              pk=("chain", "subject", "name"), if_not_exists=True)
        db.table("questionnaires").create({"hash": str, "body": str, "received_at": float}, pk="hash",
                                          if_not_exists=True)
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", [str(SCHEMA_VERSION)])
        db.conn.commit()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One transaction, begun explicitly: sqlite-utils' own writes inside it (`insert`, `insert_all`) then
        nest as savepoints instead of committing on their own, so a process killed half way leaves nothing of
        it (a submission stored without its requests marked submitted was sent a second time)."""
        with self._lock:
            with self.db.atomic():
                yield

    def _select(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """A read's rows as dicts (node/sqlite_rows.py: without sqlite-utils' savepoint per read)."""
        return select(self.db.conn, sql, args)

    # questionnaires (off-chain answers a request refers to by hash)
    def put_questionnaire(self, qhash: str, body: str) -> bool:
        """Store a validated questionnaire's canonical JSON under its hash; False if it was already there."""
        with self._tx():
            cur = self.db.conn.execute(
                "INSERT OR IGNORE INTO questionnaires(hash, body, received_at) VALUES (?, ?, ?)",
                [qhash.lower(), body, self._clock()])
            return cur.rowcount == 1

    def questionnaire(self, qhash: str) -> str | None:
        row = self.db.execute("SELECT body FROM questionnaires WHERE hash=?", [qhash.lower()]).fetchone()
        return row[0] if row else None

    # cursors
    def cursor(self, chain: str) -> str | None:
        row = self.db.execute("SELECT cursor FROM cursors WHERE chain=?", [chain]).fetchone()
        return row[0] if row else None

    def store_batch(self, chain: str, items: Iterable[OracleRequest], next_cursor: str | None) -> BatchResult:
        """Store new requests and advance the cursor in one transaction. A known request whose log differs (mined
        again after a reorg, or its id now naming another request) takes the new log and starts over at `seen`;
        one whose log is unchanged is left as it is. `next_cursor` None: the cursor stays (requests no log
        announced: operator updates, `add_updates`)."""
        now = self._clock()
        moved = 0
        with self._tx():
            known: dict[str, dict[str, Any]] = {}
            items = list(items)
            for i in range(0, len(items), 500):
                keys = [r.key for r in items[i:i + 500]]
                marks = ",".join("?" for _ in keys)
                for row in self._select(f"SELECT * FROM requests WHERE key IN ({marks})", keys):
                    known[row["key"]] = row
            rows = []
            for req in items:
                row = asdict(req)
                row["fee"] = str(req.fee)
                row["private"] = int(req.private)
                row["operator_update"] = int(req.operator_update)
                old = known.get(req.key)
                if old is not None:
                    if any(str(old[f] or "") != str(row[f] or "") for f in LOG_FIELDS):
                        self._reopen(req.key, f"{MINED_AGAIN} block {req.block_number} {req.block_hash}, "
                                              f"log {req.ordinal} of {req.tx_hash}", log=row)
                        known[req.key] = {**old, **row}
                        moved += 1
                    continue
                row.update(key=req.key, state="seen", reason="", seen_at=now, updated_at=now,
                           submission="", fulfil_block=None)
                known[req.key] = row
                rows.append(row)
            if rows:
                self.db.table("requests").insert_all(rows)
                self.db.table("transitions").insert_all(
                    {"key": r["key"], "src": "", "dst": "seen", "at": now, "detail": ""} for r in rows)
            if next_cursor is not None:
                self.db.conn.execute(
                    "INSERT OR REPLACE INTO cursors(chain, cursor, updated_at) VALUES (?,?,?)",
                    [chain, next_cursor, now],
                )
        return BatchResult(len(rows), moved)

    def add_updates(self, chain: str, items: Iterable[OracleRequest]) -> int:
        """Store operator updates (`operator_update` set) at `seen`, for the pipeline to sign and send as it does
        requests; one already stored (the same id: the same subject and time) is left as it is, so an update is
        never sent twice. How many were new."""
        items = list(items)
        if not all(req.operator_update and req.chain == chain for req in items):
            raise ValueError(f"add_updates takes operator updates of chain {chain} only")
        fresh = [req for req in items if self.request(req.key) is None]
        return self.store_batch(chain, fresh, None).new if fresh else 0

    def reopen(self, key: str, reason: str) -> None:
        """Start a request over at `seen` from any state, because its chain state moved (its block left the
        chain, its fulfilment was taken back): it is confirmed and scored again. Past `REOPEN_LIMIT` times since
        it last took a new log, it is failed instead."""
        with self._tx():
            self._reopen(key, reason)

    def retry(self, keys: Iterable[str]) -> list[str]:
        """The operator's `aura retry`: failed requests start over at `seen`. Returns the keys moved (others,
        unknown or not failed, are left alone)."""
        moved = []
        with self._tx():
            for key in keys:
                row = self.db.conn.execute("SELECT state FROM requests WHERE key=?", [key]).fetchone()
                if row is not None and row[0] == "failed":
                    self._move_to_seen(key, "failed", "retried by the operator")
                    moved.append(key)
        return moved

    def failed_keys(self, chain: str | None = None) -> list[str]:
        """Every failed request's key (of one chain), oldest first."""
        where, args = ("AND chain=?", [chain]) if chain else ("", [])
        return [k for (k,) in self.db.execute(
            f"SELECT key FROM requests WHERE state='failed' {where} ORDER BY seen_at, block_number", args)]

    def _reopen(self, key: str, reason: str, log: Mapping[str, Any] | None = None) -> None:
        row = self.db.conn.execute("SELECT state FROM requests WHERE key=?", [key]).fetchone()
        if row is None:
            raise StoreError(f"unknown request {key}")
        src = row[0]
        if log is not None:
            updates = {f: log[f] for f in LOG_FIELDS}
            sets = ", ".join(f"{k}=?" for k in updates)
            self.db.conn.execute(f"UPDATE requests SET {sets} WHERE key=?", [*updates.values(), key])
        if src in ("expired", "cancelled") and log is None:
            return  # settled on the contract: nothing to do again
        # start-overs since the request last took a new log (mined again, or its id now naming another request):
        # a new log is a new request to serve, however often the id was reused before
        (times,) = self.db.conn.execute(
            "SELECT count(*) FROM transitions WHERE key=? AND dst='seen' AND src!='' AND rowid > coalesce("
            f"(SELECT max(rowid) FROM transitions WHERE key=? AND detail LIKE '{MINED_AGAIN}%'), 0)",
            [key, key]).fetchone()
        if times >= REOPEN_LIMIT and log is None:
            if src != "failed":
                self._transition_any(key, src, "failed", f"{reason}; started over {times} times already, giving up")
            return
        self._move_to_seen(key, src, reason)

    def _move_to_seen(self, key: str, src: str, reason: str) -> None:
        self._transition_any(key, src, "seen", reason, submission="", fulfil_block=None)

    def _transition_any(self, key: str, src: str, dst: str, reason: str, **fields: Any) -> None:
        """A move outside TRANSITIONS (re-opening, retrying): recorded like any other."""
        now = self._clock()
        updates = {"state": dst, "reason": reason, "updated_at": now, **fields}
        sets = ", ".join(f"{k}=?" for k in updates)
        self.db.conn.execute(f"UPDATE requests SET {sets} WHERE key=?", [*updates.values(), key])
        self.db.conn.execute("INSERT INTO transitions(key, src, dst, at, detail) VALUES (?,?,?,?,?)",
                             [key, src, dst, now, reason])

    # requests
    def transition(self, key: str, dst: str, reason: str = "", **fields: Any) -> None:
        with self._tx():
            self._transition(key, dst, reason, **fields)

    def transition_many(self, moves: Iterable[tuple[str, str, str]]) -> None:
        """Several (key, state, reason) moves in one transaction: one disk sync for a whole batch."""
        with self._tx():
            for key, dst, reason in moves:
                self._transition(key, dst, reason)

    def _transition(self, key: str, dst: str, reason: str = "", **fields: Any) -> None:
        row = self.db.conn.execute("SELECT state FROM requests WHERE key=?", [key]).fetchone()
        if row is None:
            raise StoreError(f"unknown request {key}")
        src = row[0]
        if dst not in TRANSITIONS[src]:
            raise StoreError(f"request {key}: illegal transition {src} -> {dst}")
        self._transition_any(key, src, dst, reason, **fields)

    def request(self, key: str) -> dict[str, Any] | None:
        rows = self._select("SELECT * FROM requests WHERE key=?", [key])
        return rows[0] if rows else None

    def requests_in(self, chain: str, *states: str) -> list[OracleRequest]:
        marks = ",".join("?" for _ in states)
        rows = self._select(
            f"SELECT * FROM requests WHERE chain=? AND state IN ({marks}) ORDER BY block_number, ordinal",
            [chain, *states],
        )
        return [request_from_row(r) for r in rows]

    def all_requests(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest requests, each with its assessment's score fields and the features it was scored from."""
        rows = self._select(
            "SELECT r.*, a.score, a.tier, a.pd_bps, a.flags, a.features, a.features_hash FROM requests r "
            "LEFT JOIN assessments a ON a.key = r.key ORDER BY r.seen_at DESC, r.block_number DESC LIMIT ?", [limit])
        for row in rows:
            row["features"] = None if row["features"] is None else json.loads(row["features"])
        return rows

    def counts(self) -> dict[tuple[str, str], int]:
        rows = self.db.execute("SELECT chain, state, count(*) FROM requests GROUP BY chain, state").fetchall()
        return {(c, s): n for c, s, n in rows}

    def history(self, key: str) -> list[dict[str, Any]]:
        return self._select("SELECT src, dst, at, detail FROM transitions WHERE key=? ORDER BY rowid", [key])

    # assessments
    def record_assessment(self, key: str, result: dict[str, Any], features: Mapping[str, Any] | None = None) -> None:
        """Keep the signed assessment (and the features it was scored from) and move the request to `scored`,
        atomically."""
        self.record_assessments([(key, result, features)])

    def record_assessments(self, scored: Iterable[tuple[str, dict[str, Any], Mapping[str, Any] | None]]) -> None:
        """Each (key, signed assessment, the features in the wire form the enclave scored, or None)."""
        now = self._clock()
        with self._tx():
            for key, result, features in scored:
                self.db.table("assessments").insert(
                    {"key": key, "score": result["score"], "tier": result["tier"], "pd_bps": result["pd_bps"],
                     "flags": result["flags"], "signer": result["signer"], "measurement": result["measurement"],
                     "signature": result["signature"], "result": json.dumps(result, sort_keys=True),
                     "created_at": now,
                     "features": None if features is None else canonical_features(features).decode(),
                     "features_hash": None if features is None else "0x" + features_hash(features).hex()},
                    replace=True,
                )
                self._transition(key, "scored")

    def record_cosigners(self, key: str, wires: Iterable[Mapping[str, Any]]) -> None:
        """The other operators' signed answers a quorum gathered for the request's assessment (each its enclave's
        wire, over the same digest), kept beside it until it is scored again (docs/quorum.md)."""
        with self._tx():
            self.db.conn.execute("UPDATE assessments SET cosigners=? WHERE key=?",
                            [json.dumps([dict(w) for w in wires], sort_keys=True), key])

    def assessment(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT result FROM assessments WHERE key=?", [key]).fetchone()
        return json.loads(row[0]) if row else None

    def features(self, key: str) -> dict[str, Any] | None:
        """The features a request was scored from, with their hash: {"features": {...}, "features_hash": "0x.."}."""
        row = self.db.execute("SELECT features, features_hash FROM assessments WHERE key=?", [key]).fetchone()
        if row is None or row[0] is None:
            return None
        return {"features": json.loads(row[0]), "features_hash": row[1]}

    # submissions
    def record_submission(self, sub: Submission) -> None:
        """Persist the signed transaction and mark its requests submitted, before it is broadcast."""
        now = self._clock()
        with self._tx():
            self._insert_submission(sub, now)
            for key in sub.request_keys:
                self._transition(key, "submitted", submission=sub.tx_hash)

    def _insert_submission(self, sub: Submission, now: float) -> None:
        self.db.table("submissions").insert(
            {"tx_hash": sub.tx_hash, "chain": sub.chain, "sequence": sub.sequence, "raw": sub.raw,
             "request_keys": json.dumps(list(sub.request_keys)), "state": "pending", "sent_at": now,
             "block_number": None, "cost": None, "updated_at": now},
        )

    def record_replacement(self, sub: Submission, replaces: str) -> None:
        """Persist a higher-fee replacement (same sequence) before it is broadcast; its requests stay submitted."""
        now = self._clock()
        with self._tx():
            self._insert_submission(sub, now)
            for key in sub.request_keys:
                self.db.conn.execute("UPDATE requests SET submission=?, updated_at=? WHERE key=?",
                                     [sub.tx_hash, now, key])
                self.db.conn.execute("INSERT INTO transitions(key, src, dst, at, detail) VALUES (?,?,?,?,?)",
                                     [key, "submitted", "submitted", now, f"{replaces} replaced at a higher fee"])

    def submissions_in(self, chain: str, *states: str) -> list[Submission]:
        """The chain's fulfilments in `states`, by sequence; a sequence's attempts in the order they were made."""
        marks = ",".join("?" for _ in states)
        rows = self._select(
            f"SELECT * FROM submissions WHERE chain=? AND state IN ({marks}) ORDER BY sequence, sent_at, rowid",
            [chain, *states],
        )
        return [_submission(r) for r in rows]

    def final_since(self, chain: str, since: float, limit: int) -> list[Submission]:
        """The chain's fulfilments made final at or after `since`, newest first, at most `limit`."""
        rows = self._select(
            "SELECT * FROM submissions WHERE chain=? AND state='final' AND updated_at>=? ORDER BY updated_at DESC "
            "LIMIT ?", [chain, since, limit])
        return [_submission(r) for r in rows]

    def submission_row(self, tx_hash: str) -> dict[str, Any] | None:
        rows = self._select("SELECT * FROM submissions WHERE tx_hash=?", [tx_hash])
        return rows[0] if rows else None

    def set_submission_state(self, tx_hash: str, state: str, block_number: int | None = None,
                             cost: int | None = None) -> None:
        with self._tx():
            self.db.conn.execute(
                "UPDATE submissions SET state=?, block_number=coalesce(?, block_number), "
                "cost=coalesce(?, cost), updated_at=? WHERE tx_hash=?",
                [state, block_number, cost, self._clock(), tx_hash],
            )

    def max_sequence(self, chain: str) -> int | None:
        row = self.db.execute("SELECT max(sequence) FROM submissions WHERE chain=?", [chain]).fetchone()
        return row[0] if row and row[0] is not None else None

    # feature cache: facts about a subject that never change once known (first activity)
    def feature(self, chain: str, subject: str, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM features WHERE chain=? AND subject=? AND name=?",
                              [chain, subject, name]).fetchone()
        return row[0] if row else None

    def set_feature(self, chain: str, subject: str, name: str, value: str) -> None:
        with self._tx():
            self.db.conn.execute("INSERT OR REPLACE INTO features(chain, subject, name, value) VALUES (?,?,?,?)",
                                 [chain, subject, name, value])

    # read-only queries of the public API (node/api/v1): nothing below writes
    def subject_assessments(self, chain: str, subject: str, limit: int,
                            before: tuple[int, int, str] | None = None) -> list[dict[str, Any]]:
        """The subject's signed assessments on `chain`, newest first: by the request's block, then its ordinal,
        then its key; at most `limit`, and only those after `before` in that order (a previous page's last
        `(block_number, ordinal, key)`). Each is the request's row with its assessment's `result` (JSON text),
        `scored_features` (canonical JSON text or None), `scored_at` and `cosigners` (JSON text or None)."""
        after, args = ("AND (r.block_number, r.ordinal, r.key) < (?, ?, ?)", list(before)) if before else ("", [])
        return self._select(
            "SELECT r.*, a.result, a.features AS scored_features, a.created_at AS scored_at, a.cosigners "
            "FROM requests r JOIN assessments a ON a.key = r.key "
            f"WHERE r.chain=? AND r.subject=? {after} "
            "ORDER BY r.block_number DESC, r.ordinal DESC, r.key DESC LIMIT ?", [chain, subject, *args, limit])


def _submission(r: dict[str, Any]) -> Submission:
    return Submission(chain=r["chain"], tx_hash=r["tx_hash"], sequence=r["sequence"], raw=r["raw"],
                      request_keys=tuple(json.loads(r["request_keys"])), sent_at=r["sent_at"])


def request_from_row(r: dict[str, Any]) -> OracleRequest:
    return OracleRequest(
        chain=r["chain"], family=r["family"], chain_id=r["chain_id"], contract=r["contract"],
        request_id=r["request_id"], requester=r["requester"], subject=r["subject"], fee=int(r["fee"]),
        expires_at=r["expires_at"], params=r["params"], block_number=r["block_number"],
        block_hash=r["block_hash"], tx_hash=r["tx_hash"], ordinal=r["ordinal"], program=r.get("program") or "",
        private=bool(r.get("private")), operator_update=bool(r.get("operator_update")),
    )
