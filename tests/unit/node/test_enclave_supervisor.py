"""The enclave supervisor against a real enclave process: killed, frozen, failing to start, and replaced by
another key; each time what `assess` and the supervisor's state say."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from chains.core.errors import EnclaveError
from node.enclave.client import EnclaveProcess
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.sealing import ScryptParams, seal, sealed_path, write_sealed
from node.enclave.supervisor import EnclaveSignerChanged, EnclaveSupervisor, SupervisorPolicy
from node.enclave.targets import Targets

PASSPHRASE = b"correct horse battery staple"
TARGETS = Targets.parse([{"family": "evm", "chain_id": 31337, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}])
FAST = SupervisorPolicy(start_timeout_s=20, probe_interval_s=0.2, probe_timeout_s=0.3, freeze_limit_s=60,
                        restart_backoff_s=0.1, restart_backoff_max_s=0.4, stable_after_s=60)


@dataclass
class Sealed:
    root: Path
    data_dir: Path
    passphrase_file: Path

    def seal_new_key(self) -> str:
        """Seal a new key in place of the current one; returns its address."""
        key = EnclaveKey.generate()
        write_sealed(sealed_path(self.data_dir), seal(key, PASSPHRASE, measure().digest, TARGETS, ScryptParams(n=1 << 10)))
        return key.address

    def process(self) -> EnclaveProcess:
        return EnclaveProcess(self.data_dir, self.passphrase_file, socket_path=self.root / "e.sock",
                              log_path=self.root / "enclave.log")


@pytest.fixture
def sealed() -> Iterator[Sealed]:
    root = Path(tempfile.mkdtemp(prefix="aura-sup-", dir="/tmp"))  # a Unix socket path must stay short
    passphrase_file = root / "passphrase"
    passphrase_file.write_bytes(PASSPHRASE + b"\n")
    os.chmod(passphrase_file, 0o600)
    s = Sealed(root, root / "data", passphrase_file)
    s.seal_new_key()
    yield s
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class Running:
    supervisor: EnclaveSupervisor
    stop: asyncio.Event
    task: asyncio.Task[None]

    @property
    def pid(self) -> int:
        pid = self.supervisor.process.pid
        assert pid is not None
        return pid


@contextlib.asynccontextmanager
async def supervised(sealed: Sealed, policy: SupervisorPolicy = FAST) -> AsyncIterator[Running]:
    """A started supervisor running in this test's event loop; stopped and closed at the end."""
    supervisor = EnclaveSupervisor(sealed.process(), policy)
    await supervisor.start()
    stop = asyncio.Event()
    r = Running(supervisor, stop, asyncio.create_task(supervisor.run(stop)))
    try:
        yield r
    finally:
        stop.set()
        with contextlib.suppress(EnclaveSignerChanged):
            await asyncio.wait_for(r.task, 10)
        await supervisor.close()


async def until(what: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {timeout} s")
        await asyncio.sleep(0.05)


async def assess_refusal(supervisor: EnclaveSupervisor) -> EnclaveError:
    with pytest.raises(EnclaveError) as info:
        await supervisor.assess({}, {})
    return info.value


async def test_a_killed_enclave_comes_back_with_the_same_signer(sealed: Sealed) -> None:
    async with supervised(sealed) as running:
        sup = running.supervisor
        signer, first_pid = sup.signer, running.pid
        assert sup.ready and sup.health()["state"] == "ready" and sup.restarts == 0
        os.kill(first_pid, signal.SIGKILL)
        await until(lambda: not sup.ready)
        refusal = await assess_refusal(sup)
        assert refusal.code == ""  # the pipeline's "try later"
        assert str(refusal) in ("the enclave is restarting: try later", "the enclave is stopped: try later")
        await until(lambda: sup.ready)
        assert sup.restarts == 1 and running.pid != first_pid and sup.signer == signer
        assert sup.health()["last_restart"] == "the enclave process exited with code -9"
        async with sup.process.client() as client:  # the new process
            assert (await client.attest())["document"]["signer"] == signer


async def test_a_frozen_enclave_is_not_ready_until_it_answers_again(sealed: Sealed) -> None:
    async with supervised(sealed) as running:
        sup = running.supervisor
        os.kill(running.pid, signal.SIGSTOP)
        try:
            await until(lambda: sup.state == "not answering", timeout=5)
            assert not sup.ready and sup.health()["up"] is False
            refusal = await assess_refusal(sup)
            assert (refusal.code, str(refusal)) == ("", "the enclave is not answering: try later")
        finally:
            os.kill(running.pid, signal.SIGCONT)
        await until(lambda: sup.ready, timeout=5)
        assert sup.restarts == 0


async def test_an_enclave_frozen_past_the_limit_is_killed_and_restarted(sealed: Sealed) -> None:
    async with supervised(sealed, replace(FAST, freeze_limit_s=1.5)) as running:
        sup = running.supervisor
        frozen = running.pid
        os.kill(frozen, signal.SIGSTOP)
        started = time.monotonic()
        await until(lambda: sup.restarts == 1 and sup.ready)
        assert 1.5 <= time.monotonic() - started < 6
        assert running.pid != frozen
        assert sup.health()["last_restart"].startswith("answered nothing for ")
        with pytest.raises(ProcessLookupError):
            os.kill(frozen, 0)


async def test_restarts_back_off_and_the_backoff_resets_once_stable(sealed: Sealed,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="aura.enclave")
    passphrase = sealed.passphrase_file.read_bytes()

    def waits() -> list[float]:
        return [r.f["in_s"] for r in caplog.records if r.getMessage() == "enclave is down: restarting it"]

    async with supervised(sealed, replace(FAST, stable_after_s=1.0)) as running:
        sup = running.supervisor
        sealed.passphrase_file.write_bytes(b"not the passphrase\n")  # every start fails now
        os.kill(running.pid, signal.SIGKILL)
        await until(lambda: sup.restarts >= 4)
        sealed.passphrase_file.write_bytes(passphrase)
        await until(lambda: sup.ready)
        assert waits()[:4] == [0.1, 0.2, 0.4, 0.4]
        assert sup.health()["last_restart"] == (
            "enclave exited with code 1; error: cannot unseal the enclave key: wrong passphrase (or the sealed file "
            "was altered)")
        await asyncio.sleep(1.2)  # up for longer than stable_after_s
        caplog.clear()
        restarts = sup.restarts
        os.kill(running.pid, signal.SIGKILL)
        await until(lambda: sup.ready and sup.restarts == restarts + 1)
        assert waits() == [0.1]


async def test_an_enclave_back_with_another_signer_stops_the_supervisor(sealed: Sealed) -> None:
    async with supervised(sealed) as running:
        before = running.supervisor.signer
        after = sealed.seal_new_key()
        os.kill(running.pid, signal.SIGKILL)
        with pytest.raises(EnclaveSignerChanged) as info:
            await asyncio.wait_for(running.task, 15)
        assert str(info.value) == (f"the restarted enclave signs as {after}, not as {before} as it did at start: "
                                   f"the sealed key in {sealed.data_dir} was replaced")
        assert not running.supervisor.process.running and not running.supervisor.ready
