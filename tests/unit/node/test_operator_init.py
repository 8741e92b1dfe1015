"""`aura init` for each family (node/operator_init.py): the config the node then loads, the transmitter key its
family's loader reads, the enclave key sealed for exactly the chain's target; and every refusal, exact, before any
file is written."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from coincurve import PublicKey

from chains.core.errors import AuraError, NotSupported
from chains.core.secp256k1 import address_from_public_key
from chains.evm.keystore import load_keystore
from chains.registry import FAMILIES
from chains.solana.keypair import load_keypair, write_keypair
from chains.sui.keys import load_transmitter
from node.config import load_config
from node.enclave.sealing import read_passphrase, read_sealed, sealed_path, unseal
from node.operator_init import InitOptions, init_node
from tests.fakechain import FAMILY

EVM_ORACLE = "0x" + "ab" * 20
SOLANA_PROGRAM = "AuRa1111111111111111111111111111111111111111"
SOLANA_ORACLE = "AuRaoRac1e111111111111111111111111111111111"
SUI_PACKAGE = "0x" + "03" * 32
SUI_ORACLE = "0x" + "04" * 32

GOOD = {
    "evm": InitOptions(family="evm", name="sepolia", chain_id=11155111, endpoint="https://rpc.example.org",
                       oracle=EVM_ORACLE, settings=("start_block=123456", "confirmations=3")),
    "solana": InitOptions(family="solana", name="solana", chain_id=101, endpoint="https://solana.example.org",
                          oracle=SOLANA_ORACLE, settings=(f"program_id={SOLANA_PROGRAM}", "commitment=finalized",
                                                          "start_slot=300000000")),
    "sui": InitOptions(family="sui", name="sui", endpoint="https://graphql.mainnet.sui.io/graphql", oracle=SUI_ORACLE,
                       settings=(f"package_id={SUI_PACKAGE}", "chain_identifier=35834a8a",
                                 'graphql_urls=["https://sui.example.net/graphql"]')),
}
TARGETS = {
    "evm": {"family": "evm", "chain_id": 11155111, "contract": EVM_ORACLE},
    "solana": {"family": "solana", "chain_id": 101, "program": SOLANA_PROGRAM, "contract": SOLANA_ORACLE},
    "sui": {"family": "sui", "chain_id": 0, "package": SUI_PACKAGE, "contract": SUI_ORACLE},
}


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def transmitter_of(family: str, root: Path, chain: Any) -> str:
    """The transmitter's address as the family's own loader reads the file the config names."""
    if family == "evm":
        return str(load_keystore(chain.transmitter_keystore, chain.transmitter_passphrase_file).address)
    if family == "solana":
        return str(load_keypair(chain.transmitter_keypair).pubkey())
    return load_transmitter(chain.transmitter_key).address


@pytest.mark.parametrize("family", list(GOOD))
def test_init_writes_a_config_the_node_loads_and_seals_the_enclave_for_the_chain(family: str, tmp_path: Path) -> None:
    root = tmp_path / "node"
    out = init_node(root, GOOD[family])
    cfg = load_config(root / "aura.toml")
    (chain,) = cfg.chains
    assert (chain.family, chain.name) == (family, GOOD[family].name)
    assert out["transmitter"] == transmitter_of(family, root, chain)
    assert out["target"] == TARGETS[family]
    sealed = read_sealed(sealed_path(root / "data" / "enclave"))
    assert sealed["address"] == out["enclave_signer"] and sealed["measurement"] == out["measurement"]
    assert sealed["targets"] == [TARGETS[family]]
    assert (out["config"], out["family"], out["chain"]) == (str(root / "aura.toml"), family, GOOD[family].name)
    assert out["next"] == f"fund {out['register']['fund']}; then {out['register']['call']}"
    for path in (root / "secrets" / "enclave.pass", *(p for p in (root / "keys").iterdir())):
        assert owner_only(path), path


def test_each_given_key_is_written_as_its_type(tmp_path: Path) -> None:
    init_node(tmp_path, GOOD["solana"])
    (chain,) = load_config(tmp_path / "aura.toml").chains
    assert (chain.chain_id, chain.commitment, chain.start_slot, chain.program_id) == (
        101, "finalized", 300_000_000, SOLANA_PROGRAM)
    text = (tmp_path / "aura.toml").read_text()
    assert "start_slot = 300000000\n" in text and 'rpc_url = "https://solana.example.org"\n' in text
    init_node(tmp_path / "sui", GOOD["sui"])
    (sui,) = load_config(tmp_path / "sui" / "aura.toml").chains
    assert [u.get_secret_value() for u in sui.graphql_urls] == ["https://sui.example.net/graphql"]
    assert sui.chain_identifier == "35834a8a"


def test_what_the_owner_registers_is_the_enclaves_key_in_the_chains_form(tmp_path: Path) -> None:
    evm = init_node(tmp_path / "evm", GOOD["evm"])
    assert evm["register"]["arguments"]["signer"] == evm["enclave_signer"]
    solana = init_node(tmp_path / "solana", GOOD["solana"])
    sui = init_node(tmp_path / "sui", GOOD["sui"])
    for out in (solana, sui):
        assert out["register"]["arguments"]["measurement"] == out["measurement"]
    uncompressed = bytes.fromhex(solana["register"]["arguments"]["public_key"][2:])
    assert len(uncompressed) == 64
    compressed = bytes.fromhex(sui["register"]["arguments"]["public_key"][2:])
    assert len(compressed) == 33 and compressed[0] in (2, 3)
    assert address_from_public_key(PublicKey(b"\x04" + uncompressed).format()) == solana["enclave_signer"]
    assert address_from_public_key(compressed) == sui["enclave_signer"]


def test_a_transmitter_key_already_in_the_folder_is_kept(tmp_path: Path) -> None:
    kept = write_keypair(tmp_path / "keys" / "solana-transmitter.json")
    assert init_node(tmp_path, GOOD["solana"])["transmitter"] == str(kept.pubkey())


@pytest.mark.parametrize(("family", "change", "message"), [
    ("evm", {"oracle": None}, "--oracle: required by the evm family"),
    ("evm", {"endpoint": "ftp://rpc.example.org"}, "--rpc-url: Value error, must be an http(s):// URL"),
    ("evm", {"chain_id": 0}, "--chain-id: Input should be greater than 0"),
    ("evm", {"name": "Main Net"}, "--name: String should match pattern '^[a-z0-9][a-z0-9_-]{0,31}$'"),
    ("evm", {"settings": ("confirmations=0",)}, "--set confirmations=...: Input should be greater than or equal to 1"),
    ("evm", {"settings": ("start_slot=5",)}, "--set start_slot=...: not a key of the evm family"),
    ("solana", {"settings": ()}, "--set program_id=...: required by the solana family"),
    ("solana", {"chain_id": None}, "--chain-id: required by the solana family"),
    ("solana", {"oracle": "not-a-key", "endpoint": None},
     "--rpc-url: required by the solana family; --oracle: Value error, must be a base58 Solana public key"),
    ("solana", {"settings": (f"program_id={SOLANA_PROGRAM}", "commitment=soon")},
     "--set commitment=...: Input should be 'processed', 'confirmed' or 'finalized'"),
    ("sui", {"endpoint": None}, "--rpc-url: required by the sui family"),
    ("sui", {"settings": (f"package_id={SUI_PACKAGE}", "rpc_url=https://x.example")},
     "--set rpc_url=...: not a key of the sui family"),
    ("sui", {"settings": (f"package_id={SUI_PACKAGE}", "graphql_urls=[1")},
     "--set graphql_urls: not a TOML value: '[1' (Unclosed array (at end of document))"),
    ("sui", {"settings": ("graphql_url=https://x.example",)}, "--set graphql_url: give it with --rpc-url"),
    ("sui", {"settings": ("transmitter_key=/tmp/k",)},
     "--set transmitter_key: `aura init` makes the transmitter key and names it (keys/sui-transmitter.key)"),
    ("sui", {"settings": ("package_id",)}, "--set 'package_id': expected KEY=VALUE"),
    ("sui", {"settings": (f"package_id={SUI_PACKAGE}", f"package_id={SUI_PACKAGE}")}, "--set package_id: given twice"),
    ("sui", {"settings": ("family=evm",)}, "--set family: give it with --family"),
    ("tron", {}, "--family: unsupported family 'tron' (supported: evm, solana, sui)"),
])
def test_a_refused_init_names_the_option_and_writes_nothing(family: str, change: dict[str, Any], message: str,
                                                            tmp_path: Path) -> None:
    base = GOOD.get(family, GOOD["evm"])
    options = replace(base, family=family, **change)
    root = tmp_path / "node"
    with pytest.raises(AuraError) as refused:
        init_node(root, options)
    assert str(refused.value) == message
    assert not root.exists()


def test_an_existing_config_or_enclave_key_is_never_written_over(tmp_path: Path) -> None:
    first = init_node(tmp_path, GOOD["evm"])
    written = (tmp_path / "aura.toml").read_text()
    forced = replace(GOOD["solana"], force=True)
    with pytest.raises(AuraError) as sealed:
        init_node(tmp_path, forced)
    assert str(sealed.value) == (f"{sealed_path(tmp_path / 'data' / 'enclave')} holds an enclave key already, sealed "
                                 "for the chains it was made for; `aura init` seals a new one only where there is none "
                                 "(move that folder away first)")
    assert (tmp_path / "aura.toml").read_text() == written
    assert not (tmp_path / "keys" / "solana-transmitter.json").exists()
    assert read_sealed(sealed_path(tmp_path / "data" / "enclave"))["address"] == first["enclave_signer"]
    # a config with no sealed key beside it is not one `aura init` made: nothing is added to it
    other = tmp_path / "other"
    other.mkdir()
    (other / "aura.toml").write_text(written)
    with pytest.raises(AuraError) as exists:
        init_node(other, GOOD["solana"])
    assert str(exists.value) == (f"{other / 'aura.toml'} exists; pass --force to write a new one (keys are never "
                                 "overwritten)")
    assert sorted(p.name for p in other.iterdir()) == ["aura.toml"]


def test_init_again_adds_a_chain_the_same_enclave_key_signs_for(tmp_path: Path) -> None:
    """EVM, then Solana, then Sui in one folder: one config with the three sections (the operator's own lines
    kept), one enclave signer sealed for the three targets, which the passphrase and the measurement open."""
    first = init_node(tmp_path, GOOD["evm"])
    with (tmp_path / "aura.toml").open("a") as f:
        f.write("# the operator's note\n")
    solana = init_node(tmp_path, GOOD["solana"])
    sui = init_node(tmp_path, GOOD["sui"])
    cfg = load_config(tmp_path / "aura.toml")
    assert [(c.family, c.name) for c in cfg.chains] == [("evm", "sepolia"), ("solana", "solana"), ("sui", "sui")]
    assert "# the operator's note\n" in (tmp_path / "aura.toml").read_text()
    assert (solana["added"], solana["chains"], sui["chains"]) == (True, ["sepolia", "solana"],
                                                                  ["sepolia", "solana", "sui"])
    assert first["enclave_signer"] == solana["enclave_signer"] == sui["enclave_signer"]
    assert first["measurement"] == solana["measurement"] == sui["measurement"]
    for family, out, chain in (("solana", solana, cfg.chains[1]), ("sui", sui, cfg.chains[2])):
        assert out["target"] == TARGETS[family]
        assert out["transmitter"] == transmitter_of(family, tmp_path, chain)
    sealed = read_sealed(sealed_path(tmp_path / "data" / "enclave"))
    assert sealed["targets"] == [TARGETS["evm"], TARGETS["solana"], TARGETS["sui"]]
    opened = unseal(sealed, read_passphrase(tmp_path / "secrets" / "enclave.pass"),
                    bytes.fromhex(first["measurement"][2:]))
    assert (opened.key.address, opened.targets.document) == (first["enclave_signer"], sealed["targets"])
    compressed = bytes.fromhex(sui["register"]["arguments"]["public_key"][2:])
    assert address_from_public_key(compressed) == first["enclave_signer"]
    assert owner_only(sealed_path(tmp_path / "data" / "enclave"))


@pytest.mark.parametrize(("options", "message"), [
    (replace(GOOD["evm"], name="sepolia-2"),
     "{sealed}: targets[0]: the key is sealed for {target} already (chain 'sepolia-2')"),
    (replace(GOOD["solana"], name="sepolia"), "--name: {config} has a chain named 'sepolia' already"),
    (replace(GOOD["solana"], settings=()), "--set program_id=...: required by the solana family"),
])
def test_adding_a_chain_refuses_a_name_or_target_the_node_has_and_writes_nothing(
        options: InitOptions, message: str, tmp_path: Path) -> None:
    init_node(tmp_path, GOOD["evm"])
    sealed = sealed_path(tmp_path / "data" / "enclave")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(AuraError) as refused:
        init_node(tmp_path, options)
    assert str(refused.value) == message.format(sealed=sealed, config=tmp_path / "aura.toml",
                                                target=json.dumps(TARGETS["evm"]))
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_family_without_an_init_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert FAMILY.init is None
    monkeypatch.setitem(FAMILIES, "fake", FAMILY)
    with pytest.raises(NotSupported) as refused:
        init_node(tmp_path / "node", InitOptions(family="fake", chain_id=7, oracle="0x" + "c0" * 32))
    assert str(refused.value) == "family 'fake' does not support `aura init`"
    assert not (tmp_path / "node").exists()
