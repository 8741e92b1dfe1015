"""One EVM scenario's world: anvil with 1 s blocks, the contracts and keys (`setup_devnet`), fault proxies in
front of anvil, the node as its own process reading through them (see `world`), and the watcher and load that go
with it.

The node's chain reads and sends go through the proxies only (its WebSocket head feed is left out, so a fault
reaches every call); the load, the watcher and the count talk to anvil directly. `stop()` ends every child
process this world started, also the node's enclave when it was left frozen.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3

from node.process import free_port
from node.workshop.chaos.load import Load
from node.workshop.chaos.proxy import FaultProxy
from node.workshop.chaos.watch import Watcher
from node.workshop.chaos.world import ChaosError, World
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil
from node.workshop.devnet.deploy import Devnet, setup_devnet

REQUESTER_KEYS = DEFAULT_KEYS[4:9]
BLOCK_TIME_S = 1
CONFIRMATIONS = 3
FINALITY_DEPTH = 6  # anvil's `finalized` tag is as deep with --slots-in-an-epoch 3 (safe: head - 3)
MAX_FEE_GWEI = 500


def node_config(text: str, proxies: list[FaultProxy]) -> str:
    """The devnet's node config, reading and sending through `proxies` (the first as `rpc_url`, the others as
    `rpc_urls`), without the WebSocket feed, with the finality depth anvil's `finalized` tag has here."""
    urls = [p.url for p in proxies]
    text = re.sub(r'^ws_url = .*\n', "", text, flags=re.M)
    text = _set(text, "rpc_url", f'"{urls[0]}"')
    if len(urls) > 1:
        text = _set(text, "rpc_urls", "[" + ", ".join(f'"{u}"' for u in urls[1:]) + "]")
    text = _set(text, "finality_depth", str(FINALITY_DEPTH))
    return _set(text, "max_fee_gwei", str(MAX_FEE_GWEI))


def _set(text: str, key: str, value: str) -> str:
    """`key = value` in the config's one chain table: in place of the key's line, else after `oracle = `."""
    line = f"{key} = {value}"
    if re.search(rf"^{key} = ", text, flags=re.M):
        return re.sub(rf"^{key} = .*$", lambda _: line, text, flags=re.M)
    return re.sub(r"^(oracle = .*)$", lambda m: f"{m.group(1)}\n{line}", text, count=1, flags=re.M)


class ChaosEnv(World):
    """The world of one EVM scenario under `root` (made afresh), `endpoints` proxies in front of anvil."""

    def __init__(self, root: Path, *, endpoints: int = 1, rate: float = 4.0, seed: int = 0) -> None:
        super().__init__(root)
        self.endpoints = endpoints
        self.rate = rate
        self.seed = seed
        self.anvil: Anvil | None = None
        self.dev: Devnet | None = None
        self.proxies: list[FaultProxy] = []
        self.watcher: Watcher | None = None
        self.load: Load | None = None

    # set-up and teardown
    def start(self) -> Self:
        self.root.mkdir(parents=True, exist_ok=False)
        # mined on demand while the contracts go in (each transaction at once), every second from then on
        self.anvil = Anvil(log_path=self.root / "anvil.log", slots_in_an_epoch=CONFIRMATIONS).start()
        self.api_port = free_port()
        self.dev = setup_devnet(self.root / "devnet", self.anvil.url, confirmations=CONFIRMATIONS,
                                poll_interval_s=0.2, api_port=self.api_port, kdf_light=True)
        self.rpc("evm_setIntervalMining", [int(BLOCK_TIME_S)])
        self.proxies = [FaultProxy(self.anvil.url, name=f"rpc-{chr(97 + i)}", seed=self.seed + i).start()
                        for i in range(self.endpoints)]
        config = Path(self.dev.config_path)
        config.write_text(node_config(config.read_text(), self.proxies))
        self.start_node()
        self.wait_healthy()
        self.watcher = Watcher(self.anvil.url, self.dev.oracle, self.dev.deploy_block).start()
        self.load = Load(self.anvil.url, self.dev.oracle, REQUESTER_KEYS, self.rate, seed=self.seed).start()
        return self

    def stop(self) -> None:
        """Stop everything started here, in the reverse order. Idempotent."""
        for part in (self.load, self.watcher):
            if part is not None:
                part.stop()
        self.stop_node()
        for proxy in self.proxies:
            proxy.stop()
        if self.anvil is not None:
            self.anvil.stop()

    @property
    def config_path(self) -> Path:
        return Path(self.devnet.config_path)

    # the chain
    @property
    def w3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.chain.url))

    @property
    def chain(self) -> Anvil:
        if self.anvil is None:
            raise ChaosError("the chaos world has not been started")
        return self.anvil

    @property
    def devnet(self) -> Devnet:
        if self.dev is None:
            raise ChaosError("the chaos world has not been started")
        return self.dev

    def rpc(self, method: str, params: list[Any]) -> Any:
        reply = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in reply:
            raise ChaosError(f"anvil {method}: {reply['error']}")
        return reply.get("result")

    @contextlib.contextmanager
    def mining_paused(self) -> Iterator[None]:
        """No block is mined inside but by `mine`; interval mining resumes on the way out."""
        self.rpc("evm_setIntervalMining", [0])
        try:
            yield
        finally:
            self.rpc("evm_setIntervalMining", [int(BLOCK_TIME_S)])

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [blocks, 0])

    def reorg(self, depth: int, again: list[tuple[bytes, int]] | None = None) -> None:
        """Replace the last `depth` blocks with as many new ones holding only `again` (raw transactions, each
        with the new block it goes in, 0 for the first)."""
        self.rpc("anvil_reorg", [depth, [["0x" + raw.hex(), at] for raw, at in again or []]])

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def first_send(self, after: float, nonce_from: int) -> float | None:
        """When a proxy first passed on a transaction of nonce `nonce_from` or more after `after`."""
        times = [at for proxy in self.proxies for at, raw in list(proxy.sends)
                 if at > after and TypedTransaction.from_bytes(HexBytes(raw)).as_dict()["nonce"] >= nonce_from]
        return min(times, default=None)

    def transmitter_nonce(self) -> int:
        """The transmitter's next nonce, counting its transactions waiting in the pool."""
        return int(self.w3.eth.get_transaction_count(Web3.to_checksum_address(self.devnet.transmitter), "pending"))
