"""Runs scenarios, each in a world of its own, and builds the report: per scenario the chain's count, the
recovery times and whether the aims were met (0 lost, 0 duplicated, 0 wrong, recovery within each fault's
aim); in all, the sums.

A scenario: the world starts, the load runs until the node's first fulfilment, the scenario plays its faults,
the load goes on a few seconds more and stops, the open requests get `drain_s` to be fulfilled, the node is
stopped, and the chain is counted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from node.workshop.chaos.count import ChainCount, Tally, verify_sample
from node.workshop.chaos.env import ChaosEnv, ChaosError
from node.workshop.chaos.scenario import Mark, Options, Scenario, Stage

WARMUP_S = 40.0
TAIL_S = 3.0
DRAIN_SHORT_S = 30.0
DRAIN_LONG_S = 120.0
ERROR_CHARS = 2000
NOTES = 5
LISTED_FAULTS = 10  # up to this many faults, each one's recovery is listed


class Follower(Protocol):
    """What the runner asks of a chain's watcher (`Watcher` on EVM)."""

    def first_fulfilment_after(self, t: float, made_after_block: int | None = None) -> float | None: ...

    def fulfilled_after(self, t: float, request_ids: Iterable[str]) -> float | None: ...

    def fulfilments_after(self, t: float) -> list[tuple[float, str, str]]: ...

    def drained_after(self, t: float, block: int) -> float | None: ...


def recovery(mark: Mark, watcher: Follower, sequence_of: Callable[[str], int] | None = None,
             sent_at: Callable[[float, int], float | None] | None = None) -> float | None:
    """Seconds from the fault's end to the recovery its mark names; None when it did not recover.
    `sequence_of` gives a fulfilment transaction's sequence (nonce or slot), for marks with `sent_from`;
    `sent_at(t, n)` when an endpoint first passed on a transaction of sequence n or more after t."""
    if mark.until_sent and mark.sent_from is not None and sent_at is not None:
        at = sent_at(mark.end, mark.sent_from)
    elif mark.ids:
        at = watcher.fulfilled_after(mark.end, mark.ids)
    elif mark.sent_from is not None and sequence_of is not None:
        at = next((seen for seen, _, tx in watcher.fulfilments_after(mark.end) if sequence_of(tx) >= mark.sent_from),
                  None)
    else:
        at = watcher.first_fulfilment_after(mark.end)
    return None if at is None else round(at - mark.end, 2)


def drained(mark: Mark, watcher: Follower) -> float | None:
    at = watcher.drained_after(mark.end, mark.block)
    return None if at is None else round(at - mark.end, 2)


def judge(marks: list[Mark], watcher: Follower, sequence_of: Callable[[str], int] | None = None,
          sent_at: Callable[[float, int], float | None] | None = None) -> dict[str, Any]:
    """The recovery part of a scenario's entry: each fault's recovery against its aim, and the backlog's drain."""
    recoveries = [recovery(m, watcher, sequence_of, sent_at) for m in marks]
    drains = [drained(m, watcher) for m in marks]
    missed = [f"{m.kind}: " + ("no recovery" if r is None else f"recovery {r} s > {m.aim_s:g} s")
              for m, r in zip(marks, recoveries) if r is None or r > m.aim_s]
    known = [r for r in recoveries if r is not None]
    return {
        "faults": len(marks),
        "recovery_s": None if None in recoveries or not known else max(known),
        "recovery_median_s": round(statistics.median(known), 2) if known else None,
        "recoveries_s": recoveries if len(recoveries) <= LISTED_FAULTS else None,
        "drain_s": None if None in drains or not drains else max(d for d in drains if d is not None),
        "aim_s": min((m.aim_s for m in marks), default=None),
        "missed": missed[:NOTES],
        "notes": [f"{m.kind}: {m.note}" for m in marks if m.note][:NOTES],
    }


def entry(tally: Tally, judged: dict[str, Any], exits: list[str]) -> dict[str, Any]:
    """A scenario's entry from the chain's count and the recovery times: ok when the aims are met."""
    counted = tally.to_json()
    detail = {k: v for k, v in counted.pop("detail").items() if v}
    result = {**counted, **judged, "node_exits": exits[:NOTES], "detail": detail}
    result["ok"] = (tally.requests > 0 and not tally.lost and not tally.duplicated and not tally.wrong
                    and not judged["missed"])
    return result


def guarded(scenario: Scenario, play: Callable[[], dict[str, Any]], teardown: Callable[[], None]) -> dict[str, Any]:
    """`play()`'s entry, or one that says why it failed; `teardown()` in any case."""
    began = time.monotonic()
    Stage.say(f"{scenario.name}: {scenario.about}")
    try:
        result = play()
    except Exception as e:  # noqa: BLE001 - one scenario's failure is its entry; the others still run
        result = {"ok": False, "error": f"{type(e).__name__}: {e}"[:ERROR_CHARS]}
    finally:
        teardown()
    result["elapsed_s"] = round(time.monotonic() - began, 1)
    Stage.say(f"{scenario.name}: {'ok' if result['ok'] else 'MISSED'} {_brief(result)}")
    return result


def run_scenario(scenario: Scenario, options: Options, root: Path, rate: float, verify: int) -> dict[str, Any]:
    """Play `scenario` in a new EVM world under `root`; its entry of the report."""
    env = ChaosEnv(root / scenario.name, endpoints=scenario.endpoints, rate=rate, seed=options.seed)
    return guarded(scenario, lambda: _play(scenario, env, options, verify), env.stop)


def _play(scenario: Scenario, env: ChaosEnv, options: Options, verify: int) -> dict[str, Any]:
    say = Stage.say
    began = time.monotonic()
    env.start()
    stage = Stage(env, options)
    watcher = stage.watcher
    if not watcher.wait(lambda: watcher.first_fulfilment_after(0.0) is not None, WARMUP_S):
        raise ChaosError(f"no fulfilment within {WARMUP_S:g} s of the start; node log:\n{_tail(env)}")
    say(f"{scenario.name}: serving after {time.monotonic() - began:.1f} s; faults begin")
    if scenario.play is None:
        raise ChaosError(f"scenario {scenario.name} has nothing to play in an EVM world")
    marks = scenario.play(stage)
    stage.sleep(TAIL_S)
    stage.load.stop()
    say(f"{scenario.name}: faults over, {stage.load.sent} requests sent; draining")
    # each check polls afresh: a request sent just before the load stopped must be seen before "none open" counts
    def none_open() -> bool:
        watcher.poll()
        return watcher.open_count() == 0

    watcher.wait(none_open, options.pick(DRAIN_SHORT_S, DRAIN_LONG_S))
    env.check_node()
    env.stop_node()
    watcher.poll()
    judged = judge(marks, watcher, lambda tx: _nonce(env, tx), env.first_send)
    say(f"{scenario.name}: {watcher.open_count()} open after the drain; counting from the chain")
    counter = ChainCount(env.chain.url, env.devnet.oracle, env.devnet.transmitter, env.devnet.deploy_block)
    tally = counter.count()
    verify_sample(Path(env.devnet.config_path), env.chain.url, env.devnet.measurement, counter.fulfilled_ids(),
                  verify, options.seed, tally)
    return entry(tally, judged, env.unexpected_exits)


def run(scenarios: list[Scenario], options: Options, root: Path, *, rate: float = 4.0,
        verify: int = 3) -> dict[str, Any]:
    """Every scenario in turn (in its own runner when it has one); the report with the sums over them."""
    began = time.monotonic()
    results = {s.name: (s.runs or run_scenario)(s, options, root, rate, verify) for s in scenarios}
    sums = {k: sum(int(r.get(k) or 0) for r in results.values())
            for k in ("requests", "lost", "duplicated", "wasted", "wrong")}
    return {**sums, "ok": all(r["ok"] for r in results.values()), "short": options.short, "seed": options.seed,
            "elapsed_s": round(time.monotonic() - began, 1), "scenarios": results}


def _nonce(env: ChaosEnv, tx_hash: str) -> int:
    """The fulfilment transaction's nonce, as the watcher read it when the transaction landed (a later
    reorganisation may have taken it out since), else from the chain."""
    known = env.watcher.nonces.get(tx_hash) if env.watcher is not None else None
    if known is not None:
        return known
    return int(env.w3.eth.get_transaction(tx_hash)["nonce"])  # type: ignore[arg-type]


def _brief(result: dict[str, Any]) -> str:
    keys = ("requests", "lost", "duplicated", "wasted", "wrong", "recovery_s", "drain_s", "error")
    return " ".join(f"{k}={result[k]}" for k in keys if k in result)


def _tail(env: ChaosEnv) -> str:
    log = env.root / "node.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-15:]) if log.exists() else "(no log)"
