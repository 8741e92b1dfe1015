"""The enclave kept serving: restarted with backoff when its process dies, killed and restarted when it answers
nothing for too long, and refused as "try later" while it is not ready.

A restarted enclave unseals the same key, so it must come back with the signer the node started with; one
that comes back with another is a replaced sealed key, and the node stops (`EnclaveSignerChanged`) rather
than sign with a key the operator did not register.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chains.core.errors import EnclaveError
from chains.core.logs import fields
from node import metrics
from node.enclave.client import EnclaveClient, EnclaveProcess

log = logging.getLogger("aura.enclave")

TICK_S = 0.25  # how often the process is looked at between probes


@dataclass(frozen=True)
class SupervisorPolicy:
    """When the enclave is probed, given up on and started again (the `[enclave]` keys of the same names)."""

    start_timeout_s: float = 20.0
    probe_interval_s: float = 5.0
    probe_timeout_s: float = 3.0
    freeze_limit_s: float = 30.0
    restart_backoff_s: float = 1.0
    restart_backoff_max_s: float = 30.0
    stable_after_s: float = 60.0


class EnclaveSignerChanged(EnclaveError):
    """The enclave came back from a restart with another signer than the one the node started with."""


class EnclaveSupervisor:
    """The enclave process, its connection and its liveness; `assess` is what the chain services call.

    `assess` raises EnclaveError with code "" (try later) while the enclave is down, restarting or not
    answering its probe; calls in flight when it dies fail the same way.
    """

    def __init__(self, process: EnclaveProcess, policy: SupervisorPolicy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.process = process
        self.policy = policy
        self.clock = clock
        self.signer = ""
        self.measurement = ""
        self.restarts = 0
        self.answering = False
        self.restarting = False
        self.last_error = ""
        self.last_restart = ""
        """Why the enclave was last restarted."""
        self.probe_s: float | None = None
        self._client: EnclaveClient | None = None
        self._probe_client: EnclaveClient | None = None
        self._last_answer = 0.0
        self._last_probe = 0.0
        self._up_since = 0.0
        self._backoff = policy.restart_backoff_s
        self._reason_known = False  # `last_error` already says why the process is gone

    # what the services and /health see
    @property
    def ready(self) -> bool:
        """Running, answering and checked: assessments may be asked for."""
        return self.process.running and self.answering and not self.restarting and self._client is not None

    @property
    def silent_s(self) -> float:
        """Seconds since the enclave last answered."""
        return max(0.0, self.clock() - self._last_answer)

    @property
    def state(self) -> str:
        if self.restarting:
            return "restarting"
        if not self.process.running:
            return "stopped"
        return "ready" if self.answering else "not answering"

    def health(self) -> dict[str, Any]:
        return {"up": self.ready, "state": self.state, "pid": self.process.pid, "signer": self.signer,
                "measurement": self.measurement, "restarts": self.restarts, "last_restart": self.last_restart,
                "silent_s": round(self.silent_s, 1),
                "probe_ms": None if self.probe_s is None else round(self.probe_s * 1000, 2),
                "last_error": self.last_error}

    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        client = self._client
        if client is None or not self.ready:
            raise EnclaveError(f"the enclave is {self.state}: try later")
        return await client.assess(request, features, extra)

    async def open_commitment(self, params: dict[str, Any]) -> dict[str, Any]:
        """The enclave's `open` (docs/protocol.md): the opening of a commitment, for its subject's signed text."""
        client = self._client
        if client is None or not self.ready:
            raise EnclaveError(f"the enclave is {self.state}: try later")
        return await client.open_commitment(params)

    # lifecycle
    async def start(self) -> dict[str, Any]:
        """Start the enclave the first time; returns its attestation. Raises EnclaveError when it does not start."""
        att = await self.process.start(timeout=self.policy.start_timeout_s)
        doc = att["document"]
        self.signer, self.measurement = str(doc["signer"]), str(doc["measurement"])
        self._serving()
        return att

    async def run(self, stop: asyncio.Event) -> None:
        """Watch, probe and restart until `stop` is set.

        Raises:
            EnclaveSignerChanged: a restarted enclave has another signer.
        """
        while not stop.is_set():
            if not self.process.running:
                await self._restart(stop)
                continue
            if self.clock() - self._last_probe >= self.policy.probe_interval_s:
                await self._probe()
                if self.silent_s > self.policy.freeze_limit_s:
                    await self._kill_frozen()
                    continue
            await _wait(stop, TICK_S)

    async def close(self) -> None:
        """Close the connections and stop the process (idempotent)."""
        await self._drop_clients()
        await self.process.stop()
        self.answering = False
        metrics.ENCLAVE_UP.set(0)

    # inside
    def _serving(self) -> None:
        now = self.clock()
        self._client = self.process.client()
        self._probe_client = self.process.client(self.policy.probe_timeout_s)
        self._last_answer = self._last_probe = self._up_since = now
        self.answering, self.last_error = True, ""
        metrics.ENCLAVE_UP.set(1)

    async def _probe(self) -> None:
        client = self._probe_client
        self._last_probe = self.clock()
        if client is None:
            return
        started = time.perf_counter()
        try:
            await client.attest()
        except EnclaveError as e:
            if self.answering:
                log.warning("enclave did not answer its probe", extra=fields(error=str(e), pid=self.process.pid))
            self.answering, self.last_error = False, str(e)
            metrics.ENCLAVE_UP.set(0)
            return
        self.probe_s = time.perf_counter() - started
        metrics.ENCLAVE_PROBE.observe(self.probe_s)
        if not self.answering:
            log.info("enclave answers again", extra=fields(silent_s=round(self.silent_s, 1), pid=self.process.pid))
        self._last_answer = self.clock()
        self.answering, self.last_error = True, ""
        metrics.ENCLAVE_UP.set(1)

    async def _kill_frozen(self) -> None:
        silent = round(self.silent_s, 1)
        log.error("enclave answered nothing: killing it", extra=fields(silent_s=silent, pid=self.process.pid))
        self.last_error = f"answered nothing for {silent} s; killed"
        self._reason_known = True
        await self.process.kill()

    async def _restart(self, stop: asyncio.Event) -> None:
        self.restarting, self.answering = True, False
        metrics.ENCLAVE_UP.set(0)
        await self._drop_clients()  # calls in flight fail now, as "try later"
        try:
            if self.clock() - self._up_since >= self.policy.stable_after_s:
                self._backoff = self.policy.restart_backoff_s
            delay, self._backoff = self._backoff, min(self._backoff * 2, self.policy.restart_backoff_max_s)
            tail = self.process.stderr_tail()[-500:]
            if not self._reason_known:
                self.last_error = f"the enclave process exited with code {self.process.returncode}"
            self._reason_known = False
            self.last_restart = self.last_error
            log.error("enclave is down: restarting it", extra=fields(in_s=delay, restarts=self.restarts,
                                                                     error=self.last_error, output=tail))
            if await _wait(stop, delay):
                return
            self.restarts += 1
            metrics.ENCLAVE_RESTARTS.inc()
            try:
                att = await self.process.start(timeout=self.policy.start_timeout_s)
            except EnclaveError as e:
                self._up_since = self.clock()
                lines = str(e).splitlines()  # what failed; its output's tail; the tail's last line says why
                self.last_error = "; ".join(dict.fromkeys([lines[0].split(";")[0], lines[-1]]))
                self._reason_known = True  # the next attempt logs this reason
                return
            signer = str(att["document"]["signer"])
            if signer != self.signer:
                await self.process.stop()
                raise EnclaveSignerChanged(
                    f"the restarted enclave signs as {signer}, not as {self.signer} as it did at start: the sealed key "
                    f"in {self.process.data_dir} was replaced")
            self._serving()
            log.info("enclave restarted", extra=fields(pid=self.process.pid, signer=signer, restarts=self.restarts))
        finally:
            self.restarting = False

    async def _drop_clients(self) -> None:
        clients = (self._client, self._probe_client)
        self._client = self._probe_client = None
        for client in clients:
            if client is not None:
                await client.close()


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds`; True when `stop` was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
