"""The node's enclave under faults, with a real anvil (one for the module), a real node and a real enclave
process: killed, it comes back with the same signer and requests keep being fulfilled; frozen, /health says
so at once, and the node recovers when it thaws or, past the freeze limit, by restarting it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from node.workshop.devnet.anvil import DEFAULT_KEYS
from tests.integration.node.devnet_copies import NodeCopy, SharedDevnet, node_dir, shared_devnet

__all__ = ["node_dir"]  # a fixture

SUBJECTS = [Account.from_key(k).address for k in DEFAULT_KEYS[1:6]]
FAST_ENCLAVE = ("probe_interval_s = 0.3\nprobe_timeout_s = 0.5\nfreeze_limit_s = 4\nrestart_backoff_s = 0.5\n"
                "restart_backoff_max_s = 2")


@pytest.fixture(scope="module")
def devnet() -> Iterator[SharedDevnet]:
    yield from shared_devnet()


def fulfilled(devnet: SharedDevnet, node: NodeCopy, ids: list[str], timeout: float = 60) -> None:
    node.wait(lambda: set(ids) <= devnet.fulfilled(), timeout, 0.2)


def test_a_killed_enclave_is_restarted_with_the_same_signer(devnet: SharedDevnet, node_dir: Path) -> None:
    node = devnet.copy(node_dir, enclave=FAST_ENCLAVE)
    node.start()
    try:
        node.wait_healthy()
        fulfilled(devnet, node, [devnet.request(SUBJECTS[0])])
        killed = node.signal_enclave(signal.SIGKILL)
        node.wait(lambda: node.health()["ok"] is False, timeout=5, interval=0.02)
        health = node.health()
        assert health["enclave"]["up"] is False and health["problems"][0].startswith("enclave: ")
        during = [devnet.request(s) for s in SUBJECTS[1:3]]  # asked while the enclave is down
        node.wait_healthy(timeout=20)
        enclave = node.health()["enclave"]
        assert (enclave["restarts"], enclave["signer"], enclave["last_restart"]) == (
            1, devnet.dev.signer, "the enclave process exited with code -9")
        assert enclave["pid"] != killed
        after = [devnet.request(SUBJECTS[3])]
        fulfilled(devnet, node, during + after)
        metrics = node.metrics()
        assert "aura_enclave_restarts_total 1.0" in metrics and "aura_enclave_up 1.0" in metrics
        assert (f'aura_build_info{{measurement="{devnet.dev.measurement}",signer="{devnet.dev.signer}",'
                f'version="{node.health()["version"]}"}} 1.0') in metrics
        assert node.log_lines("enclave restarted")[0]["signer"] == devnet.dev.signer
        assert node.stop() == 0
        assert "Unclosed" not in node.logs() and "Traceback" not in node.logs()
    finally:
        node.stop()


def test_a_frozen_enclave_makes_the_node_unhealthy_until_it_answers(devnet: SharedDevnet, node_dir: Path) -> None:
    node = devnet.copy(node_dir, enclave=FAST_ENCLAVE)
    node.start()
    try:
        node.wait_healthy()
        frozen = node.signal_enclave(signal.SIGSTOP)
        started = time.monotonic()
        try:
            node.wait(lambda: node.get("/health")[0] == 503, timeout=5)
            assert time.monotonic() - started < 2  # the issue saw ok for 35 s
            health = node.health()
            assert health["enclave"]["state"] == "not answering"
            assert health["problems"][0].startswith("enclave: not answering, silent for ")
            assert "aura_enclave_up 0.0" in node.metrics()
            during = [devnet.request(SUBJECTS[4])]
        finally:
            os.kill(frozen, signal.SIGCONT)
        node.wait_healthy(timeout=10)
        assert (node.health()["enclave"]["restarts"], node.health()["enclave"]["pid"]) == (0, frozen)
        fulfilled(devnet, node, during)

        node.signal_enclave(signal.SIGSTOP)  # and now past the freeze limit
        node.wait(lambda: node.health()["enclave"]["restarts"] == 1, timeout=15)
        node.wait_healthy(timeout=20)
        enclave = node.health()["enclave"]
        assert enclave["pid"] != frozen and enclave["signer"] == devnet.dev.signer
        assert enclave["last_restart"].startswith("answered nothing for ")
        fulfilled(devnet, node, [devnet.request(SUBJECTS[0])])
        assert node.log_lines("enclave answered nothing: killing it")[0]["pid"] == frozen
    finally:
        node.stop()
