"""The score page (docs/api.md, "The page"): static HTML, CSS and JavaScript the node serves at `/`, which draw what
the `/v1` API answers. Nothing is loaded from elsewhere: the node must work offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")
PAGE_PREFIX = "/page"
SECURITY_HEADERS = {
    # the page's own files only: no inline script, no other origin
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def page_router() -> APIRouter:
    """`/` (the page) and `/page/*` (its stylesheet and script)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=SECURITY_HEADERS)

    return router


def page_assets() -> StaticFiles:
    """The files under `/page`, mounted by the app."""
    return StaticFiles(directory=STATIC)


__all__ = ["PAGE_PREFIX", "page_assets", "page_router"]
