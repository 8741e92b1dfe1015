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
chain_id = 101
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
    assert (sol.commitment, sol.batch_size, sol.chain_id, sol.lookup_table) == ("confirmed", 1, 101, None)


def test_solana_lookup_table_is_a_public_key(tmp_path: Path) -> None:
    from solders.pubkey import Pubkey

    table = str(Pubkey.new_unique())
    assert parse_config(GOOD + SOLANA + f'lookup_table = "{table}"\n', "aura.toml").chains[1].lookup_table == table
    with pytest.raises(ConfigError) as e:
        parse_config(GOOD + SOLANA + 'lookup_table = "0OIl"\n', "aura.toml")
    assert str(e.value) == ("1 problem(s) in aura.toml:\n"
                            "  aura.toml:25: chains[1].lookup_table: Value error, must be a base58 Solana public key "
                            "(32 bytes)")


def test_solana_chain_errors_name_their_place() -> None:
    bad = GOOD + SOLANA.replace('commitment', 'x').replace(
        'oracle = "11111111111111111111111111111111"', 'oracle = "0OIl"').replace(
        'rpc_url = "http://127.0.0.1:8899"', 'rpc_url = "ws://127.0.0.1:8900"').replace(
        "AuRa1111111111111111111111111111111111111111", "z" * 44) + 'commitmnt = "finalized"\n'
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "aura.toml")
    assert str(e.value) == (
        "4 problem(s) in aura.toml:\n"
        "  aura.toml:21: chains[1].rpc_url: Value error, must be an http(s):// URL\n"
        "  aura.toml:22: chains[1].program_id: Value error, must be a base58 Solana public key (32 bytes)\n"
        "  aura.toml:23: chains[1].oracle: Value error, must be a base58 Solana public key\n"
        "  aura.toml:25: chains[1].commitmnt: unknown key (did you mean 'commitment'?)"
    )


PEERS = """
[[peers]]
url = "https://user:hunter2@bob.example:9464"
signer = "0xbA3A1E5b51E6BcFdB1efF845133111CeDDfe389c"
name = "bob"

[[peers]]
url = "http://10.0.0.3:9464"
signer = "0xfd3cfc6e8d12a9b9cde4cbc985e002cff046bdfc"

[quorum]
threshold = 2
"""


def test_no_peers_is_a_quorum_of_one() -> None:
    cfg = parse_config(GOOD)
    assert (cfg.peers, cfg.quorum.threshold, cfg.quorum.takeover_after_s) == ([], 1, 30.0)


def test_peers_and_quorum() -> None:
    cfg = parse_config(GOOD + PEERS)
    bob, carol = cfg.peers
    assert (bob.label, bob.url.get_secret_value()) == ("bob", "https://user:hunter2@bob.example:9464")
    assert carol.signer == carol.label == "0xfD3CfC6E8d12a9B9CdE4cBC985e002CFF046bDFC"  # checksummed
    assert (cfg.quorum.threshold, cfg.quorum.takeover_after_s) == (2, 30.0)
    assert "hunter2" not in repr(cfg)


def test_peer_errors_name_their_place() -> None:
    bad = GOOD + PEERS.replace("https://user", "ws://user").replace("0xbA3A1E5b51E6BcFdB1efF845133111CeDDfe389c",
                                                                    "0xBa3A1E5b51E6BcFdB1efF845133111CeDDfe389c")
    bad = bad.replace('name = "bob"', 'name = "Bob"').replace("threshold = 2", "threshold = 0\ntakeover_after = 5")
    bad = bad.replace('url = "http://10.0.0.3:9464"', 'url = "http://10.0.0.3:9464"\nsigner_address = "0x"')
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "aura.toml")
    assert str(e.value) == (
        "6 problem(s) in aura.toml:\n"
        "  aura.toml:18: peers[0].url: Value error, must be an http(s):// URL\n"
        "  aura.toml:19: peers[0].signer: Value error, has an invalid EIP-55 checksum\n"
        "  aura.toml:20: peers[0].name: String should match pattern '^[a-z0-9][a-z0-9_-]{0,31}$'\n"
        "  aura.toml:24: peers[1].signer_address: unknown key (did you mean 'signer'?)\n"
        "  aura.toml:28: quorum.threshold: Input should be greater than or equal to 1\n"
        "  aura.toml:29: quorum.takeover_after: unknown key (did you mean 'takeover_after_s'?)"
    )
    assert "hunter2" not in str(e.value)


def test_each_peer_once_and_a_reachable_threshold() -> None:
    twice = GOOD + PEERS.replace("http://10.0.0.3:9464", "https://user:hunter2@BOB.example:9464/").replace(
        "0xfd3cfc6e8d12a9b9cde4cbc985e002cff046bdfc", "0xba3a1e5b51e6bcfdb1eff845133111ceddfe389c").replace(
        "threshold = 2", "threshold = 5") + '\n[[peers]]\nurl = "http://10.0.0.4:1"\nsigner = "0x' + "11" * 20 + (
        '"\nname = "bob"\n')
    with pytest.raises(ConfigError) as e:
        parse_config(twice, "aura.toml")
    assert str(e.value) == (
        "1 problem(s) in aura.toml:\n"
        "  aura.toml: (top level): Value error, peers[1].url repeats peers[0].url (https://bob.example:9464); "
        "peers[1].signer repeats peers[0].signer (0xbA3A1E5b51E6BcFdB1efF845133111CeDDfe389c); "
        "peers[2].name repeats peers[0].name (bob): list each peer once; "
        "quorum.threshold: 5 is more than the 4 operator(s) configured (this node and 3 peer(s))"
    )
    assert "hunter2" not in str(e.value)
