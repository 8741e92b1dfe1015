"""Start-up checks against a real anvil (one for the module): a chain that is not the configured one refuses
the start in one line, exit status 2; an RPC that does not answer, an unregistered signer and a transmitter
below its floor do not, and /health and /metrics say so until they are put right."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from chains.base import SignerStatus
from chains.evm.artifacts import deploy
from node.config import load_config
from node.daemon import build_adapter
from node.store import Store
from node.workshop.devnet.anvil import free_port
from node.workshop.devnet.deploy import CALLBACK_GAS, DEPLOYER_KEY, FEE_WEI, REQUEST_TTL_S, send
from tests.integration.node.devnet_copies import Relay, SharedDevnet, node_dir, shared_devnet

__all__ = ["node_dir"]  # a fixture

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def devnet() -> Iterator[SharedDevnet]:
    yield from shared_devnet()


def aura_run(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "node.cli", "run", "--config", str(config)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_a_wrong_chain_id_refuses_the_start(devnet: SharedDevnet, node_dir: Path) -> None:
    node = devnet.copy(node_dir, replace={"chain_id": "5"})
    proc = aura_run(node.config)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"aura run: refusing to start: chain anvil: RPC {devnet.anvil.url} reports chain id 31337, "
                           "config says 5\n")
    assert not (node.root / "data" / "enclave.sock").exists()  # refused before the enclave started


def test_an_oracle_address_without_code_refuses_the_start(devnet: SharedDevnet, node_dir: Path) -> None:
    nobody = Account.create().address
    node = devnet.copy(node_dir, replace={"oracle": f'"{nobody}"'})
    proc = aura_run(node.config)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"aura run: refusing to start: chain anvil: no contract at oracle address {nobody}\n"


def test_an_rpc_down_at_start_is_a_wait_not_a_refusal(devnet: SharedDevnet, node_dir: Path) -> None:
    port = free_port()
    silent = f"127.0.0.1:{port}"
    node = devnet.copy(node_dir, replace={"rpc_url": f'"http://{silent}"', "ws_url": f'"ws://{silent}"'})
    node.start()
    relay = None
    try:
        node.wait(lambda: node.get("/health")[0] == 503 and (node.health()["enclave"] or {}).get("up") is True)
        health = node.health()
        chain = health["chains"]["anvil"]
        assert (health["ok"], chain["connected"], chain["head"]) == (False, False, None)
        assert health["problems"][0] == "chain anvil: no head read yet"
        # the chain tries to connect again and again: between two tries its endpoint shows down
        seen: list[dict[str, Any]] = []
        node.wait(lambda: seen.append(node.health()) or seen[-1]["problems"] == [
            "chain anvil: no head read yet", "chain anvil: no live RPC endpoint to read from"])
        endpoints = seen[-1]["chains"]["anvil"]["rpc"]
        assert [(ep["endpoint"], ep["up"]) for ep in endpoints if ep["role"] == "read"] == [(f"http://{silent}", False)]
        assert node.log_lines("chain not reachable at start: it waits and retries")[0]["chain"] == "anvil"
        relay = Relay(port, devnet.anvil.port)  # the RPC comes up
        node.wait_healthy(timeout=30)
        request = devnet.request(devnet.dev.transmitter)
        node.wait(lambda: request in devnet.fulfilled(), timeout=60, interval=0.2)
        assert node.stop() == 0
        assert "Unclosed" not in node.logs() and "Traceback" not in node.logs()
    finally:
        node.stop()
        if relay is not None:
            relay.close()


def test_an_unregistered_signer_and_a_poor_transmitter_warn_until_put_right(devnet: SharedDevnet, node_dir: Path) -> None:
    w3, dev = devnet.w3, devnet.dev
    oracle = deploy(w3, "AuraOracle", [FEE_WEI, REQUEST_TTL_S, CALLBACK_GAS], DEPLOYER_KEY)  # no signer yet
    balance = w3.eth.get_balance(dev.transmitter)
    w3.provider.make_request("anvil_setBalance", [dev.transmitter, hex(10**18)])  # type: ignore[arg-type]
    node = devnet.copy(node_dir, node="chain_checks_s = 0.3", chain=f"min_balance = {2 * 10**18}",
                       replace={"oracle": f'"{oracle}"'})
    node.start()
    try:
        node.wait_healthy()  # neither is a reason to refuse, nor (with no request waiting) to be unhealthy
        chain = node.health()["chains"]["anvil"]
        assert (chain["signer_status"], chain["transmitter_balance"], chain["min_balance"], chain["balance_low"]) == (
            "unregistered", 10**18, 2 * 10**18, True)
        metrics = node.metrics()
        assert 'aura_signer_status{chain="anvil",status="unregistered"} 1.0' in metrics
        assert 'aura_transmitter_balance{chain="anvil"} 1e+18' in metrics
        warning = node.log_lines("the enclave's signer is not active on this chain: its requests wait until it is")[0]
        assert (warning["level"], warning["chain"], warning["signer"], warning["measurement"], warning["status"]) == (
            "warning", "anvil", dev.signer, dev.measurement, "unregistered")
        low = node.log_lines("transmitter balance below the configured floor: fund it, or fulfilments will wait")[0]
        assert (low["level"], low["balance"], low["min_balance"]) == ("warning", 10**18, 2 * 10**18)

        registered = devnet.oracle.encode_abi("registerSigner", [dev.signer, dev.measurement, dev.transmitter])
        send(w3, DEPLOYER_KEY, {"to": oracle, "data": registered})
        w3.provider.make_request("anvil_setBalance", [dev.transmitter, hex(balance)])  # type: ignore[arg-type]
        node.wait(lambda: node.health()["chains"]["anvil"]["signer_status"] == "active"
                  and node.health()["chains"]["anvil"]["balance_low"] is False, timeout=10)
        assert 'aura_signer_status{chain="anvil",status="active"} 1.0' in node.metrics()
        assert node.log_lines("the enclave's signer is active on this chain")[0]["chain"] == "anvil"
    finally:
        node.stop()
        w3.provider.make_request("anvil_setBalance", [dev.transmitter, hex(balance)])  # type: ignore[arg-type]


async def test_the_evm_oracle_says_how_it_sees_the_signer(devnet: SharedDevnet, node_dir: Path) -> None:
    w3, dev = devnet.w3, devnet.dev
    oracle = deploy(w3, "AuraOracle", [FEE_WEI, REQUEST_TTL_S, CALLBACK_GAS], DEPLOYER_KEY)
    cfg = load_config(devnet.copy(node_dir, replace={"oracle": f'"{oracle}"'}).config)
    store = Store(node_dir / "checks.sqlite")
    with ExitStack() as resources:
        adapter = build_adapter(cfg.chains[0], store, node_dir, resources)
        await adapter.connect()
        try:
            assert await adapter.signer_status(dev.signer, dev.measurement) is SignerStatus.UNREGISTERED
            send(w3, DEPLOYER_KEY, {"to": oracle, "data": devnet.oracle.encode_abi(
                "registerSigner", [dev.signer, dev.measurement, dev.transmitter])})
            assert await adapter.signer_status(dev.signer, dev.measurement) is SignerStatus.ACTIVE
            assert await adapter.signer_status(dev.signer.lower(), dev.measurement.upper().replace("0X", "0x")) \
                is SignerStatus.ACTIVE
            assert await adapter.signer_status(dev.signer, "0x" + "01" * 32) is SignerStatus.OTHER_MEASUREMENT
            send(w3, DEPLOYER_KEY, {"to": oracle, "data": devnet.oracle.encode_abi("revokeSigner", [dev.signer])})
            assert await adapter.signer_status(dev.signer, dev.measurement) is SignerStatus.REVOKED
            assert await adapter.transmitter_balance() == w3.eth.get_balance(dev.transmitter) > 0
        finally:
            await adapter.close()
            store.close()
