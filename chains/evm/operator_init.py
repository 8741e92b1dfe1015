"""`aura init` for an EVM chain: the transmitter's encrypted keystore and its passphrase file, the enclave target
of the oracle contract, and `registerSigner`, which the oracle's owner calls with the enclave's signer."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chains.core.secret_file import write_secret
from chains.evm.config import EvmChain
from chains.evm.keystore import create_keystore, keystore_address, read_secret_file
from chains.family import ChainInit, Registration

KEYSTORE = "keys/transmitter.json"
PASSPHRASE = "secrets/transmitter.pass"


def transmitter(root: Path) -> str:
    """The keystore's address; the keystore (and its passphrase file) made first unless they exist."""
    passphrase, keystore = root / PASSPHRASE, root / KEYSTORE
    if keystore.exists():
        return keystore_address(keystore)
    if not passphrase.exists():
        write_secret(passphrase, secrets.token_urlsafe(24))
    return create_keystore(keystore, read_secret_file(passphrase))


def target(cfg: EvmChain) -> dict[str, Any]:
    return {"family": "evm", "chain_id": cfg.chain_id, "contract": cfg.oracle}


def registration(document: Mapping[str, Any]) -> Registration:
    return Registration(
        call="registerSigner(signer, measurement, payee) on the oracle, by its owner",
        arguments={"signer": document["signer"], "measurement": document["measurement"],
                   "payee": "the account this signer's fees are paid to (withdrawFees(signer))"},
        fund="the transmitter: it pays each fulfilment's gas")


INIT = ChainInit(files={"transmitter_keystore": KEYSTORE, "transmitter_passphrase_file": PASSPHRASE},
                 transmitter=transmitter, target=target, registration=registration)
