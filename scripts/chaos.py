"""`make chaos`: the node under injected faults on a local anvil, counted from the chain at the end.

Each scenario runs in a world of its own (anvil with 1 s blocks, the contracts, the node as its own process
reading through loopback fault proxies, requesters sending `requestAssessment` at a steady rate): node kills,
enclave freeze and kill, RPC refusal, black hole, delays, 429s, failures, a range-capped `eth_getLogs`,
failover between two endpoints, a fee spike above the node's cap, reorgs below and above the confirmations
and past the finality depth; and node kills on the local Solana endpoint with the blockhashes the node signed
with expired while it is down. See node/workshop/chaos/.

Progress goes to stderr; the last stdout line is one JSON object: requests, lost, duplicated, wasted, wrong
in all, and per scenario its counts, recovery seconds and whether it met the aims (0 lost, 0 duplicated,
0 wrong, failover within 5 s, recovery within 10 s of a fault's end). Exits 1 when an aim is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node.workshop.chaos.runner import run  # noqa: E402
from node.workshop.chaos.scenario import Options  # noqa: E402
from node.workshop.chaos.scenarios import SCENARIOS, SHORT  # noqa: E402

LONG_KILLS = 100
SHORT_KILLS = 2


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through every world's teardown, which ends its child processes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--short", action="store_true",
                    help=f"the short run of `make test`: short faults, scenarios {','.join(SHORT)}")
    ap.add_argument("--scenarios", help=f"comma-separated, from: {','.join(SCENARIOS)}")
    ap.add_argument("--kills", type=int, help=f"node kills (default {SHORT_KILLS} short, {LONG_KILLS} long)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=4.0, help="requests sent per second")
    ap.add_argument("--verify", type=int, help="fulfilments per scenario recomputed with `aura verify`'s "
                                               "library (-1: all; default 3 short, 10 long)")
    ap.add_argument("--dir", default=str(ROOT / ".aura" / "chaos"))
    args = ap.parse_args(argv)

    names = args.scenarios.split(",") if args.scenarios else list(SHORT if args.short else SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    kills = args.kills if args.kills is not None else (SHORT_KILLS if args.short else LONG_KILLS)
    options = Options(short=args.short, kills=kills, seed=args.seed)
    verify = args.verify if args.verify is not None else (3 if args.short else 10)
    root = Path(args.dir)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        report = run([SCENARIOS[n] for n in names], options, root, rate=args.rate, verify=verify)
    except KeyboardInterrupt:
        print("chaos: interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    print(json.dumps(report), flush=True)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
