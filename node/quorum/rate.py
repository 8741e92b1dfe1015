"""A token bucket: at most `burst` calls at once, refilled at `rate_per_s`; the clock is injected."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """`take()` is True while a token is left (and spends it), False otherwise; tokens come back at
    `rate_per_s` up to `burst`."""

    def __init__(self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate_per_s > 0 and burst >= 1, got {rate_per_s} and {burst}")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
