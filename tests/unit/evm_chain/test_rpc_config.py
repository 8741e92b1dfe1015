"""An EVM chain's RPC endpoints in the config: `rpc_url` alone or with `rpc_urls` and `send_urls`, each an
http(s) URL, none listed twice; and how endpoints are named where they are printed."""

from __future__ import annotations

import pytest

from chains.core.errors import ConfigError
from chains.evm.rpc import FailoverProvider
from chains.urls import redact, same_endpoint_key
from node.config import parse_config

BASE = """
[node]
data_dir = "data"

[enclave]
passphrase_file = "secrets/enclave.pass"

[[chains]]
family = "evm"
name = "anvil"
chain_id = 31337
rpc_url = "https://rpc.example.org/v1/SECRETKEY"
oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
transmitter_keystore = "keys/t.json"
transmitter_passphrase_file = "secrets/t.pass"
"""


def _with(lines: str) -> str:
    return BASE.replace('oracle = "', lines + '\noracle = "')


def test_rpc_url_alone_is_one_read_endpoint() -> None:
    chain = parse_config(BASE).chains[0]
    assert (chain.read_urls, chain.send_only_urls) == (["https://rpc.example.org/v1/SECRETKEY"], [])
    assert (chain.rpc_timeout_s, chain.rpc_max_lag_blocks) == (4.0, 5)


def test_more_read_endpoints_and_send_only_ones_in_their_order() -> None:
    chain = parse_config(_with('rpc_urls = ["https://b.example.org/KEYB", "http://10.0.0.2:8545"]\n'
                               'send_urls = ["https://relay.example.org"]')).chains[0]
    assert chain.read_urls == ["https://rpc.example.org/v1/SECRETKEY", "https://b.example.org/KEYB",
                               "http://10.0.0.2:8545"]
    assert chain.send_only_urls == ["https://relay.example.org"]
    assert "KEYB" not in repr(chain) and "SECRETKEY" not in repr(chain)


def test_every_endpoint_must_be_an_http_url_and_each_is_named_by_its_place() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_with('rpc_urls = ["https://b.example.org", "wss://c.example.org"]\n'
                           'send_urls = ["ftp://relay.example.org"]').replace(
            'rpc_url = "https://rpc.example.org/v1/SECRETKEY"', 'rpc_url = "ws://127.0.0.1:8545"'), "aura.toml")
    assert str(e.value) == (
        "3 problem(s) in aura.toml:\n"
        "  aura.toml:12: chains[0].rpc_url: Value error, must be an http(s):// URL\n"
        "  aura.toml:13: chains[0].rpc_urls[1]: Value error, must be an http(s):// URL\n"
        "  aura.toml:14: chains[0].send_urls[0]: Value error, must be an http(s):// URL"
    )


def test_an_endpoint_listed_twice_is_refused_without_printing_its_secret() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_with('rpc_urls = ["https://RPC.example.org:443/v1/SECRETKEY/", "https://b.example.org/k"]\n'
                           'send_urls = ["https://b.example.org/k"]'), "aura.toml")
    assert str(e.value) == (
        "1 problem(s) in aura.toml:\n"
        "  aura.toml:8: chains[0]: Value error, rpc_urls[0] repeats rpc_url (https://rpc.example.org:443); "
        "send_urls[0] repeats rpc_urls[1] (https://b.example.org:443): list each RPC endpoint once"
    )


def test_the_same_host_with_other_paths_is_other_endpoints() -> None:
    chain = parse_config(_with('rpc_urls = ["https://rpc.example.org/v1/OTHERKEY"]')).chains[0]
    assert len(chain.read_urls) == 2


def test_reading_from_one_url_drops_the_other_endpoints() -> None:
    chain = parse_config(_with('rpc_urls = ["https://b.example.org"]\nsend_urls = ["https://relay.example.org"]\n'
                               'ws_url = "wss://rpc.example.org/ws"')).chains[0]
    alone = chain.reading_from("http://127.0.0.1:8545")
    assert (alone.read_urls, alone.send_only_urls, alone.ws_url) == (["http://127.0.0.1:8545"], [], None)


def test_the_lag_allowed_is_bounded() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_with("rpc_max_lag_blocks = -1"), "aura.toml")
    assert str(e.value) == ("1 problem(s) in aura.toml:\n"
                            "  aura.toml:13: chains[0].rpc_max_lag_blocks: Input should be greater than or equal to 0")


@pytest.mark.parametrize(("url", "name"), [
    ("https://user:pass@rpc.example.org/v1/KEY?apikey=K", "https://rpc.example.org:443"),
    ("http://127.0.0.1:8545/", "http://127.0.0.1:8545"),
    ("HTTP://RPC.Example.org", "http://rpc.example.org:80"),
    ("http://[::1]:8545/key", "http://[::1]:8545"),
])
def test_an_endpoint_is_printed_as_scheme_host_and_port(url: str, name: str) -> None:
    assert redact(url) == name


def test_urls_reaching_the_same_endpoint_share_a_key() -> None:
    assert same_endpoint_key("https://rpc.example.org/v1/K/") == same_endpoint_key("HTTPS://rpc.EXAMPLE.org:443/v1/K")
    assert same_endpoint_key("https://rpc.example.org/v1/K") != same_endpoint_key("https://rpc.example.org/v1/L")
    assert same_endpoint_key("https://a@rpc.example.org") != same_endpoint_key("https://b@rpc.example.org")


def test_endpoints_sharing_a_host_are_told_apart_in_health() -> None:
    p = FailoverProvider("x", ["https://rpc.example.org/v1/K1", "https://rpc.example.org/v1/K2"],
                         ["https://rpc.example.org/send/K3"], timeout_s=1.0)
    assert [(e["endpoint"], e["role"]) for e in p.state()] == [
        ("https://rpc.example.org:443", "read"), ("https://rpc.example.org:443#2", "read"),
        ("https://rpc.example.org:443#3", "send")]
