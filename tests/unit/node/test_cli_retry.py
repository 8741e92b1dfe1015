"""`aura retry`: failed requests start over in the store a running node reads; anything else is left, and said."""

from __future__ import annotations

from pathlib import Path

import pytest

from chains.base import OracleRequest
from node import cli
from node.store import Store


def _request(n: int) -> OracleRequest:
    return OracleRequest(chain="anvil", family="evm", chain_id=31337, contract="0x" + "a" * 40,
                         request_id=f"0x{n:064x}", requester="0x" + "b" * 40, subject="0x" + "c" * 40, fee=1,
                         expires_at=100, params="0x", block_number=n, block_hash="0x" + "d" * 64,
                         tx_hash="0x" + "e" * 64, ordinal=0)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "aura.toml"
    path.write_text('[node]\ndata_dir = "data"\n\n[enclave]\npassphrase_file = "secrets/enclave.pass"\n\n'
                    '[[chains]]\nfamily = "evm"\nname = "anvil"\nchain_id = 31337\nrpc_url = "http://127.0.0.1:1"\n'
                    f'oracle = "0x{"22" * 20}"\ntransmitter_keystore = "keys/transmitter.json"\n'
                    'transmitter_passphrase_file = "secrets/transmitter.pass"\n')
    store = Store(tmp_path / "data" / "aura.sqlite")
    store.store_batch("anvil", [_request(1), _request(2), _request(3)], "3")
    store.transition(_request(1).key, "failed", "fulfilment would revert: UnknownSigner")
    store.transition(_request(2).key, "failed", "cannot read the request's pinned state")
    store.close()
    return path


def _states(config: Path) -> list[str]:
    store = Store(config.parent / "data" / "aura.sqlite")
    try:
        return [store.request(_request(n).key)["state"] for n in (1, 2, 3)]  # type: ignore[index]
    finally:
        store.close()


def test_retry_named_requests(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["retry", "--config", str(config), _request(1).key]) == 0
    out = capsys.readouterr()
    assert out.out == f"{_request(1).key}: failed -> seen\n1 of 1 requests started over\n"
    assert _states(config) == ["seen", "failed", "seen"]


def test_retry_every_failed_request(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["retry", "--config", str(config), "--all-failed", "--chain", "anvil"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 of 2 requests started over"
    assert _states(config) == ["seen", "seen", "seen"]


def test_retry_says_what_it_left(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["retry", "--config", str(config), _request(3).key, "anvil:0xnope"]) == 1
    out = capsys.readouterr()
    assert out.err == (f"{_request(3).key}: left seen (only failed requests are retried)\n"
                       "anvil:0xnope: no such request\n")
    assert out.out == "0 of 2 requests started over\n"


def test_retry_needs_requests_or_all_failed(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["retry", "--config", str(config)]) == 2
    assert capsys.readouterr().err == (
        "aura retry: name the requests to retry (chain:0x...), or pass --all-failed\n")
    assert cli.main(["retry", "--config", str(config), "--all-failed", _request(1).key]) == 2
