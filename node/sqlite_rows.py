"""A read's rows as dicts, on the sqlite3 connection itself.

sqlite-utils' `Database.query` wraps every read in a savepoint of its own (three statements for one); on the API's
busiest routes that was a third of the time spent in SQLite. The store and the API keys read through this instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


def select(conn: sqlite3.Connection, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row of `sql` as a dict of column name to value, in the order SQLite returns them."""
    cursor = conn.execute(sql, args)
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, row, strict=True)) for row in cursor]


__all__ = ["select"]
