"""How long ago this process began, read from the kernel: a restart's cost, imports included, which no clock
started inside the process can see."""

from __future__ import annotations

import os
from pathlib import Path


def process_age_s() -> float | None:
    """Seconds since this process began (Linux `/proc`); None where the kernel does not say."""
    try:
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, `starttime`, counted after the name
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return round(uptime - start_ticks / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError):
        return None
