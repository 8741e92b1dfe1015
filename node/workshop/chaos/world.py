"""What every chaos world shares, whatever its chain: a folder of its own and the node as its own process, which
a scenario starts, SIGKILLs as a crash would, checks for exits the world did not cause, and stops.

The node's enclave is its child process. The world notes each enclave pid it sees, so that `stop_node` also
ends one that was left frozen (SIGSTOP): a frozen enclave does not see its stdin close when the node dies.
`ChaosEnv` (EVM) and `SolanaWorld` add the chain, the load and the watch.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Self

from node.process import ProcessError
from node.workshop.devnet.nodeproc import NodeProcess

HEALTHY_TIMEOUT_S = 60.0
STOP_GRACE_S = 5.0
ENCLAVE_TIMEOUT_S = 10.0
KILL_EXIT_S = 10.0
CHECK_EVERY_S = 0.2


class ChaosError(ProcessError):
    """A chaos scenario could not set up its world or carry out a step."""


def children(pid: int) -> list[int]:
    """The pids of the child processes of `pid` (none once it is gone)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out += [int(x) for x in task.read_text().split()]
    return out


class World(ABC):
    """One scenario's world under `root` (made afresh by `start`), with its node process (`node`, None while
    it is down) serving its local API on `api_port`.

    `killed` counts the node processes this world killed on purpose; `unexpected_exits` notes, once each, the
    exits it did not cause.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.node: NodeProcess | None = None
        self.api_port = 0
        self.killed = 0
        self.unexpected_exits: list[str] = []
        self._enclaves: set[int] = set()

    @abstractmethod
    def start(self) -> Self:
        """Make `root`, start the chain, the node (healthy), the watch and the load.

        Returns:
            This world, started.
        """

    @abstractmethod
    def stop(self) -> None:
        """Stop everything `start` started, in the reverse order. Idempotent."""

    @property
    @abstractmethod
    def config_path(self) -> Path:
        """The node's config file.

        Raises:
            ChaosError: the world has not been started.
        """

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start_node(self) -> None:
        """Start the node process (it is not waited for: `wait_healthy`)."""
        self.node = NodeProcess(self.config_path, self.root / "node.log").start()

    def wait_healthy(self, timeout: float = HEALTHY_TIMEOUT_S) -> None:
        """Wait until the node's /health reports ok and its enclave child runs.

        Raises:
            ChaosError: the node has not been started, or has no enclave child.
            ProcessError: the node exited, or was not healthy within `timeout` (it is stopped then).
        """
        if self.node is None:
            raise ChaosError("the node has not been started")
        self.node.wait_healthy(self.api_port, timeout)
        self.enclave_pid()

    def kill_node(self) -> None:
        """SIGKILL the node process alone, as a crash would; its enclave exits when its stdin closes. A node
        already down is only checked for an exit of its own."""
        if self.node is None or self.node.exited() is not None:
            self.check_node()
            return
        self.enclave_pids()
        os.kill(self.node.pid, signal.SIGKILL)
        self.node.wait_exit(KILL_EXIT_S)
        self.node = None
        self.killed += 1

    def check_node(self) -> bool:
        """Whether the node runs; an exit this world did not cause is recorded in `unexpected_exits` once."""
        if self.node is None:
            return False
        code = self.node.exited()
        if code is None:
            return True
        note = f"the node exited with code {code}: {self.node.tail(3)}"
        if note not in self.unexpected_exits:
            self.unexpected_exits.append(note)
        return False

    def stop_node(self) -> None:
        """Stop the node (SIGTERM, then SIGKILL after a grace period) and SIGKILL every enclave it had."""
        if self.node is not None:
            self.enclave_pids()
            self.node.stop(STOP_GRACE_S)
        for pid in self._enclaves:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self._enclaves.clear()

    def enclave_pids(self) -> list[int]:
        """The running node's enclave pids now (none when it is down), noted for `stop_node`."""
        pids = children(self.node.pid) if self.node is not None and self.node.exited() is None else []
        self._enclaves.update(pids)
        return pids

    def enclave_pid(self, timeout: float = ENCLAVE_TIMEOUT_S) -> int:
        """The node's enclave child process (the node must run).

        Raises:
            ChaosError: the node has had no enclave child for `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.enclave_pids()
            if pids:
                return pids[0]
            time.sleep(0.1)
        raise ChaosError(f"the node has no enclave child after {timeout:g} s")

    def sleep(self, seconds: float) -> None:
        """Wait, noting an exit of the node on the way."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.check_node()
            time.sleep(min(CHECK_EVERY_S, left))
