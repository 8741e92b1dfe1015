"""The long-running node: the enclave process, one service per chain, the local API; a clean stop on signals."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from chains.base import ChainAdapter
from chains.config import ChainConfig
from chains.core.errors import ConfigError
from chains.core.logs import fields
from chains.family import BuildContext
from chains.registry import FAMILIES
from node.api import ApiServer
from node.config import Config
from node.enclave.client import EnclaveClient, EnclaveProcess
from node.pipeline import ChainService
from node.store import Store

log = logging.getLogger("aura.node")


def build_adapter(cfg: ChainConfig, store: Store, data_dir: Path, resources: ExitStack) -> ChainAdapter:
    """The adapter of the chain's registered family, built from its config section."""
    family = FAMILIES.get(cfg.family)
    if family is None:
        raise ConfigError(f"chain {cfg.name}: family {cfg.family!r} is not supported by this node")
    ctx = BuildContext(data_dir=data_dir, cache=store, sequence_floor=lambda: store.max_sequence(cfg.name),
                       resources=resources)
    return family.build(cfg, ctx)


class Node:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.stop = asyncio.Event()
        self.services: list[ChainService] = []
        self.store: Store | None = None
        self.resources = ExitStack()
        self.enclave_proc: EnclaveProcess | None = None
        self.enclave: EnclaveClient | None = None
        self.api: ApiServer | None = None
        self.started_at = time.time()
        self.signer = ""
        self.enclave_died = False

    def health(self) -> dict[str, Any]:
        chains = {}
        for s in self.services:
            chains[s.chain] = {"connected": s.connected, "head": s.head.number if s.head else None,
                               "cursor": self.store.cursor(s.chain) if self.store else None,
                               "last_error": s.last_error, **s.adapter.health()}
        enclave_up = self.enclave_proc is not None and self.enclave_proc.running
        ok = enclave_up and all(c["connected"] and not c["last_error"] for c in chains.values())
        return {"ok": ok, "enclave": {"up": enclave_up, "signer": self.signer}, "chains": chains,
                "uptime_s": round(time.time() - self.started_at, 1)}

    async def start(self) -> None:
        cfg = self.config
        cfg.node.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(cfg.node.data_dir / "aura.sqlite")
        adapters = [build_adapter(c, self.store, cfg.node.data_dir, self.resources) for c in cfg.chains]
        enc = cfg.enclave
        assert enc.data_dir is not None and enc.socket is not None
        self.enclave_proc = EnclaveProcess(data_dir=enc.data_dir, passphrase_file=enc.passphrase_file,
                                           scoring_config=enc.scoring_config, socket_path=enc.socket,
                                           log_path=cfg.node.data_dir / "enclave.log")
        await self.enclave_proc.start(timeout=enc.start_timeout_s)
        self.enclave = EnclaveClient(enc.socket)
        await self.enclave.connect()
        att = await self.enclave.attest()
        self.signer = att["document"]["signer"]
        log.info("enclave up", extra=fields(signer=self.signer, measurement=att["document"]["measurement"],
                                            pid=self.enclave_proc.pid))
        for cfg_chain, adapter in zip(cfg.chains, adapters):
            self.services.append(ChainService(
                adapter, self.store, self.enclave, poll_interval_s=cfg_chain.poll_interval_s,
                batch_size=cfg_chain.batch_size, resubmit_after_s=cfg_chain.resubmit_after_s,
                bump_after_s=cfg_chain.bump_after_s, bump_pct=cfg_chain.bump_pct))
        if cfg.api.enabled:
            store = self.store
            self.api = ApiServer(cfg.api.host, cfg.api.port, self.health,
                                 questionnaires=lambda h, body: store.put_questionnaire(h, body))
            await self.api.start()
            log.info("api listening", extra=fields(url=f"http://{cfg.api.host}:{self.api.port}"))

    async def run(self) -> int:
        """Run until stopped; 0 after a clean stop, 1 when the enclave died under the node."""
        await self.start()
        try:
            async with asyncio.TaskGroup() as tg:
                for s in self.services:
                    tg.create_task(s.run(self.stop), name=f"chain-{s.chain}")
                tg.create_task(self._watch_enclave(), name="enclave-watch")
        finally:
            await self.shutdown()
        return 1 if self.enclave_died else 0

    async def _watch_enclave(self) -> None:
        """An enclave that dies leaves the node unable to sign: stop, so a supervisor restarts both."""
        while not self.stop.is_set():
            if self.enclave_proc is not None and not self.enclave_proc.running:
                log.error("enclave process exited; stopping the node",
                          extra=fields(stderr=self.enclave_proc.stderr_tail()[-500:]))
                self.enclave_died = True
                self.stop.set()
                return
            try:
                await asyncio.wait_for(self.stop.wait(), 1.0)
            except TimeoutError:
                pass

    async def shutdown(self) -> None:
        if self.api is not None:
            await self.api.stop()
            self.api = None
        if self.enclave is not None:
            await self.enclave.close()
            self.enclave = None
        if self.enclave_proc is not None:
            await self.enclave_proc.stop()
            self.enclave_proc = None
        if self.store is not None:
            self.store.close()
            self.store = None
        self.resources.close()
        log.info("stopped")

    def install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        count = {"n": 0}

        def on_signal(sig: int) -> None:
            count["n"] += 1
            if count["n"] > 1:
                log.error("second signal: exiting now")
                raise SystemExit(130)
            log.info("stopping: finishing in-flight work", extra=fields(signal=signal.Signals(sig).name))
            self.stop.set()
            loop.call_later(self.config.node.drain_timeout_s, self._force_stop)

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, sig)

    def _force_stop(self) -> None:
        log.error("drain deadline passed: cancelling")
        for task in asyncio.all_tasks():
            if task.get_name().startswith("chain-"):
                task.cancel()


async def run_node(config: Config) -> int:
    node = Node(config)
    node.install_signals()
    return await node.run()
