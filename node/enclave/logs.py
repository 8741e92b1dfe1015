"""Structured enclave logs: one JSON object per line. Callers pass only public facts (never key material)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any


class JsonLog:
    """Writes `{"ts": ..., "level": ..., "event": ..., **fields}` lines to a file (mode 0600) or stderr."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._owned = path is not None
        if path is not None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._stream: IO[str] = os.fdopen(fd, "a", buffering=1)
        else:
            self._stream = sys.stderr

    def write(self, level: str, event: str, **fields: Any) -> None:
        record = {"ts": round(time.time(), 3), "level": level, "event": event, **fields}
        try:
            self._stream.write(json.dumps(record, default=str, ensure_ascii=True) + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def info(self, event: str, **fields: Any) -> None:
        self.write("info", event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self.write("warning", event, **fields)

    def error(self, event: str, **fields: Any) -> None:
        self.write("error", event, **fields)

    def close(self) -> None:
        if self._owned:
            self._stream.close()
