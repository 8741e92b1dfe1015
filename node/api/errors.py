"""The API's errors: `ApiError` when it cannot listen, and every HTTP error as JSON
`{"error": {"code": "<stable snake_case>", "message": "..."}}`, never a stack trace.

A route raises `Problem` (node/http_problem.py) with its own code (`unknown_chain`, `bad_subject`, ...); what
FastAPI and Starlette raise themselves (no such route, a method the route does not take, a query that does not
validate) and anything unexpected are answered here in the same form, with a code taken from the status
(`HTTP_CODES`).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from chains.core.errors import AuraError
from node.http_problem import Problem, error_response

log = logging.getLogger("aura.api")

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
              413: "body_too_large", 422: "invalid_params", 429: "rate_limited", 500: "internal"}
"""The code of an error that no route named itself, by its status."""


class ApiError(AuraError, RuntimeError):
    """The API cannot listen where the config says (the port is in use, the address is not this host's)."""


def _validation_message(exc: RequestValidationError) -> str:
    """Every problem, each after its place (`query.limit: Input should be ...`), joined by `; `."""
    return "; ".join(".".join(str(p) for p in err.get("loc", ())) + ": " + str(err.get("msg", "invalid"))
                     for err in exc.errors())


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of `app` as JSON with a stable code."""

    async def problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        where = f"{request.method} {request.url.path}"
        message = {404: f"not found: {where}", 405: f"method not allowed: {where}"}.get(exc.status_code,
                                                                                        str(exc.detail))
        return error_response(exc.status_code, code, message, exc.headers)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, HTTP_CODES[422], _validation_message(exc))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api: unexpected error", exc_info=exc, extra={"path": request.url.path})
        return error_response(500, HTTP_CODES[500], "internal error: see the node's log")

    app.add_exception_handler(Problem, problem)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)


__all__ = ["HTTP_CODES", "ApiError", "Problem", "error_response", "install_error_handlers"]
