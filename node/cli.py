"""`aura`: the operator's command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from chains.core.assessment import PRIVATE_TIER
from chains.core.errors import AuraError, InvalidParams, NotSupported

TIERS = ("Basic", "Standard", "Premium")
COMMANDS = "aura.commands"  # entry points adding commands (the workshop's devnet, demo, model)


def _config(path: str) -> Any:
    from node.config import load_config

    return load_config(path)


def _existing_store(cfg: Any) -> Any:
    """The node's store, which a node run with this config made; AuraError when there is none."""
    from node.store import Store

    db = cfg.node.data_dir / "aura.sqlite"
    if not db.exists():
        raise AuraError(f"no store at {db}: the node has not run with this config yet")
    return Store(db)


def cmd_init(args: argparse.Namespace) -> int:
    """Write a config for one chain, create the transmitter key and seal the enclave key under --dir
    (node/operator_init.py)."""
    from node.operator_init import InitOptions, init_node

    secret = None if args.commitment_secret_file is None else Path(args.commitment_secret_file)
    options = InitOptions(family=args.family, name=args.name, chain_id=args.chain_id, endpoint=args.rpc_url,
                          oracle=args.oracle, settings=args.set, force=args.force, commitment_secret_file=secret)
    print(json.dumps(init_node(Path(args.dir), options), indent=2))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from node.daemon import run_node
    from node.logs import setup_logging

    cfg = _config(args.config)
    setup_logging(cfg.node.log_level, cfg.node.log_format)
    return asyncio.run(run_node(cfg))


def cmd_request(args: argparse.Namespace) -> int:
    """Act as a consumer: send a request to the chain's oracle, optionally wait for the score. The chain's family
    does the sending (`Family.consumer`); exit status 1 when --wait ran out before the score came."""
    from chains.registry import FAMILIES

    cfg = _config(args.config)
    chain = next((c for c in cfg.chains if c.name == args.chain or args.chain is None), None)
    if chain is None:
        raise AuraError(f"no chain named {args.chain!r} in {args.config}")
    consumer = FAMILIES[chain.family].consumer
    if consumer is None:
        raise NotSupported(chain.family, "aura request")
    try:
        params = bytes.fromhex(args.params.removeprefix("0x"))
    except ValueError:
        raise InvalidParams(f"--params {args.params!r} is not hex") from None
    out = asyncio.run(consumer(chain, subject=args.subject, params=params,
                               requester_key=Path(args.requester_key) if args.requester_key else None,
                               config_dir=Path(args.config).resolve().parent, wait=args.wait, timeout=args.timeout,
                               private=args.private))
    if "tier" in out:
        out["tier"] = "Private" if out["tier"] == PRIVATE_TIER else TIERS[out["tier"]]
    print(json.dumps(out, indent=2))
    return 0 if out.get("status", "fulfilled") == "fulfilled" else 1


def cmd_watch(args: argparse.Namespace) -> int:
    """The watch-list (node/watchlist.py): wallets a running node re-scores on a schedule (node/rescoring.py).
    `add` and `remove` take effect in a running node within its reconcile period (30 s)."""
    from chains.registry import FAMILIES
    from node.watchlist import WatchList, parse_every

    cfg = _config(args.config)
    watchlist = WatchList(cfg.node.data_dir / "aura.sqlite") if cfg.node.data_dir.is_dir() else None
    if args.action == "list":
        rows = [] if watchlist is None else watchlist.watches()
        listed = [{"chain": w.chain, "subject": w.subject, "every_s": w.every_s,
                   "last": _last_offchain(watchlist, w.chain, w.subject)} for w in rows]
        print(json.dumps(listed, indent=2) if args.json else
              "\n".join(f"{w['chain']}  {w['subject']}  every {w['every_s']} s  last {w['last'] or '-'}"
                        for w in listed) or "no watches")
        return 0
    if args.chain is None or args.subject is None:
        raise InvalidParams(f"aura watch {args.action}: --chain and a subject are required")
    chain = next((c for c in cfg.chains if c.name == args.chain), None)
    if chain is None:
        raise AuraError(f"no chain named {args.chain!r} in {args.config}")
    family = FAMILIES[chain.family]
    raw = family.codec.read_id("subject", args.subject, "subject")
    subject = family.owner_message().id_text(raw) if family.owner_message is not None else args.subject
    if watchlist is None:
        cfg.node.data_dir.mkdir(parents=True, exist_ok=True)
        watchlist = WatchList(cfg.node.data_dir / "aura.sqlite")
    try:
        if args.action == "add":
            every = parse_every(args.every)
            new = watchlist.add(chain.name, subject, every)
            print(f"{'watching' if new else 'now every ' + str(every) + ' s:'} {subject} on {chain.name}"
                  f"{' every ' + str(every) + ' s' if new else ''}")
        else:
            watchlist.remove(chain.name, subject)
            print(f"no longer watching {subject} on {chain.name}")
    finally:
        watchlist.close()
    return 0


def cmd_api_key(args: argparse.Namespace) -> int:
    """The API's keys (node/api/keys.py, docs/api.md): a key lifts its holder from the per-address rate to the
    key's. Kept hashed in the node's database; a running node reads them on every request."""
    from node.api import ApiKeys
    from node.store import Store

    cfg = _config(args.config)
    store = Store(cfg.node.data_dir / "aura.sqlite")
    try:
        keys = ApiKeys(store.db)
        if args.action == "create":
            if not args.name:
                raise InvalidParams("aura api-key create: --name is required")
            record, key = keys.create(args.name, args.per_minute)
            print(json.dumps({"id": record.id, "name": record.name, "per_minute": record.per_minute, "key": key},
                             indent=2))
            print("the key is shown once: the node keeps only its hash", file=sys.stderr)
            return 0
        if args.action == "list":
            print(json.dumps([{"id": k.id, "name": k.name, "created_at": k.created_at, "revoked_at": k.revoked_at,
                               "per_minute": k.per_minute} for k in keys.list()], indent=2))
            return 0
        if not args.id:
            raise InvalidParams("aura api-key revoke: the key's id is required")
        if not keys.revoke(args.id):
            print(f"aura api-key: no active API key {args.id}", file=sys.stderr)
            return 1
        print(f"revoked {args.id}")
        return 0
    finally:
        store.close()


def _last_offchain(watchlist: Any, chain: str, subject: str) -> dict[str, Any] | None:
    last = watchlist.latest(chain, subject)
    return None if last is None else {"score": last.score, "tier": last.tier, "block_number": last.block_number,
                                      "moved": last.moved, "at": last.created_at}


def cmd_status(args: argparse.Namespace) -> int:

    cfg = _config(args.config)
    store = _existing_store(cfg)
    try:
        if args.request:
            row = store.request(args.request)
            if row is None:
                raise AuraError(f"no request {args.request} in {store.path}")
            print(json.dumps({"request": row, "assessment": store.assessment(args.request),
                              **(store.features(args.request) or {"features": None, "features_hash": None}),
                              "history": store.history(args.request)}, indent=2, default=str))
            return 0
        rows = store.all_requests(args.limit)
        if args.json:
            print(json.dumps(rows, indent=2, default=str))
            return 0
        counts = store.counts()
        print("  ".join(f"{c}/{s}: {n}" for (c, s), n in sorted(counts.items())) or "no requests yet")
        for r in rows:
            score = "" if r["score"] is None else f"{r['score']:>4} {TIERS[r['tier']]}"
            print(f"{r['key'][:22]}.. {r['subject']} {r['state']:10} {score:14} {r['reason']}")
    finally:
        store.close()
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    """Start failed requests over (a running node picks them up at its next pass): the named ones, or every
    failed one (of one chain with --chain)."""

    if bool(args.requests) == args.all_failed:
        raise InvalidParams("name the requests to retry (chain:0x...), or pass --all-failed")
    cfg = _config(args.config)
    store = _existing_store(cfg)
    try:
        keys = args.requests or store.failed_keys(args.chain)
        moved = store.retry(keys)
        for key in keys:
            row = store.request(key)
            if key in moved:
                print(f"{key}: failed -> seen")
            elif row is None:
                print(f"{key}: no such request", file=sys.stderr)
            else:
                print(f"{key}: left {row['state']} (only failed requests are retried)", file=sys.stderr)
        print(f"{len(moved)} of {len(keys)} requests started over")
    finally:
        store.close()
    return 0 if len(moved) == len(keys) else 1


def cmd_attest(args: argparse.Namespace) -> int:
    """Print the enclave's attestation: its public key bound to the measurement of its code, model, config."""
    from node.enclave.client import EnclaveClient, EnclaveProcess, verify_attestation

    cfg = _config(args.config)
    enc = cfg.enclave

    async def go() -> dict[str, Any]:
        proc = None
        if enc.socket is None or not Path(enc.socket).exists():
            proc = EnclaveProcess(data_dir=enc.data_dir, passphrase_file=enc.passphrase_file,
                                  scoring_config=enc.scoring_config,
                                  socket_path=cfg.node.data_dir / f"attest-{os.getpid()}.sock")
            await proc.start(timeout=enc.start_timeout_s)
            sock = proc.socket_path
        else:
            sock = enc.socket
        client = EnclaveClient(sock)
        try:
            await client.connect()
            att = await client.attest()
        finally:
            await client.close()
            if proc is not None:
                await proc.stop()
        att["verified_signer"] = verify_attestation(att)
        return att

    print(json.dumps(asyncio.run(go()), indent=2))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute a fulfilled assessment from the chain alone (node/verify.py): exit 0 when every signed field
    matches, 1 at the first difference."""
    import tempfile

    from node.verify import load_questionnaire, verify

    cfg = _config(args.config)
    chain = next((c for c in cfg.chains if c.name == args.chain), None)
    if chain is None:
        raise AuraError(f"no chain named {args.chain!r} in {args.config} "
                        f"(chains: {', '.join(c.name for c in cfg.chains) or 'none'})")
    if args.rpc:
        try:
            chain = chain.reading_from(args.rpc)
        except ValueError as e:
            raise InvalidParams(f"--rpc {args.rpc!r}: {e}") from None
    questionnaire = load_questionnaire(Path(args.questionnaire)) if args.questionnaire else None
    with tempfile.TemporaryDirectory(prefix="aura-verify-") as scratch:
        report = asyncio.run(verify(chain, Path(scratch), args.request_id, cfg.enclave.scoring_config, questionnaire))
    print(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    return 0 if report.matches else 1


def cmd_prove(args: argparse.Namespace) -> int:
    """A threshold proof of a stored assessment's score for its subject (node/zk/prove_cli.py): with
    --print-message, the text the subject signs; else the enclave opens the commitment for the signed text and
    snarkjs proves score >= --threshold. Prints JSON: the proof, its public signals and the family's calldata."""
    import time

    from node.zk import prove_cli, snarkjs

    cfg = _config(args.config)
    store = _existing_store(cfg)
    try:
        row, assessment = store.request(args.request), store.assessment(args.request)
    finally:
        store.close()
    if row is None:
        raise AuraError(f"no request {args.request} in {store.path}")
    if assessment is None:
        raise AuraError(f"request {args.request} has no signed assessment yet (state {row['state']})")
    request = prove_cli.stored_request(row)
    if args.print_message:
        print(prove_cli.fresh_message(request, int(time.time()), sign_in_domain=args.sign_in))
        return 0
    if args.threshold is None or args.message_file is None or args.signature is None:
        raise InvalidParams("--threshold, --message-file and --signature are required (or --print-message)")
    message = prove_cli.read_message(Path(args.message_file))
    build = snarkjs.locate()
    params = prove_cli.open_params(request, assessment, message, args.signature)
    opening = asyncio.run(prove_cli.open_with_enclave(cfg, params))
    print(json.dumps(prove_cli.proof_of_opening(build, request, opening, args.threshold, args.scope), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aura", description="Aura oracle node")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("init", help="write a config for one chain and create the enclave and transmitter keys; in a "
                                    "folder it set up, add the chain (the same enclave key sealed for it too)")
    s.add_argument("--dir", default=".")
    s.add_argument("--family", default="evm", help="the chain's family (evm, solana, sui; default evm)")
    s.add_argument("--name", default="mainnet", help="the chain's name in the store, logs and metrics")
    s.add_argument("--chain-id", type=int, default=None,
                   help="EVM: the chain id; Solana: the cluster id the oracle account stores; Sui: a number naming "
                        "the network")
    s.add_argument("--rpc-url", default=None, help="the endpoint the chain is read from (Sui: its GraphQL service)")
    s.add_argument("--oracle", default=None, help="the oracle contract, account or object")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="another key of the chain's section (docs/evm.md, docs/solana.md, docs/sui.md), e.g. "
                        "start_block=123456 or program_id=...; VALUE is read as TOML when it is a TOML value")
    s.add_argument("--force", action="store_true", help="write over an existing aura.toml (keys are kept)")
    s.add_argument("--commitment-secret-file", metavar="FILE",
                   help="the commitment secret this operator's quorum shares (64 hex digits; docs/quorum.md)")
    s.set_defaults(fn=cmd_init)

    s = sub.add_parser("run", help="run the node")
    s.add_argument("--config", default="aura.toml")
    s.set_defaults(fn=cmd_run)

    s = sub.add_parser("request", help="send an assessment request as a consumer would")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--chain", default=None)
    s.add_argument("--subject", required=True)
    s.add_argument("--params", default="", help="hex bytes passed to the request")
    s.add_argument("--requester-key", default=None, metavar="FILE",
                   help="the requesting account's key file (default: the family's environment variable, then "
                        "its file under keys/ next to the config)")
    s.add_argument("--private", action="store_true",
                   help="ask for a private assessment: the chain keeps only the commitment to the score (a protocol "
                        "learns it from a threshold proof the subject makes with `aura prove`)")
    s.add_argument("--wait", action="store_true")
    s.add_argument("--timeout", type=float, default=60.0)
    s.set_defaults(fn=cmd_request)

    s = sub.add_parser("watch", help="wallets the node re-scores on a schedule: add, list, remove")
    s.add_argument("action", choices=("add", "list", "remove"))
    s.add_argument("subject", nargs="?", help="the wallet, in its chain's address form")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--chain", default=None)
    s.add_argument("--every", default="24h", help="how often: a number and s, m, h or d (default 24h)")
    s.add_argument("--json", action="store_true", help="with list: JSON")
    s.set_defaults(fn=cmd_watch)

    s = sub.add_parser("api-key", help="the API's keys: create, list, revoke")
    s.add_argument("action", choices=("create", "list", "revoke"))
    s.add_argument("id", nargs="?", help="with revoke: the key's id")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--name", default=None, help="with create: who the key is for")
    s.add_argument("--per-minute", type=int, default=None, help="with create: the key's own rate (default: "
                                                                 "[api] rate_per_key)")
    s.set_defaults(fn=cmd_api_key)

    s = sub.add_parser("status", help="requests and their states, from the node's store")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--json", action="store_true")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("request", nargs="?", help="one request key (chain:0x...) in full")
    s.set_defaults(fn=cmd_status)

    s = sub.add_parser("retry", help="start failed requests over (a running node picks them up)")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--all-failed", action="store_true", help="every failed request")
    s.add_argument("--chain", default=None, help="with --all-failed: only this chain's")
    s.add_argument("requests", nargs="*", help="request keys (chain:0x...) in full")
    s.set_defaults(fn=cmd_retry)

    s = sub.add_parser("verify", help="recompute a fulfilled assessment from the chain and compare every field")
    s.add_argument("chain", help="the chain's name in the config")
    s.add_argument("request_id", help="the request's id as the chain writes it")
    s.add_argument("--rpc", default=None, help="the RPC URL to read the chain from (default: the config's)")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--questionnaire", default=None, metavar="FILE",
                   help="the borrower's questionnaire document (JSON), when the request carries one")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_verify)

    s = sub.add_parser("attest", help="print the enclave's attestation document")
    s.add_argument("--config", default="aura.toml")
    s.set_defaults(fn=cmd_attest)

    s = sub.add_parser("prove", help="a zero-knowledge proof that a stored assessment's score is at least N, for "
                                      "its subject")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--request", required=True, help="the request's key (chain:0x...) in full")
    s.add_argument("--print-message", action="store_true", help="print the text the subject signs, and stop")
    s.add_argument("--sign-in", default=None, metavar="DOMAIN",
                   help="with --print-message: the text in the chain's sign-in standard (Sign-In with Ethereum) for "
                        "the site DOMAIN asks from, rather than Aura's plain text")
    s.add_argument("--threshold", type=int, default=None)
    s.add_argument("--scope", type=int, default=0, help="the verifying protocol's scope (the nullifier's; "
                                                        "default 0)")
    s.add_argument("--message-file", default=None, metavar="FILE", help="the text as --print-message printed it")
    s.add_argument("--signature", default=None, help="the subject's signature of the text, in its chain's "
                                                      "convention (docs/protocol.md)")
    s.set_defaults(fn=cmd_prove)

    for command in sorted(entry_points(group=COMMANDS), key=lambda e: e.name):
        try:
            add = command.load()
        except Exception as e:  # noqa: BLE001 - a broken plugin must not take the node's own commands down
            print(f"aura: the {command.name!r} command ({command.value}) did not load: {type(e).__name__}: {e}",
                  file=sys.stderr)
            continue
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except AuraError as e:
        print(f"aura {args.cmd}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
