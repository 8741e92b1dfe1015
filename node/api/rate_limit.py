"""Rate limits on the public routes (`/v1`, `POST /questionnaires`): a token bucket per client address (100
requests a minute by default, as the TigerTrust seed), or per API key when the request carries one
(`Authorization: Bearer <key>` or `X-API-Key: <key>`, node/api/keys.py), at the key's own rate or the node's
default for keys. Over the rate: 429 `rate_limited` with `Retry-After`; an unknown or revoked key: 401
`bad_api_key`. `/health`, `/metrics` and the peers' route are not limited: operators and the quorum need them.

The buckets live in memory: a restart refills them. The client address is the TCP peer's, or the one a reverse
proxy on this host names in `X-Forwarded-For` (node/api/server.py, TRUSTED_PROXIES); behind a proxy elsewhere,
every client shares the proxy's address (the proxy should limit then).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from node.api.errors import error_response
from node.api.keys import ApiKey

LIMITED = ("/v1/", "/questionnaires")
MAX_BUCKETS = 100_000
"""Past this many tracked clients, buckets that have refilled are forgotten (a full bucket is a new one)."""


@dataclass(frozen=True)
class RateLimits:
    """Requests a minute: per client address without a key, per key with one (a key's own rate overrides it).
    0: no limit."""

    per_address: int = 100
    per_key: int = 1000


class KeyChecker(Protocol):
    def check(self, key: str) -> ApiKey | None: ...


class TokenBuckets:
    """One bucket per identity, holding up to `rate` tokens and refilled at `rate` a minute; a request takes one."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # identity -> (tokens, at)

    def take(self, identity: str, rate: int) -> float:
        """0 when `identity` may go ahead (a token is taken), else the seconds until it may."""
        now = self._clock()
        tokens, at = self._buckets.get(identity, (float(rate), now))
        tokens = min(float(rate), tokens + (now - at) * rate / 60.0)
        if tokens < 1.0:
            self._buckets[identity] = (tokens, now)
            return (1.0 - tokens) * 60.0 / rate
        if len(self._buckets) >= MAX_BUCKETS and identity not in self._buckets:
            self._forget_full(now, rate)
        self._buckets[identity] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float, rate: int) -> None:
        self._buckets = {i: (t, at) for i, (t, at) in self._buckets.items() if t + (now - at) * rate / 60.0 < rate}


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    """The API key a request carries, if any."""
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    key = headers.get(b"x-api-key")
    return None if key is None else key.decode("latin-1").strip()


class RateLimit:
    """ASGI middleware: the limits above."""

    def __init__(self, app: ASGIApp, limits: RateLimits, keys: KeyChecker | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.limits, self.keys = app, limits, keys
        self.buckets = TokenBuckets(clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or not scope["path"].startswith(LIMITED):
            await self.app(scope, receive, send)
            return
        presented = presented_key(dict(scope["headers"]))
        if presented is not None:
            key = self.keys.check(presented) if self.keys is not None and presented else None
            if key is None:
                await error_response(401, "bad_api_key", "API key unknown or revoked")(scope, receive, send)
                return
            identity, rate = f"key:{key.id}", key.per_minute if key.per_minute is not None else self.limits.per_key
        else:
            client = scope.get("client")
            identity, rate = f"address:{client[0] if client else '?'}", self.limits.per_address
        wait = self.buckets.take(identity, rate) if rate > 0 else 0.0
        if wait > 0:
            retry = max(1, math.ceil(wait))
            await error_response(429, "rate_limited", f"over {rate} requests a minute: retry in {retry} s",
                                 {"Retry-After": str(retry)})(scope, receive, send)
            return
        await self.app(scope, receive, send)
