"""`python -m node.enclave init|serve`: create and seal the key; serve the protocol on a Unix socket."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path

from chains.core.errors import AuraError
from node.enclave.attestation import build_document, sign_document
from node.enclave.commitment import read_shared_commitment_secret
from node.enclave.keys import EnclaveKey
from node.enclave.logs import JsonLog
from node.enclave.measurement import Measurement, measure_engine, measure_loaded
from node.enclave.sealing import (
    NoSealedKey,
    ScryptParams,
    Unsealed,
    read_passphrase,
    read_sealed,
    seal,
    sealed_path,
    unseal,
    write_sealed,
)
from node.enclave.server import EnclaveServer
from node.enclave.service import EnclaveService
from node.enclave.targets import load as load_targets
from node.scoring.config import load_config
from node.scoring.engine import Engine

DEFAULT_SCRYPT_N = ScryptParams().n


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m node.enclave", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", required=True, type=Path, help="where the sealed key lives")
        p.add_argument("--passphrase-file", required=True, type=Path, help="file holding the sealing passphrase")
        p.add_argument("--scoring-config", type=Path, help="scoring config JSON (default: node/scoring/scorecard.json)")
        p.add_argument(
            "--scrypt-n",
            type=int,
            default=DEFAULT_SCRYPT_N,
            help=f"scrypt N for a new key (default {DEFAULT_SCRYPT_N}; lower only in tests)",
        )

    init = sub.add_parser("init", help="create and seal a new key; print the attestation document")
    common(init)
    init.add_argument("--targets", required=True, metavar="JSON",
                      help="the chains and contracts the key signs for: a JSON list of objects such as "
                           '[{"family": "evm", "chain_id": 1, "contract": "0x…"}] (node/enclave/targets.py)')
    init.add_argument("--force", action="store_true", help="replace an existing sealed key (the old one is kept aside)")
    init.add_argument("--commitment-secret-file", type=Path, metavar="FILE",
                      help="the commitment secret this enclave's quorum shares (64 hex digits), sealed with the key "
                           "(docs/quorum.md); without it the key's own is used")

    add = sub.add_parser("add-targets", help="seal the same key again for more targets (a chain added to the node); "
                                             "print the attestation document")
    common(add)
    add.add_argument("--targets", required=True, metavar="JSON", help="the targets to add, as for init")

    serve = sub.add_parser("serve", help="unseal the key and serve the protocol")
    common(serve)
    serve.add_argument("--socket", required=True, type=Path, help="Unix socket path to listen on")
    serve.add_argument("--new-key", action="store_true", help="create a new key (keeping the old sealed file aside)")
    serve.add_argument("--targets", metavar="JSON", help="with --new-key: the targets to seal it for (as for init)")
    serve.add_argument("--commitment-secret-file", type=Path, metavar="FILE",
                       help="with --new-key: the commitment secret the quorum shares (as for init)")
    serve.add_argument("--log-file", type=Path, help="JSON-lines log file (default: stderr)")
    serve.add_argument("--exit-with-stdin", action="store_true",
                       help="stop when standard input closes: the host that started it has gone")
    return parser


def _new_key(args: argparse.Namespace, passphrase: bytes, measurement: Measurement) -> Unsealed:
    if not args.targets:
        raise AuraError("--targets is required to create a key: the chains and contracts it will sign for")
    targets = load_targets(args.targets)
    path = sealed_path(args.data_dir)
    if path.exists():
        path.rename(path.with_name(f"{path.stem}.retired-{time.time_ns()}.json"))
    shared = args.commitment_secret_file
    key = EnclaveKey.generate(None if shared is None else read_shared_commitment_secret(shared))
    write_sealed(path, seal(key, passphrase, measurement.digest, targets, ScryptParams(n=args.scrypt_n)))
    return Unsealed(key, targets)


def cmd_init(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args.passphrase_file)
    measurement = measure_loaded(load_config(args.scoring_config))
    path = sealed_path(args.data_dir)
    if path.exists() and not args.force:
        raise AuraError(
            f"a sealed key already exists at {path}: use --force to replace it (the old file is kept aside)"
        )
    new = _new_key(args, passphrase, measurement)
    document = build_document(new.key.public_key, measurement, new.targets)
    print(json.dumps(sign_document(document, new.key.sign_digest), indent=2))
    return 0


def cmd_add_targets(args: argparse.Namespace) -> int:
    """Unseal the key (the passphrase and this measurement open it) and seal it again, with its scrypt parameters,
    for its targets and the ones given; the signer, the commitment secret and every registration stay."""
    passphrase = read_passphrase(args.passphrase_file)
    measurement = measure_loaded(load_config(args.scoring_config))
    path = sealed_path(args.data_dir)
    sealed = read_sealed(path)
    unsealed = unseal(sealed, passphrase, measurement.digest)
    targets = unsealed.targets.extended(load_targets(args.targets))
    kdf = sealed["kdf"]
    write_sealed(path, seal(unsealed.key, passphrase, measurement.digest, targets,
                            ScryptParams(kdf["n"], kdf["r"], kdf["p"])))
    document = build_document(unsealed.key.public_key, measurement, targets)
    print(json.dumps(sign_document(document, unsealed.key.sign_digest), indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    log = JsonLog(args.log_file)
    try:
        passphrase = read_passphrase(args.passphrase_file)
        if args.passphrase_file.stat().st_mode & 0o077:
            log.warning("passphrase_file_readable_by_others", path=str(args.passphrase_file), hint="chmod 600")
        loaded = load_config(args.scoring_config)
        engine = Engine.load(loaded)
        measurement = measure_engine(engine, loaded)
        if args.commitment_secret_file is not None and not args.new_key:
            raise AuraError("--commitment-secret-file is read only with --new-key: a sealed key keeps the commitment "
                            "secret it was created with")
        if args.new_key:
            unsealed = _new_key(args, passphrase, measurement)
            log.info("key_created", signer=unsealed.key.address, measurement=measurement.hex)
        else:
            try:
                sealed = read_sealed(sealed_path(args.data_dir))
            except NoSealedKey as exc:
                raise NoSealedKey(
                    f"{exc}: run `python -m node.enclave init --data-dir {args.data_dir} --passphrase-file "
                    f"{args.passphrase_file} --targets '<json>'` first, or start with --new-key --targets '<json>' "
                    "to create one"
                ) from None
            unsealed = unseal(sealed, passphrase, measurement.digest)
        del passphrase
        log.info("unsealed", signer=unsealed.key.address, measurement=measurement.hex, scoring_config=loaded.source,
                 targets=len(unsealed.targets.document),
                 commitment="shared" if unsealed.key.shared_commitment_secret else "own")
        service = EnclaveService(unsealed.key, measurement, engine, targets=unsealed.targets)
        asyncio.run(_serve(EnclaveServer(service, args.socket, log), args.exit_with_stdin))
        return 0
    except (AuraError, ValueError, OSError) as exc:
        log.error("startup_failed", error=str(exc))
        raise
    finally:
        log.close()


async def _watch_stdin(stop: asyncio.Event, server: EnclaveServer) -> None:
    """Set `stop` at end of input: a host killed without a chance to stop its enclave closes our stdin."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass
    server.log.info("stopping", reason="host_gone")
    stop.set()


async def _serve(server: EnclaveServer, exit_with_stdin: bool = False) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals_seen: list[int] = []

    def on_signal(signum: int) -> None:
        signals_seen.append(signum)
        if len(signals_seen) > 1:
            server.log.warning("forced_exit", signal=signal.Signals(signum).name)
            raise SystemExit(1)
        server.log.info("stopping", signal=signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    await server.start()
    watcher = asyncio.create_task(_watch_stdin(stop, server)) if exit_with_stdin else None
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await server.close()
        server.log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            return cmd_init(args)
        if args.command == "add-targets":
            return cmd_add_targets(args)
        return cmd_serve(args)
    except (AuraError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
