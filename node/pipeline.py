"""One chain's work: find requests, confirm them, have the enclave score and sign them, fulfil, track (what
was sent is followed until final by node/tracking.py).

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
    SignedAssessment,
    Submission,
)
from chains.core.errors import ChainError, CosignerRefused, EnclaveError, PinLost, Reorged, RetryLater, WaitFor
from chains.core.logs import fields
from node import failpoints, metrics
from node.quorum.collector import Decision, Lead, Quorum
from node.request_params import MalformedParams, decode_params, loan_param
from node.scoring.flags import Flag
from node.store import OPEN_STATES, Store
from node.tracking import Tracker
from node.transitions import Transitions

log = logging.getLogger("aura.pipeline")


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
                 audit_window_s: float = 600.0, quorum: Quorum | None = None, watch_every_s: float = 3.0,
                 clock: Any = time.time) -> None:
        self.adapter = adapter
        self.chain: str = adapter.name
        self.store = store
        self.enclave = enclave
        self.poll_interval_s = poll_interval_s
        self.batch_size = max(1, min(batch_size, adapter.capabilities.max_batch))
        self.clock = clock
        self.moves = Transitions(self.chain, store, peers=quorum is not None)
        self.quorum = quorum
        """With peers (docs/quorum.md): a request is sent only by its leader, with k matching signatures."""
        self.watch_every_s = watch_every_s
        self._watched: dict[str, float] = {}  # request key -> when the contract was last asked about it
        self.tracker = Tracker(adapter, store, self.moves, resubmit_after_s=resubmit_after_s,
                               bump_after_s=bump_after_s, bump_pct=bump_pct, audit_every_s=audit_every_s,
                               audit_window_s=audit_window_s, clock=clock)
        self._sem = asyncio.Semaphore(concurrency)
        self.head: Height | None = None
        self.connected = False
        self.last_error = ""
        self.questionnaire_wait_s = questionnaire_wait_s
        self._waiting: dict[str, float] = {}
        self.waiting: dict[str, str] = {}
        """Causes outside the requests that keep fulfilments from landing now (chains/core/errors.py WaitFor):
        cause -> what the chain said. While one holds, a pass sends a single fulfilment to find out whether it
        still does, so that waiting costs no fees."""
        self._off_chain: set[str] = set()  # requests whose block left the chain, waiting to be mined again

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
        that replace one another, only the latest (a node refuses a replaced, lower-fee one). One already mined,
        or voided because its requests were settled meanwhile, is not sent (`Tracker.resume`)."""
        for sub in _latest_attempts(self.store.submissions_in(self.chain, "pending")):
            if await self.tracker.resume(sub):
                continue
            log.info("re-sending stored fulfilment",
                     extra=fields(chain=self.chain, tx=sub.tx_hash, sequence=sub.sequence))
            await self.adapter.broadcast(sub)
            self.tracker.sent(sub)

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
                self.tracker.audit_soon()
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
        self.moves.move_many(moves)

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
        self.moves.move_many([(req.key, res[0], res[1]) for req, res in zip(todo, outcomes) if isinstance(res, tuple)])
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
        extra: dict[str, Any] = {"private": True} if req.private else {}
        if req.operator_update:
            extra["update"] = True
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
            if "questionnaire" in extra and self._without_questionnaire(head, pinned):
                del extra["questionnaire"]
                log.warning("quorum did not agree on the questionnaire's reading in time; scoring without it",
                            extra=fields(key=req.key, questionnaire=extras.questionnaire_hash))
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
        cosigned: dict[str, SignedAssessment] = {}
        if self.quorum is not None:
            cosigned = await self._led(ready)
            ready = [req for req in ready if req.key in cosigned]
        rest = [req for req in ready if req.key not in self.moves.alone]
        chunks = [[req] for req in ready if req.key in self.moves.alone]
        chunks += [rest[i:i + self.batch_size] for i in range(0, len(rest), self.batch_size)]
        if self.waiting and chunks:
            chunks = [chunks[0][:1]]  # one fulfilment finds out whether the cause still holds
        for chunk in chunks:
            items: list[tuple[OracleRequest, SignedAssessment]] = []
            for req in chunk:
                stored = self.store.assessment(req.key)
                if stored is None:
                    self.moves.move(req.key, "failed", "scored without a stored assessment")
                    continue
                try:
                    items.append((req, cosigned.get(req.key) or SignedAssessment.from_wire(stored)))
                except ValueError as e:
                    self.moves.move(req.key, "failed", f"stored assessment is malformed: {e}")
            if not items:
                continue
            try:
                sub = await self.adapter.prepare(items)
            except WaitFor as e:
                self._wait(e)
                return
            except CosignerRefused as e:
                log.warning("a peer's signature does not count on chain now; collecting another",
                            extra=fields(chain=self.chain, signer=e.signer, error=str(e)))
                for req, _ in items:
                    if self.quorum is not None:
                        self.quorum.refused(req.key, e.signer)
                continue
            except PinLost as e:
                self.moves.move_many([(req.key, "confirmed", f"scoring it again: {e}") for req, _ in items])
                continue
            except Reorged as e:
                for req, _ in items:
                    self.moves.reopen(req.key, f"fulfilment would not land: {e}")
                continue
            except ChainError as e:
                if isinstance(e, RetryLater):
                    raise
                await self.tracker.settle_unsendable(items, str(e))
                continue
            self.store.record_submission(sub)
            self.moves.alone.difference_update(req.key for req, _ in items)
            metrics.TRANSITIONS.labels(self.chain, "submitted").inc(len(items))
            failpoints.hit("after_record_submission")
            try:
                await self.adapter.broadcast(sub)
            except WaitFor as e:
                self._wait(e)  # stored: re-sent by `track` once the cause has passed
                return
            self.tracker.sent(sub)
            metrics.SUBMISSIONS.labels(self.chain).inc()
            log.info("fulfilment sent", extra=fields(chain=self.chain, tx=sub.tx_hash, sequence=sub.sequence,
                                                     requests=len(items)))
            failpoints.hit("after_broadcast")
            self._unwait()

    async def _led(self, ready: list[OracleRequest]) -> dict[str, SignedAssessment]:
        """Of the scored requests, those this node leads with k matching signatures: key -> its assessment
        carrying its peers' signatures. The others are followed: the contract is asked about each every
        `watch_every_s`, and one fulfilled by another operator, cancelled or expired is settled."""
        assert self.quorum is not None and self.head is not None
        self.quorum.retain(req.key for req in ready)
        decisions = await asyncio.gather(*(self._decide(req) for req in ready))
        led: dict[str, SignedAssessment] = {}
        for req, (decision, own) in zip(ready, decisions):
            if isinstance(decision, Lead):
                led[req.key] = decision.assessment
                if decision.assessment.cosigners:
                    self.store.record_cosigners(req.key, [c.wire for c in decision.assessment.cosigners])
                self._watched.pop(req.key, None)
            elif own is not None and own.facts.flags & Flag.QUESTIONNAIRE and \
                    self._without_questionnaire(self.head, own.facts.timestamp):
                self.moves.move(req.key, "confirmed", "quorum did not agree on the questionnaire's reading in time; "
                                                      "scoring it again without")
            elif decision is not None:
                await self._watch(req)
        return led

    def _without_questionnaire(self, head: Height, pinned: Height | int) -> bool:
        """Whether a quorum's time to agree on a questionnaire's reading has passed for a request pinned at
        `pinned` (a height, or its time): then every operator scores it without the questionnaire, so that their
        payloads match again (the reader's answers may differ between machines; docs/quorum.md)."""
        if self.quorum is None:
            return False
        at = pinned if isinstance(pinned, int) else pinned.timestamp
        return head.timestamp - at >= self.quorum.questionnaire_agree_s

    async def _decide(self, req: OracleRequest) -> tuple[Decision | None, SignedAssessment | None]:
        """The quorum's decision on a scored request, and this node's own signed assessment of it (None, None when
        the stored assessment is missing or malformed: the chunk loop fails it)."""
        assert self.quorum is not None and self.head is not None
        stored = self.store.assessment(req.key)
        if stored is None:
            return None, None
        try:
            own = SignedAssessment.from_wire(stored)
        except ValueError:
            return None, None
        kept = self.store.features(req.key)
        async with self._sem:
            features = None if kept is None else kept["features"]
            return await self.quorum.decide(req, own, features, self.head.timestamp), own

    async def _watch(self, req: OracleRequest) -> None:
        """A request another operator leads: settled here once the contract says it is no longer pending."""
        now = self.clock()
        if now - self._watched.setdefault(req.key, now) < self.watch_every_s:
            return
        self._watched[req.key] = now
        if self.moves.settle(req.key, await self.adapter.request_status(req)):
            self._watched.pop(req.key, None)
        elif self.head is not None and self.head.timestamp > req.expires_at:
            self.moves.move(req.key, "expired", "request expired before a quorum fulfilled it")
            self._watched.pop(req.key, None)

    def _wait(self, e: WaitFor) -> None:
        if self.waiting.get(e.cause) != str(e):
            metrics.ERRORS.labels(self.chain, e.cause).inc()
            log.warning("fulfilments wait", extra=fields(chain=self.chain, cause=e.cause, error=str(e)))
        self.waiting = {e.cause: str(e)}

    def _unwait(self) -> None:
        if self.waiting:
            log.info("fulfilments resume", extra=fields(chain=self.chain, after=",".join(self.waiting)))
            self.waiting = {}

    async def track(self) -> None:
        """The pass's last step: follow what was sent (node/tracking.py)."""
        await self.tracker.track()

    def _gauge(self) -> None:
        """Every open state's count for this chain, zero included (a state emptied since must not keep its last
        value); terminal states are not open and have no series."""
        counts = self.store.counts()
        for state in OPEN_STATES:
            metrics.REQUESTS_OPEN.labels(self.chain, state).set(counts.get((self.chain, state), 0))
        for cause in WaitFor.CAUSES:
            waiting = counts.get((self.chain, "scored"), 0) if cause in self.waiting else 0
            metrics.REQUESTS_WAITING.labels(self.chain, cause).set(waiting)


def _latest_attempts(subs: list[Submission]) -> list[Submission]:
    """Of the attempts sharing a sequence, the one sent last."""
    latest: dict[int, Submission] = {}
    for sub in subs:
        if sub.sequence not in latest or sub.sent_at >= latest[sub.sequence].sent_at:
            latest[sub.sequence] = sub
    return list(latest.values())
