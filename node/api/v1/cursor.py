"""The history's page cursor: opaque to a client, the position of the last assessment of a page (its request's
block, ordinal and key: the order of `Store.subject_assessments`), as URL-safe base64 of JSON."""

from __future__ import annotations

import base64
import binascii
import json

from node.api.errors import Problem

Position = tuple[int, int, str]


def encode_cursor(position: Position) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """Raises Problem 400 `bad_cursor` for anything `encode_cursor` did not make."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = None
    if (isinstance(value, list) and len(value) == 3 and all(type(v) is int for v in value[:2])
            and isinstance(value[2], str)):
        return value[0], value[1], value[2]
    raise Problem(400, "bad_cursor", "cursor: not one this API gave (pass next_cursor as it came)")
