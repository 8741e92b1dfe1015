"""What an EVM chain's endpoint config has beyond every RPC family's (tests/unit/test_endpoint_config.py): reading
from one URL drops `ws_url` too; and endpoints sharing a host are told apart where they are printed."""

from __future__ import annotations

from chains.evm.rpc import FailoverProvider
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
rpc_urls = ["https://b.example.org"]
send_urls = ["https://relay.example.org"]
ws_url = "wss://rpc.example.org/ws"
oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
transmitter_keystore = "keys/t.json"
transmitter_passphrase_file = "secrets/t.pass"
"""


def test_reading_from_one_url_drops_the_other_endpoints_and_the_websocket() -> None:
    chain = parse_config(BASE).chains[0]
    alone = chain.reading_from("http://127.0.0.1:8545")
    assert (alone.read_urls, alone.send_only_urls, alone.ws_url) == (["http://127.0.0.1:8545"], [], None)
    assert chain.ws_url is not None and chain.ws_url.get_secret_value() == "wss://rpc.example.org/ws"


def test_endpoints_sharing_a_host_are_told_apart_in_health() -> None:
    p = FailoverProvider("x", ["https://rpc.example.org/v1/K1", "https://rpc.example.org/v1/K2"],
                         ["https://rpc.example.org/send/K3"], timeout_s=1.0)
    assert [(e["endpoint"], e["role"]) for e in p.state()] == [
        ("https://rpc.example.org:443", "read"), ("https://rpc.example.org:443#2", "read"),
        ("https://rpc.example.org:443#3", "send")]
