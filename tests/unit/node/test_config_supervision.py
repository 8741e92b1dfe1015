"""The config keys of the enclave's supervision, the chain checks and /health's limits: defaults, and errors
with their place."""

from __future__ import annotations

import pytest

from chains.core.errors import ConfigError
from node.config import parse_config

BASE = """[node]
data_dir = "data"
{node}
[enclave]
passphrase_file = "secrets/enclave.pass"
{enclave}
[[chains]]
family = "evm"
name = "anvil"
chain_id = 31337
rpc_url = "http://127.0.0.1:8545"
oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
transmitter_keystore = "keys/t.json"
transmitter_passphrase_file = "secrets/t.pass"
{chain}"""


def config(node: str = "", enclave: str = "", chain: str = "") -> str:
    return BASE.format(node=node, enclave=enclave, chain=chain)


def test_defaults() -> None:
    cfg = parse_config(config())
    enc = cfg.enclave
    assert (enc.probe_interval_s, enc.probe_timeout_s, enc.freeze_limit_s) == (5.0, 3.0, 30.0)
    assert (enc.restart_backoff_s, enc.restart_backoff_max_s, enc.stable_after_s) == (1.0, 30.0, 60.0)
    assert cfg.node.chain_checks_s == 60.0
    assert (cfg.chains[0].min_balance, cfg.chains[0].max_head_age_s) == (None, 120.0)


def test_set() -> None:
    cfg = parse_config(config("chain_checks_s = 5", "freeze_limit_s = 10\nprobe_timeout_s = 0.5",
                              f"min_balance = {5 * 10**17}\nmax_head_age_s = 0"))
    assert (cfg.node.chain_checks_s, cfg.enclave.freeze_limit_s, cfg.enclave.probe_timeout_s) == (5.0, 10.0, 0.5)
    assert (cfg.chains[0].min_balance, cfg.chains[0].max_head_age_s) == (5 * 10**17, 0.0)


def test_errors_name_their_place() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(config("", "freeze_limit = 10\nprobe_timeout_s = 0", "min_balance = -1"), "aura.toml")
    assert str(info.value) == (
        "3 problem(s) in aura.toml:\n"
        "  aura.toml:7: enclave.probe_timeout_s: Input should be greater than 0\n"
        "  aura.toml:6: enclave.freeze_limit: unknown key (did you mean 'freeze_limit_s'?)\n"
        "  aura.toml:16: chains[0].min_balance: Input should be greater than or equal to 0")
