"""CORS for the origins the config allows (`[api] cors_origins`, none by default): Starlette's middleware, with a
refused preflight answered like every other error, as JSON with the code `cors_refused`."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from node.api.errors import error_response


class Cors(CORSMiddleware):
    """Browsers of `origins` may GET and POST (JSON) from their pages."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        super().__init__(app, allow_origins=list(origins), allow_methods=["GET", "POST"],
                         allow_headers=["Content-Type"], max_age=600)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = error_response(400, "cors_refused", bytes(response.body).decode())
        refused.headers["Vary"] = "Origin"
        return refused
