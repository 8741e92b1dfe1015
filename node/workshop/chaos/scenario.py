"""What a scenario is: a name, how many RPC endpoints its node has, and `play`, which injects its faults on a
running world and returns a `Mark` per fault, from which the runner times recovery."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.workshop.chaos.env import ChaosEnv, ChaosError
from node.workshop.chaos.load import Load
from node.workshop.chaos.watch import Watcher

RECOVERY_AIM_S = 10.0
FAILOVER_AIM_S = 5.0
BEGAN = time.monotonic()  # progress lines count from here


@dataclass(frozen=True)
class Options:
    """A run's settings: `short` picks the short form of each fault, `kills` how many node kills."""

    short: bool = True
    kills: int = 2
    seed: int = 0

    def pick(self, short: Any, long: Any) -> Any:
        return short if self.short else long


@dataclass(frozen=True)
class Mark:
    """One fault: when it began and ended (monotonic seconds) and the head when it ended.

    Recovery is timed from `end` to the first fulfilment seen after it that was sent after `sent_from`: by a
    transaction whose sequence (the transmitter's nonce on EVM, the slot on Solana) is at least that, so one
    sent before the fault and landing late does not count; with `ids`, to the last of those requests
    fulfilled; with `until_sent`, to the moment a live endpoint passed such a fulfilment transaction on to the
    chain (the node's own recovery, without the chain's block time: failover). It must be within `aim_s`. A
    fault that does not end (failover) ends where it began. A fulfilment that landed and was then taken out by a
    later fault (a reorganisation) still times this one's recovery.
    """

    kind: str
    start: float
    end: float
    block: int
    aim_s: float = RECOVERY_AIM_S
    ids: tuple[str, ...] = ()
    sent_from: int | None = None
    until_sent: bool = False
    note: str = ""


class Stage:
    """A running world as a scenario sees it."""

    def __init__(self, env: ChaosEnv, options: Options) -> None:
        self.env = env
        self.options = options
        self.random = random.Random(options.seed)

    @property
    def watcher(self) -> Watcher:
        if self.env.watcher is None:
            raise ChaosError("the world has no watcher")
        return self.env.watcher

    @property
    def load(self) -> Load:
        if self.env.load is None:
            raise ChaosError("the world has no load")
        return self.env.load

    @staticmethod
    def say(message: str) -> None:
        """A progress line on stderr, with the minutes and seconds since the run began."""
        minutes, seconds = divmod(int(time.monotonic() - BEGAN), 60)
        print(f"chaos {minutes:02d}:{seconds:02d} {message}", file=sys.stderr, flush=True)

    def sleep(self, seconds: float) -> None:
        """Wait, noting an exit of the node on the way."""
        self.env.sleep(seconds)

    def mark(self, kind: str, start: float, **kw: Any) -> Mark:
        """A fault that began at `start` and ends now."""
        sent_from = self.env.transmitter_nonce()
        return Mark(kind=kind, start=start, end=time.monotonic(), block=self.env.head(), sent_from=sent_from, **kw)

    def wait_fulfilled(self, request_id: str, timeout: float) -> bool:
        return self.watcher.wait(lambda: self.watcher.fulfilled(request_id), timeout)


@dataclass(frozen=True)
class Scenario:
    """`play` injects the faults in an EVM world with `endpoints` proxies; a scenario in a world of its own
    has `runs` instead: (scenario, options, root, rate, verify sample) -> its entry of the report."""

    name: str
    about: str
    play: Callable[[Stage], list[Mark]] | None = None
    endpoints: int = 1
    runs: Callable[[Scenario, Options, Path, float, int], dict[str, Any]] | None = None
