"""Host <-> enclave framing (docs/protocol.md): 1 byte version, 4 bytes big-endian length, UTF-8 JSON object."""

from __future__ import annotations

import asyncio
import json
import struct
from enum import StrEnum
from typing import Any

from chains.core.errors import AuraError
from node.enclave import PROTOCOL_VERSION

HEADER = struct.Struct(">BI")
MAX_BODY = 65_536


class ErrorCode(StrEnum):
    UNSUPPORTED_VERSION = "unsupported_version"
    TOO_LARGE = "too_large"
    BAD_FRAME = "bad_frame"
    BAD_JSON = "bad_json"
    UNKNOWN_METHOD = "unknown_method"
    INVALID_PARAMS = "invalid_params"
    CLOCK_SKEW = "clock_skew"
    REFUSED = "refused"
    INTERNAL = "internal"


CLOSING_CODES = frozenset({ErrorCode.UNSUPPORTED_VERSION, ErrorCode.TOO_LARGE, ErrorCode.BAD_FRAME})
METHODS = ("attest", "assess", "open")


class FrameError(AuraError, ValueError):
    """A frame or request the protocol cannot accept; `code` is the reply's error code."""

    def __init__(self, code: ErrorCode, message: str, request_id: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()
    if len(body) > MAX_BODY:
        raise ValueError(f"frame body of {len(body)} bytes exceeds {MAX_BODY}")
    return HEADER.pack(PROTOCOL_VERSION, len(body)) + body


async def read_frame(reader: asyncio.StreamReader, body_timeout: float | None = None) -> bytes | None:
    """The next body, or None on a clean end of stream between frames.

    Raises FrameError: unsupported_version, too_large (before reading the body), or bad_frame when the
    stream ends (or stalls past `body_timeout`) in the middle of a frame.
    """
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise FrameError(ErrorCode.BAD_FRAME, "connection ended inside a frame header") from None
    version, length = HEADER.unpack(header)
    if version != PROTOCOL_VERSION:
        raise FrameError(
            ErrorCode.UNSUPPORTED_VERSION, f"protocol version {version} is not supported (expected {PROTOCOL_VERSION})"
        )
    if length > MAX_BODY:
        raise FrameError(ErrorCode.TOO_LARGE, f"frame body of {length} bytes exceeds {MAX_BODY}")
    try:
        return await asyncio.wait_for(reader.readexactly(length), body_timeout)
    except asyncio.IncompleteReadError as exc:
        message = f"connection ended after {len(exc.partial)} of {length} body bytes"
        raise FrameError(ErrorCode.BAD_FRAME, message) from None
    except TimeoutError:
        raise FrameError(ErrorCode.BAD_FRAME, f"frame body of {length} bytes did not arrive in time") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:64]!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_body(body: bytes) -> dict[str, Any]:
    """A JSON object from a frame body (UTF-8, no duplicate keys, no NaN/Infinity) or FrameError bad_json."""
    try:
        value = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise FrameError(ErrorCode.BAD_JSON, "body is not valid UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise FrameError(ErrorCode.BAD_JSON, f"body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise FrameError(ErrorCode.BAD_JSON, f"body must be a JSON object, not {type(value).__name__}")
    return value


def parse_request(body: bytes) -> tuple[int, str, Any]:
    """(id, method, params) of a request body. Errors carry the id once it is known."""
    message = decode_body(body)
    request_id = message.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, int):
        raise FrameError(ErrorCode.BAD_JSON, "request id must be an integer")
    unknown = sorted(set(message) - {"id", "method", "params"})
    if unknown:
        raise FrameError(ErrorCode.BAD_JSON, f"unknown request key(s) {', '.join(k[:64] for k in unknown)}", request_id)
    method = message.get("method")
    if not isinstance(method, str):
        raise FrameError(ErrorCode.BAD_JSON, "request method must be a string", request_id)
    if method not in METHODS:
        raise FrameError(ErrorCode.UNKNOWN_METHOD, f"unknown method {method[:64]!r} (methods: {', '.join(METHODS)})",
                         request_id)
    return request_id, method, message.get("params", {})


def error_reply(request_id: int | None, code: ErrorCode, message: str) -> dict[str, Any]:
    return {"id": request_id, "error": {"code": str(code), "message": message}}


def result_reply(request_id: int, result: dict[str, Any]) -> dict[str, Any]:
    return {"id": request_id, "result": result}
