"""The Solana world of the chaos suite: the local endpoint (LiteSVM behind JSON-RPC, 400 ms slots) with the
aura_oracle program built from source, a node serving only it (see `world`), a requester sending
`request_assessment` at a steady rate (`solana_load`), and a watch of the transmitter's fulfilments and of the
requests still pending (`solana_watch`).

Slots can be advanced at once (`aura_advanceSlots`), which is how a kill outlives the blockhashes the node
signed with: a blockhash is valid for 150 slots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from solana.rpc.api import Client
from solana.rpc.commitment import Commitment

from chains.solana import program as prog
from node.enclave.measurement import measure
from node.process import free_port
from node.workshop.chaos.solana_load import SolanaLoad
from node.workshop.chaos.solana_watch import SolanaWatch
from node.workshop.chaos.world import ChaosError, World
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import SolanaDevnet, setup_solana_node

SLOT_MS = 400
CONFIRMED = Commitment("confirmed")


class SolanaWorld(World):
    """One Solana scenario's world under `root` (made afresh)."""

    def __init__(self, root: Path, *, rate: float = 4.0, seed: int = 0) -> None:
        super().__init__(root)
        self.rate = rate
        self.seed = seed
        self.endpoint: SolanaEndpoint | None = None
        self.dev: SolanaDevnet | None = None
        self.config = root / "node" / "aura.toml"
        self.load: SolanaLoad | None = None
        self.watch: SolanaWatch | None = None
        self.measurement = ""

    @property
    def client(self) -> Client:
        if self.endpoint is None:
            raise ChaosError("the Solana world has not been started")
        return Client(self.endpoint.url, commitment=CONFIRMED)

    @property
    def devnet(self) -> SolanaDevnet:
        if self.dev is None:
            raise ChaosError("the Solana world has not been started")
        return self.dev

    @property
    def config_path(self) -> Path:
        return self.config

    def start(self) -> Self:
        self.root.mkdir(parents=True, exist_ok=False)
        self.measurement = measure().hex
        self.endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, slot_ms=SLOT_MS,
                                       log_path=self.root / "endpoint.log").start()
        self.api_port = free_port()
        self.dev, self.config = setup_solana_node(self.root / "node", self.endpoint.url, api_port=self.api_port,
                                                  poll_interval_s=0.2)
        self.start_node()
        self.wait_healthy()
        self.watch = SolanaWatch(self.client, self.devnet).start()
        self.load = SolanaLoad(self.client, self.devnet, self.rate, self.seed).start()
        return self

    def stop(self) -> None:
        for part in (self.load, self.watch):
            if part is not None:
                part.stop()
        self.stop_node()
        if self.endpoint is not None:
            self.endpoint.stop()

    def control(self, method: str, *params: Any) -> Any:
        if self.endpoint is None:
            raise ChaosError("the Solana world has not been started")
        return self.endpoint.call(method, list(params))

    def slot(self) -> int:
        return int(self.client.get_slot().value)
