"""One chain's work: find requests, confirm them, have the enclave score and sign them, fulfil, track.

Each step reads its input from the store and writes its result there before the side effect that follows,
so the loop can stop at any point and resume from the store alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Protocol

from chains.base import (
    ChainAdapter,
    Confidence,
    Height,
    OracleRequest,
    RequestStatus,
    SignedAssessment,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.errors import ChainError, EnclaveError, PinLost, Reorged, RetryLater, WaitFor
from chains.core.logs import fields
from node import failpoints, metrics
from node.request_params import MalformedParams, decode_params, loan_param
from node.store import OPEN_STATES, Store, request_from_row

log = logging.getLogger("aura.pipeline")

AUDIT_MAX = 64
"""Final fulfilments looked at again per audit: the newest, where a reorganisation past finality would strike."""


class Assessor(Protocol):
    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Scored:
    """The enclave's signed assessment and the features, in their wire form, it was computed from."""

    result: dict[str, Any]
    features: dict[str, Any]


class ChainService:
    """The poller and transaction manager for one configured chain."""

    def __init__(self, adapter: ChainAdapter, store: Store, enclave: Assessor, *, poll_interval_s: float,
                 batch_size: int, resubmit_after_s: float, bump_after_s: float = 60.0, bump_pct: int = 20,
                 concurrency: int = 32, questionnaire_wait_s: float = 120.0, audit_every_s: float = 30.0,
                 audit_window_s: float = 600.0, clock: Any = time.time) -> None:
        self.adapter = adapter
        self.chain: str = adapter.name
        self.store = store
        self.enclave = enclave
        self.poll_interval_s = poll_interval_s
        self.batch_size = max(1, min(batch_size, adapter.capabilities.max_batch))
        self.resubmit_after_s = resubmit_after_s
        self.bump_after_s = bump_after_s
        self.bump_pct = bump_pct
        self.clock = clock
        self.audit_every_s = audit_every_s
        self.audit_window_s = audit_window_s
        self._sem = asyncio.Semaphore(concurrency)
        self.head: Height | None = None
        self.connected = False
        self.last_error = ""
        self._last_broadcast: dict[str, float] = {}
        self.questionnaire_wait_s = questionnaire_wait_s
        self._waiting: dict[str, float] = {}
        self._alone: set[str] = set()  # skipped from a batch for want of gas: sent in a transaction of its own
        self.waiting: dict[str, str] = {}
        """Causes outside the requests that keep fulfilments from landing now (chains/core/errors.py WaitFor):
        cause -> what the chain said. While one holds, a pass sends a single fulfilment to find out whether it
        still does, so that waiting costs no fees."""
        self._off_chain: set[str] = set()  # requests whose block left the chain, waiting to be mined again
        self._at_cap: set[int] = set()  # sequences whose fee can be bumped no further
        self._audited_at = clock()

    # lifecycle
    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if not self.connected:
                    await self.adapter.connect()
                    self.connected = True
                    await self.recover()
                await self.tick()
                self.last_error = ""
            except RetryLater as e:
                metrics.RPC_ERRORS.labels(self.chain).inc()
                metrics.ERRORS.labels(self.chain, "transient").inc()
                self.last_error = str(e)
                log.warning("transient chain error; retrying", extra=fields(chain=self.chain, error=str(e)))
            except ChainError as e:
                metrics.ERRORS.labels(self.chain, "chain").inc()
                self.last_error = str(e)
                log.error("chain error", extra=fields(chain=self.chain, error=str(e)))
            except Exception as e:  # noqa: BLE001 - a bug in one pass must not end the daemon; health shows it
                metrics.ERRORS.labels(self.chain, "bug").inc()
                self.last_error = f"{type(e).__name__}: {e}"
                log.exception("unexpected error in a pass; retrying", extra=fields(chain=self.chain))
            await self._pause(stop)
        await self.adapter.close()

    async def _pause(self, stop: asyncio.Event) -> None:
        timeout = self.poll_interval_s * random.uniform(0.9, 1.1)
        stop_task = asyncio.ensure_future(stop.wait())
        head_task = asyncio.ensure_future(self.adapter.wait_new_head(timeout))
        try:
            await asyncio.wait({stop_task, head_task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (stop_task, head_task):
                t.cancel()

    async def recover(self) -> None:
        """After a (re)start: re-send each stored, unconfirmed fulfilment exactly as it was signed; of attempts
        that replace one another, only the latest (a node refuses a replaced, lower-fee one)."""
        for sub in _latest_attempts(self.store.submissions_in(self.chain, "pending")):
            log.info("re-sending stored fulfilment",
                     extra=fields(chain=self.chain, tx=sub.tx_hash, sequence=sub.sequence))
            await self.adapter.broadcast(sub)
            self._last_broadcast[sub.tx_hash] = self.clock()

    # one pass
    async def tick(self) -> None:
        marks = [time.perf_counter()]
        head = await self.adapter.head(Confidence.LATEST)
        self.head = head
        metrics.HEAD.labels(self.chain).set(head.number)
        steps = (lambda: self.poll(head), lambda: self.confirm(head), lambda: self.score(head), self.submit,
                 self.track)
        for step in steps:
            await step()
            marks.append(time.perf_counter())
        self._gauge()
        if log.isEnabledFor(logging.DEBUG):
            names = ("head_poll", "confirm", "score", "submit", "track")
            log.debug("tick", extra=fields(chain=self.chain, block=head.number,
                                           **{f"{n}_ms": round((b - a) * 1000, 1)
                                              for n, a, b in zip(names, marks, marks[1:])}))

    async def poll(self, head: Height) -> None:
        while True:
            cursor = self.store.cursor(self.chain)
            batch = await self.adapter.poll_requests(cursor, head)
            if batch.rewound:
                metrics.ERRORS.labels(self.chain, "reorg").inc()
                self._audited_at = float("-inf")  # fulfilments held final may have left the chain too: look now
            if batch.next_cursor == cursor:
                break
            new, moved = self.store.store_batch(self.chain, batch.items, batch.next_cursor)
            if new or moved:
                metrics.TRANSITIONS.labels(self.chain, "seen").inc(new + moved)
                log.info("requests seen", extra=fields(chain=self.chain, count=new, mined_again=moved,
                                                       cursor=batch.next_cursor))
            metrics.CURSOR_LAG.labels(self.chain).set(max(0, head.number - batch.reached))
            if batch.reached >= head.number:
                break

    def _move(self, key: str, dst: str, reason: str = "", **kw: Any) -> None:
        self.store.transition(key, dst, reason, **kw)
        metrics.TRANSITIONS.labels(self.chain, dst).inc()

    def _move_many(self, moves: list[tuple[str, str, str]]) -> None:
        if moves:
            self.store.transition_many(moves)
            for _, dst, _ in moves:
                metrics.TRANSITIONS.labels(self.chain, dst).inc()

    async def confirm(self, head: Height) -> None:
        safe = await self.adapter.head(Confidence.SAFE)
        canonical: dict[tuple[int, str], bool] = {}
        moves: list[tuple[str, str, str]] = []
        for req in self.store.requests_in(self.chain, "seen"):
            if head.timestamp > req.expires_at:
                moves.append((req.key, "expired", "request expired before it was confirmed"))
                continue
            if req.block_number > safe.number:
                continue
            block = (req.block_number, req.block_hash)
            if block not in canonical:
                canonical[block] = await self.adapter.is_canonical(req)
            if canonical[block]:
                self._off_chain.discard(req.key)
                moves.append((req.key, "confirmed", ""))
            elif req.key not in self._off_chain:
                # Not lost: a request mined again comes back from the adapter with its new log; one that never
                # is expires.
                self._off_chain.add(req.key)
                log.warning("request's block left the canonical chain; waiting for it to be mined again",
                            extra=fields(key=req.key, block=req.block_number, hash=req.block_hash))
        self._move_many(moves)

    async def score(self, head: Height) -> None:
        todo = self.store.requests_in(self.chain, "confirmed")
        if not todo:
            return
        outcomes = await asyncio.gather(*(self._score_one(req, head) for req in todo))
        waits = [res for res in outcomes if isinstance(res, RetryLater)]
        if waits and len(waits) == len(outcomes):
            raise waits[0]  # nothing could be read: the chain is what waits, not these requests
        for req, wait in zip(todo, outcomes):
            if isinstance(wait, RetryLater):
                log.warning("pinned state not readable yet", extra=fields(key=req.key, error=str(wait)))
        scored = [(req.key, res.result, res.features) for req, res in zip(todo, outcomes) if isinstance(res, Scored)]
        self._move_many([(req.key, res[0], res[1]) for req, res in zip(todo, outcomes) if isinstance(res, tuple)])
        if scored:
            self.store.record_assessments(scored)
            metrics.TRANSITIONS.labels(self.chain, "scored").inc(len(scored))
            for key, res, _ in scored:
                log.info("scored", extra=fields(key=key, score=res["score"], tier=res["tier"]))

    async def _score_one(self, req: OracleRequest, head: Height) -> Scored | tuple[str, str] | RetryLater | None:
        """The signed assessment; or (state, reason) for a request that cannot be scored; None or the chain's
        RetryLater: try later."""
        if head.timestamp >= req.expires_at:
            return ("expired", "request expired before it was scored")
        try:
            extras = decode_params(req.params)
        except MalformedParams as e:
            return ("failed", f"malformed request params: {e}")
        extra: dict[str, Any] = {}
        loan = loan_param(extras)
        if loan is not None:
            extra["loan"] = loan
        if extras.questionnaire_hash is not None:
            body = self.store.questionnaire(extras.questionnaire_hash)
            if body is not None:
                extra["questionnaire"] = {"hash": extras.questionnaire_hash, "document": json.loads(body)}
            else:
                first = self._waiting.setdefault(req.key, self.clock())
                if self.clock() - first < self.questionnaire_wait_s:
                    return None  # the borrower may still be submitting it
                log.warning("questionnaire never arrived; scoring without it",
                            extra=fields(key=req.key, questionnaire=extras.questionnaire_hash))
        self._waiting.pop(req.key, None)
        async with self._sem:
            try:
                pinned = await self.adapter.pinned(req)
                features = await self.adapter.read_features(req.subject, pinned)
                proof = await self.adapter.state_proof(req.subject, pinned)
            except RetryLater as e:
                return e
            except Reorged as e:
                return ("seen", f"waiting for it to be mined again: {e}")
            except ChainError as e:
                return ("failed", f"cannot read the request's pinned state: {e}")
            if proof is not None:
                extra["proof"] = proof
            started = time.perf_counter()
            try:
                result = await self.enclave.assess(self.adapter.enclave_request(req), features, extra)
            except EnclaveError as e:
                if e.code in ("clock_skew", "internal", ""):
                    log.warning("enclave could not assess now", extra=fields(key=req.key, error=str(e)))
                    return None
                return ("failed", f"enclave refused: {e}")
            metrics.ENCLAVE_SECONDS.observe(time.perf_counter() - started)
        return Scored(result, features)

    async def submit(self) -> None:
        ready = self.store.requests_in(self.chain, "scored")
        rest = [req for req in ready if req.key not in self._alone]
        chunks = [[req] for req in ready if req.key in self._alone]
        chunks += [rest[i:i + self.batch_size] for i in range(0, len(rest), self.batch_size)]
        if self.waiting and chunks:
            chunks = [chunks[0][:1]]  # one fulfilment finds out whether the cause still holds
        for chunk in chunks:
            items: list[tuple[OracleRequest, SignedAssessment]] = []
            for req in chunk:
                stored = self.store.assessment(req.key)
                if stored is None:
                    self._move(req.key, "failed", "scored without a stored assessment")
                    continue
                try:
                    items.append((req, SignedAssessment.from_wire(stored)))
                except ValueError as e:
                    self._move(req.key, "failed", f"stored assessment is malformed: {e}")
            if not items:
                continue
            try:
                sub = await self.adapter.prepare(items)
            except WaitFor as e:
                self._wait(e)
                return
            except PinLost as e:
                self._move_many([(req.key, "confirmed", f"scoring it again: {e}") for req, _ in items])
                continue
            except Reorged as e:
                for req, _ in items:
                    self._reopen(req.key, f"fulfilment would not land: {e}")
                continue
            except ChainError as e:
                if isinstance(e, RetryLater):
                    raise
                await self._settle_unsendable(items, str(e))
                continue
            self.store.record_submission(sub)
            self._alone.difference_update(req.key for req, _ in items)
            metrics.TRANSITIONS.labels(self.chain, "submitted").inc(len(items))
            failpoints.hit("after_record_submission")
            try:
                await self.adapter.broadcast(sub)
            except WaitFor as e:
                self._wait(e)  # stored: re-sent by `track` once the cause has passed
                return
            self._last_broadcast[sub.tx_hash] = self.clock()
            metrics.SUBMISSIONS.labels(self.chain).inc()
            log.info("fulfilment sent", extra=fields(chain=self.chain, tx=sub.tx_hash, sequence=sub.sequence,
                                                     requests=len(items)))
            failpoints.hit("after_broadcast")
            self._unwait()

    def _wait(self, e: WaitFor) -> None:
        if self.waiting.get(e.cause) != str(e):
            metrics.ERRORS.labels(self.chain, e.cause).inc()
            log.warning("fulfilments wait", extra=fields(chain=self.chain, cause=e.cause, error=str(e)))
        self.waiting = {e.cause: str(e)}

    def _unwait(self) -> None:
        if self.waiting:
            log.info("fulfilments resume", extra=fields(chain=self.chain, after=",".join(self.waiting)))
            self.waiting = {}

    def _reopen(self, key: str, reason: str) -> None:
        self.store.reopen(key, reason)
        self._alone.discard(key)
        row = self.store.request(key)
        state = row["state"] if row else "seen"
        metrics.TRANSITIONS.labels(self.chain, state).inc()
        log.warning("request started over" if state == "seen" else "request failed",
                    extra=fields(key=key, reason=row["reason"] if row else reason))

    async def _settle_unsendable(self, items: list[tuple[OracleRequest, SignedAssessment]], error: str) -> None:
        """A fulfilment that would revert: ask the contract why, request by request."""
        for req, _ in items:
            status = await self.adapter.request_status(req)
            if status is RequestStatus.FULFILLED:
                self._move(req.key, "failed", "already fulfilled on-chain by another transaction")
            elif status is RequestStatus.CANCELLED:
                self._move(req.key, "cancelled", "cancelled by the requester")
            elif status is RequestStatus.NONE:
                self._reopen(req.key, "the contract does not know this request now")
            elif len(items) == 1:
                self._move(req.key, "failed", error)
        log.warning("fulfilment would revert", extra=fields(chain=self.chain, error=error))

    async def track(self) -> None:
        """Follow every unsettled fulfilment; attempts that share a sequence (replacements) settle together."""
        by_sequence: dict[int, list[Submission]] = {}
        for sub in self.store.submissions_in(self.chain, "pending", "included"):
            by_sequence.setdefault(sub.sequence, []).append(sub)
        for attempts in by_sequence.values():
            await self._track_attempts(attempts)
        if self.clock() - self._audited_at >= self.audit_every_s:
            self._audited_at = self.clock()
            await self.audit_final()

    async def audit_final(self) -> None:
        """Nothing is final until the chain says so, and a chain can take back even a block it called final: the
        fulfilments made final within `audit_window_s` (at most AUDIT_MAX per pass, the newest) are looked at
        again, and one no longer on the chain is sent again (its requests back to `submitted`; the stored
        transaction keeps its nonce, so no gap is left for later ones)."""
        for sub in self.store.final_since(self.chain, self.clock() - self.audit_window_s, AUDIT_MAX):
            st = await self.adapter.status(sub)
            if st.state is not TxState.PENDING:
                continue
            log.warning("a final fulfilment left the chain; sending it again",
                        extra=fields(chain=self.chain, tx=sub.tx_hash, sequence=sub.sequence))
            self.store.set_submission_state(sub.tx_hash, "pending")
            self._move_many([(key, "submitted", "its final fulfilment left the chain") for key in sub.request_keys
                             if _state_of(self.store.request(key)) == ("final", sub.tx_hash)])
            await self.adapter.broadcast(sub)
            self._last_broadcast[sub.tx_hash] = self.clock()

    async def _track_attempts(self, attempts: list[Submission]) -> None:
        statuses = [(sub, await self.adapter.status(sub)) for sub in attempts]
        mined = [(sub, st) for sub, st in statuses if st.state in (TxState.INCLUDED, TxState.FINAL)]
        if mined:
            winner, st = mined[0]
            for sub, _ in statuses:
                if sub is not winner:
                    self.store.set_submission_state(sub.tx_hash, "replaced")
            row = self.store.submission_row(winner.tx_hash)
            assert row is not None
            cost_is_new = row["cost"] is None and st.cost is not None  # Solana knows it only once final
            if row["state"] == "pending":
                await self._included(winner, st, {sub.tx_hash for sub in attempts})
            if cost_is_new:
                metrics.FULFIL_COST.labels(self.chain, self.adapter.cost_unit).inc(st.cost or 0)
            if st.state is TxState.FINAL:
                self.store.set_submission_state(winner.tx_hash, "final", st.block_number, st.cost)
                self._move_many([(key, "final", "") for key in winner.request_keys
                                 if (self.store.request(key) or {}).get("state") == "included"])
            return
        if all(st.state is TxState.DROPPED for _, st in statuses):
            for sub, _ in statuses:
                await self._dropped(sub)
            return
        for sub, _ in statuses:  # none mined: a block that held one may have been reorged out
            row = self.store.submission_row(sub.tx_hash)
            if row is not None and row["state"] == "included":
                self.store.set_submission_state(sub.tx_hash, "pending")
                self._move_many([(key, "submitted", "fulfilment's block was reorged out")
                                 for key in sub.request_keys
                                 if (self.store.request(key) or {}).get("state") == "included"])
        latest = max(attempts, key=lambda a: a.sent_at)
        now = self.clock()
        if self.adapter.capabilities.replaces_fees and now - latest.sent_at > self.bump_after_s:
            replacement = await self.adapter.replace(latest, self.bump_pct)
            if replacement is None and latest.sequence not in self._at_cap:
                self._at_cap.add(latest.sequence)
                metrics.FEE_BUMPS_AT_CAP.labels(self.chain).inc()
                log.warning("fulfilment stuck at the fee cap", extra=fields(chain=self.chain, sequence=latest.sequence,
                                                                           tx=latest.tx_hash))
            if replacement is not None:
                metrics.FEE_BUMPS.labels(self.chain).inc()
                self.store.record_replacement(replacement, replaces=latest.tx_hash)
                await self.adapter.broadcast(replacement)
                self._last_broadcast[replacement.tx_hash] = now
                log.warning("fulfilment stuck: replaced at a higher fee",
                            extra=fields(chain=self.chain, sequence=latest.sequence, old=latest.tx_hash,
                                         new=replacement.tx_hash))
                return
        pending = {sub.tx_hash for sub, st in statuses if st.state is TxState.PENDING}
        lost = {sub.tx_hash for sub, st in statuses if st.state is TxState.PENDING and st.lost}
        if latest.tx_hash in lost:
            log.info("fulfilment no longer held by the node; sending it again",
                     extra=fields(chain=self.chain, tx=latest.tx_hash, sequence=latest.sequence))
        if latest.tx_hash in pending and (latest.tx_hash in lost or
                                          now - self._last_broadcast.get(latest.tx_hash, 0) > self.resubmit_after_s):
            await self.adapter.broadcast(latest)  # only the latest: a node refuses a replaced, lower-fee attempt
            self._last_broadcast[latest.tx_hash] = now

    async def _included(self, sub: Submission, st: SubmissionStatus, attempts: set[str]) -> None:
        self.store.set_submission_state(sub.tx_hash, "included", st.block_number, st.cost)
        now = self.clock()
        for key in sub.request_keys:
            row = self.store.request(key)
            if row is None or row["state"] != "submitted" or row["submission"] not in attempts:
                continue  # started over since this was sent (mined again after a reorg): not this transaction's
            outcome = st.outcomes.get(key)
            if st.reverted:
                await self._reverted(key, row)
            elif outcome is not None and outcome.fulfilled:
                self._move(key, "included", fulfil_block=st.block_number)
                row = self.store.request(key)
                if row:
                    metrics.FULFIL_LATENCY.labels(self.chain).observe(max(0.0, now - row["seen_at"]))
            elif outcome is not None and outcome.reorged:
                self._reopen(key, f"contract skipped it: {outcome.reason}")
            elif outcome is not None and outcome.rescore:
                self._move(key, "confirmed", f"contract skipped it: {outcome.reason}; scoring it again")
            elif outcome is not None and outcome.retry_alone:
                self._move(key, "scored", f"contract skipped it: {outcome.reason}; sending it alone")
                self._alone.add(key)
            elif outcome is not None:
                dst = "expired" if outcome.expired else "failed"
                self._move(key, dst, f"contract skipped it: {outcome.reason}")
            else:
                self._move(key, "failed", "included transaction has no outcome for this request")
        log.info("fulfilment included", extra=fields(chain=self.chain, tx=sub.tx_hash, block=st.block_number,
                                                     cost=st.cost, unit=self.adapter.cost_unit))

    async def _reverted(self, key: str, row: dict[str, Any]) -> None:
        """A fulfilment that reverted as a whole: the contract says whether the request can still be served (it
        was sent before a reorg moved the request: start over) or not."""
        status = await self.adapter.request_status(request_from_row(row))
        if status is RequestStatus.PENDING:
            self._reopen(key, "fulfilment transaction reverted while the request is pending")
        elif status is RequestStatus.CANCELLED:
            self._move(key, "cancelled", "fulfilment transaction reverted: cancelled by the requester")
        elif status is RequestStatus.FULFILLED:
            self._move(key, "failed", "fulfilment transaction reverted: fulfilled by another transaction")
        else:
            self._reopen(key, "fulfilment transaction reverted: the contract does not know the request now")

    async def _dropped(self, sub: Submission) -> None:
        """Its nonce was used by another transaction: the contract says what happened to each request."""
        self.store.set_submission_state(sub.tx_hash, "dropped")
        for key in sub.request_keys:
            row = self.store.request(key)
            if not row or row["state"] != "submitted":
                continue
            status = await self.adapter.request_status(request_from_row(row))
            if status is RequestStatus.PENDING:
                self._move(key, "scored", "fulfilment dropped; will send again")
            elif status is RequestStatus.FULFILLED:
                self._move(key, "failed", "fulfilled by another transaction")
            elif status is RequestStatus.CANCELLED:
                self._move(key, "cancelled", "request is cancelled")
            else:
                self._reopen(key, "fulfilment dropped and the contract does not know the request now")

    def _gauge(self) -> None:
        """Every open state's count for this chain, zero included (a state emptied since must not keep its last
        value); terminal states are not open and have no series."""
        counts = self.store.counts()
        for state in OPEN_STATES:
            metrics.REQUESTS_OPEN.labels(self.chain, state).set(counts.get((self.chain, state), 0))
        for cause in WaitFor.CAUSES:
            waiting = counts.get((self.chain, "scored"), 0) if cause in self.waiting else 0
            metrics.REQUESTS_WAITING.labels(self.chain, cause).set(waiting)


def _state_of(row: dict[str, Any] | None) -> tuple[str, str]:
    """A request row's state and the fulfilment it was last sent in."""
    return ("", "") if row is None else (row["state"], row["submission"] or "")


def _latest_attempts(subs: list[Submission]) -> list[Submission]:
    """Of the attempts sharing a sequence, the one sent last."""
    latest: dict[int, Submission] = {}
    for sub in subs:
        if sub.sequence not in latest or sub.sent_at >= latest[sub.sequence].sent_at:
            latest[sub.sequence] = sub
    return list(latest.values())
