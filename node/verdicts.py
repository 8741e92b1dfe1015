"""One check of something a caller was shown (a threshold proof, a signed assessment), reported on its own so that
the caller sees which one failed (docs/api.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


__all__ = ["Check"]
