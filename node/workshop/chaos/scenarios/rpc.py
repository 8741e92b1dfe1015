"""Faults of the RPC between the node and its chain, made by the proxy the node reads and sends through."""

from __future__ import annotations

import time
from collections.abc import Callable

from node.workshop.chaos.proxy import PASS, Faults
from node.workshop.chaos.scenario import FAILOVER_AIM_S, Mark, Stage

CAPPED_RANGE = 1000
BLOCKS_BEHIND = 1200  # more than the cap: the node has to read its way back in smaller windows


def outage(kind: str, faults: Faults, short_s: float, long_s: float) -> Callable[[Stage], list[Mark]]:
    """A scenario: the node's only endpoint does `faults` for a while, then heals."""

    def play(stage: Stage) -> list[Mark]:
        stage.sleep(2.0)
        proxy = stage.env.proxies[0]
        seconds = stage.options.pick(short_s, long_s)
        start = time.monotonic()
        proxy.set(faults)
        try:
            stage.sleep(seconds)
        finally:
            proxy.set(PASS)
        return [stage.mark(kind, start, note=f"{seconds:g} s")]

    return play


def range_cap(stage: Stage) -> list[Mark]:
    """The node is down while the chain moves BLOCKS_BEHIND blocks on, and comes back to an endpoint that
    refuses `eth_getLogs` over CAPPED_RANGE blocks (and keeps refusing to the end)."""
    env = stage.env
    stage.sleep(2.0)
    start = time.monotonic()
    env.kill_node()
    stage.sleep(2.0)
    down_from = env.head()
    env.mine(BLOCKS_BEHIND)
    stage.sleep(2.0)
    env.proxies[0].set(Faults(log_range_cap=CAPPED_RANGE))
    env.start_node()
    stage.watcher.poll()
    backlog = tuple(stage.watcher.requested(low=down_from))
    return [stage.mark("getlogs_range_cap", start, ids=backlog,
                       note=f"{len(backlog)} requests made while the node was down, {BLOCKS_BEHIND} blocks back")]


def failover(stage: Stage) -> list[Mark]:
    """The first endpoint black-holes every call, later the second refuses connections: each time the node
    is to go on through the other one. Timed to the first fulfilment transaction signed after the fault began
    that the live endpoint passed on to the chain."""
    env = stage.env
    marks = []
    seconds = stage.options.pick(6.0, 30.0)
    for proxy, faults, kind in ((env.proxies[0], Faults(blackhole=True), "failover from a black hole"),
                                (env.proxies[1], Faults(refuse=True), "failover from a refusal")):
        stage.sleep(3.0)
        nonce = env.transmitter_nonce()
        start = time.monotonic()
        proxy.set(faults)
        try:
            stage.sleep(seconds)
        finally:
            proxy.set(PASS)
        marks.append(Mark(kind=kind, start=start, end=start, block=env.head(), aim_s=FAILOVER_AIM_S,
                          sent_from=nonce, until_sent=True, note=f"{proxy.name} down {seconds:g} s"))
    return marks
