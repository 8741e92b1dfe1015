"""`python -m node.workshop.devnet.solana_rpc`: serve the endpoint until SIGINT or SIGTERM; prints its URL, then
its PubSub WebSocket URL."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from solders.pubkey import Pubkey

from node.workshop.devnet.solana_rpc.errors import SolanaDevnetError
from node.workshop.devnet.solana_rpc.server import SolanaDevnet


def _program_arg(text: str) -> tuple[Pubkey, Path]:
    program_id, sep, path = text.partition("=")
    if not sep or not path:
        raise argparse.ArgumentTypeError(f"expected <base58 program id>=<path to .so>, got {text!r}")
    try:
        key = Pubkey.from_string(program_id)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a base58 program id: {program_id!r}") from None
    if not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"program file not found: {path}")
    return key, Path(path)


async def _serve(args: argparse.Namespace) -> None:
    devnet = SolanaDevnet(args.host, args.port, slot_ms=args.slot_ms, finality_depth=args.finality_depth,
                          programs=dict(args.program), ws_port=args.ws_port)
    await devnet.start()
    print(devnet.url, flush=True)
    print(devnet.ws_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await devnet.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m node.workshop.devnet.solana_rpc",
                                     description="A local Solana JSON-RPC endpoint over LiteSVM.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--ws-port", type=int, default=None,
                        help="a second port for the PubSub WebSocket, which --port serves too (default: --port + 1, "
                             "where solana-web3.js looks; 0 picks a free one)")
    parser.add_argument("--slot-ms", type=int, default=400, help="milliseconds per slot (default 400)")
    parser.add_argument("--finality-depth", type=int, default=2,
                        help="slots after which a slot is finalized (default 2)")
    parser.add_argument("--program", type=_program_arg, action="append", default=[], metavar="ID=PATH",
                        help="load an SBF program (.so) at a program id; repeatable")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except SolanaDevnetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
