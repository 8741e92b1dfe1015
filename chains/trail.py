"""Where a request poller stopped, and how it finds its way back after a reorganisation.

A cursor names the last block read, by number and hash (`"<number>:<hash>"`; a bare number is a cursor written
before hashes were kept, and is trusted). Before reading on, the poller checks that this block is still the
chain's; when it is not, it reads again from the newest block it remembers that still is (the fork point), or,
remembering none, from the chain's finalized block. Requests read again come back with their logs as the new
branch has them (node/store.py takes a changed log and starts the request over).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

HashAt = Callable[[int], Awaitable[str | None]]
"""The canonical hash of block `number`, or None when the chain has no such block (yet)."""
Floor = Callable[[], Awaitable[int]]
"""A block that cannot change any more (the finalized head), asked for only after a reorganisation."""


@dataclass(frozen=True)
class Cursor:
    number: int
    hash: str = ""

    @classmethod
    def parse(cls, text: str) -> Cursor:
        number, _, block_hash = text.partition(":")
        return cls(int(number), block_hash)

    def __str__(self) -> str:
        return f"{self.number}:{self.hash}" if self.hash else str(self.number)


class Trail:
    """The (number, hash) of the last `size` cursors one poller committed, newest last."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._marks: list[Cursor] = []
        self.reorgs = 0
        """Reorganisations found so far (for health and metrics)."""

    @property
    def marks(self) -> tuple[Cursor, ...]:
        """The cursors remembered, oldest first."""
        return tuple(self._marks)

    def mark(self, cursor: Cursor) -> None:
        if cursor.hash:
            self._marks = [m for m in self._marks if m.number < cursor.number][-(self.size - 1):] + [cursor]

    async def resume_after(self, cursor: Cursor, hash_at: HashAt, floor_of: Floor) -> int:
        """The block to read on from: `cursor`'s own while it is still the chain's, else the fork point.

        Args:
            cursor: where the poller stopped.
            hash_at: the canonical hash of a block.
            floor_of: a block that cannot change (the finalized head, or the first block the poller reads from,
                minus one): the fork point when no remembered block is still the chain's.
        """
        if not cursor.hash or await hash_at(cursor.number) == cursor.hash:
            return cursor.number
        self.reorgs += 1
        floor = await floor_of()
        for mark in reversed(self._marks):
            if mark.number < cursor.number and mark.number >= floor and await hash_at(mark.number) == mark.hash:
                self._marks = [m for m in self._marks if m.number <= mark.number]
                return mark.number
        self._marks = [m for m in self._marks if m.number <= floor]
        return min(floor, cursor.number)
