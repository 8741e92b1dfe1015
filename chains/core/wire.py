"""Strict readers of JSON values (the enclave's `assess` params, docs/protocol.md). Each takes the value and
where it sits (`request.fee`), and raises InvalidParams naming that place."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chains.core.errors import InvalidParams

MAX_SAFE_INT = (1 << 53) - 1  # chain ids travel as JSON numbers (typed_data): keep them exact in JS too
MAX_UINT64 = (1 << 64) - 1
MAX_INT64 = (1 << 63) - 1
MAX_FEE = (1 << 96) - 1

_BYTES32_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_DECIMAL_RE = re.compile(r"^(0|[1-9][0-9]*)$")

Reader = Callable[[Any, str], Any]


def read_object(value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly the `required` keys and at most the `optional` ones."""
    if not isinstance(value, dict):
        raise InvalidParams(f"{where}: must be an object")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise InvalidParams(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise InvalidParams(f"{where}: missing key(s) {', '.join(missing)}")
    return value


def read_int(value: Any, where: str, low: int, high: int) -> int:
    """A JSON integer (not a bool) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParams(f"{where}: must be an integer")
    if not low <= value <= high:
        raise InvalidParams(f"{where}: must be between {low} and {high}")
    return value


def read_decimal(value: Any, where: str, high: int) -> int:
    """A non-negative integer written as a decimal string (no sign, no leading zeros), at most `high`."""
    if not isinstance(value, str) or not _DECIMAL_RE.match(value) or len(value) > 80:
        raise InvalidParams(f"{where}: must be a decimal string of a non-negative integer (no sign, no leading zeros)")
    number = int(value)
    if number > high:
        raise InvalidParams(f"{where}: must be at most {high}")
    return number


def read_bytes32(value: Any, where: str) -> bytes:
    """`0x` and 64 hex digits."""
    if not isinstance(value, str) or not _BYTES32_RE.match(value):
        raise InvalidParams(f"{where}: must be 0x followed by 64 hex digits")
    return bytes.fromhex(value[2:])


def ranged(low: int, high: int) -> Reader:
    """A reader of integers in [low, high]."""
    return lambda value, where: read_int(value, where, low, high)


def decimal(high: int) -> Reader:
    """A reader of decimal strings up to `high`."""
    return lambda value, where: read_decimal(value, where, high)


def parsed_by(parse: Callable[[Any], bytes]) -> Reader:
    """A reader from a parser that raises ValueError with the problem: the problem is prefixed by the place."""

    def read(value: Any, where: str) -> bytes:
        try:
            return parse(value)
        except ValueError as exc:
            raise InvalidParams(f"{where}: {exc}") from None

    return read


def read_fields(value: dict[str, Any], where: str, readers: dict[str, Reader]) -> dict[str, Any]:
    """Each of `readers`' keys read from `value` (whose keys were checked) with its reader."""
    return {key: read(value[key], f"{where}.{key}") for key, read in readers.items()}
