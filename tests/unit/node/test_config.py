from pathlib import Path

import pytest

from chains.core.errors import ConfigError
from node.config import load_config, parse_config

GOOD = """
[node]
data_dir = "data"

[enclave]
passphrase_file = "secrets/enclave.pass"

[[chains]]
family = "evm"
name = "anvil"
chain_id = 31337
rpc_url = "http://user:hunter2@127.0.0.1:8545"
oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
transmitter_keystore = "keys/t.json"
transmitter_passphrase_file = "secrets/t.pass"
"""


def test_good_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    p = tmp_path / "aura.toml"
    p.write_text(GOOD)
    cfg = load_config(p)
    assert cfg.node.data_dir == tmp_path / "data"
    assert cfg.enclave.socket == tmp_path / "data" / "enclave.sock"
    assert cfg.chains[0].transmitter_keystore == tmp_path / "keys/t.json"
    assert cfg.chains[0].confirmations == 1


def test_rpc_url_with_credentials_never_prints() -> None:
    cfg = parse_config(GOOD)
    assert "hunter2" not in repr(cfg)
    assert "hunter2" not in str(cfg.chains[0])
    assert cfg.chains[0].rpc_url.get_secret_value().endswith("@127.0.0.1:8545")


def test_every_error_reported_at_once_with_place_and_hint() -> None:
    bad = GOOD.replace('data_dir = "data"', 'data_dri = "data"').replace("chain_id = 31337", "chain_id = 0")
    bad = bad.replace("0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x1234") + "confirmatons = 3\n"
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "aura.toml")
    assert str(e.value) == (
        "4 problem(s) in aura.toml:\n"
        "  aura.toml:3: node.data_dri: unknown key (did you mean 'data_dir'?)\n"
        "  aura.toml:11: chains[0].chain_id: Input should be greater than 0\n"
        "  aura.toml:13: chains[0].oracle: Value error, must be a 0x-prefixed 20-byte hex address\n"
        "  aura.toml:16: chains[0].confirmatons: unknown key (did you mean 'confirmations'?)"
    )


def test_missing_section_and_unknown_family() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config('[[chains]]\nfamily = "cosmos"\n', "x.toml")
    msg = str(e.value)
    assert "x.toml: enclave: required key missing" in msg
    assert "chains[0]: Input tag 'cosmos' found using 'family' does not match any of the expected tags: 'evm', 'solana'" in msg


def test_duplicate_chain_names_rejected() -> None:
    chain = GOOD[GOOD.index("[[chains]]"):]
    with pytest.raises(ConfigError, match="chain names must be unique, repeated: anvil"):
        parse_config(GOOD + chain)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^x.toml: not valid TOML: "):
        parse_config("[node\n", "x.toml")
    with pytest.raises(ConfigError, match=r"cannot read config .*nope.toml: No such file or directory"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("name", ["devnet.example.toml", "mainnet.example.toml"])
def test_example_configs_are_valid(name: str) -> None:
    cfg = load_config(Path(__file__).parents[3] / "config" / name)
    assert cfg.chains and {c.family for c in cfg.chains} <= {"evm", "solana", "sui"}
    assert cfg.chains[0].family == "evm"


SOLANA = """
[[chains]]
family = "solana"
name = "solana-local"
rpc_url = "http://127.0.0.1:8899"
program_id = "AuRa1111111111111111111111111111111111111111"
oracle = "11111111111111111111111111111111"
transmitter_keypair = "keys/solana.json"
"""


def test_solana_chain_resolves_and_defaults(tmp_path: Path) -> None:
    from solders.pubkey import Pubkey

    program = str(Pubkey.new_unique())
    p = tmp_path / "aura.toml"
    p.write_text(GOOD + SOLANA.replace("AuRa1111111111111111111111111111111111111111", program))
    cfg = load_config(p)
    sol = cfg.chains[1]
    assert sol.family == "solana" and sol.program_id == program
    assert sol.transmitter_keypair == tmp_path / "keys/solana.json"
    assert (sol.commitment, sol.batch_size, sol.chain_id) == ("confirmed", 1, 0)


def test_solana_chain_errors_name_their_place() -> None:
    bad = GOOD + SOLANA.replace('commitment', 'x').replace(
        'oracle = "11111111111111111111111111111111"', 'oracle = "0OIl"').replace(
        'rpc_url = "http://127.0.0.1:8899"', 'rpc_url = "ws://127.0.0.1:8900"').replace(
        "AuRa1111111111111111111111111111111111111111", "z" * 44) + 'commitmnt = "finalized"\n'
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "aura.toml")
    assert str(e.value) == (
        "4 problem(s) in aura.toml:\n"
        "  aura.toml:20: chains[1].rpc_url: Value error, must be an http(s):// URL\n"
        "  aura.toml:21: chains[1].program_id: Value error, must be a base58 Solana public key (32 bytes)\n"
        "  aura.toml:22: chains[1].oracle: Value error, must be a base58 Solana public key\n"
        "  aura.toml:24: chains[1].commitmnt: unknown key (did you mean 'commitment'?)"
    )
