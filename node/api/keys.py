"""API keys: who may call the API beyond the anonymous per-address rate (node/api/rate_limit.py).

A key is `aura_<id>_<secret>`, shown once when it is made (`aura api-key create`); the node keeps only its
sha-256 (table `api_keys` of the node's database), so a copy of the database gives no one a key. `id` names the
key in `aura api-key list|revoke` and in logs. A revoked key is refused from the next request on: the daemon
reads the table on each request rather than caching it, so that `aura api-key revoke` in another process takes
effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.lean_sqlite_utils import sqlite_utils
from node.sqlite_rows import select

KEY_PREFIX = "aura_"


@dataclass(frozen=True)
class ApiKey:
    """One key as the node keeps it (its hash aside). `per_minute`: its own rate, None for the node's default."""

    id: str
    name: str
    created_at: float
    revoked_at: float | None
    per_minute: int | None


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    """The keys in the node's database (the store's `db`), made, listed, revoked and checked."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db, self._clock = db, clock
        db.table("api_keys").create(
            {"id": str, "hash": str, "name": str, "created_at": float, "revoked_at": float, "per_minute": int},
            pk="id", if_not_exists=True, not_null={"hash", "name", "created_at"})
        db.table("api_keys").create_index(["hash"], unique=True, if_not_exists=True)

    def create(self, name: str, per_minute: int | None = None) -> tuple[ApiKey, str]:
        """A new key named `name`: the record, and the key itself, which nothing keeps (show it once)."""
        key_id = secrets.token_hex(4)
        secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(id=key_id, name=name, created_at=self._clock(), revoked_at=None, per_minute=per_minute)
        with self.db.atomic():
            self.db.execute("INSERT INTO api_keys(id, hash, name, created_at, revoked_at, per_minute) "
                            "VALUES (?, ?, ?, ?, NULL, ?)", [key_id, key_hash(secret), name, record.created_at,
                                                             per_minute])
        return record, secret

    def list(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        return [_record(r) for r in select(self.db.conn, "SELECT * FROM api_keys ORDER BY created_at, rowid")]

    def revoke(self, key_id: str) -> bool:
        """Revoke the key `key_id`; False when there is no such key or it was revoked already."""
        with self.db.atomic():
            cur = self.db.execute("UPDATE api_keys SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                                  [self._clock(), key_id])
        return cur.rowcount == 1

    def check(self, key: str) -> ApiKey | None:
        """The live key that `key` is, or None (unknown, or revoked)."""
        rows = select(self.db.conn, "SELECT * FROM api_keys WHERE hash=? AND revoked_at IS NULL", [key_hash(key)])
        return _record(rows[0]) if rows else None


def _record(row: dict[str, Any]) -> ApiKey:
    return ApiKey(id=row["id"], name=row["name"], created_at=row["created_at"], revoked_at=row["revoked_at"],
                  per_minute=row["per_minute"])
