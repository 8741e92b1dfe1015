"""Child processes: started with their output in a file, probed until ready within a deadline, stopped by PID.

`Supervisor` serves blocking callers (the workshop's devnet, demo, benchmarks and tests); `AsyncSupervisor`
serves the event loop (the enclave child the daemon starts). Both start, signal and reap a child the same way:

- the output (stdout and stderr) is appended to `log_path`, or kept in an unnamed temporary file when there is
  none, so that a failure can show its last lines;
- `wait_ready` polls a probe (a port answers, a socket accepts, a line is in the log) until it returns a true
  value, and raises the supervisor's error with the output's tail when the child exits first or the deadline
  passes (the child is stopped then);
- `stop` sends SIGTERM, then SIGKILL after a grace period (to the whole process group when the child leads
  its own session); it is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import IO, Self, TypeVar

from chains.core.errors import AuraError

POLL_S = 0.05
TAIL_BYTES = 64 * 1024

T = TypeVar("T")


class ProcessError(AuraError, RuntimeError):
    """A child process could not be started, exited before it was ready, or was not ready in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_ports(n: int) -> list[int]:
    """`n` distinct TCP ports on 127.0.0.1 that nothing listens on at the time of the call: each socket stays bound
    until all are chosen, since ports asked for one at a time may come back the same."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(n)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def socket_answers(path: Path) -> bool:
    """Whether something accepts connections on the Unix socket at `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        try:
            s.connect(str(path))
        except OSError:
            return False
    return True


@dataclass(eq=False)
class ChildProcess:
    """One command run as a child process; what both supervisors share.

    Args:
        name: how messages name the child ("anvil", "the node").
        argv: the command.
        env: variables set on top of this process's environment.
        cwd: the child's working directory (this process's when None).
        log_path: the file its output is appended to; an unnamed temporary file when None.
        new_session: start the child in a session (and process group) of its own; SIGKILL then goes to the group.
        stdin_pipe: give the child a pipe for stdin that is never written: it closes when this process dies.
        grace: seconds between SIGTERM and SIGKILL when stopping.
        tail_lines: how many lines of output an error message shows.
        error: the exception raised on failure; a subclass of AuraError.
    """

    name: str
    argv: Sequence[str]
    _: KW_ONLY
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    log_path: Path | None = None
    new_session: bool = True
    stdin_pipe: bool = False
    grace: float = 5.0
    tail_lines: int = 25
    error: type[AuraError] = ProcessError
    _popen: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _output: IO[bytes] | None = field(default=None, init=False, repr=False)
    _kept_output: bytes = field(default=b"", init=False, repr=False)

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit code once the child has exited; None while it runs or before it started."""
        return self.poll()

    @property
    def running(self) -> bool:
        return self._popen is not None and self.poll() is None

    def poll(self) -> int | None:
        """The exit code if the child has exited (its pipes and files are released then), else None."""
        if self._popen is None:
            return None
        code = self._popen.poll()
        if code is not None:
            self._release()
        return code

    def start(self) -> Self:
        """Spawn the command; it does not wait for the child to be ready.

        Raises:
            error: the child is already running, or the command cannot be executed.
        """
        if self.running:
            raise self.error(f"{self.name} is already running (pid {self.pid})")
        self._release()
        self._kept_output = b""
        output = open(self.log_path, "ab") if self.log_path is not None else tempfile.TemporaryFile()
        try:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE if self.stdin_pipe else None,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                start_new_session=self.new_session,
            )
        except OSError as exc:
            output.close()
            raise self.error(f"cannot start {self.name}: {exc}") from exc
        if self.log_path is None:
            self._output = output
        else:
            output.close()
        return self

    def send_signal(self, sig: int) -> None:
        """Send `sig` to the child if it is still running."""
        if self._popen is not None:
            self._popen.send_signal(sig)

    def check_alive(self) -> None:
        """Raises `error` with the output's tail if the child has exited."""
        code = self.poll()
        if code is not None:
            raise self._failure(f"exited with code {code}")

    def _failure(self, what: str) -> AuraError:
        """The supervisor's error: `<name> <what>`, then the last lines of the child's output."""
        where = f"its log ({self.log_path})" if self.log_path is not None else "its output"
        return self.error(f"{self.name} {what}; {where}:\n{self.tail() or '(none)'}")

    def tail(self, lines: int | None = None) -> str:
        """The last `lines` lines of the child's output (`tail_lines` when None); '' when there is none."""
        text = self._output_end().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-(lines or self.tail_lines):])

    def log_contains(self, text: str) -> bool:
        """Whether `text` is in the last 64 KiB of the output: a probe for a child that says when it is ready."""
        return text.encode() in self._output_end()

    def detach(self) -> None:
        """Leave the child running on its own; `stop` no longer touches it (a `stdin_pipe` is closed)."""
        self._release()
        self._popen = None

    def _attempts(self, timeout: float) -> Iterator[None]:
        """One step per probe until `timeout` has passed; raises `error` as soon as the child has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() <= deadline:
            self.check_alive()
            yield

    def _stopping(self, grace: float | None) -> Iterator[None]:
        """SIGTERM, then one step per poll while the child exits; SIGKILL once `grace` seconds have passed."""
        popen = self._popen
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + (self.grace if grace is None else grace)
        while popen.poll() is None:
            if time.monotonic() > deadline:
                self._kill(popen)
                return
            yield

    def _kill(self, popen: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.new_session:
                os.killpg(popen.pid, signal.SIGKILL)
            else:
                popen.kill()
        popen.wait()

    def _stopped(self) -> int | None:
        self._release()
        return self._popen.returncode if self._popen is not None else None

    def _release(self) -> None:
        if self._popen is not None and self._popen.stdin is not None:
            self._popen.stdin.close()
        output, self._output = self._output, None
        if output is not None:
            self._kept_output = _end_of(output)
            output.close()

    def _output_end(self) -> bytes:
        if self._output is not None:
            return _end_of(self._output)
        if self.log_path is None:
            return self._kept_output
        try:
            with open(self.log_path, "rb") as log:
                return _end_of(log)
        except FileNotFoundError:
            return b""


class Supervisor(ChildProcess):
    """A child process for blocking callers."""

    def wait(self, timeout: float | None = None) -> int:
        """Block until the child exits; returns its exit code.

        Raises:
            subprocess.TimeoutExpired: it still runs after `timeout` seconds.
            error: it has not been started.
        """
        if self._popen is None:
            raise self.error(f"{self.name} has not been started")
        code = self._popen.wait(timeout)
        self._release()
        return code

    def wait_ready(self, probe: Callable[[], T | None], timeout: float, interval: float = POLL_S) -> T:
        """Poll `probe` every `interval` seconds until it returns a true value (an OSError counts as not yet).

        Returns:
            The probe's first true value.

        Raises:
            error: with the output's tail, when the child exits first or `timeout` passes. The child is stopped
                when this or anything the probe raises (other than OSError) ends the wait.
        """
        try:
            for _ in self._attempts(timeout):
                with contextlib.suppress(OSError):
                    if ready := probe():
                        return ready
                time.sleep(interval)
            raise self._failure(f"was not ready within {timeout:g} s")
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float | None = None) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds (the constructor's when None). Idempotent.

        Returns:
            The exit code (the negative signal number when a signal ended it); None when never started.
        """
        for _ in self._stopping(grace):
            time.sleep(POLL_S)
        return self._stopped()


class AsyncSupervisor(ChildProcess):
    """A child process for the event loop: its waits poll without blocking the loop."""

    async def wait(self) -> int:
        """Wait until the child exits; returns its exit code. Raises `error` if it has not been started."""
        if self._popen is None:
            raise self.error(f"{self.name} has not been started")
        while (code := self.poll()) is None:
            await asyncio.sleep(POLL_S)
        return code

    async def wait_ready(
        self, probe: Callable[[], Awaitable[T | None]], timeout: float, interval: float = POLL_S
    ) -> T:
        """Await `probe` every `interval` seconds until it returns a true value; as `Supervisor.wait_ready`."""
        try:
            for _ in self._attempts(timeout):
                with contextlib.suppress(OSError):
                    if ready := await probe():
                        return ready
                await asyncio.sleep(interval)
            raise self._failure(f"was not ready within {timeout:g} s")
        except BaseException:
            await self.stop()
            raise

    async def stop(self, grace: float | None = None) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; as `Supervisor.stop`."""
        for _ in self._stopping(grace):
            await asyncio.sleep(POLL_S)
        return self._stopped()


class Supervised(ABC):
    """The owner of one started `Supervisor` (a devnet service): its pid, stop, detach, a context manager."""

    _process: Supervisor | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @abstractmethod
    def start(self) -> Self:
        """Start the child and wait until it is ready; does nothing when it already runs."""

    def stop(self) -> None:
        """Stop the child. Idempotent."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    def detach(self) -> None:
        """Leave the child running after this object is done with it (`aura devnet --detach`)."""
        process, self._process = self._process, None
        if process is not None:
            process.detach()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _end_of(file: IO[bytes]) -> bytes:
    """The last TAIL_BYTES of an open file, from the first whole line in them."""
    size = os.fstat(file.fileno()).st_size
    start = max(0, size - TAIL_BYTES)
    data = os.pread(file.fileno(), TAIL_BYTES, start)
    return data.split(b"\n", 1)[-1] if start else data
