"""`aura devnet --operators 3 --threshold 2`: a quorum set up on anvil and the local Solana endpoint, its three
nodes running, everything stopped by Ctrl-C; and the thresholds it refuses."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from solana.rpc.api import Client
from solders.pubkey import Pubkey
from web3 import Web3

from chains.evm.artifacts import contract
from chains.solana import program as prog
from node.config import load_config
from node.process import free_ports


def aura(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "node.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("flags", "message"), [
    (["--operators", "2", "--threshold", "3"], "--threshold must be between 1 and --operators (2), not 3"),
    (["--operators", "3", "--threshold", "0"], "--threshold must be between 1 and --operators (3), not 0"),
    (["--operators", "0"], "--operators must be at least 1, not 0"),
])
def test_a_threshold_the_operators_cannot_reach_is_refused(tmp_path: Path, flags: list[str], message: str) -> None:
    for command in ("devnet", "demo"):
        out = aura(command, "--dir", str(tmp_path / command), *flags)
        assert (out.returncode, out.stderr) == (2, f"aura {command}: {message}\n")
        assert not (tmp_path / command).exists()


def test_devnet_with_a_quorum_runs_three_nodes_and_stops_them(tmp_path: Path) -> None:
    port, sol_port, api_port = free_ports(3)
    proc = subprocess.Popen([sys.executable, "-m", "node.cli", "devnet", "--dir", str(tmp_path / "dn"), "--port",
                             str(port), "--solana-port", str(sol_port), "--api-port", str(api_port),
                             "--operators", "3", "--threshold", "2", "--no-histories"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or lines[-1] != "}\n":
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            lines.append(line)
        info = json.loads("".join(lines))
        ops = info["operators"]
        assert info["threshold"] == 2 and [o["name"] for o in ops] == ["op1", "op2", "op3"]
        assert [o["api_url"] for o in ops] == [f"http://127.0.0.1:{api_port + i}" for i in range(3)]
        assert [o["config"] for o in ops] == [str(tmp_path / "dn" / f"op{i}" / "aura.toml") for i in (1, 2, 3)]
        w3 = Web3(Web3.HTTPProvider(info["rpc_url"]))
        oracle = contract(w3, "AuraOracle", info["oracle"])
        assert oracle.functions.threshold().call() == 2
        sol = Client(info["solana"]["rpc_url"])
        program, sol_oracle = prog.idl_address(), Pubkey.from_string(info["solana"]["oracle"])
        assert prog.oracle_threshold(bytes(sol.get_account_info(sol_oracle).value.data)) == 2
        for op in ops:
            cfg = load_config(op["config"])
            assert cfg.quorum.threshold == 2
            assert [(p.url.get_secret_value(), p.signer, p.name) for p in cfg.peers] == \
                [(o["api_url"], o["signer"], o["name"]) for o in ops if o is not op]
            assert [c.name for c in cfg.chains] == ["anvil", "solana-local"]
            transmitter = json.loads((Path(op["config"]).parent / "keys" / "transmitter.json").read_text())
            signer = oracle.functions.signers(op["signer"]).call()
            assert signer[1] is True and signer[5].lower() == "0x" + transmitter["address"].lower().removeprefix("0x")
            enclave_at = prog.enclave_pda(program, sol_oracle, bytes.fromhex(op["signer"][2:]))[0]
            enclave = prog.decode_account("Enclave", bytes(sol.get_account_info(enclave_at).value.data))
            sol_transmitter = cfg.chains[1].transmitter_keypair  # type: ignore[union-attr]
            from chains.solana.keypair import load_keypair

            assert enclave.active == 1 and prog.pubkey(enclave.payee) == load_keypair(sol_transmitter).pubkey()
            with urllib.request.urlopen(f"{op['api_url']}/health", timeout=2) as r:
                assert json.loads(r.read())["ok"] is True
        secrets = {(Path(o["config"]).parent / "data" / "enclave").is_dir() for o in ops}
        assert secrets == {True}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        for op in ops:
            with pytest.raises(OSError):
                urllib.request.urlopen(f"{op['api_url']}/health", timeout=2)
        assert not w3.is_connected()
    finally:
        if proc.poll() is None:
            proc.kill()
