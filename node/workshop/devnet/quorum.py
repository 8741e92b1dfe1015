"""Set up a local devnet for a quorum of operators (docs/quorum.md): the contracts deployed once, then for each
operator a folder `<root>/op<i>/` with its own enclave key (every one sealed with the one commitment secret the
quorum shares), its own funded transmitters, data dir and API port, its signer registered on EVM and Solana with
its transmitter as payee, the threshold set on both chains, and its `aura.toml` naming the others as `[[peers]]`.

One operator is `setup_devnet`'s layout exactly (everything in `<root>` itself), wrapped as a quorum of one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web3 import Web3

from chains.core.errors import AuraError
from chains.core.secret_file import write_secret
from chains.evm.artifacts import contract
from chains.evm.consumer import REQUESTER_KEY_FILE
from node.workshop.devnet.deploy import (
    DEPLOYER_KEY,
    REQUESTER_KEY,
    Contracts,
    Devnet,
    config_header,
    deploy_contracts,
    evm_section,
    new_enclave,
    new_transmitter,
    register_signer,
    send,
    setup_devnet,
)

if TYPE_CHECKING:
    from node.workshop.devnet.quorum_solana import SolanaQuorum

COMMITMENT_SECRET = Path("secrets/commitment.secret")
"""The quorum's shared commitment secret, under the devnet's root (docs/quorum.md)."""


@dataclass(frozen=True)
class Operator:
    """One operator of the devnet: its folder, config, API and keys' public halves."""

    name: str
    root: str
    config_path: str
    api_port: int
    signer: str
    transmitter: str
    solana_transmitter: str = ""
    solana_enclave: str = ""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"


@dataclass(frozen=True)
class QuorumDevnet:
    """The deployment (`devnet`: its signer, transmitter and config are the first operator's), the threshold k
    set on every chain and in every config, and the operators."""

    devnet: Devnet
    threshold: int
    operators: list[Operator] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> QuorumDevnet:
        raw = json.loads(path.read_text())
        return cls(Devnet(**raw["devnet"]), raw["threshold"], [Operator(**o) for o in raw["operators"]])

    def signers(self) -> set[str]:
        return {o.signer for o in self.operators}


def check_quorum(operators: int, threshold: int) -> None:
    """Refuse a quorum no devnet can have: AuraError naming the flags."""
    if operators < 1:
        raise AuraError(f"--operators must be at least 1, not {operators}")
    if not 1 <= threshold <= operators:
        raise AuraError(f"--threshold must be between 1 and --operators ({operators}), not {threshold}")


def setup_quorum(root: Path, rpc_url: str, *, operators: int, threshold: int, api_ports: list[int],
                 confirmations: int = 1, poll_interval_s: float = 0.5, kdf_light: bool = False,
                 solana_url: str | None = None, takeover_after_s: float | None = None) -> QuorumDevnet:
    """Deploy and configure a devnet of `operators` operators with threshold `threshold` under `root`, operator
    i's API on `api_ports[i]`. Idempotent only on a fresh root.

    Raises:
        AuraError: a threshold outside 1..operators, or not one API port per operator.
    """
    check_quorum(operators, threshold)
    if len(api_ports) != operators:
        raise AuraError(f"{operators} operator(s) need as many API ports, not {len(api_ports)}")
    if operators == 1:
        dev = setup_devnet(root, rpc_url, confirmations=confirmations, poll_interval_s=poll_interval_s,
                           api_port=api_ports[0], kdf_light=kdf_light, solana_url=solana_url)
        return QuorumDevnet(dev, 1, [_alone(root, dev, api_ports[0])])
    root.mkdir(parents=True, exist_ok=True)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    c = deploy_contracts(w3)
    solana = None
    if solana_url is not None:
        from node.workshop.devnet.quorum_solana import SolanaQuorum  # noqa: PLC0415

        solana = SolanaQuorum.create(root, solana_url)
    write_secret(root / COMMITMENT_SECRET, secrets.token_hex(32))
    made = [_operator(w3, c, root, i, api_ports[i - 1], kdf_light, solana) for i in range(1, operators + 1)]
    _set_threshold(w3, c.oracle, threshold)
    if solana is not None:
        solana.set_threshold(threshold)
    for op in made:
        text = config_header(f"Written by `aura devnet`: operator {op.name} of a quorum of {operators}, "
                             f"threshold {threshold}.", op.api_port)
        text += evm_section(rpc_url, c, confirmations=confirmations, poll_interval_s=poll_interval_s)
        if solana is not None:
            text += solana.config_section(poll_interval_s)
        text += peers_section(op, made, threshold, takeover_after_s)
        Path(op.config_path).write_text(text)
    first = made[0]
    dev = Devnet(rpc_url=rpc_url, chain_id=c.chain_id, oracle=c.oracle, lender=c.lender,
                 deploy_block=c.deploy_block, signer=first.signer, measurement=_measurement(w3, c, first.signer),
                 transmitter=first.transmitter, config_path=first.config_path, protocols=c.protocols.addresses(),
                 solana=solana.shared(first) if solana is not None else {})
    dev.save(root / "devnet.json")
    quorum = QuorumDevnet(dev, threshold, made)
    quorum.save(root / "quorum.json")
    return quorum


def peers_section(me: Operator, operators: list[Operator], threshold: int, takeover_after_s: float | None) -> str:
    """`[[peers]]`, the operators other than `me`, and `[quorum]`."""
    text = ""
    for op in operators:
        if op.name != me.name:
            text += f'\n[[peers]]\nurl = "{op.api_url}"\nsigner = "{op.signer}"\nname = "{op.name}"\n'
    text += f"\n[quorum]\nthreshold = {threshold}\n"
    if takeover_after_s is not None:
        text += f"takeover_after_s = {takeover_after_s}\n"
    return text


def _operator(w3: Web3, c: Contracts, root: Path, i: int, api_port: int, kdf_light: bool,
              solana: SolanaQuorum | None) -> Operator:
    """Operator i's folder: enclave key (sealed with the shared commitment secret), transmitters, registrations.
    Its config is written once every operator's signer is known."""
    op_root = root / f"op{i}"
    op_root.mkdir(parents=True, exist_ok=True)
    targets: list[dict[str, Any]] = [c.target()]
    if solana is not None:
        targets.append(solana.target())
    att, signer = new_enclave(op_root, targets, commitment_secret_file=root / COMMITMENT_SECRET)
    measurement = str(att["document"]["measurement"])  # type: ignore[index]
    transmitter = new_transmitter(w3, op_root, kdf_light)
    register_signer(w3, c.oracle, signer, measurement, transmitter)
    write_secret(op_root / REQUESTER_KEY_FILE, REQUESTER_KEY)
    op = Operator(name=f"op{i}", root=str(op_root), config_path=str(op_root / "aura.toml"), api_port=api_port,
                  signer=signer, transmitter=transmitter)
    if solana is None:
        return op
    sol_transmitter, enclave = solana.add_operator(op_root, att["document"])  # type: ignore[arg-type]
    return replace(op, solana_transmitter=sol_transmitter, solana_enclave=enclave)


def _set_threshold(w3: Web3, oracle: str, threshold: int) -> None:
    oracle_c = contract(w3, "AuraOracle", oracle)
    send(w3, DEPLOYER_KEY, {"to": oracle, "data": oracle_c.encode_abi("setThreshold", [threshold])})


def _measurement(w3: Web3, c: Contracts, signer: str) -> str:
    info = contract(w3, "AuraOracle", c.oracle).functions.signers(signer).call()
    return "0x" + bytes(info[4]).hex()


def _alone(root: Path, dev: Devnet, api_port: int) -> Operator:
    """The one operator of `setup_devnet`'s layout."""
    sol = dev.solana
    return Operator(name="op1", root=str(root), config_path=dev.config_path, api_port=api_port, signer=dev.signer,
                    transmitter=dev.transmitter, solana_transmitter=sol.get("transmitter", ""),
                    solana_enclave=sol.get("enclave_account", ""))
