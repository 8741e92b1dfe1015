"""chains/trail.py: a poller's cursor finds the fork point after a reorganisation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from chains.trail import Cursor, Trail


class Chain:
    def __init__(self, hashes: dict[int, str]) -> None:
        self.hashes = hashes
        self.asked: list[int] = []

    async def hash_at(self, number: int) -> str | None:
        self.asked.append(number)
        return self.hashes.get(number)


def at(number: int) -> Callable[[], Awaitable[int]]:
    async def floor() -> int:
        return number

    return floor


def test_a_cursor_reads_and_writes_its_number_and_hash() -> None:
    assert Cursor.parse("12:0xab") == Cursor(12, "0xab") and str(Cursor(12, "0xab")) == "12:0xab"
    assert Cursor.parse("12") == Cursor(12) and str(Cursor(12)) == "12"
    with pytest.raises(ValueError, match="invalid literal for int"):
        Cursor.parse("twelve:0xab")


async def test_a_cursor_still_on_the_chain_resumes_where_it_stopped() -> None:
    chain = Chain({10: "a10"})
    trail = Trail()
    assert await trail.resume_after(Cursor(10, "a10"), chain.hash_at, floor_of=at(0)) == 10
    assert chain.asked == [10] and trail.reorgs == 0


async def test_a_cursor_without_a_hash_is_trusted() -> None:
    chain = Chain({})
    assert await Trail().resume_after(Cursor(10), chain.hash_at, floor_of=at(0)) == 10
    assert chain.asked == []


async def test_after_a_reorg_it_resumes_from_the_newest_remembered_block_still_on_the_chain() -> None:
    trail = Trail()
    for n in (4, 6, 8, 10):
        trail.mark(Cursor(n, f"a{n}"))
    chain = Chain({4: "a4", 6: "a6", 8: "b8", 10: "b10"})  # forked after block 6
    assert await trail.resume_after(Cursor(10, "a10"), chain.hash_at, floor_of=at(2)) == 6
    assert chain.asked == [10, 8, 6] and trail.reorgs == 1
    trail.mark(Cursor(10, "b10"))
    assert await trail.resume_after(Cursor(10, "b10"), chain.hash_at, floor_of=at(2)) == 10


async def test_remembering_no_block_on_the_chain_it_resumes_from_the_floor() -> None:
    trail = Trail()
    trail.mark(Cursor(9, "a9"))
    chain = Chain({9: "b9", 10: "b10"})
    assert await trail.resume_after(Cursor(10, "a10"), chain.hash_at, floor_of=at(5)) == 5


async def test_a_remembered_block_below_the_floor_is_not_looked_at() -> None:
    trail = Trail()
    trail.mark(Cursor(3, "a3"))
    chain = Chain({3: "a3"})
    assert await trail.resume_after(Cursor(10, "a10"), chain.hash_at, floor_of=at(5)) == 5
    assert chain.asked == [10]


def test_the_trail_keeps_its_size_and_forgets_marks_above_a_new_one() -> None:
    trail = Trail(size=3)
    for n in range(1, 7):
        trail.mark(Cursor(n, f"a{n}"))
    assert trail.marks == (Cursor(4, "a4"), Cursor(5, "a5"), Cursor(6, "a6"))
    trail.mark(Cursor(5, "b5"))
    assert trail.marks == (Cursor(4, "a4"), Cursor(5, "b5"))
