"""The host's side of the enclave boundary: start/stop the enclave process and call it over its socket.

Nothing here touches key material: this module imports neither `keys` nor `sealing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chains.core.errors import EnclaveError
from node.enclave.attestation import AttestationError, verify_attestation
from node.enclave.protocol import FrameError, decode_body, encode_frame, read_frame
from node.process import AsyncSupervisor, socket_answers

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CALL_TIMEOUT_S = 30.0
MAX_UNIX_PATH = 107

__all__ = [
    "AttestationError",
    "EnclaveClient",
    "EnclaveProcess",
    "EnclaveRemoteError",
    "verify_attestation",
]


class EnclaveRemoteError(EnclaveError):
    """The enclave answered with an error reply; `.code` is its protocol error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"enclave refused ({code}): {message}")
        self.code = code
        self.message = message


class EnclaveClient:
    """One connection to the enclave socket. Safe to share between asyncio tasks (replies matched by id).

    Calls connect on demand, and reconnect once after the enclave closed the connection.
    """

    def __init__(self, socket_path: str | Path, timeout: float = DEFAULT_CALL_TIMEOUT_S) -> None:
        self.socket_path = Path(socket_path)
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._listener: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._connect_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._listener is not None and not self._listener.done()

    async def connect(self) -> None:
        """Open the connection (idempotent)."""
        async with self._connect_lock:
            if self.connected:
                return
            await self._drop_connection()
            try:
                self._reader, self._writer = await asyncio.open_unix_connection(str(self.socket_path))
            except OSError as exc:
                reason = exc.strerror or exc
                raise EnclaveError(f"cannot connect to the enclave at {self.socket_path}: {reason}") from None
            self._listener = asyncio.get_running_loop().create_task(self._listen(self._reader))

    async def close(self) -> None:
        """Close the connection (idempotent); pending calls fail with EnclaveError."""
        async with self._connect_lock:
            await self._drop_connection()

    async def __aenter__(self) -> EnclaveClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def attest(self) -> dict[str, Any]:
        """`{"document": {...}, "signature": "0x…"}`; check it with `verify_attestation`."""
        return await self.call("attest", {})

    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The signed assessment (fields of docs/protocol.md); `extra` may add `loan` and `questionnaire`.
        Raises EnclaveRemoteError on a refusal."""
        return await self.call("assess", {"request": request, "features": features, **(extra or {})})

    async def open_commitment(self, params: dict[str, Any]) -> dict[str, Any]:
        """The `open` call (docs/protocol.md): the opening of a commitment, for its subject's signed request."""
        return await self.call("open", params)

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if not self.connected:
            await self.connect()
        request_id = next(self._ids)
        frame = encode_frame({"id": request_id, "method": method, "params": params})
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            async with self._write_lock:
                writer = self._writer
                if writer is None:
                    raise EnclaveError("enclave connection is closed")
                try:
                    writer.write(frame)
                    await writer.drain()
                except (ConnectionError, OSError) as exc:
                    raise EnclaveError(f"enclave connection lost: {exc}") from None
            try:
                return await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                raise EnclaveError(f"enclave did not answer {method} within {self.timeout} s") from None
        finally:
            self._pending.pop(request_id, None)

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        error: EnclaveError = EnclaveError("enclave closed the connection")
        try:
            while True:
                body = await read_frame(reader)
                if body is None:
                    break
                message = decode_body(body)
                reply_id = message.get("id")
                if "error" in message:
                    err = message["error"] if isinstance(message["error"], dict) else {}
                    remote = EnclaveRemoteError(str(err.get("code", "internal")), str(err.get("message", "")))
                    if reply_id is None:  # a framing error: the enclave closes the connection
                        error = remote
                        break
                    self._resolve(reply_id, exc=remote)
                elif isinstance(message.get("result"), dict):
                    self._resolve(reply_id, result=message["result"])
        except FrameError as exc:
            error = EnclaveError(f"bad reply from the enclave ({exc.code}): {exc.message}")
        except (ConnectionError, OSError) as exc:
            error = EnclaveError(f"enclave connection lost: {exc}")
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)

    def _resolve(self, reply_id: Any, result: dict[str, Any] | None = None, exc: Exception | None = None) -> None:
        future = self._pending.get(reply_id) if isinstance(reply_id, int) else None
        if future is None or future.done():
            return
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result or {})

    async def _drop_connection(self) -> None:
        listener, writer = self._listener, self._writer
        self._listener = self._reader = self._writer = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
        for future in self._pending.values():
            if not future.done():
                future.set_exception(EnclaveError("enclave client closed"))


class EnclaveProcess:
    """The enclave as a child process: `python -m node.enclave serve ...`.

    The host passes the passphrase file's path only; the enclave reads it itself. `new_key`: create a new key
    sealed for these targets (node/enclave/targets.py) instead of unsealing the existing one.
    """

    def __init__(
        self,
        data_dir: str | Path,
        passphrase_file: str | Path,
        scoring_config: str | Path | None = None,
        socket_path: str | Path | None = None,
        new_key: list[dict[str, Any]] | None = None,
        log_path: str | Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.passphrase_file = Path(passphrase_file)
        self.scoring_config = Path(scoring_config) if scoring_config is not None else None
        self.socket_path = Path(socket_path) if socket_path is not None else _default_socket(self.data_dir)
        self.new_key = new_key
        self.log_path = Path(log_path) if log_path is not None else None
        self.attestation: dict[str, Any] | None = None
        self._proc: AsyncSupervisor | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.running

    @property
    def returncode(self) -> int | None:
        """The exit code once the process has exited (the negative signal number when a signal ended it); None
        while it runs."""
        return self._proc.returncode if self._proc is not None else None

    def stderr_tail(self) -> str:
        return self._proc.tail() if self._proc is not None else ""

    def client(self, timeout: float = DEFAULT_CALL_TIMEOUT_S) -> EnclaveClient:
        return EnclaveClient(self.socket_path, timeout)

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "node.enclave", "serve",
            "--socket", str(self.socket_path),
            "--data-dir", str(self.data_dir),
            "--passphrase-file", str(self.passphrase_file),
            "--exit-with-stdin",
        ]  # fmt: skip
        if self.scoring_config is not None:
            cmd += ["--scoring-config", str(self.scoring_config)]
        if self.new_key is not None:
            cmd += ["--new-key", "--targets", json.dumps(self.new_key)]
        if self.log_path is not None:
            cmd += ["--log-file", str(self.log_path)]
        return cmd

    async def start(self, timeout: float = 30.0) -> dict[str, Any]:
        """Spawn the enclave and wait until its socket answers `attest`; return the attestation.

        Raises EnclaveError (with the process's stderr tail) if it exits or does not answer in time.
        """
        if self.running:
            raise EnclaveError(f"enclave already running (pid {self.pid})")
        # an enclave whose host died stops when its stdin closes: give it a moment before calling it a clash
        clash_deadline = time.monotonic() + min(timeout, 5.0)
        while socket_answers(self.socket_path):
            if time.monotonic() > clash_deadline:
                raise EnclaveError(f"another enclave is already serving on {self.socket_path}")
            await asyncio.sleep(0.1)
        pythonpath = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        # stdin is a pipe never written: its closing tells the enclave the host is gone
        self._proc = AsyncSupervisor("enclave", self.command(), env={"PYTHONPATH": pythonpath}, new_session=False,
                                     stdin_pipe=True, grace=10.0, tail_lines=40, error=EnclaveError)
        self.attestation = await self._proc.start().wait_ready(self._attest, timeout)
        return self.attestation

    async def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Idempotent."""
        if self._proc is not None:
            await self._proc.stop(timeout)

    async def kill(self) -> None:
        """SIGKILL at once: for an enclave that answers nothing (stopped, or stuck), which SIGTERM would not end."""
        if self._proc is not None:
            await self._proc.stop(0.0)

    async def __aenter__(self) -> EnclaveProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _attest(self) -> dict[str, Any] | None:
        if not self.socket_path.exists():
            return None
        client = EnclaveClient(self.socket_path, timeout=5.0)
        try:
            return await client.attest()
        except EnclaveError:
            return None
        finally:
            await client.close()


def _default_socket(data_dir: Path) -> Path:
    candidate = data_dir / "enclave.sock"
    if len(os.fsencode(candidate.absolute())) <= MAX_UNIX_PATH:
        return candidate
    return Path(tempfile.mkdtemp(prefix="aura-enclave-")) / "enclave.sock"
