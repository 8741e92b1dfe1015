"""Faults of the node's own processes: the node killed under load, its enclave frozen or killed."""

from __future__ import annotations

import os
import signal
import time

from node.workshop.chaos.scenario import Mark, Stage

RECOVERED_WITHIN_S = 30.0  # the next kill waits at most this long for a fulfilment after the last restart


def node_kills(stage: Stage) -> list[Mark]:
    """SIGKILL the node at a random moment of its work, then start it again at once or after a pause; the
    next kill comes once a fulfilment shows it working again."""
    marks = []
    watcher = stage.watcher
    for i in range(stage.options.kills):
        stage.sleep(stage.random.uniform(0.0, 3.0))
        start = time.monotonic()
        stage.env.kill_node()
        pause = 0.0 if stage.random.random() < 0.5 else stage.random.uniform(1.0, 5.0)
        stage.sleep(pause)
        stage.env.start_node()
        mark = stage.mark("node_kill", start, note=f"restarted after {pause:.1f} s")
        marks.append(mark)
        stage.say(f"node kill {i + 1}/{stage.options.kills}, restarted after {pause:.1f} s")
        watcher.wait(lambda t=mark.end: watcher.first_fulfilment_after(t) is not None, RECOVERED_WITHIN_S)
    return marks


def enclave_freeze(stage: Stage) -> list[Mark]:
    """SIGSTOP the enclave under load, SIGCONT it after a while. A freeze longer than the node's supervisor
    allows (30 s) ends sooner: the supervisor kills the frozen enclave and starts another, and the SIGCONT
    finds nothing."""
    stage.sleep(2.0)
    pid = stage.env.enclave_pid()
    seconds = stage.options.pick(8.0, 35.0)
    start = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    replaced = False
    try:
        stage.sleep(seconds)
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            replaced = True
    note = f"{seconds:g} s" + (", the supervisor replaced the frozen enclave" if replaced else "")
    return [stage.mark("enclave_freeze", start, note=note)]


def enclave_kill(stage: Stage) -> list[Mark]:
    """SIGKILL the enclave under load: the node is to go on signing (a new enclave) without outside help."""
    stage.sleep(2.0)
    pid = stage.env.enclave_pid()
    start = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    return [stage.mark("enclave_kill", start)]
