"""The node as its own process (`aura run`), as the demo, the benchmark and the tests start it."""

from __future__ import annotations

import json
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from node.process import ProcessError, Supervisor


@dataclass
class NodeProcess:
    """`python -m node.cli run --config <config>` with `env` added, its output appended to `log`."""

    config: Path
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: Supervisor | None = field(default=None, init=False, repr=False)

    @property
    def pid(self) -> int:
        pid = self.proc.pid if self.proc is not None else None
        if pid is None:
            raise ProcessError("the node has not been started")
        return pid

    def start(self) -> Self:
        argv = [sys.executable, "-m", "node.cli", "run", "--config", str(self.config)]
        self.proc = Supervisor("the node", argv, env=self.env, log_path=self.log, grace=20.0).start()
        return self

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def check_alive(self) -> None:
        if self.proc is not None:
            self.proc.check_alive()

    def health(self, port: int) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return dict(json.loads(r.read()))

    def wait_healthy(self, port: int, timeout: float = 60.0) -> None:
        """Wait until /health reports ok; the node is stopped if it does not within `timeout`."""
        self._started().wait_ready(lambda: self.health(port).get("ok"), timeout, interval=0.2)

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self._started().wait(timeout)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (the node drains and stops), then SIGKILL to its process group after `timeout`."""
        return None if self.proc is None else self.proc.stop(timeout)

    def detach(self) -> None:
        """Leave the node running after this object is done with it (`aura devnet --detach`)."""
        if self.proc is not None:
            self.proc.detach()

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, n: int = 25) -> str:
        return "\n".join(self.logs().splitlines()[-n:]) or "(no log)"

    def _started(self) -> Supervisor:
        if self.proc is None:
            raise ProcessError("the node has not been started")
        return self.proc
