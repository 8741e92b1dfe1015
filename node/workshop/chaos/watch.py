"""Requests and fulfilments as they land, read straight from the chain a few times a second: when each fulfilment
was first seen, and when the open requests drained. It times recovery; the counts come from `count` at the end.
`Lookout` is the polling thread and its questions, whatever the chain; `Watcher` reads an EVM oracle's logs.

Each `Watcher` poll reads the logs of the last `REREAD` blocks again, so a reorg shallower than that replaces what
was read of the blocks it rewrote.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Self

from web3 import Web3

from chains.evm.adapter import FULFILLED, REQUESTED
from node.workshop.chaos.world import ChaosError

REREAD = 64
POLL_S = 0.2
LOG_CHUNK = 2000


@dataclass(frozen=True)
class Poll:
    """One read: when, the head, and the block of the oldest request still open then (None: none open)."""

    at: float
    head: int
    oldest_open: int | None


@dataclass(frozen=True)
class BlockLogs:
    requested: tuple[str, ...]
    fulfilled: tuple[tuple[str, str], ...]  # (request id, transaction hash)


class Lookout(ABC):
    """Reads the chain every `POLL_S` (`poll`) from a thread of its own and answers when fulfilments were first
    seen and when the open requests drained.

    A `poll` notes each fulfilment it finds (`_note`, under `_lock`) at the time it first saw it, and appends a
    `Poll`; a poll that raises is counted in `errors` and the next one reads again. Implements what the runner's
    `Follower` asks.

    `_seen` holds the fulfilments on the chain now; `_landings` every landing ever seen, also of one a later
    reorganisation took out: the node had served again when it landed, whatever a later fault did to it.
    """

    thread_name: ClassVar[str] = "chaos-watch"

    def __init__(self) -> None:
        self.polls: list[Poll] = []
        self.errors = 0
        self._seen: dict[tuple[str, str], float] = {}  # (request id, transaction) -> first seen
        self._landings: list[tuple[float, str, str]] = []  # (seen, request id, transaction), in order
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Poll once, then go on polling in the thread. Idempotent."""
        if self._thread is None:
            self.poll()
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling and join the thread. Idempotent."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(15)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - the chain itself is being restarted or rewritten: read again
                self.errors += 1

    def _note(self, key: tuple[str, str], now: float) -> None:
        """A fulfilment (request id, transaction) found on the chain by the poll at `now`; called under `_lock`."""
        if key not in self._seen:
            self._seen[key] = now
            self._landings.append((now, *key))

    @abstractmethod
    def poll(self) -> None:
        """Read the chain once: the fulfilments not seen yet, the requests open now; append a `Poll`."""

    @abstractmethod
    def open_count(self) -> int:
        """How many requests were open at the last poll."""

    def _request_blocks(self) -> dict[str, int]:
        """The block (or slot) each request on the chain was made in, by id; called under `_lock`.

        Raises:
            ChaosError: this watch does not know where requests were made.
        """
        raise ChaosError(f"{type(self).__name__} does not know the block a request was made in")

    def first_fulfilment_after(self, t: float, made_after_block: int | None = None) -> float | None:
        """When the first fulfilment first seen after `t` was seen (of a request made after `made_after_block`,
        when given); None if there is none yet."""
        with self._lock:
            made = {} if made_after_block is None else self._request_blocks()
            times = [at for key, at in self._seen.items() if at > t
                     and (made_after_block is None or made.get(key[0], -1) > made_after_block)]
        return min(times, default=None)

    def fulfilments_after(self, t: float) -> list[tuple[float, str, str]]:
        """(seen, request id, transaction) of the fulfilments that landed after `t`, in order: also those a later
        reorganisation took out (they time the recovery from a fault before it)."""
        with self._lock:
            return [landing for landing in self._landings if landing[0] > t]

    def fulfilled_after(self, t: float, request_ids: Iterable[str]) -> float | None:
        """When the last of `request_ids` was first seen fulfilled after `t`; None while one is not."""
        with self._lock:
            last = 0.0
            for rid in request_ids:
                times = [at for key, at in self._seen.items() if key[0] == rid and at > t]
                if not times:
                    return None
                last = max(last, min(times))
        return last

    def drained_after(self, t: float, block: int) -> float | None:
        """The first poll after `t` at which no request made at or before `block` was open; None if none yet."""
        for p in self.polls:
            if p.at >= t and (p.oldest_open is None or p.oldest_open > block):
                return p.at
        return None

    def wait(self, condition: Callable[..., object], timeout: float) -> bool:
        """Poll `condition()` until it is true or `timeout` seconds pass; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_S / 2)


class Watcher(Lookout):
    """Follows the oracle's `AssessmentRequested` and `AssessmentFulfilled` logs from block `since` on."""

    def __init__(self, rpc_url: str, oracle: str, since: int) -> None:
        super().__init__()
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        self.oracle = Web3.to_checksum_address(oracle)
        self.since = since
        self._blocks: dict[int, BlockLogs] = {}
        self._requested_at: dict[str, int] = {}
        self._fulfilled: set[str] = set()
        self._read_to = since - 1
        self.nonces: dict[str, int] = {}
        """Each fulfilment transaction's nonce, read when it first landed: one a later fault took out keeps it."""

    def poll(self) -> None:
        head = self.w3.eth.block_number
        low = max(self.since, min(self._read_to + 1, head - REREAD + 1))
        read: dict[int, tuple[list[str], list[tuple[str, str]]]] = {n: ([], []) for n in range(low, head + 1)}
        for start in range(low, head + 1, LOG_CHUNK):
            logs = self.w3.eth.get_logs({"address": self.oracle, "fromBlock": start,
                                         "toBlock": min(head, start + LOG_CHUNK - 1),
                                         "topics": [[REQUESTED, FULFILLED]]})  # type: ignore[list-item]
            for log in logs:
                n = int(log["blockNumber"])
                if n not in read:
                    continue  # mined after the head was read: the next poll has it
                rid = "0x" + bytes(log["topics"][1]).hex()
                if "0x" + bytes(log["topics"][0]).hex() == REQUESTED:
                    read[n][0].append(rid)
                else:
                    read[n][1].append((rid, "0x" + bytes(log["transactionHash"]).hex()))
        now = time.monotonic()
        for _, fulfilled in read.values():
            for _, tx in fulfilled:
                if tx not in self.nonces:
                    self.nonces[tx] = int(self.w3.eth.get_transaction(tx)["nonce"])  # type: ignore[arg-type]
        with self._lock:
            for n in [n for n in self._blocks if n > head]:
                del self._blocks[n]  # the chain is shorter than it was
            for n, (requested, fulfilled) in read.items():
                self._blocks[n] = BlockLogs(tuple(requested), tuple(fulfilled))
            canonical = {key for b in self._blocks.values() for key in b.fulfilled}
            # a fulfilment a reorg took out is forgotten: if the same transaction lands again, that is a new time
            self._seen = {key: at for key, at in self._seen.items() if key in canonical}
            for key in canonical:
                self._note(key, now)
            self._read_to = head
            self._requested_at = {rid: n for n, b in self._blocks.items() for rid in b.requested}
            self._fulfilled = {rid for b in self._blocks.values() for rid, _ in b.fulfilled}
            open_blocks = [n for rid, n in self._requested_at.items() if rid not in self._fulfilled]
            self.polls.append(Poll(now, head, min(open_blocks) if open_blocks else None))

    # questions
    @property
    def head(self) -> int:
        return self.polls[-1].head if self.polls else self.since

    def requested(self, low: int = 0, high: int | None = None) -> list[str]:
        """Ids of the requests now on the chain, made in blocks `low`..`high`."""
        with self._lock:
            return [rid for rid, n in self._requested_at.items() if n >= low and (high is None or n <= high)]

    def block_of(self, request_id: str) -> int | None:
        with self._lock:
            return self._requested_at.get(request_id)

    def fulfilled(self, request_id: str) -> bool:
        with self._lock:
            return request_id in self._fulfilled

    def open_count(self) -> int:
        with self._lock:
            return sum(1 for rid in self._requested_at if rid not in self._fulfilled)

    def _request_blocks(self) -> dict[str, int]:
        return self._requested_at
