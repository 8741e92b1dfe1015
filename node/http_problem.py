"""An HTTP answer that is an error, in the one form the node answers every error in: JSON
`{"error": {"code": "<stable snake_case>", "message": "..."}}` with its status (and headers, such as Retry-After).

Raised by the public API's routes (node/api) and by the routes operators serve each other (node/quorum); the API's
handlers (node/api/errors.py) answer it.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse


class Problem(Exception):
    """An answer that is an error: its HTTP status, stable code and message (and headers, such as Retry-After)."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


__all__ = ["Problem", "error_response"]
