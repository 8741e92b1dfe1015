"""The `[[chains]]` table of a Sui network: defaults, path resolution, and every refusal with its place."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from chains.core.errors import ConfigError
from chains.sui.config import SuiChain
from node.config import load_config, parse_config

BASE = """
[enclave]
passphrase_file = "secrets/enclave.pass"
"""

PACKAGE = "0x" + "ab" * 32
ORACLE = "0x" + "0c" * 32

SUI = f"""
[[chains]]
family = "sui"
name = "sui-local"
graphql_url = "http://user:hunter2@127.0.0.1:9125/graphql"
package_id = "{PACKAGE}"
oracle = "{ORACLE}"
transmitter_key = "keys/sui.key"
"""


def test_sui_chain_defaults_and_resolves_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "aura.toml"
    path.write_text(BASE + SUI)
    cfg = load_config(path)
    sui = cfg.chains[0]
    assert isinstance(sui, SuiChain)
    assert sui.transmitter_key == tmp_path / "keys/sui.key"
    assert (sui.chain_id, sui.chain_identifier, sui.batch_size, sui.start_checkpoint) == (0, None, 1, 0)
    assert (sui.gas_budget_margin_pct, sui.max_gas_budget, sui.max_gas_price) == (120, 100_000_000, 10_000)
    assert (sui.poll_interval_s, sui.resubmit_after_s, sui.rpc_timeout_s) == (1.0, 10.0, 15.0)
    assert "hunter2" not in repr(cfg) and "hunter2" not in str(sui)


def test_sui_chain_with_every_key(tmp_path: Path) -> None:
    extra = ('chain_id = 2\nchain_identifier = "4c78adac"\nstart_checkpoint = 1000\npoll_interval_s = 0.5\n'
             'gas_budget_margin_pct = 150\nmax_gas_budget = 500000000\nmax_gas_price = 2000\n'
             'resubmit_after_s = 5\nbump_after_s = 30\nbump_pct = 15\nrpc_timeout_s = 20\nbatch_size = 1\n')
    sui = parse_config(BASE + SUI + extra).chains[0]
    assert (sui.chain_id, sui.chain_identifier, sui.start_checkpoint, sui.max_gas_budget) == (
        2, "4c78adac", 1000, 500_000_000)


def test_sui_chain_errors_name_their_place() -> None:
    bad = (BASE + SUI.replace(f'package_id = "{PACKAGE}"', 'package_id = "0x2"')
           .replace(f'oracle = "{ORACLE}"', f'oracle = "{ORACLE.upper().replace("0X", "0x")}"')
           .replace('graphql_url = "http://user:hunter2@127.0.0.1:9125/graphql"', 'graphql_url = "ws://127.0.0.1:9125"')
           + 'chain_identifier = "4C78ADAC"\nbatch_size = 2\nmax_gas_budget = 60000000000\nmax_gas_price = 0\n'
           + 'gas_budget_margin_pct = 99\nstart_checkpoint = -1\nchain_id = 9007199254740992\ngas_budget = 1\n')
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "aura.toml")
    lines = str(e.value).splitlines()
    assert lines[0] == "11 problem(s) in aura.toml:"
    assert lines[1:] == [  # in the model's field order, each with its line
        "  aura.toml:18: chains[0].chain_id: Input should be less than or equal to 9007199254740991",
        "  aura.toml:8: chains[0].graphql_url: Value error, must be an http(s):// URL",
        "  aura.toml:12: chains[0].chain_identifier: Value error, must be 8 lower-case hex digits (what the "
        "GraphQL service's chainIdentifier returns)",
        "  aura.toml:9: chains[0].package_id: Value error, must be 0x followed by 64 lower-case hex digits "
        "(a full Sui object ID)",
        "  aura.toml:10: chains[0].oracle: Value error, must be 0x followed by 64 lower-case hex digits "
        "(a full Sui object ID)",
        "  aura.toml:17: chains[0].start_checkpoint: Input should be greater than or equal to 0",
        "  aura.toml:13: chains[0].batch_size: Input should be less than or equal to 1",
        "  aura.toml:16: chains[0].gas_budget_margin_pct: Input should be greater than or equal to 100",
        "  aura.toml:14: chains[0].max_gas_budget: Input should be less than or equal to 50000000000",
        "  aura.toml:15: chains[0].max_gas_price: Input should be greater than 0",
        "  aura.toml:19: chains[0].gas_budget: unknown key (did you mean 'max_gas_budget'?)",
    ]


def test_sui_chain_required_keys() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(BASE + '[[chains]]\nfamily = "sui"\nname = "s"\n', "aura.toml")
    assert str(e.value).splitlines()[1:] == [
        f"  aura.toml:4: chains[0].{key}: required key missing"
        for key in ("graphql_url", "package_id", "oracle", "transmitter_key")
    ]


def test_unknown_family_lists_sui() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(BASE + '[[chains]]\nfamily = "aptos"\n', "x.toml")
    assert ("chains[0]: Input tag 'aptos' found using 'family' does not match any of the expected tags: "
            "'evm', 'solana', 'sui'") in str(e.value)


def test_daemon_builds_the_sui_adapter(tmp_path: Path) -> None:
    from chains.sui.adapter import SuiAdapter
    from chains.sui.keys import write_key_file
    from node.daemon import build_adapter
    from node.store import Store

    path = tmp_path / "aura.toml"
    path.write_text(BASE + SUI)
    sui = load_config(path).chains[0]
    transmitter = write_key_file(tmp_path / "keys" / "sui.key")
    store = Store(tmp_path / "aura.sqlite")
    with ExitStack() as resources:
        adapter = build_adapter(sui, store, tmp_path, resources)
    assert isinstance(adapter, SuiAdapter) and adapter.name == "sui-local"
    assert adapter.transmitter.address == transmitter.address
    assert (adapter.package, adapter.oracle) == (PACKAGE, ORACLE)
    assert adapter.sequence.take() == 0  # no submission stored yet


def test_sui_chain_more_graphql_endpoints_in_their_order() -> None:
    sui = parse_config(BASE + SUI + 'graphql_urls = ["https://sui.example.org/graphql/KEYB", "http://10.0.0.2:9125"]\n'
                       'rpc_max_lag_checkpoints = 100\n').chains[0]
    assert sui.read_urls == ["http://user:hunter2@127.0.0.1:9125/graphql", "https://sui.example.org/graphql/KEYB",
                             "http://10.0.0.2:9125"]
    assert sui.rpc_max_lag_checkpoints == 100
    assert "KEYB" not in repr(sui) and "hunter2" not in repr(sui)
    assert parse_config(BASE + SUI).chains[0].rpc_max_lag_checkpoints == 40
    alone = sui.reading_from("http://127.0.0.1:9000/graphql")
    assert alone.read_urls == ["http://127.0.0.1:9000/graphql"]


def test_sui_chain_refuses_an_endpoint_listed_twice_or_not_http() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(BASE + SUI + 'graphql_urls = ["http://user:hunter2@127.0.0.1:9125/graphql/"]\n', "aura.toml")
    assert str(e.value) == ("1 problem(s) in aura.toml:\n  aura.toml:5: chains[0]: Value error, graphql_urls[0] "
                            "repeats graphql_url (http://127.0.0.1:9125): list each GraphQL endpoint once")
    with pytest.raises(ConfigError) as e:
        parse_config(BASE + SUI + 'graphql_urls = ["https://a.example.org", "wss://b.example.org"]\n', "aura.toml")
    assert str(e.value) == ("1 problem(s) in aura.toml:\n  aura.toml:12: chains[0].graphql_urls[1]: Value error, "
                            "must be an http(s):// URL")
