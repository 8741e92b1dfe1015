"""A fee spike: the base fee held above the node's fee cap for a while, then back to 1 gwei."""

from __future__ import annotations

import time

from node.workshop.chaos.env import MAX_FEE_GWEI
from node.workshop.chaos.scenario import Mark, Stage

SPIKE_GWEI = 2 * MAX_FEE_GWEI
HOLD_EVERY_S = 0.25  # anvil's setting holds for the next block only: set it again before each block
GWEI = 10**9


def fee_spike(stage: Stage) -> list[Mark]:
    env = stage.env
    stage.sleep(2.0)
    seconds = stage.options.pick(10.0, 60.0)
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            env.rpc("anvil_setNextBlockBaseFeePerGas", [hex(SPIKE_GWEI * GWEI)])
            stage.sleep(HOLD_EVERY_S)
    finally:
        env.rpc("anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
    return [stage.mark("fee spike", start, note=f"base fee {SPIKE_GWEI} gwei > cap {MAX_FEE_GWEI} for {seconds:g} s")]
