"""The enclave's Unix-socket server: framed requests in, replies out, several clients at once."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import os
import socket
import stat
import time
from pathlib import Path
from typing import Any

from chains.core.errors import EnclaveError
from node.enclave.logs import JsonLog
from node.enclave.open import OpenRefused
from node.enclave.params import InvalidParams
from node.enclave.protocol import (
    CLOSING_CODES,
    ErrorCode,
    FrameError,
    encode_frame,
    error_reply,
    parse_request,
    read_frame,
    result_reply,
)
from node.enclave.service import ClockSkew, EnclaveService

MAX_UNIX_PATH = 107
BODY_TIMEOUT_S = 10.0


def handle_body(service: EnclaveService, body: bytes, log: JsonLog | None = None) -> tuple[dict[str, Any], bool]:
    """The reply to one frame body and whether the connection must close afterwards."""
    started = time.monotonic()
    request_id: int | None = None
    method = None
    try:
        request_id, method, params = parse_request(body)
        if method == "attest":
            if params != {}:
                raise FrameError(ErrorCode.INVALID_PARAMS, "attest takes no params", request_id)
            reply = result_reply(request_id, service.attest())
        elif method == "open":
            reply = result_reply(request_id, _open(service, params, request_id))
            if log:  # never the score nor the blinding: the host's log is not the subject's
                log.info("opened", id=request_id, request_id=params["request"]["request_id"],
                         subject=params["request"]["subject"], ms=round((time.monotonic() - started) * 1000, 2))
        else:
            try:
                result = service.assess(params)
            except InvalidParams as exc:
                raise FrameError(ErrorCode.INVALID_PARAMS, str(exc), request_id) from None
            except ClockSkew as exc:
                raise FrameError(ErrorCode.CLOCK_SKEW, str(exc), request_id) from None
            reply = result_reply(request_id, result)
            if log:
                log.info(
                    "assessed",
                    id=request_id,
                    request_id=params["request"]["request_id"],
                    chain_id=params["request"]["chain_id"],
                    subject=params["request"]["subject"],
                    score=result["score"],
                    flags=result["flags"],
                    ms=round((time.monotonic() - started) * 1000, 2),
                )
        return reply, False
    except FrameError as exc:
        if log:
            log.warning("request_refused", id=exc.request_id, method=method, code=str(exc.code), reason=exc.message)
        return error_reply(exc.request_id, exc.code, exc.message), exc.code in CLOSING_CODES
    except Exception as exc:  # noqa: BLE001 - never crash on one request; never echo internals (secrets)
        if log:
            log.error("internal_error", id=request_id, method=method, error=type(exc).__name__)
        return error_reply(request_id, ErrorCode.INTERNAL, "internal error"), False


def _open(service: EnclaveService, params: Any, request_id: int | None) -> dict[str, Any]:
    try:
        return service.open(params)
    except InvalidParams as exc:
        raise FrameError(ErrorCode.INVALID_PARAMS, str(exc), request_id) from None
    except OpenRefused as exc:
        raise FrameError(ErrorCode.REFUSED, str(exc), request_id) from None


class EnclaveServer:
    """Serves one EnclaveService on a Unix socket (mode 0600); `close()` removes the socket."""

    def __init__(self, service: EnclaveService, socket_path: str | Path, log: JsonLog) -> None:
        self.service = service
        self.socket_path = Path(socket_path)
        self.log = log
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._idle: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)

    async def start(self) -> None:
        path = self.socket_path
        if len(os.fsencode(path)) > MAX_UNIX_PATH:
            raise EnclaveError(f"socket path {path} is longer than {MAX_UNIX_PATH} bytes: choose a shorter one")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _remove_stale_socket(path)
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._on_connection, path=str(path))
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        self.log.info("listening", socket=str(path))

    async def close(self, deadline_s: float = 5.0) -> None:
        """Stop accepting, drop idle connections, let in-flight replies finish within the deadline."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in self._idle & self._connections:
            task.cancel()
        if self._connections:
            _, pending = await asyncio.wait(self._connections, timeout=deadline_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(os.lstat(self.socket_path).st_mode):
                os.unlink(self.socket_path)

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve_connection(reader, writer))
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = next(self._ids)
        task = asyncio.current_task()
        assert task is not None
        self.log.info("connection_open", conn=conn)
        try:
            while True:
                self._idle.add(task)  # waiting for a request: shutdown may drop the connection now
                try:
                    body = await read_frame(reader, BODY_TIMEOUT_S)
                except FrameError as exc:
                    self.log.warning("frame_refused", conn=conn, code=str(exc.code), reason=exc.message)
                    await _send(writer, error_reply(None, exc.code, exc.message))
                    break
                finally:
                    self._idle.discard(task)
                if body is None:
                    break
                reply, close = handle_body(self.service, body, self.log)
                if not await _send(writer, reply):
                    break
                if close:
                    break
        except (ConnectionError, OSError) as exc:
            self.log.info("connection_lost", conn=conn, error=type(exc).__name__)
        except asyncio.CancelledError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            self.log.info("connection_closed", conn=conn)


async def _send(writer: asyncio.StreamWriter, reply: dict[str, Any]) -> bool:
    try:
        frame = encode_frame(reply)
    except ValueError:
        frame = encode_frame(error_reply(reply.get("id"), ErrorCode.INTERNAL, "reply too large"))
    try:
        writer.write(frame)
        await writer.drain()
        return True
    except (ConnectionError, OSError):
        return False


def _remove_stale_socket(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise EnclaveError(f"{path} exists and is not a socket: refusing to replace it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise EnclaveError(f"cannot check existing socket {path}: {exc.strerror}") from None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    else:
        raise EnclaveError(f"another process is already serving on {path}")
    finally:
        probe.close()
