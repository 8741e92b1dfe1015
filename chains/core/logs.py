"""Structured log fields: `log.info("msg", extra=fields(k=v))` (node/logs.py formats them)."""

from __future__ import annotations

from typing import Any


def fields(**kw: Any) -> dict[str, Any]:
    return {"f": kw}
