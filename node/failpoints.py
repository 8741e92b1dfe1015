"""Named crash points for the restart tests: `AURA_FAILPOINTS=after_record_submission` makes the process exit
at that point as if killed. Unset in production; reading one environment variable costs nothing."""

from __future__ import annotations

import os

_ACTIVE = frozenset(p for p in os.environ.get("AURA_FAILPOINTS", "").split(",") if p)


def hit(name: str) -> None:
    if name in _ACTIVE:
        os._exit(137)
