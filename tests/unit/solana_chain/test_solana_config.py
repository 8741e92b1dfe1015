"""A Solana chain's RPC endpoints in the config: `rpc_url` alone or with `rpc_urls` and `send_urls`, each an
http(s) URL, none listed twice, the lag allowed in slots; and reading from one URL alone."""

from __future__ import annotations

import pytest

from chains.core.errors import ConfigError
from node.config import parse_config

BASE = """
[node]
data_dir = "data"

[enclave]
passphrase_file = "secrets/enclave.pass"

[[chains]]
family = "solana"
name = "solana"
chain_id = 101
rpc_url = "https://rpc.example.org/?api-key=SECRETKEY"
program_id = "4UgMXzQE8w4CaJnaFrSVoPc9MgjxuWazukAkhhRdo6GX"
oracle = "7ZV9nMjGES1NDgzCPKghuvjp9fwHLcvDSppYYLYRjpL8"
transmitter_keypair = "keys/t.json"
"""


def _with(lines: str) -> str:
    return BASE.replace('program_id = "', lines + '\nprogram_id = "')


def test_rpc_url_alone_is_one_read_endpoint() -> None:
    chain = parse_config(BASE).chains[0]
    assert (chain.read_urls, chain.send_only_urls) == (["https://rpc.example.org/?api-key=SECRETKEY"], [])
    assert (chain.rpc_timeout_s, chain.rpc_max_lag_slots) == (10.0, 128)


def test_more_read_endpoints_and_send_only_ones_in_their_order() -> None:
    chain = parse_config(_with('rpc_urls = ["https://b.example.org/KEYB", "http://10.0.0.2:8899"]\n'
                               'send_urls = ["https://relay.example.org"]\nrpc_max_lag_slots = 30')).chains[0]
    assert chain.read_urls == ["https://rpc.example.org/?api-key=SECRETKEY", "https://b.example.org/KEYB",
                               "http://10.0.0.2:8899"]
    assert (chain.send_only_urls, chain.rpc_max_lag_slots) == (["https://relay.example.org"], 30)
    assert "KEYB" not in repr(chain) and "SECRETKEY" not in repr(chain)


def test_every_endpoint_must_be_an_http_url_and_each_is_named_by_its_place() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_with('rpc_urls = ["https://b.example.org", "wss://c.example.org"]\n'
                           'send_urls = ["ftp://relay.example.org"]').replace(
            'rpc_url = "https://rpc.example.org/?api-key=SECRETKEY"', 'rpc_url = "ws://127.0.0.1:8900"'), "aura.toml")
    assert str(e.value) == (
        "3 problem(s) in aura.toml:\n"
        "  aura.toml:12: chains[0].rpc_url: Value error, must be an http(s):// URL\n"
        "  aura.toml:13: chains[0].rpc_urls[1]: Value error, must be an http(s):// URL\n"
        "  aura.toml:14: chains[0].send_urls[0]: Value error, must be an http(s):// URL"
    )


def test_an_endpoint_listed_twice_is_refused_without_printing_its_secret() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_with('rpc_urls = ["https://RPC.example.org:443/?api-key=SECRETKEY", "https://b.example.org"]\n'
                           'send_urls = ["https://b.example.org/"]'), "aura.toml")
    assert str(e.value) == (
        "1 problem(s) in aura.toml:\n"
        "  aura.toml:8: chains[0]: Value error, rpc_urls[0] repeats rpc_url (https://rpc.example.org:443); "
        "send_urls[0] repeats rpc_urls[1] (https://b.example.org:443): list each RPC endpoint once"
    )


def test_the_lag_allowed_is_bounded() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_with("rpc_max_lag_slots = -1"), "aura.toml")
    assert str(e.value) == ("1 problem(s) in aura.toml:\n"
                            "  aura.toml:13: chains[0].rpc_max_lag_slots: Input should be greater than or equal to 0")


def test_reading_from_one_url_drops_the_other_endpoints() -> None:
    chain = parse_config(_with('rpc_urls = ["https://b.example.org"]\nsend_urls = ["https://relay.example.org"]'))
    alone = chain.chains[0].reading_from("http://127.0.0.1:8899")
    assert (alone.read_urls, alone.send_only_urls) == (["http://127.0.0.1:8899"], [])
