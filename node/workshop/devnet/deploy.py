"""Set up a local EVM devnet: deploy the oracle, the example consumer and the devnet protocols, create the
enclave and transmitter keys, register the enclave signer, and write a node config that points at all of it."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from chains.core.errors import AuraError
from chains.core.secret_file import write_secret
from chains.evm.artifacts import contract, deploy
from chains.evm.consumer import REQUESTER_KEY_FILE
from chains.evm.keystore import create_keystore
from node.enclave.attestation import verify_attestation
from node.enclave.provision import init_enclave
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.workshop.devnet.protocols import Protocols, deploy_protocols

DEPLOYER_KEY = DEFAULT_KEYS[0]
REQUESTER_KEY = DEFAULT_KEYS[9]  # what `aura request --config <devnet>/aura.toml` pays with
FEE_WEI = 10**15  # 0.001 ETH per assessment
REQUEST_TTL_S = 3600
CALLBACK_GAS = 200_000


@dataclass(frozen=True)
class Devnet:
    rpc_url: str
    chain_id: int
    oracle: str
    lender: str
    deploy_block: int
    signer: str
    measurement: str
    transmitter: str
    config_path: str
    protocols: dict[str, str] = field(default_factory=dict)  # Protocols.addresses(): name -> address
    solana: dict[str, str] = field(default_factory=dict)  # SolanaDevnet fields, when a Solana endpoint was given

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Devnet:
        return cls(**json.loads(path.read_text()))


def new_enclave(root: Path, targets: list[dict[str, Any]],
                commitment_secret_file: Path | None = None) -> tuple[dict[str, object], str]:
    """A passphrase under `root/secrets` and an enclave key sealed for `targets` under `root/data/enclave` (with
    the quorum's shared commitment secret when `commitment_secret_file` is given); returns the attestation and
    the signer it verifies to."""
    enclave_pass = root / "secrets" / "enclave.pass"
    write_secret(enclave_pass, secrets.token_urlsafe(24))
    att = init_enclave(root / "data" / "enclave", enclave_pass, targets,
                       commitment_secret_file=commitment_secret_file)
    return att, verify_attestation(att)


def config_header(comment: str, api_port: int) -> str:
    """The node, enclave and api tables of a devnet config (paths relative to `root`)."""
    return f"""# {comment}
[node]
data_dir = "data"
log_format = "json"
log_level = "info"

[enclave]
passphrase_file = "secrets/enclave.pass"

[api]
host = "127.0.0.1"
port = {api_port}
"""


def send(w3: Web3, key: str, tx: dict[str, object]) -> dict[str, object]:
    acct = Account.from_key(key)
    tx = {"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address, "pending"),
          "chainId": w3.eth.chain_id, **tx}
    if "gas" not in tx:
        tx["gas"] = w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
    if "maxFeePerGas" not in tx:
        base = w3.eth.get_block("latest")["baseFeePerGas"]
        tx["maxFeePerGas"] = 2 * base + 10**9
        tx["maxPriorityFeePerGas"] = 10**9
    signed = acct.sign_transaction(tx)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(h, timeout=30)
    if receipt["status"] != 1:
        raise AuraError(f"devnet transaction 0x{bytes(h).hex()} reverted")
    return dict(receipt)


@dataclass(frozen=True)
class Contracts:
    """What is deployed once, whatever the number of operators: the oracle, the example lender, the protocols."""

    chain_id: int
    oracle: str
    lender: str
    deploy_block: int
    protocols: Protocols

    def target(self) -> dict[str, Any]:
        """The enclave target (node/enclave/targets.py) of this oracle."""
        return {"family": "evm", "chain_id": self.chain_id, "contract": self.oracle}


def deploy_contracts(w3: Web3) -> Contracts:
    """Deploy the oracle, the example lender and the devnet protocols from the deployer's account."""
    oracle = deploy(w3, "AuraOracle", [FEE_WEI, REQUEST_TTL_S, CALLBACK_GAS], DEPLOYER_KEY)
    lender = deploy(w3, "ExampleLender", [oracle], DEPLOYER_KEY)
    deploy_block = w3.eth.block_number - 1
    return Contracts(w3.eth.chain_id, oracle, lender, deploy_block, deploy_protocols(w3, DEPLOYER_KEY))


def new_transmitter(w3: Web3, root: Path, kdf_light: bool) -> str:
    """A transmitter keystore under `root/keys` (its passphrase under `root/secrets`), funded with 100 ETH."""
    tx_pass = root / "secrets" / "transmitter.pass"
    passphrase = secrets.token_urlsafe(24)
    write_secret(tx_pass, passphrase)
    transmitter = create_keystore(root / "keys" / "transmitter.json", passphrase,
                                  kdf_n=2**12 if kdf_light else 2**18)
    send(w3, DEPLOYER_KEY, {"to": transmitter, "value": 100 * 10**18, "gas": 21000})
    return transmitter


def register_signer(w3: Web3, oracle: str, signer: str, measurement: str, payee: str) -> None:
    """`registerSigner`: the fees of this signer's fulfilments are paid to `payee` (`withdrawFees`)."""
    oracle_c = contract(w3, "AuraOracle", oracle)
    send(w3, DEPLOYER_KEY, {"to": oracle, "data": oracle_c.encode_abi("registerSigner", [signer, measurement, payee])})


def evm_section(rpc_url: str, c: Contracts, *, confirmations: int, poll_interval_s: float) -> str:
    """The `[[chains]]` table of the anvil chain, with the protocols' indexer keys (paths relative to the
    config's folder)."""
    return f"""
[[chains]]
family = "evm"
name = "anvil"
chain_id = {c.chain_id}
rpc_url = "{rpc_url}"
ws_url = "{rpc_url.replace('http://', 'ws://')}"
oracle = "{c.oracle}"
start_block = {c.deploy_block}
confirmations = {confirmations}
finality_depth = 2
poll_interval_s = {poll_interval_s}
max_head_age_s = 0  # a local anvil without --block-time mines only for a transaction: an idle head's age says nothing
transmitter_keystore = "keys/transmitter.json"
transmitter_passphrase_file = "secrets/transmitter.pass"
""" + c.protocols.indexer_keys()


def setup_devnet(root: Path, rpc_url: str, *, confirmations: int = 1, poll_interval_s: float = 0.5,
                 api_port: int = 9464, kdf_light: bool = False, solana_url: str | None = None) -> Devnet:
    """Deploy and configure everything under `root` for one operator; returns what was made. Idempotent only
    on a fresh root. A quorum of operators: node/workshop/devnet/quorum.py."""
    root.mkdir(parents=True, exist_ok=True)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    c = deploy_contracts(w3)
    targets: list[dict[str, Any]] = [c.target()]
    if solana_url is not None:
        from node.workshop.devnet.solana_setup import solana_target  # noqa: PLC0415

        targets.append(solana_target(root))
    att, signer = new_enclave(root, targets)
    measurement = str(att["document"]["measurement"])  # type: ignore[index]
    transmitter = new_transmitter(w3, root, kdf_light)
    register_signer(w3, c.oracle, signer, measurement, transmitter)
    write_secret(root / REQUESTER_KEY_FILE, REQUESTER_KEY)

    config_path = root / "aura.toml"
    config_path.write_text(config_header("Written by `aura devnet`: a node for the local anvil chain.", api_port)
                           + evm_section(rpc_url, c, confirmations=confirmations, poll_interval_s=poll_interval_s))
    solana: dict[str, str] = {}
    if solana_url is not None:
        from node.workshop.devnet.solana_setup import config_section, setup_solana  # noqa: PLC0415

        sol = setup_solana(root, solana_url, att["document"])  # type: ignore[arg-type]
        sol.save(root / "solana-devnet.json")
        with config_path.open("a") as f:
            f.write(config_section(sol, poll_interval_s=poll_interval_s))
        solana = asdict(sol)
    info = Devnet(rpc_url=rpc_url, chain_id=c.chain_id, oracle=c.oracle, lender=c.lender,
                  deploy_block=c.deploy_block, signer=signer, measurement=measurement, transmitter=transmitter,
                  config_path=str(config_path), protocols=c.protocols.addresses(), solana=solana)
    info.save(root / "devnet.json")
    return info
