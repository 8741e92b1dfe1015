"""`aura init` for a Solana cluster: the transmitter's keypair file (Solana CLI format), the enclave target of the
program and its oracle account, and `register_enclave`, which the oracle's admin signs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chains.family import ChainInit, Registration
from chains.solana.config import SolanaChain
from chains.solana.keypair import load_keypair, write_keypair
from chains.solana.payload import uncompressed_public_key

KEYPAIR = "keys/solana-transmitter.json"


def transmitter(root: Path) -> str:
    """The keypair's public key; the keypair made first unless it exists."""
    path = root / KEYPAIR
    return str((load_keypair(path) if path.exists() else write_keypair(path)).pubkey())


def target(cfg: SolanaChain) -> dict[str, Any]:
    return {"family": "solana", "chain_id": cfg.chain_id, "program": cfg.program_id, "contract": cfg.oracle}


def registration(document: Mapping[str, Any]) -> Registration:
    public_key = uncompressed_public_key(bytes.fromhex(str(document["public_key"]).removeprefix("0x")))
    return Registration(
        call="register_enclave(public_key, measurement, payee) on the oracle account, signed by its admin",
        arguments={"public_key": "0x" + public_key.hex(), "measurement": document["measurement"],
                   "payee": "the account this enclave's fee shares are paid to"},
        fund="the transmitter: it pays each fulfilment's fee and the rent of a subject's first score")


INIT = ChainInit(files={"transmitter_keypair": KEYPAIR}, transmitter=transmitter, target=target,
                 registration=registration)
