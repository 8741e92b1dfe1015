"""Set up the `aura_oracle` program on a local Solana endpoint: the admin, oracle, transmitter and requester
keypairs, the oracle account, the enclave's registration, and the node config section that points at them."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from coincurve import PublicKey
from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solana.rpc.types import TxOpts
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus

from chains.core.errors import AuraError
from chains.core.secp256k1 import keccak256
from chains.solana import program as prog
from chains.solana.keypair import load_keypair, write_keypair

FEE_LAMPORTS = 1_000_000  # 0.001 SOL per assessment
REQUEST_TTL_S = 3600
AIRDROP = 100 * 10**9
CLUSTER_ID = 900  # the local endpoint's cluster id: the oracle stores it, the node config names it as chain_id


@dataclass(frozen=True)
class SolanaDevnet:
    rpc_url: str
    program: str
    oracle: str
    admin: str
    transmitter: str
    requester: str
    enclave_account: str
    keys_dir: str

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> SolanaDevnet:
        return cls(**json.loads(path.read_text()))

    def keypair(self, name: str) -> Keypair:
        return load_keypair(Path(self.keys_dir) / f"solana-{name}.json")


def enclave_public_key(attestation_document: dict[str, Any]) -> bytes:
    """The 64-byte uncompressed (x || y) key the program stores, from the attestation's compressed key."""
    compressed = bytes.fromhex(str(attestation_document["public_key"]).removeprefix("0x"))
    return PublicKey(compressed).format(compressed=False)[1:]


def send(client: Client, signers: list[Keypair], instructions: list[Instruction], timeout: float = 20.0,
         wait: bool = True) -> Signature:
    """Sign with `signers` (the first pays), send, wait until confirmed (unless `wait` is false); AuraError
    with the program's logs on failure."""
    blockhash = client.get_latest_blockhash().value.blockhash
    message = Message.new_with_blockhash(instructions, signers[0].pubkey(), blockhash)
    tx = Transaction(signers, message, blockhash)
    sig = client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=True)).value
    if not wait:
        return sig
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = client.get_signature_statuses([sig], search_transaction_history=True).value[0]
        if st is not None and st.confirmation_status in (TransactionConfirmationStatus.Confirmed,
                                                         TransactionConfirmationStatus.Finalized):
            if st.err is not None:
                tx_info = client.get_transaction(sig, encoding="json", max_supported_transaction_version=0).value
                logs = tx_info.transaction.meta.log_messages if tx_info and tx_info.transaction.meta else []
                from chains.solana.adapter import explain  # noqa: PLC0415

                raise AuraError(f"Solana transaction {sig} failed: {explain(st.err)}\n  " + "\n  ".join(logs or []))
            return sig
        time.sleep(0.05)
    raise AuraError(f"Solana transaction {sig} not confirmed within {timeout:.0f} s")


def airdrop(client: Client, to: Pubkey, lamports: int, timeout: float = 20.0) -> None:
    sig = client.request_airdrop(to, lamports).value
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = client.get_signature_statuses([sig], search_transaction_history=True).value[0]
        if st is not None and st.confirmation_status is not None and \
                st.confirmation_status != TransactionConfirmationStatus.Processed:
            return
        time.sleep(0.05)
    raise AuraError(f"airdrop to {to} not confirmed within {timeout:.0f} s")


KEY_NAMES = ("admin", "oracle", "transmitter", "requester")


def keypairs(root: Path) -> dict[str, Keypair]:
    """The devnet's keypairs under `root/keys`: read when there, made otherwise."""
    keys = root / "keys"
    out = {}
    for name in KEY_NAMES:
        path = keys / f"solana-{name}.json"
        out[name] = load_keypair(path) if path.exists() else write_keypair(path)
    return out


def solana_target(root: Path) -> dict[str, Any]:
    """The enclave target (node/enclave/targets.py) of the oracle `setup_solana(root, ...)` creates: its
    keypairs are made here first if need be, so that the enclave can be sealed for the oracle before it exists."""
    return {"family": "solana", "chain_id": CLUSTER_ID, "program": str(prog.idl_address()),
            "contract": str(keypairs(root)["oracle"].pubkey())}


def setup_solana(root: Path, rpc_url: str, attestation_document: dict[str, Any], *,
                 fee_lamports: int = FEE_LAMPORTS, request_ttl_s: int = REQUEST_TTL_S) -> SolanaDevnet:
    """Make the keypairs under `root/keys`, create the oracle account for cluster CLUSTER_ID and register the
    enclave with the transmitter as the payee of its fees."""
    made = keypairs(root)
    client = init_oracle(rpc_url, made, fee_lamports=fee_lamports, request_ttl_s=request_ttl_s)
    airdrop(client, made["transmitter"].pubkey(), AIRDROP)
    enclave = register_enclave(client, made["admin"], made["oracle"].pubkey(), attestation_document,
                               made["transmitter"].pubkey())
    return SolanaDevnet(rpc_url=rpc_url, program=str(prog.idl_address()), oracle=str(made["oracle"].pubkey()),
                        admin=str(made["admin"].pubkey()), transmitter=str(made["transmitter"].pubkey()),
                        requester=str(made["requester"].pubkey()), enclave_account=str(enclave),
                        keys_dir=str(root / "keys"))


def init_oracle(rpc_url: str, made: dict[str, Keypair], *, fee_lamports: int = FEE_LAMPORTS,
                request_ttl_s: int = REQUEST_TTL_S) -> Client:
    """Fund the admin and the requester of `made` (`keypairs`) and create the oracle account; returns the client
    it used. Each transmitter is funded by whoever makes it."""
    program = prog.idl_address()
    client = Client(rpc_url, commitment=Commitment("confirmed"))
    info = client.get_account_info(program).value
    if info is None or not info.executable:
        raise AuraError(f"no aura_oracle program at {program} on {rpc_url}")
    for name in ("admin", "requester"):
        airdrop(client, made[name].pubkey(), AIRDROP)
    admin, oracle = made["admin"], made["oracle"]
    send(client, [admin, oracle], [prog.initialize_ix(program, oracle.pubkey(), admin.pubkey(), fee_lamports,
                                                      request_ttl_s, CLUSTER_ID)])
    return client


def register_enclave(client: Client, admin: Keypair, oracle: Pubkey, attestation_document: dict[str, Any],
                     payee: Pubkey) -> Pubkey:
    """`register_enclave` for the attested key, its fees paid to `payee`; returns the enclave account."""
    program = prog.idl_address()
    public_key = enclave_public_key(attestation_document)
    measurement = bytes.fromhex(str(attestation_document["measurement"]).removeprefix("0x"))
    send(client, [admin], [prog.register_enclave_ix(program, oracle, admin.pubkey(), public_key, measurement, payee)])
    return prog.enclave_pda(program, oracle, keccak256(public_key)[12:])[0]


def set_threshold(client: Client, admin: Keypair, oracle: Pubkey, threshold: int) -> None:
    """`set_threshold`: how many enclave signatures a fulfilment needs from now on."""
    send(client, [admin], [prog.set_threshold_ix(prog.idl_address(), oracle, admin.pubkey(), threshold)])


def config_section(dev: SolanaDevnet, name: str = "solana-local", poll_interval_s: float = 0.25) -> str:
    """The `[[chains]]` table for the node config (paths relative to the config's folder)."""
    return f"""
[[chains]]
family = "solana"
name = "{name}"
chain_id = {CLUSTER_ID}
rpc_url = "{dev.rpc_url}"
program_id = "{dev.program}"
oracle = "{dev.oracle}"
commitment = "confirmed"
poll_interval_s = {poll_interval_s}
max_head_age_s = 0  # the local endpoint makes a slot only for a transaction: an idle head's age says nothing
transmitter_keypair = "keys/solana-transmitter.json"
lending_programs = {{}}  # no lending program runs on the local endpoint: read none
"""


def setup_solana_node(root: Path, rpc_url: str, *, api_port: int = 9464,
                      poll_interval_s: float = 0.25) -> tuple[SolanaDevnet, Path]:
    """A node that serves only this Solana endpoint: enclave key, oracle, config. Returns (devnet, config)."""
    from node.workshop.devnet.deploy import config_header, new_enclave  # noqa: PLC0415

    root.mkdir(parents=True, exist_ok=True)
    att, _ = new_enclave(root, [solana_target(root)])
    dev = setup_solana(root, rpc_url, att["document"])  # type: ignore[arg-type]
    dev.save(root / "solana-devnet.json")
    config = root / "aura.toml"
    config.write_text(config_header("A node for the local Solana endpoint only.", api_port)
                      + config_section(dev, poll_interval_s=poll_interval_s))
    return dev, config


@dataclass(frozen=True)
class Fulfilment:
    request: str
    signature: str
    slot: int
    logs: list[str]
    units: int | None  # the whole transaction's compute units


def new_fulfilments(client: Client, transmitter: Pubkey, known: set[str], limit: int = 1000) -> list[Fulfilment]:
    """The successful fulfilments among the transmitter's transactions not yet in `known` (which gains them),
    read from their `AssessmentFulfilled` events."""
    out = []
    for item in client.get_signatures_for_address(transmitter, limit=limit).value:
        sig = str(item.signature)
        if sig in known or item.err is not None:
            continue
        tx = client.get_transaction(item.signature, encoding="json", max_supported_transaction_version=0).value
        if tx is None or tx.transaction.meta is None:
            continue
        known.add(sig)
        logs = list(tx.transaction.meta.log_messages or [])
        for name, data in prog.events_in_logs(logs):
            if name == "AssessmentFulfilled":
                out.append(Fulfilment(str(prog.pubkey(data.request)), sig, tx.slot, logs,
                                      tx.transaction.meta.compute_units_consumed))
    return out
