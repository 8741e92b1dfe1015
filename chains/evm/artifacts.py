"""Compiled contract artefacts (made by `node contracts/build.js`) and deploying them.

Artefacts live in `<build>/contracts/<Name>.json`, where `<build>` is `$AURA_BUILD_DIR` when set, else the
`build/` folder of the repository root.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from chains.core.errors import AuraError, ChainError


class ArtifactError(AuraError, FileNotFoundError):
    """A contract artefact is missing or unreadable."""


class DeployError(ChainError):
    """A contract deployment was not mined successfully."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: its name, ABI and creation bytecode (0x-prefixed hex)."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def artifacts_dir() -> Path:
    """Where the artefacts are: `$AURA_BUILD_DIR/contracts` or `<repo root>/build/contracts`."""
    env = os.environ.get("AURA_BUILD_DIR")
    if env:
        return Path(env) / "contracts"
    return Path(__file__).resolve().parents[2] / "build" / "contracts"


def load_artifact(name: str) -> Artifact:
    """Read the artefact of contract `name`.

    Raises:
        ArtifactError: the artefact is missing (the contracts were not built) or not valid JSON.
    """
    return _load(artifacts_dir() / f"{name}.json", name)


@lru_cache(maxsize=64)
def _load(path: Path, name: str) -> Artifact:
    if not path.is_file():
        raise ArtifactError(f"contract artefacts not found at {path}: run `make contracts`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Artifact(name=data["contractName"], abi=data["abi"], bytecode=data["bytecode"])
    except (ValueError, KeyError) as e:
        raise ArtifactError(f"contract artefact {path} is unreadable ({e}): run `make contracts`") from None


def contract(w3: Web3, name: str, address: str) -> Contract:
    """A web3 contract object for the deployed contract `name` at `address`."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_artifact(name).abi)


def deploy(w3: Web3, name: str, args: Sequence[Any], private_key: str | bytes,
           timeout: float = 60.0) -> ChecksumAddress:
    """Deploy contract `name` with constructor `args` in a transaction signed locally with `private_key`.

    Returns:
        The address of the new contract, once its receipt is in.

    Raises:
        ArtifactError: the contract is not built, or is abstract (no bytecode).
        DeployError: the deployment reverted or produced no contract.
    """
    art = load_artifact(name)
    if art.bytecode in ("", "0x"):
        raise ArtifactError(f"{name} has no bytecode (an interface or abstract contract)")
    account = Account.from_key(private_key)
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    tx = factory.constructor(*args).build_transaction({
        "from": account.address,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
    })
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)
    address = receipt.get("contractAddress")
    if receipt["status"] != 1 or not address:
        raise DeployError(f"deploying {name} failed in transaction 0x{bytes(tx_hash).hex()}")
    return Web3.to_checksum_address(address)
