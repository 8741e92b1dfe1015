"""The node as its own process (`aura run`), as the demo, the benchmark and the tests start it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError


@dataclass
class NodeProcess:
    config: Path
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise AuraError("the node has not been started")
        return self.proc.pid

    def start(self) -> "NodeProcess":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "node.cli", "run", "--config", str(self.config)],
                                         stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **self.env},
                                         start_new_session=True)
        return self

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def check_alive(self) -> None:
        code = self.exited()
        if code is not None:
            raise AuraError(f"the node exited with code {code}; its log:\n{self.tail()}")

    def health(self, port: int) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return dict(json.loads(r.read()))

    def wait_healthy(self, port: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if self.health(port).get("ok"):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AuraError(f"the node did not report healthy within {timeout:.0f} s; its log:\n{self.tail()}")

    def wait_exit(self, timeout: float = 30.0) -> int:
        if self.proc is None:
            raise AuraError("the node has not been started")
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (the node drains and stops), then SIGKILL to its process group after `timeout`."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            return None

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, n: int = 25) -> str:
        return "\n".join(self.logs().splitlines()[-n:]) or "(no log)"
