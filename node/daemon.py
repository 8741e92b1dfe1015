"""The long-running node: start-up checks, the supervised enclave, one service per chain, the local API; a clean
stop on signals."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import random
import signal
import time
from collections.abc import Coroutine
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from chains.base import ChainAdapter
from chains.config import ChainConfig
from chains.core.errors import ConfigError, RetryLater
from chains.core.logs import fields
from chains.family import BuildContext
from chains.registry import FAMILIES
from node import metrics
from node.api import ApiKeys, ApiServer, RateLimits
from node.checks import ChainChecks, StartRefused, connect_chains
from node.config import Config
from node.credit_trigger import CreditTrigger
from node.enclave.client import EnclaveProcess
from node.enclave.supervisor import EnclaveSignerChanged, EnclaveSupervisor, SupervisorPolicy
from node.health import HealthReport, node_version
from node.offchain_scorer import OffchainDesk, OffchainScorer
from node.pipeline import ChainService
from node.process_age import process_age_s
from node.quorum.agreement import Disagreements
from node.quorum.collector import Quorum
from node.quorum.peer_api import store_answers
from node.quorum.peer_client import PeerClient
from node.quorum.status import PeerStatus
from node.quorum.update_announce import UpdateAnnouncer
from node.quorum.update_intake import UpdateIntake
from node.signed_check import SignedDesk
from node.store import Store
from node.watchlist import WatchList
from node.zk.proof_desk import ProofDesk

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
    """The daemon: start-up checks, the supervised enclave, one service and one checker per chain, the API.

    Start-up refuses (StartRefused or ApiError, one line) a chain that is not the configured one and an API
    port in use; the enclave, started meanwhile so that its boot overlaps the node's, is stopped then before it
    serves anything. Later, an enclave that comes back from a restart with another signer stops the node the same
    way.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.stop = asyncio.Event()
        self.services: list[ChainService] = []
        self.adapters: list[ChainAdapter] = []
        self.checks: dict[str, ChainChecks] = {}
        self.store: Store | None = None
        self.resources = ExitStack()
        self.enclave: EnclaveSupervisor | None = None
        self.api: ApiServer | None = None
        self.report: HealthReport | None = None
        self.started_at = time.time()
        self.refusal = ""
        self.peer_client: PeerClient | None = None
        self.disagreements = Disagreements()
        self.watchlist: WatchList | None = None
        self.scorers: dict[str, OffchainScorer] = {}
        self.offchain: OffchainDesk | None = None
        self.update_intake: UpdateIntake | None = None
        self.announcer: UpdateAnnouncer | None = None
        self.rescoring: Any = None  # node.rescoring.RescoreScheduler, imported once the node runs

    def health(self) -> dict[str, Any]:
        if self.report is None:
            return {"ok": False, "problems": ["starting"], "version": node_version(),
                    "uptime_s": round(time.time() - self.started_at, 1), "enclave": None, "chains": {}}
        return self.report()

    async def start(self) -> None:
        cfg = self.config
        began = time.monotonic()
        cfg.node.data_dir.mkdir(parents=True, exist_ok=True)
        # The enclave boots (its imports, model and key unsealing: a second or more) in its own process while this
        # one builds and connects its chains; a refused start stops it again (shutdown).
        self.enclave = self._supervisor()
        enclave_up = asyncio.ensure_future(self.enclave.start())
        await asyncio.sleep(0)  # the enclave's process is spawned before this one's blocking work below
        try:
            store = await self._open(began)
            att = await enclave_up
        finally:
            if not enclave_up.done():
                enclave_up.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await enclave_up
        signer, measurement = self.enclave.signer, self.enclave.measurement
        metrics.BUILD.info({"version": node_version(), "measurement": measurement, "signer": signer})
        log.info("enclave up", extra=fields(signer=signer, measurement=att["document"]["measurement"],
                                            pid=self.enclave.process.pid))
        public_key = bytes.fromhex(str(att["document"]["public_key"]).removeprefix("0x"))
        self.checks = {a.name: ChainChecks(a, signer, measurement, c.min_balance, public_key)
                       for c, a in zip(cfg.chains, self.adapters)}
        await asyncio.gather(*(self._check_once(c) for c in self.checks.values()))  # warns before serving
        for cfg_chain, adapter in zip(cfg.chains, self.adapters):
            self.services.append(ChainService(
                adapter, store, self.enclave, poll_interval_s=cfg_chain.poll_interval_s,
                batch_size=cfg_chain.batch_size, resubmit_after_s=cfg_chain.resubmit_after_s,
                bump_after_s=cfg_chain.bump_after_s, bump_pct=cfg_chain.bump_pct,
                quorum=await self._quorum(adapter, signer)))
        assert self.watchlist is not None
        push = store.add_updates if cfg.rescore.push else None
        if cfg.peers and push is not None:
            if self.peer_client is None:
                self.peer_client = PeerClient()
            self.announcer = UpdateAnnouncer(cfg.peers, self.peer_client)
        announce = self.announcer.announce if self.announcer is not None else None
        self.scorers.update({a.name: OffchainScorer(a, self.enclave, self.watchlist, cfg.rescore.step, push=push,
                                                    announce=announce) for a in self.adapters})
        if self.update_intake is not None:
            self.update_intake.adapters.update({a.name: a for a in self.adapters})
        self.report = HealthReport(self.enclave, self.services, self.checks, store,
                                   {c.name: c.max_head_age_s for c in cfg.chains}, self.started_at,
                                   quorum=self._quorum_health if cfg.peers else None)

    async def _open(self, began: float) -> Store:
        """The store, the chains' adapters connected, the API listening; its log line says where the seconds went
        (a restart's recovery time starts at the process)."""
        cfg = self.config
        self.store = store = Store(cfg.node.data_dir / "aura.sqlite")
        self.watchlist = WatchList(store.path)
        self.offchain = OffchainDesk(self.watchlist, self.scorers)  # its scorers come once the enclave is up
        if cfg.peers:  # its adapters come with the scorers
            self.update_intake = UpdateIntake([p.signer for p in cfg.peers], store.add_updates,
                                              [c.name for c in cfg.chains])
        store_s = time.monotonic() - began
        self.adapters = [build_adapter(c, store, cfg.node.data_dir, self.resources) for c in cfg.chains]
        built_s = time.monotonic() - began
        await connect_chains(self.adapters)
        phases = {"store_s": round(store_s, 3), "adapters_s": round(built_s - store_s, 3),
                  "connect_s": round(time.monotonic() - began - built_s, 3),
                  "process_cpu_s": round(time.process_time(), 3),  # the imports' share shows here
                  "process_age_s": process_age_s()}  # since the process began: what a restart costs
        if cfg.api.enabled:
            fulfilments = {a.name: a.read_fulfilment for a in self.adapters}
            api = ApiServer(cfg.api.host, cfg.api.port, self.health,
                            questionnaires=lambda h, body: store.put_questionnaire(h, body),
                            peer_answers=store_answers(store) if cfg.peers else None,
                            peer_updates=self.update_intake,
                            store=store, chains={c.name: c.family for c in cfg.chains},
                            cors_origins=cfg.api.cors_origins,
                            rate_limits=RateLimits(per_address=cfg.api.rate_per_address,
                                                   per_key=cfg.api.rate_per_key),
                            keys=ApiKeys(store.db), offchain=self.offchain,
                            proofs=ProofDesk(store, self.enclave, fulfilments=fulfilments)
                            if self.enclave is not None else None,
                            signed=SignedDesk(store, {c.name: (c.family, c.chain_id) for c in cfg.chains},
                                              {a.name: a.signer_status for a in self.adapters}, fulfilments))
            await api.start()  # ApiError when the port is in use: it has cleaned up after itself then
            self.api = api
            log.info("api listening", extra=fields(url=f"http://{cfg.api.host}:{api.port}", **phases))
        return store

    async def _start_rescoring(self) -> None:
        """The watch-list's re-scoring jobs (node/rescoring.py), in the store's database file, once the chains'
        services run: APScheduler and SQLAlchemy are imported in a thread (~0.2 s), which a restart's recovery
        does not wait for."""
        await asyncio.to_thread(importlib.import_module, "node.rescoring")
        assert self.store is not None
        self._schedule_rescoring(self.store)
        freeze_startup_heap()  # the scheduler's modules too
        every = self.config.rescore.events_every_s
        if every > 0:
            from node.rescoring import run_watch  # noqa: PLC0415 - imported above, in a thread

            assert self.watchlist is not None
            triggers = [CreditTrigger(a, self.watchlist, run_watch, every) for a in self.adapters]
            async with asyncio.TaskGroup() as tg:
                for trigger in triggers:
                    tg.create_task(self._guarded(trigger.run(self.stop), trigger.adapter.name),
                                   name=f"credit-{trigger.adapter.name}")

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None], chain: str) -> None:
        """`work`, whose unexpected error is logged rather than ending the daemon (re-scoring is not its main job)."""
        try:
            await work
        except Exception:  # noqa: BLE001 - the schedule still re-scores; the log says what broke
            log.exception("lending-event re-scoring stopped", extra=fields(chain=chain))

    def _schedule_rescoring(self, store: Store) -> None:
        """The scheduler of the watch-list's jobs, over the chains' off-chain scorers."""
        from node.rescoring import RescoreScheduler  # noqa: PLC0415 - APScheduler and SQLAlchemy: ~0.3 s

        assert self.watchlist is not None
        self.rescoring = RescoreScheduler(store.path, self.watchlist, self.scorers,
                                          jitter_s=self.config.rescore.jitter_s)
        self.rescoring.start()

    async def _quorum(self, adapter: ChainAdapter, signer: str) -> Quorum | None:
        """The chain's quorum when peers are configured (docs/quorum.md); None for a node alone.

        Raises:
            StartRefused: the threshold is above what the chain's contract takes in one fulfilment.
        """
        cfg = self.config
        if not cfg.peers:
            return None
        most = adapter.capabilities.max_signatures
        if cfg.quorum.threshold > most:
            raise StartRefused(f"chain {adapter.name}: quorum.threshold {cfg.quorum.threshold} is above the "
                               f"{most} signature(s) its contract takes in one fulfilment")
        try:
            on_chain = await adapter.threshold()
        except RetryLater as e:
            on_chain = None
            log.warning("could not read the contract's threshold", extra=fields(chain=adapter.name, error=str(e)))
        if on_chain is not None and on_chain != cfg.quorum.threshold:
            log.warning("the contract's threshold is not the configured one",
                        extra=fields(chain=adapter.name, contract=on_chain, configured=cfg.quorum.threshold))
        if self.peer_client is None:
            self.peer_client = PeerClient()
        return Quorum(adapter.family, signer, cfg.peers, threshold=cfg.quorum.threshold,
                      takeover_after_s=cfg.quorum.takeover_after_s, client=self.peer_client,
                      disagreements=self.disagreements, questionnaire_agree_s=cfg.quorum.questionnaire_agree_s)

    def _quorum_health(self) -> tuple[dict[str, Any], list[str]]:
        """The `quorum` section of /health: each peer's last answer (none asked yet: no peer client)."""
        status = self.peer_client.status if self.peer_client is not None else PeerStatus()
        return status.health([p.label for p in self.config.peers], self.config.quorum.threshold)

    def _supervisor(self) -> EnclaveSupervisor:
        cfg, enc = self.config, self.config.enclave
        assert enc.data_dir is not None and enc.socket is not None
        process = EnclaveProcess(data_dir=enc.data_dir, passphrase_file=enc.passphrase_file,
                                 scoring_config=enc.scoring_config, socket_path=enc.socket,
                                 log_path=cfg.node.data_dir / "enclave.log")
        policy = SupervisorPolicy(start_timeout_s=enc.start_timeout_s, probe_interval_s=enc.probe_interval_s,
                                  probe_timeout_s=enc.probe_timeout_s, freeze_limit_s=enc.freeze_limit_s,
                                  restart_backoff_s=enc.restart_backoff_s,
                                  restart_backoff_max_s=enc.restart_backoff_max_s, stable_after_s=enc.stable_after_s)
        return EnclaveSupervisor(process, policy)

    async def run(self) -> int:
        """Run until stopped; 0 after a clean stop.

        Raises:
            StartRefused: a chain is not the one configured (at start), or the enclave came back from a restart
                with another signer.
            ApiError: the API port is in use.
        """
        try:
            await self.start()
            freeze_startup_heap()
            async with asyncio.TaskGroup() as tg:
                for s in self.services:
                    tg.create_task(s.run(self.stop), name=f"chain-{s.chain}")
                for c in self.checks.values():
                    tg.create_task(self._check(c), name=f"checks-{c.chain}")
                tg.create_task(self._supervise(), name="enclave-supervisor")
                if self.config.rescore.enabled:
                    tg.create_task(self._start_rescoring(), name="rescoring")
        finally:
            await self.shutdown()
        if self.refusal:
            raise StartRefused(self.refusal)
        return 0

    async def _supervise(self) -> None:
        assert self.enclave is not None
        try:
            await self.enclave.run(self.stop)
        except EnclaveSignerChanged as e:
            log.error("stopping: the enclave's signer changed", extra=fields(error=str(e)))
            self.refusal = f"stopped: {e}"
            self.stop.set()

    async def _check(self, checks: ChainChecks) -> None:
        """The chain's signer status and balance, again every `chain_checks_s` (+/-10 %)."""
        every = self.config.node.chain_checks_s
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), every * random.uniform(0.9, 1.1))
            if not self.stop.is_set():
                await self._check_once(checks)

    @staticmethod
    async def _check_once(checks: ChainChecks) -> None:
        try:
            await checks.check()
        except Exception as e:  # noqa: BLE001 - a bug in one check must not end the daemon; health shows it
            checks.last_error = f"{type(e).__name__}: {e}"
            log.exception("unexpected error in a chain check", extra=fields(chain=checks.chain))

    async def shutdown(self) -> None:
        if self.rescoring is not None:
            self.rescoring.stop()
            self.rescoring = None
        if self.watchlist is not None:
            self.watchlist.close()
            self.watchlist = None
        if self.api is not None:
            await self.api.stop()
            self.api = None
        if self.enclave is not None:
            await self.enclave.close()
            self.enclave = None
        if self.announcer is not None:
            await self.announcer.close()
            self.announcer = None
        if self.peer_client is not None:
            await self.peer_client.close()
            self.peer_client = None
        for adapter in self.adapters:  # the services close theirs; these are the ones start-up left open
            await adapter.close()
        if self.store is not None:
            self.store.close()
            self.store = None
        self.resources.close()
        if self.report is not None:
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
            if task.get_name().startswith(("chain-", "checks-")):
                task.cancel()


def freeze_startup_heap() -> None:
    """Put everything start-up made (modules, the model, the app, the adapters: ~100,000 objects) out of the
    garbage collector's reach. A full collection then walks only what was made since: ~1 ms instead of ~50 ms during
    which no API answer, chain poll or fulfilment moves (it was the API's p99 under load, scripts/bench_api.py).
    What start-up made lives as long as the process anyway."""
    gc.collect()
    gc.freeze()


async def run_node(config: Config) -> int:
    node = Node(config)
    node.install_signals()
    return await node.run()
