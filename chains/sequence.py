"""Attempt numbers for chains without account nonces (Solana, Sui): each fulfilment takes the next one, and its
replacements share it (`Submission.sequence`). After a restart the count resumes above the highest the store holds."""

from __future__ import annotations

from collections.abc import Callable


class LocalSequence:
    """Hands out 0, 1, 2, ... starting above `floor()` (read once, on first use)."""

    def __init__(self, floor: Callable[[], int | None] | None = None) -> None:
        self._floor = floor or (lambda: None)
        self._next: int | None = None

    def take(self) -> int:
        if self._next is None:
            floor = self._floor()
            self._next = (floor + 1) if floor is not None else 0
        value = self._next
        self._next += 1
        return value
