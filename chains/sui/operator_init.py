"""`aura init` for a Sui network: the transmitter's key file (`suiprivkey1…`, secp256k1), the enclave target of the
package and its Oracle object, and `oracle::register_enclave`, which the holder of the oracle's AdminCap calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chains.family import ChainInit, Registration
from chains.sui.config import SuiChain
from chains.sui.keys import load_transmitter, write_key_file

KEY = "keys/sui-transmitter.key"


def transmitter(root: Path) -> str:
    """The key's address; the key file made first unless it exists."""
    path = root / KEY
    return (load_transmitter(path) if path.exists() else write_key_file(path)).address


def target(cfg: SuiChain) -> dict[str, Any]:
    return {"family": "sui", "chain_id": cfg.chain_id, "package": cfg.package_id, "contract": cfg.oracle}


def registration(document: Mapping[str, Any]) -> Registration:
    return Registration(
        call="oracle::register_enclave(cap, oracle, public_key, measurement, payee, clock), with the oracle's AdminCap",
        arguments={"public_key": document["public_key"], "measurement": document["measurement"],
                   "payee": "the address this enclave's fee shares are paid to (not 0x0)"},
        fund="the transmitter: it pays each fulfilment's gas in SUI")


INIT = ChainInit(files={"transmitter_key": KEY}, transmitter=transmitter, target=target, registration=registration)
