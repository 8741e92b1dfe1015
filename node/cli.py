"""`aura`: the operator's command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError

TIERS = ("Basic", "Standard", "Premium")


def _config(path: str) -> Any:
    from node.config import load_config

    return load_config(path)


def cmd_init(args: argparse.Namespace) -> int:
    """Write a config skeleton, create the enclave key and the transmitter keystore under --dir."""
    from chains.evm.keystore import create_keystore
    from node.workshop.devnet.deploy import init_enclave, write_secret

    root = Path(args.dir)
    cfg_path = root / "aura.toml"
    if cfg_path.exists() and not args.force:
        raise AuraError(f"{cfg_path} exists; pass --force to write a new one (keys are never overwritten)")
    enclave_pass = root / "secrets" / "enclave.pass"
    tx_pass = root / "secrets" / "transmitter.pass"
    for p in (enclave_pass, tx_pass):
        if not p.exists():
            write_secret(p, secrets.token_urlsafe(24))
    keystore = root / "keys" / "transmitter.json"
    if keystore.exists():
        from chains.evm.keystore import keystore_address

        transmitter = keystore_address(keystore)
    else:
        transmitter = create_keystore(keystore, tx_pass.read_text().strip())
    att = init_enclave(root / "data" / "enclave", enclave_pass)
    doc = att["document"]
    cfg_path.write_text(f"""# Aura node configuration. Paths are relative to this file.
[node]
data_dir = "data"

[enclave]
passphrase_file = "secrets/enclave.pass"

[api]
host = "127.0.0.1"
port = 9464

[[chains]]
family = "evm"
name = "{args.name}"
chain_id = {args.chain_id}
rpc_url = "{args.rpc_url}"
oracle = "{args.oracle}"
start_block = {args.start_block}
confirmations = {args.confirmations}
transmitter_keystore = "keys/transmitter.json"
transmitter_passphrase_file = "secrets/transmitter.pass"
""")
    print(json.dumps({"config": str(cfg_path), "transmitter": transmitter, "enclave_signer": doc["signer"],
                      "measurement": doc["measurement"],
                      "next": "fund the transmitter; have the oracle owner call registerSigner(signer, measurement)"},
                     indent=2))
    return 0


def cmd_devnet(args: argparse.Namespace) -> int:
    """Start anvil and the local Solana endpoint, deploy, register the enclave, write a devnet config; keep
    both running until Ctrl-C."""
    from node.workshop.devnet.anvil import Anvil
    from node.workshop.devnet.deploy import setup_devnet
    from node.workshop.devnet.histories import build_histories
    from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so

    root = Path(args.dir)
    if (root / "devnet.json").exists():
        raise AuraError(f"{root} already holds a devnet; remove it or choose another --dir")
    genesis = int(time.time()) - 3 * 365 * 86_400 if args.histories else None
    anvil = Anvil(port=args.port, block_time=args.block_time, genesis_timestamp=genesis,
                  log_path=root / "anvil.log")
    root.mkdir(parents=True, exist_ok=True)
    endpoint = None
    if args.solana:
        from chains.solana.program import idl_address

        endpoint = SolanaEndpoint({str(idl_address()): program_so()}, port=args.solana_port,
                                  log_path=root / "solana-endpoint.log")
    anvil.start()
    try:
        if endpoint is not None:
            endpoint.start()
        dev = setup_devnet(root, anvil.url, confirmations=args.confirmations,
                           solana_url=endpoint.url if endpoint is not None else None)
        if args.histories:
            from web3 import Web3

            build_histories(Web3(Web3.HTTPProvider(anvil.url)), dev.protocols)
        out: dict[str, Any] = {"rpc_url": anvil.url, "oracle": dev.oracle, "example_lender": dev.lender,
                               "enclave_signer": dev.signer, "measurement": dev.measurement}
        if dev.solana:
            out["solana"] = {k: dev.solana[k] for k in ("rpc_url", "program", "oracle", "enclave_account")}
        out.update(config=dev.config_path, next=f"aura run --config {dev.config_path}")
        print(json.dumps(out, indent=2), flush=True)
        if args.detach:
            anvil.detach()
            if endpoint is not None:
                endpoint.detach()
            return 0
        print("anvil" + (" and the Solana endpoint are" if endpoint else " is") + " running; Ctrl-C stops",
              file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        if endpoint is not None:
            endpoint.stop()
        anvil.stop()


def cmd_run(args: argparse.Namespace) -> int:
    from node.daemon import run_node
    from node.logs import setup_logging

    cfg = _config(args.config)
    setup_logging(cfg.node.log_level, cfg.node.log_format)
    return asyncio.run(run_node(cfg))


def cmd_request(args: argparse.Namespace) -> int:
    """Act as a consumer: send requestAssessment(subject) to the oracle, optionally wait for the result."""
    from web3 import Web3
    from web3.logs import DISCARD

    from chains.evm.artifacts import contract
    from node.workshop.devnet.anvil import DEFAULT_KEYS
    from node.workshop.devnet.deploy import send

    cfg = _config(args.config)
    chain = next((c for c in cfg.chains if c.name == args.chain or args.chain is None), None)
    if chain is None:
        raise AuraError(f"no chain named {args.chain!r} in {args.config}")
    if chain.family == "solana":
        return _request_solana(args, chain)
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url.get_secret_value()))
    oracle = contract(w3, "AuraOracle", chain.oracle)
    key = os.environ.get("AURA_REQUESTER_KEY") or (DEFAULT_KEYS[9] if chain.chain_id == 31337 else None)
    if key is None:
        raise AuraError("set AURA_REQUESTER_KEY to the requesting account's private key")
    fee = oracle.functions.fee().call()
    subject = Web3.to_checksum_address(args.subject)
    receipt = send(w3, key, {"to": oracle.address, "value": fee,
                             "data": oracle.encode_abi("requestAssessment", [subject, bytes.fromhex(args.params)])})
    ev = oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)[0]
    rid = "0x" + bytes(ev["args"]["requestId"]).hex()
    out: dict[str, Any] = {"request_id": rid, "subject": subject, "tx": receipt["transactionHash"].hex(),
                           "block": receipt["blockNumber"]}
    if args.wait:
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            logs = oracle.events.AssessmentFulfilled().get_logs(
                from_block=receipt["blockNumber"], argument_filters={"requestId": bytes.fromhex(rid[2:])})
            if logs:
                a = logs[0]["args"]
                out.update(status="fulfilled", score=a["score"], tier=TIERS[a["tier"]], pd_bps=a["pdBps"],
                           flags=a["flags"], fulfil_tx=logs[0]["transactionHash"].hex())
                break
            time.sleep(0.2)
        else:
            out["status"] = "not fulfilled yet"
    print(json.dumps(out, indent=2))
    return 0 if out.get("status", "fulfilled") == "fulfilled" else 1


def _request_solana(args: argparse.Namespace, chain: Any) -> int:
    """`request_assessment` on the aura_oracle program, paid by a keypair file; optionally wait for the score."""
    from solana.rpc.api import Client
    from solders.pubkey import Pubkey

    from chains.solana import program as prog
    from chains.solana.keypair import load_keypair
    from node.workshop.devnet.solana_setup import send

    path = os.environ.get("AURA_SOLANA_REQUESTER_KEYPAIR") or str(Path(args.config).parent / "keys" /
                                                                  "solana-requester.json")
    if not Path(path).exists():
        raise AuraError("set AURA_SOLANA_REQUESTER_KEYPAIR to the requesting account's keypair file")
    try:
        subject = Pubkey.from_string(args.subject)
    except ValueError:
        raise AuraError(f"--subject {args.subject!r} is not a base58 Solana public key") from None
    payer = load_keypair(Path(path))
    client = Client(chain.rpc_url.get_secret_value(), commitment="confirmed")
    program, oracle = Pubkey.from_string(chain.program_id), Pubkey.from_string(chain.oracle)
    nonce = int(prog.decode_account("Oracle", bytes(client.get_account_info(oracle).value.data)).next_nonce)
    sig = send(client, [payer], [prog.request_assessment_ix(program, oracle, payer.pubkey(), subject, nonce,
                                                            bytes.fromhex(args.params))])
    request = str(prog.request_pda(program, oracle, nonce)[0])
    out: dict[str, Any] = {"request_id": request, "subject": str(subject), "tx": str(sig)}
    if args.wait:
        score_at, _ = prog.score_pda(program, oracle, subject)
        deadline = time.monotonic() + args.timeout
        out["status"] = "not fulfilled yet"
        while time.monotonic() < deadline:
            acct = client.get_account_info(score_at).value
            if acct is not None:
                score = prog.decode_account("Score", bytes(acct.data))
                if str(prog.pubkey(score.request)) == request:
                    out.update(status="fulfilled", score=score.score, tier=TIERS[score.tier], pd_bps=score.pd_bps,
                               flags=score.flags, score_account=str(score_at))
                    break
            time.sleep(0.2)
    print(json.dumps(out, indent=2))
    return 0 if out.get("status", "fulfilled") == "fulfilled" else 1


def cmd_status(args: argparse.Namespace) -> int:
    from node.store import Store

    cfg = _config(args.config)
    db = cfg.node.data_dir / "aura.sqlite"
    if not db.exists():
        raise AuraError(f"no store at {db}: the node has not run with this config yet")
    store = Store(db)
    try:
        if args.request:
            row = store.request(args.request)
            if row is None:
                raise AuraError(f"no request {args.request} in {db}")
            print(json.dumps({"request": row, "assessment": store.assessment(args.request),
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


def cmd_demo(args: argparse.Namespace) -> int:
    from node.workshop.demo import main_demo

    return main_demo(args.json, Path(args.dir))


def cmd_model(args: argparse.Namespace) -> int:
    try:
        from node.workshop.model import train as training
    except ImportError as exc:  # the training extras are optional for a node that only runs
        raise AuraError(f"model training needs the extras: pip install 'aura-oracle[model]' ({exc})") from None
    if args.model_cmd == "train":
        report = training.train(Path(args.out) if args.out else training.SCORING_DIR, args.wallets, args.seed)
    else:
        report = training.evaluate(args.holdout, args.seed, Path(args.scoring_config) if args.scoring_config else None,
                                   real=not args.no_real)
    print(json.dumps(report, indent=None if args.compact else 2, sort_keys=True))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aura", description="Aura oracle node")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("init", help="write a config and create the enclave and transmitter keys")
    s.add_argument("--dir", default=".")
    s.add_argument("--name", default="mainnet")
    s.add_argument("--chain-id", type=int, default=1)
    s.add_argument("--rpc-url", default="https://rpc.example.org")
    s.add_argument("--oracle", default="0x" + "0" * 40)
    s.add_argument("--start-block", type=int, default=0)
    s.add_argument("--confirmations", type=int, default=12)
    s.add_argument("--force", action="store_true")
    s.set_defaults(fn=cmd_init)

    s = sub.add_parser("devnet", help="start anvil, deploy the contracts, write a devnet config")
    s.add_argument("--dir", default="devnet")
    s.add_argument("--port", type=int, default=8545)
    s.add_argument("--block-time", type=float, default=None)
    s.add_argument("--confirmations", type=int, default=1)
    s.add_argument("--no-histories", dest="histories", action="store_false",
                   help="skip the demo wallets' histories")
    s.add_argument("--solana-port", type=int, default=8899, help="port of the local Solana endpoint")
    s.add_argument("--no-solana", dest="solana", action="store_false", help="start no Solana endpoint")
    s.add_argument("--detach", action="store_true", help="leave anvil (and the Solana endpoint) running and return")
    s.set_defaults(fn=cmd_devnet)

    s = sub.add_parser("run", help="run the node")
    s.add_argument("--config", default="aura.toml")
    s.set_defaults(fn=cmd_run)

    s = sub.add_parser("request", help="send an assessment request as a consumer would")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--chain", default=None)
    s.add_argument("--subject", required=True)
    s.add_argument("--params", default="", help="hex bytes passed to the request")
    s.add_argument("--wait", action="store_true")
    s.add_argument("--timeout", type=float, default=60.0)
    s.set_defaults(fn=cmd_request)

    s = sub.add_parser("status", help="requests and their states, from the node's store")
    s.add_argument("--config", default="aura.toml")
    s.add_argument("--json", action="store_true")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("request", nargs="?", help="one request key (chain:0x...) in full")
    s.set_defaults(fn=cmd_status)

    s = sub.add_parser("attest", help="print the enclave's attestation document")
    s.add_argument("--config", default="aura.toml")
    s.set_defaults(fn=cmd_attest)

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
    m.add_argument("--compact", action="store_true")
    s.set_defaults(fn=cmd_model)

    s = sub.add_parser("demo", help="run the whole loop on a local chain and print the results")
    s.add_argument("--json", action="store_true")
    s.add_argument("--dir", default=".aura/demo")
    s.set_defaults(fn=cmd_demo)
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
