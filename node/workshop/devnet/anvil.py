"""Start and stop anvil (from the pinned npm package) on a free loopback port."""

from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from chains.core.errors import AuraError
from node.process import Supervised, Supervisor, free_port

# Accounts anvil derives from its default mnemonic ("test test ... junk"); public test keys, never funds.
DEFAULT_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)


class AnvilError(AuraError, RuntimeError):
    """anvil could not be found, started or stopped."""


def find_anvil(root: Path | None = None) -> Path:
    """The anvil binary from the project's node_modules (npm `@foundry-rs/anvil`), or `$AURA_ANVIL`."""
    env = os.environ.get("AURA_ANVIL")
    if env:
        return Path(env)
    roots = [root] if root else []
    roots += [Path.cwd(), Path(__file__).resolve().parents[3]]
    for base in roots:
        candidate = base / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
        if candidate.is_file():
            return candidate
    raise AnvilError("anvil not found: run `npm ci` in the project root (or set AURA_ANVIL)")


@dataclass
class Anvil(Supervised):
    """One anvil process on 127.0.0.1. Use as a context manager or call start()/stop()."""

    port: int = 0
    chain_id: int = 31337
    block_time: float | None = None
    genesis_timestamp: int | None = None
    log_path: Path | None = None
    slots_in_an_epoch: int = 1
    """anvil's `finalized` block is two epochs behind its head: one slot each keeps it 2 blocks behind, so the
    node's use of the chain's `finalized` tag runs at local speed (anvil's default, 32, puts it 64 behind)."""
    extra_args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Self:
        if self._process is not None:
            return self
        if not self.port:
            self.port = free_port()
        args = [str(find_anvil()), "--host", "127.0.0.1", "--port", str(self.port),
                "--chain-id", str(self.chain_id), "--slots-in-an-epoch", str(self.slots_in_an_epoch), "--silent"]
        if self.block_time is not None:
            args += ["--block-time", str(self.block_time)]
        if self.genesis_timestamp is not None:
            args += ["--timestamp", str(self.genesis_timestamp)]
        args += self.extra_args
        process = Supervisor(f"anvil on port {self.port}", args, log_path=self.log_path, error=AnvilError).start()
        process.wait_ready(self._answers, timeout)
        self._process = process
        return self

    def _answers(self) -> bool:
        body = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=0.5) as resp:
            return bool(resp.status == 200)
