"""A chain's RPC endpoints in the config, the same for every family reached over JSON-RPC (chains/config.py
`RpcChainConfig`): `rpc_url` alone or with `rpc_urls` and `send_urls`, each an http(s) URL, none listed twice, the
lag allowed in the family's unit; reading from one URL alone; and how endpoints are named where they are printed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from chains.core.errors import ConfigError
from chains.urls import redact, same_endpoint_key
from node.config import parse_config

RPC_URL = 'rpc_url = "https://rpc.example.org/v1/SECRETKEY"'

HEAD = """
[node]
data_dir = "data"

[enclave]
passphrase_file = "secrets/enclave.pass"

[[chains]]
"""


@dataclass(frozen=True)
class Family:
    """One family's chain section with `RPC_URL` on line 12, and what it names its own."""

    name: str
    section: str
    lag_key: str
    timeout_s: float
    max_lag: int

    def config(self, lines: str = "") -> str:
        """The config, with `lines` right after `rpc_url` (on line 13 on)."""
        text = HEAD + self.section
        return text.replace(RPC_URL, f"{RPC_URL}\n{lines}") if lines else text


EVM = Family("evm", f"""family = "evm"
name = "anvil"
chain_id = 31337
{RPC_URL}
oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
transmitter_keystore = "keys/t.json"
transmitter_passphrase_file = "secrets/t.pass"
""", "rpc_max_lag_blocks", 4.0, 5)

SOLANA = Family("solana", f"""family = "solana"
name = "solana"
chain_id = 101
{RPC_URL}
program_id = "4UgMXzQE8w4CaJnaFrSVoPc9MgjxuWazukAkhhRdo6GX"
oracle = "7ZV9nMjGES1NDgzCPKghuvjp9fwHLcvDSppYYLYRjpL8"
transmitter_keypair = "keys/t.json"
""", "rpc_max_lag_slots", 10.0, 128)

families = pytest.mark.parametrize("family", [EVM, SOLANA], ids=lambda f: f.name)


@families
def test_rpc_url_alone_is_one_read_endpoint(family: Family) -> None:
    chain = parse_config(family.config()).chains[0]
    assert (chain.read_urls, chain.send_only_urls) == (["https://rpc.example.org/v1/SECRETKEY"], [])
    assert (chain.rpc_timeout_s, getattr(chain, family.lag_key)) == (family.timeout_s, family.max_lag)


@families
def test_more_read_endpoints_and_send_only_ones_in_their_order(family: Family) -> None:
    chain = parse_config(family.config('rpc_urls = ["https://b.example.org/KEYB", "http://10.0.0.2:8545"]\n'
                                       f'send_urls = ["https://relay.example.org"]\n{family.lag_key} = 30')).chains[0]
    assert chain.read_urls == ["https://rpc.example.org/v1/SECRETKEY", "https://b.example.org/KEYB",
                               "http://10.0.0.2:8545"]
    assert (chain.send_only_urls, getattr(chain, family.lag_key)) == (["https://relay.example.org"], 30)
    assert "KEYB" not in repr(chain) and "SECRETKEY" not in repr(chain)


@families
def test_every_endpoint_must_be_an_http_url_and_each_is_named_by_its_place(family: Family) -> None:
    text = family.config('rpc_urls = ["https://b.example.org", "wss://c.example.org"]\n'
                         'send_urls = ["ftp://relay.example.org"]').replace(RPC_URL, 'rpc_url = "ws://127.0.0.1:8545"')
    with pytest.raises(ConfigError) as e:
        parse_config(text, "aura.toml")
    assert str(e.value) == (
        "3 problem(s) in aura.toml:\n"
        "  aura.toml:12: chains[0].rpc_url: Value error, must be an http(s):// URL\n"
        "  aura.toml:13: chains[0].rpc_urls[1]: Value error, must be an http(s):// URL\n"
        "  aura.toml:14: chains[0].send_urls[0]: Value error, must be an http(s):// URL"
    )


@families
def test_an_endpoint_listed_twice_is_refused_without_printing_its_secret(family: Family) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(family.config('rpc_urls = ["https://RPC.example.org:443/v1/SECRETKEY/", "https://b.example.org/k"]\n'
                                   'send_urls = ["https://b.example.org/k"]'), "aura.toml")
    assert str(e.value) == (
        "1 problem(s) in aura.toml:\n"
        "  aura.toml:8: chains[0]: Value error, rpc_urls[0] repeats rpc_url (https://rpc.example.org:443); "
        "send_urls[0] repeats rpc_urls[1] (https://b.example.org:443): list each RPC endpoint once"
    )


@families
def test_the_same_host_with_other_paths_is_other_endpoints(family: Family) -> None:
    chain = parse_config(family.config('rpc_urls = ["https://rpc.example.org/v1/OTHERKEY"]')).chains[0]
    assert len(chain.read_urls) == 2


@families
def test_reading_from_one_url_drops_the_other_endpoints(family: Family) -> None:
    chain = parse_config(family.config('rpc_urls = ["https://b.example.org"]\n'
                                       'send_urls = ["https://relay.example.org"]')).chains[0]
    alone = chain.reading_from("http://127.0.0.1:8545")
    assert (type(alone), alone.read_urls, alone.send_only_urls) == (type(chain), ["http://127.0.0.1:8545"], [])


@families
def test_reading_from_a_url_that_is_not_http_is_refused(family: Family) -> None:
    chain = parse_config(family.config()).chains[0]
    with pytest.raises(ValidationError) as e:
        chain.reading_from("ws://127.0.0.1:8545")
    assert [(err["loc"], err["msg"]) for err in e.value.errors()] == [
        (("rpc_url",), "Value error, must be an http(s):// URL")]


@families
def test_the_lag_allowed_is_bounded(family: Family) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(family.config(f"{family.lag_key} = -1"), "aura.toml")
    assert str(e.value) == ("1 problem(s) in aura.toml:\n"
                            f"  aura.toml:13: chains[0].{family.lag_key}: Input should be greater than or equal to 0")


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
    assert same_endpoint_key("https://RPC.example.org:443/?api-key=K") == same_endpoint_key(
        "https://rpc.example.org?api-key=K")
    assert same_endpoint_key("https://rpc.example.org/v1/K") != same_endpoint_key("https://rpc.example.org/v1/L")
    assert same_endpoint_key("https://rpc.example.org/?api-key=K") != same_endpoint_key(
        "https://rpc.example.org/?api-key=L")
    assert same_endpoint_key("https://a@rpc.example.org") != same_endpoint_key("https://b@rpc.example.org")
