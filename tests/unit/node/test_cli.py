"""`aura` without a chain: the workshop's commands found through entry points, the product's imports, and
`aura request`'s failures, each one clean line and exit status 2."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import socket
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from chains import registry
from chains.sui.keys import write_key_file
from node import cli

REPO = Path(__file__).resolve().parents[3]
EVM_SUBJECT = "0x" + "11" * 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp_path: Path, chain: str) -> Path:
    path = tmp_path / "aura.toml"
    path.write_text('[node]\ndata_dir = "data"\n\n[enclave]\npassphrase_file = "secrets/enclave.pass"\n\n'
                    f"[[chains]]\n{chain}")
    return path


def _evm(tmp_path: Path) -> Path:
    return _config(tmp_path, f'family = "evm"\nname = "anvil"\nchain_id = 31337\n'
                             f'rpc_url = "http://127.0.0.1:{_free_port()}"\noracle = "0x{"22" * 20}"\n'
                             'transmitter_keystore = "keys/transmitter.json"\n'
                             'transmitter_passphrase_file = "secrets/transmitter.pass"\n')


def _sui(tmp_path: Path, url: str) -> Path:
    return _config(tmp_path, f'family = "sui"\nname = "sui-test"\ngraphql_url = "{url}"\n'
                             f'package_id = "0x{"ab" * 32}"\noracle = "0x{"0c" * 32}"\n'
                             'transmitter_key = "keys/sui-transmitter.key"\nrpc_timeout_s = 2\n')


def _aura(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the workshop's commands ------------------------------------------------------------------------------


def test_workshop_commands_are_entry_points() -> None:
    found = {e.name: e.value for e in entry_points(group=cli.COMMANDS)}
    assert found == {"devnet": "node.workshop.commands:add_devnet", "demo": "node.workshop.commands:add_demo",
                     "model": "node.workshop.commands:add_model"}


def test_help_lists_them_without_loading_the_workshop_itself() -> None:
    code = ("import sys; from node import cli; cli.parser(); "
            "print(sorted(m for m in sys.modules if m.startswith('node.workshop')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['node.workshop', 'node.workshop.commands']"
    help_text = subprocess.run([sys.executable, "-m", "node.cli", "--help"], capture_output=True, text=True,
                               timeout=60, cwd=REPO).stdout
    assert "{init,run,request,watch,api-key,status,retry,verify,attest,prove,demo,devnet,model}" in help_text


@pytest.mark.parametrize(("argv", "fn"), [
    (["devnet", "--no-solana", "--detach"], "cmd_devnet"), (["demo", "--json"], "cmd_demo"),
    (["model", "evaluate", "--no-real"], "cmd_model"),
])
def test_workshop_commands_parse_as_before(argv: list[str], fn: str) -> None:
    args = cli.parser().parse_args(argv)
    assert args.fn.__module__ == "node.workshop.commands" and args.fn.__name__ == fn


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_the_product_never_imports_the_workshop() -> None:
    product = [p for root in ("node", "chains") for p in (REPO / root).rglob("*.py")
               if "workshop" not in p.relative_to(REPO).parts]
    assert len(product) > 20
    offenders = {str(p.relative_to(REPO)): name for p in product for name in _imports(p)
                 if name == "node.workshop" or name.startswith("node.workshop.")}
    assert offenders == {}


# --- aura request ------------------------------------------------------------------------------------------


def test_request_on_a_family_without_a_consumer(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.FAMILIES, "evm", dataclasses.replace(registry.FAMILIES["evm"], consumer=None))
    code, out, err = _aura(capsys, "request", "--config", str(_evm(tmp_path)), "--subject", EVM_SUBJECT)
    assert (code, out, err) == (2, "", "aura request: family 'evm' does not support aura request\n")


def test_request_on_sui_with_the_graphql_service_unreachable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_key_file(tmp_path / "requester.key")
    monkeypatch.setenv("AURA_SUI_REQUESTER_KEY", str(tmp_path / "requester.key"))
    port = _free_port()
    cfg = _sui(tmp_path, f"http://127.0.0.1:{port}/graphql")
    code, out, err = _aura(capsys, "request", "--config", str(cfg), "--subject", "0x" + "e3" * 32, "--wait")
    assert (code, out) == (2, "")
    assert err == (f"aura request: sui-test: GraphQL service unreachable: http://127.0.0.1:{port}: connection failed: "
                   "TransportConnectionFailed\n")


def test_request_on_sui_names_the_missing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURA_SUI_REQUESTER_KEY", raising=False)
    cfg = _sui(tmp_path, "http://127.0.0.1:9/graphql")
    code, _, err = _aura(capsys, "request", "--config", str(cfg), "--subject", "0x" + "e3" * 32)
    assert (code, err) == (2, "aura request: set AURA_SUI_REQUESTER_KEY to a file holding the requesting account's "
                              "Sui key, or pass --requester-key FILE\n")
    code, _, err = _aura(capsys, "request", "--config", str(cfg), "--subject", "0x" + "e3" * 32,
                         "--requester-key", str(tmp_path / "nope.key"))
    assert (code, err) == (2, f"aura request: cannot read Sui key file {tmp_path / 'nope.key'}: No such file or "
                              "directory\n")


def test_request_on_evm_names_the_missing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURA_REQUESTER_KEY", raising=False)
    code, _, err = _aura(capsys, "request", "--config", str(_evm(tmp_path)), "--subject", EVM_SUBJECT)
    assert (code, err) == (2, "aura request: set AURA_REQUESTER_KEY to the requesting account's private key, or "
                              "pass --requester-key FILE\n")


def test_request_on_evm_with_the_rpc_unreachable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURA_REQUESTER_KEY", "0x" + "01" * 32)
    config = _evm(tmp_path)
    port = re.search(r"127\.0\.0\.1:(\d+)", config.read_text())
    assert port is not None
    code, out, err = _aura(capsys, "request", "--config", str(config), "--subject", EVM_SUBJECT)
    assert (code, out, err) == (2, "", f"aura request: anvil: RPC unreachable: http://127.0.0.1:{port[1]}: "
                                       "connection failed: ConnectionRefusedError\n")


def test_request_on_evm_refuses_a_key_file_without_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "evm-requester.key").write_text("not a key\n")
    (tmp_path / "keys" / "evm-requester.key").chmod(0o600)
    code, _, err = _aura(capsys, "request", "--config", str(_evm(tmp_path)), "--subject", EVM_SUBJECT)
    assert (code, err) == (2, f"aura request: the requester key in {tmp_path / 'keys' / 'evm-requester.key'} is not "
                              "a hex secp256k1 private key\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["--subject", "0x1234"], "subject '0x1234' is not an EVM address"),
    (["--subject", EVM_SUBJECT, "--params", "zz"], "--params 'zz' is not hex"),
    (["--subject", EVM_SUBJECT, "--chain", "mainnet"], "no chain named 'mainnet' in {config}"),
])
def test_request_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str) -> None:
    monkeypatch.setenv("AURA_REQUESTER_KEY", "0x" + "01" * 32)
    cfg = _evm(tmp_path)
    code, _, err = _aura(capsys, "request", "--config", str(cfg), *argv)
    assert (code, err) == (2, f"aura request: {message.format(config=cfg)}\n")


def test_request_on_solana_names_the_missing_keypair(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURA_SOLANA_REQUESTER_KEYPAIR", raising=False)
    cfg = _config(tmp_path, 'family = "solana"\nname = "solana-local"\nchain_id = 101\nrpc_url = "http://127.0.0.1:9"\n'
                            'program_id = "11111111111111111111111111111112"\n'
                            'oracle = "11111111111111111111111111111113"\n'
                            'transmitter_keypair = "keys/solana-transmitter.json"\n')
    code, _, err = _aura(capsys, "request", "--config", str(cfg), "--subject", "11111111111111111111111111111114")
    assert (code, err) == (2, "aura request: set AURA_SOLANA_REQUESTER_KEYPAIR to the requesting account's keypair "
                              "file, or pass --requester-key FILE\n")


# --- aura watch --------------------------------------------------------------------------------------------


def test_watch_add_list_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(_evm(tmp_path))
    assert _aura(capsys, "watch", "list", "--config", cfg) == (0, "no watches\n", "")
    checksummed = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    assert _aura(capsys, "watch", "add", checksummed.lower(), "--chain", "anvil", "--config", cfg) == (
        0, f"watching {checksummed} on anvil every 86400 s\n", "")
    assert _aura(capsys, "watch", "add", checksummed, "--chain", "anvil", "--every", "6h", "--config", cfg) == (
        0, f"now every 21600 s: {checksummed} on anvil\n", "")
    code, out, _ = _aura(capsys, "watch", "list", "--json", "--config", cfg)
    assert (code, json.loads(out)) == (0, [{"chain": "anvil", "subject": checksummed, "every_s": 21600,
                                            "last": None}])
    assert _aura(capsys, "watch", "remove", checksummed, "--chain", "anvil", "--config", cfg) == (
        0, f"no longer watching {checksummed} on anvil\n", "")
    assert _aura(capsys, "watch", "remove", checksummed, "--chain", "anvil", "--config", cfg) == (
        2, "", f"aura watch: {checksummed} is not watched on anvil\n")


@pytest.mark.parametrize(("argv", "error"), [
    (["add", "0x1234", "--chain", "anvil"], "aura watch: subject: must be 0x followed by 40 hex digits"),
    (["add", EVM_SUBJECT, "--chain", "nope"], "aura watch: no chain named 'nope' in {cfg}"),
    (["add", EVM_SUBJECT], "aura watch: aura watch add: --chain and a subject are required"),
    (["add", EVM_SUBJECT, "--chain", "anvil", "--every", "1d2h"],
     "aura watch: --every '1d2h': expected a number and a unit, s, m, h or d (e.g. 24h)"),
])
def test_watch_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                     error: str) -> None:
    cfg = str(_evm(tmp_path))
    assert _aura(capsys, "watch", *argv, "--config", cfg) == (2, "", error.format(cfg=cfg) + "\n")


# --- aura api-key ------------------------------------------------------------------------------------------


def test_api_key_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(_evm(tmp_path))
    code, out, err = _aura(capsys, "api-key", "create", "--name", "lender", "--per-minute", "600", "--config", cfg)
    created = json.loads(out)
    assert (code, err) == (0, "the key is shown once: the node keeps only its hash\n")
    assert (created["name"], created["per_minute"]) == ("lender", 600)
    assert created["key"].startswith(f"aura_{created['id']}_")
    code, out, _ = _aura(capsys, "api-key", "list", "--config", cfg)
    [listed] = json.loads(out)
    assert (listed["id"], listed["revoked_at"], "key" in listed) == (created["id"], None, False)
    assert _aura(capsys, "api-key", "revoke", created["id"], "--config", cfg) == (0, f"revoked {created['id']}\n", "")
    assert _aura(capsys, "api-key", "revoke", created["id"], "--config", cfg) == (
        1, "", f"aura api-key: no active API key {created['id']}\n")
    assert _aura(capsys, "api-key", "create", "--config", cfg) == (
        2, "", "aura api-key: aura api-key create: --name is required\n")
