"""One endpoint of a chain's RPC service and what it was last seen doing (up, or down until a cool-off ends; its
head; its errors by kind), for choosing among endpoints; and the JSON-over-HTTP endpoint: its own aiohttp
session and a real deadline on every call."""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

import aiohttp

Role = Literal["read", "send"]
HEADERS = {"Content-Type": "application/json", "User-Agent": "aura-node"}


class Fault(Exception):
    """An endpoint gave no usable answer. `kind` classes it for counts; the message names no secret."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Refusal(Fault):
    """An endpoint answered that it will not take the call as asked (an EVM log window too wide for it), which
    another endpoint may take: counted, and the endpoint stays up."""


class EndpointState:
    """One URL (which may carry credentials: only `label` is ever printed) and what it was last seen doing."""

    def __init__(self, url: str, label: str, role: Role, index: int, *, cooloff_s: tuple[float, float],
                 clock: Callable[[], float]) -> None:
        self.url = url
        self.label = label
        self.role = role
        self.index = index
        self.cooloff_min_s, self.cooloff_max_s = cooloff_s
        self.clock = clock
        self.up = True
        self.down_until = 0.0
        self.cooloff_s = 0.0
        self.head: int | None = None
        self.head_at = -math.inf
        self.chain_ok: bool | None = None
        """Whether the endpoint serves the configured chain: None until it was asked."""
        self.last_error = ""
        self.errors: Counter[str] = Counter()
        self.latency_ms: float | None = None

    def took(self, started: float) -> None:
        """An answer came back: its latency, from `started` (the clock's reading when the call began)."""
        self.latency_ms = round((self.clock() - started) * 1000, 1)

    def scrub(self, text: str) -> str:
        """`text` with the URL, if it is there, replaced by the label."""
        return text.replace(self.url, self.label)

    def answered(self) -> None:
        self.up = True
        self.cooloff_s = 0.0
        self.down_until = 0.0

    def failed(self, fault: Fault) -> None:
        """Down for a cool-off that doubles with each failure in a row (from `cooloff_min_s` to `cooloff_max_s`)."""
        self.errors[fault.kind] += 1
        self.last_error = fault.message
        self.up = False
        self.cooloff_s = min(self.cooloff_max_s, max(self.cooloff_min_s, self.cooloff_s * 2))
        self.down_until = self.clock() + self.cooloff_s

    def refused(self, fault: Fault) -> None:
        """Counted, but the endpoint stays up: it answered, about the call."""
        self.errors[fault.kind] += 1
        self.last_error = fault.message

    def saw_head(self, number: int) -> None:
        self.head = number
        self.head_at = self.clock()

    def state(self) -> dict[str, Any]:
        return {"endpoint": self.label, "role": self.role, "up": self.up, "head": self.head,
                "last_error": self.last_error, "errors": dict(self.errors), "latency_ms": self.latency_ms}

    async def close(self) -> None:
        """Release what the endpoint holds open; nothing here."""


class Endpoint(EndpointState):
    """One JSON-over-HTTP endpoint (JSON-RPC): its own aiohttp session, a deadline on every call."""

    def __init__(self, url: str, label: str, role: Role, index: int, *, timeout_s: float,
                 cooloff_s: tuple[float, float], clock: Callable[[], float]) -> None:
        super().__init__(url, label, role, index, cooloff_s=cooloff_s, clock=clock)
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def post(self, body: bytes) -> Any:
        """The endpoint's answer to `body`, parsed; an HTTP error status comes back as an `HttpStatus`.

        Raises:
            Fault: no answer within the deadline, a transport failure, or a body that is not JSON.
        """
        started = self.clock()
        try:
            status, reason, raw = await asyncio.wait_for(self._post(body), self.timeout_s)
        except TimeoutError:
            raise Fault("timeout", f"timeout: no answer within {self.timeout_s:g} s") from None
        except aiohttp.ClientConnectorError as e:
            raise Fault("connection", f"connection failed: {type(e.os_error).__name__}") from None
        except (aiohttp.ClientError, OSError) as e:
            raise Fault("connection", f"{type(e).__name__}: {self.scrub(str(e))}") from None
        self.took(started)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not 200 <= status < 300:
            return HttpStatus(status, reason, data)
        if data is None:
            raise Fault("malformed", f"not JSON: {self.scrub(raw[:80].decode('utf-8', 'replace'))!r}")
        return data

    async def _post(self, body: bytes) -> tuple[int, str, bytes]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=HEADERS, timeout=aiohttp.ClientTimeout(total=None))
        async with self._session.post(self.url, data=body) as resp:
            return resp.status, resp.reason or "", await resp.read()

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class HttpStatus:
    """An HTTP answer outside 2xx, with its body parsed when it is JSON."""

    def __init__(self, status: int, reason: str, data: Any) -> None:
        self.status = status
        self.reason = reason
        self.data = data

    def fault(self) -> Fault:
        return http_fault(self.status, self.reason)


def http_fault(status: int, reason: str = "") -> Fault:
    """The fault an HTTP status outside 2xx stands for: `http_429`, `http_5xx` or `http`."""
    kind = "http_429" if status == 429 else "http_5xx" if status >= 500 else "http"
    return Fault(kind, f"HTTP {status} {reason}".rstrip())
