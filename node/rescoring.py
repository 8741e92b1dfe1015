"""Re-scoring watched wallets on a schedule (docs/operations.md, "Re-scoring").

Each run is `OffchainScorer.rescore` (node/offchain_scorer.py): an off-chain assessment of the subject at its
chain's finalized head, stored in the watch-list's table.

`RescoreScheduler` runs one APScheduler interval job per watch (`every_s`, with up to `jitter_s` of jitter so that
many watches added at once do not all fall due together), persisted by APScheduler in the node's database: a job's
next run survives restarts, so a node restarted every hour still re-scores a 24-hour watch once a day. Every
RECONCILE_S it brings the jobs in line with the `watches` table, which `aura watch` edits while the node runs.
A run that fails for a transient cause (RetryLater, an enclave that cannot answer now) is retried at the next
reconcile rather than a whole period later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from chains.core.errors import ChainError, EnclaveError, RetryLater
from chains.core.logs import fields
from node.offchain_scorer import OffchainScorer
from node.watchlist import WatchList

log = logging.getLogger("aura.rescoring")

RECONCILE_S = 30
TRANSIENT_ENCLAVE_CODES = ("clock_skew", "internal", "")
"""Enclave errors that pass (as the pipeline reads them): the run is retried at the next reconcile."""
JOB_PREFIX = "watch:"
JOB_TABLE = "apscheduler_jobs"


_RESCORERS: dict[str, OffchainScorer] = {}
"""The running node's rescorers by chain: what a persisted job (a reference to `run_watch` and its arguments)
reaches when it runs."""


async def run_watch(chain: str, subject: str) -> None:
    """One watch's job: re-score it; a transient failure is retried at the next reconcile."""
    rescorer = _RESCORERS.get(chain)
    if rescorer is None:
        log.warning("watch on a chain this node does not serve", extra=fields(chain=chain, subject=subject))
        return
    try:
        await rescorer.rescore(subject, watched=True)
        rescorer.failed.discard(subject)
    except (RetryLater, EnclaveError) as exc:
        if isinstance(exc, EnclaveError) and getattr(exc, "code", "") not in TRANSIENT_ENCLAVE_CODES:
            log.error("re-scoring refused", extra=fields(chain=chain, subject=subject, error=str(exc)))
            return
        rescorer.failed.add(subject)
        log.warning("re-scoring waits", extra=fields(chain=chain, subject=subject, error=str(exc)))
    except ChainError as exc:
        log.error("re-scoring failed", extra=fields(chain=chain, subject=subject, error=str(exc)))


def job_id(chain: str, subject: str) -> str:
    return f"{JOB_PREFIX}{chain}:{subject}"


@dataclass
class RescoreScheduler:
    """APScheduler jobs for the watch-list, persisted in `db_path` (the node's aura.sqlite)."""

    db_path: Path
    watchlist: WatchList
    rescorers: dict[str, OffchainScorer]
    jitter_s: int = 3600
    clock: Callable[[], float] = time.time
    reconcile_s: float = RECONCILE_S
    scheduler: AsyncIOScheduler = field(init=False)

    def __post_init__(self) -> None:
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{self.db_path}", tablename=JOB_TABLE),
                       "memory": MemoryJobStore()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}, timezone=UTC)

    def start(self) -> None:
        """Start the jobs and the reconciler; called in the running event loop, where the jobs run."""
        _RESCORERS.clear()
        _RESCORERS.update(self.rescorers)
        self.scheduler.start()
        self.reconcile()
        self.scheduler.add_job(self._reconcile_in_loop, "interval", seconds=self.reconcile_s, id="reconcile",
                               jobstore="memory", replace_existing=True)

    async def _reconcile_in_loop(self) -> None:
        """`reconcile` as the interval job: a coroutine, so APScheduler runs it on the event loop (a plain function
        would run in a worker thread, where the watch-list's SQLite connection may not be used)."""
        self.reconcile()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        _RESCORERS.clear()

    def reconcile(self) -> None:
        """One job per watch with its period; none for a watch removed; a failed run due again now."""
        watches = {job_id(w.chain, w.subject): w for w in self.watchlist.watches()}
        jobs = {job.id: job for job in self.scheduler.get_jobs(jobstore="default")}
        now = datetime.fromtimestamp(self.clock(), UTC)
        for jid in set(jobs) - set(watches):
            try:
                self.scheduler.remove_job(jid)
            except JobLookupError:
                pass
        for jid, watch in watches.items():
            job = jobs.get(jid)
            if job is None or job.trigger.interval != timedelta(seconds=watch.every_s):
                self.scheduler.add_job(run_watch, "interval", seconds=watch.every_s, jitter=self.jitter_s,
                                       args=[watch.chain, watch.subject], id=jid, replace_existing=True,
                                       next_run_time=now)
                log.info("watching", extra=fields(chain=watch.chain, subject=watch.subject, every_s=watch.every_s))
            elif watch.subject in getattr(self.rescorers.get(watch.chain), "failed", ()):
                job.modify(next_run_time=now)

    def next_runs(self) -> dict[str, datetime | None]:
        """Each watch job's next run, by job id."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs() if job.id.startswith(JOB_PREFIX)}


__all__ = ["RescoreScheduler", "job_id", "run_watch"]
