"""Solana kills with blockhash expiry: the node SIGKILLed under load on the local Solana endpoint, and while it is
down the slots jump past the age a blockhash stays valid (150 slots), so every fulfilment it had signed and
stored can no longer land; it is restarted at once or after a pause. A world of its own (runner `run_kills`)."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from node.workshop.chaos.count import verify_sample
from node.workshop.chaos.runner import DRAIN_LONG_S, DRAIN_SHORT_S, TAIL_S, WARMUP_S, entry, guarded, judge
from node.workshop.chaos.scenario import Mark, Options, Scenario, Stage
from node.workshop.chaos.solana_count import SolanaCount
from node.workshop.chaos.solana_env import SolanaWorld
from node.workshop.chaos.solana_load import SolanaLoad
from node.workshop.chaos.solana_watch import SolanaWatch
from node.workshop.chaos.world import ChaosError

EXPIRY_SLOTS = 160  # past MAX_PROCESSING_AGE (150): the blockhashes signed before the kill are gone
RECOVERED_WITHIN_S = 30.0


def run_kills(scenario: Scenario, options: Options, root: Path, rate: float, verify: int) -> dict[str, Any]:
    world = SolanaWorld(root / scenario.name, rate=rate, seed=options.seed)
    return guarded(scenario, lambda: _play(scenario, world, options, verify), world.stop)


def _parts(world: SolanaWorld) -> tuple[SolanaWatch, SolanaLoad]:
    if world.watch is None or world.load is None:
        raise ChaosError("the Solana world has not been started")
    return world.watch, world.load


def kills(world: SolanaWorld, options: Options) -> list[Mark]:
    rnd = random.Random(options.seed)
    watch, load = _parts(world)
    marks = []
    for i in range(options.kills):
        world.sleep(rnd.uniform(0.0, 3.0))
        start = time.monotonic()
        world.kill_node()
        with load.paused():
            world.control("aura_advanceSlots", EXPIRY_SLOTS)
        pause = 0.0 if rnd.random() < 0.5 else rnd.uniform(1.0, 5.0)
        world.sleep(pause)
        world.start_node()
        end = time.monotonic()
        slot = world.slot()
        marks.append(Mark(kind="solana_kill", start=start, end=end, block=slot, sent_from=slot,
                          note=f"{EXPIRY_SLOTS} slots skipped, restarted after {pause:.1f} s"))
        Stage.say(f"Solana node kill {i + 1}/{options.kills}, {EXPIRY_SLOTS} slots skipped, restarted after "
                  f"{pause:.1f} s")
        watch.wait(lambda t=end: watch.first_fulfilment_after(t) is not None, RECOVERED_WITHIN_S)
    return marks


def _play(scenario: Scenario, world: SolanaWorld, options: Options, verify: int) -> dict[str, Any]:
    began = time.monotonic()
    world.start()
    watch, load = _parts(world)
    if not watch.wait(lambda: watch.first_fulfilment_after(0.0) is not None, WARMUP_S):
        raise ChaosError(f"no Solana fulfilment within {WARMUP_S:g} s of the start")
    Stage.say(f"{scenario.name}: serving after {time.monotonic() - began:.1f} s; faults begin")
    marks = kills(world, options)
    world.sleep(TAIL_S)
    load.stop()
    Stage.say(f"{scenario.name}: faults over, {load.sent} requests sent; draining")
    # each check polls afresh: a request sent just before the load stopped must be seen before "none open" counts
    def none_open() -> bool:
        watch.poll()
        return watch.open_count() == 0

    watch.wait(none_open, options.pick(DRAIN_SHORT_S, DRAIN_LONG_S))
    world.check_node()
    world.stop_node()
    watch.poll()
    judged = judge(marks, watch, watch.slot_of)
    endpoint = world.endpoint
    if endpoint is None:
        raise ChaosError("the Solana endpoint is gone")
    counter = SolanaCount(endpoint.url, world.devnet)
    tally = counter.count()
    verify_sample(world.config, endpoint.url, world.measurement, counter.fulfilled_ids(), verify, options.seed,
                  tally)
    return entry(tally, judged, world.unexpected_exits)
