"""The Solana side of a quorum devnet (node/workshop/devnet/quorum.py): one oracle account with its admin and
requester under `<root>/keys`, each operator's transmitter keypair under `<op>/keys` (funded, and the payee of its
enclave's fees), each operator's enclave registered, and the threshold set."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solana.rpc.api import Client
from solders.keypair import Keypair

from chains.solana import program as prog
from chains.solana.keypair import write_keypair
from node.workshop.devnet.solana_setup import (
    AIRDROP,
    SolanaDevnet,
    airdrop,
    config_section,
    init_oracle,
    keypairs,
    register_enclave,
    set_threshold,
    solana_target,
)

if TYPE_CHECKING:
    from node.workshop.devnet.quorum import Operator


@dataclass(frozen=True)
class SolanaQuorum:
    """The oracle every operator serves, and the client that set it up."""

    root: Path
    rpc_url: str
    client: Client
    keys: dict[str, Keypair]

    @classmethod
    def create(cls, root: Path, rpc_url: str) -> SolanaQuorum:
        """Create the oracle account (its keypairs under `root/keys`)."""
        keys = keypairs(root)
        return cls(root, rpc_url, init_oracle(rpc_url, keys), keys)

    def target(self) -> dict[str, Any]:
        """The enclave target of this oracle."""
        return solana_target(self.root)

    def add_operator(self, op_root: Path, attestation_document: dict[str, Any]) -> tuple[str, str]:
        """A funded transmitter under `op_root/keys` and the enclave registered with it as payee; returns
        (transmitter, enclave account)."""
        transmitter = write_keypair(op_root / "keys" / "solana-transmitter.json")
        airdrop(self.client, transmitter.pubkey(), AIRDROP)
        enclave = register_enclave(self.client, self.keys["admin"], self.keys["oracle"].pubkey(),
                                   attestation_document, transmitter.pubkey())
        return str(transmitter.pubkey()), str(enclave)

    def set_threshold(self, threshold: int) -> None:
        set_threshold(self.client, self.keys["admin"], self.keys["oracle"].pubkey(), threshold)

    def shared(self, first: Operator) -> dict[str, str]:
        """The SolanaDevnet fields (the transmitter and enclave are `first`'s), saved as `solana-devnet.json`."""
        dev = SolanaDevnet(rpc_url=self.rpc_url, program=str(prog.idl_address()),
                           oracle=str(self.keys["oracle"].pubkey()), admin=str(self.keys["admin"].pubkey()),
                           transmitter=first.solana_transmitter, requester=str(self.keys["requester"].pubkey()),
                           enclave_account=first.solana_enclave, keys_dir=str(self.root / "keys"))
        dev.save(self.root / "solana-devnet.json")
        return asdict(dev)

    def config_section(self, poll_interval_s: float) -> str:
        """The `[[chains]]` table: every operator's names its own `keys/solana-transmitter.json`."""
        dev = SolanaDevnet(rpc_url=self.rpc_url, program=str(prog.idl_address()),
                           oracle=str(self.keys["oracle"].pubkey()), admin="", transmitter="", requester="",
                           enclave_account="", keys_dir="")
        return config_section(dev, poll_interval_s=poll_interval_s)
