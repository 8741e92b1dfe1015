"""One chain's sent fulfilments, followed until final: re-sent while pending, replaced at a higher fee when stuck,
settled by the contract's word when reverted or dropped, and looked at again once final.

The pipeline (node/pipeline.py) sends; this follows what it sent, from the store alone, so a restarted node
picks up where the last one stopped.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from chains.base import (
    ChainAdapter,
    OracleRequest,
    RequestStatus,
    SignedAssessment,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.logs import fields
from node import metrics
from node.store import Store, request_from_row
from node.transitions import Transitions

log = logging.getLogger("aura.pipeline")  # the pipeline's log lines: tracking is its last step

AUDIT_MAX = 64
"""Final fulfilments looked at again per audit: the newest, where a reorganisation past finality would strike."""


class Tracker:
    """Follows one chain's unsettled fulfilments, and audits those made final lately."""

    def __init__(self, adapter: ChainAdapter, store: Store, moves: Transitions, *, resubmit_after_s: float,
                 bump_after_s: float = 60.0, bump_pct: int = 20, audit_every_s: float = 30.0,
                 audit_window_s: float = 600.0, clock: Any = time.time) -> None:
        self.adapter = adapter
        self.chain: str = adapter.name
        self.store = store
        self.moves = moves
        self.resubmit_after_s = resubmit_after_s
        self.bump_after_s = bump_after_s
        self.bump_pct = bump_pct
        self.audit_every_s = audit_every_s
        self.audit_window_s = audit_window_s
        self.clock = clock
        self._last_broadcast: dict[str, float] = {}
        self._at_cap: set[int] = set()  # sequences whose fee can be bumped no further
        self._audited_at = clock()

    def sent(self, sub: Submission) -> None:
        """`sub` was just broadcast: it is sent again unchanged only after `resubmit_after_s`."""
        self._last_broadcast[sub.tx_hash] = self.clock()

    def audit_soon(self) -> None:
        """The chain was reorganised: fulfilments held final may have left it too, so the next pass audits."""
        self._audited_at = float("-inf")

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
            self.moves.move_many([(key, "submitted", "its final fulfilment left the chain") for key in sub.request_keys
                                  if _state_of(self.store.request(key)) == ("final", sub.tx_hash)])
            if await self._voided(sub, {sub.tx_hash}):
                continue
            await self.adapter.broadcast(sub)
            self._last_broadcast[sub.tx_hash] = self.clock()

    async def settle_unsendable(self, items: list[tuple[OracleRequest, SignedAssessment]], error: str) -> None:
        """A fulfilment that would revert: ask the contract why, request by request."""
        for req, _ in items:
            if not self.moves.settle(req.key, await self.adapter.request_status(req)) and len(items) == 1:
                self.moves.move(req.key, "failed", error)
        log.warning("fulfilment would revert", extra=fields(chain=self.chain, error=error))

    async def _track_attempts(self, attempts: list[Submission]) -> None:
        statuses = [(sub, await self.adapter.status(sub)) for sub in attempts]
        hashes = {sub.tx_hash for sub in attempts}
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
                await self._included(winner, st, hashes)
                if not winner.request_keys:
                    await self._released(attempts)
            if cost_is_new:
                metrics.FULFIL_COST.labels(self.chain, self.adapter.cost_unit).inc(st.cost or 0)
            if st.state is TxState.FINAL:
                self.store.set_submission_state(winner.tx_hash, "final", st.block_number, st.cost)
                self.moves.move_many([(key, "final", "") for key in winner.request_keys
                                      if _waits_on(self.store.request(key), "included", hashes)])
            return
        if all(st.state is TxState.DROPPED for _, st in statuses):
            for sub, _ in statuses:
                await self._dropped(sub)
            return
        for sub, _ in statuses:  # none mined: a block that held one may have been reorged out
            row = self.store.submission_row(sub.tx_hash)
            if row is not None and row["state"] == "included":
                self.store.set_submission_state(sub.tx_hash, "pending")
                self.moves.move_many([(key, "submitted", "fulfilment's block was reorged out")
                                      for key in sub.request_keys
                                      if _waits_on(self.store.request(key), "included", hashes)])
        latest = attempts[-1]  # the store lists a sequence's attempts in the order they were made
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
            if await self._voided(latest, hashes):
                return
            log.info("fulfilment no longer held by the node; sending it again",
                     extra=fields(chain=self.chain, tx=latest.tx_hash, sequence=latest.sequence))
        if latest.tx_hash in pending and (latest.tx_hash in lost or
                                          now - self._last_broadcast.get(latest.tx_hash, 0) > self.resubmit_after_s):
            await self.adapter.broadcast(latest)  # only the latest: a node refuses a replaced, lower-fee attempt
            self._last_broadcast[latest.tx_hash] = now

    async def _voided(self, latest: Submission, attempts: set[str]) -> bool:
        """A fulfilment about to be sent again after it left the chain (or the node's pool) is first checked: if a
        reorganisation moved one of its requests (started over since, or its block no longer canonical), or the
        contract settled one otherwise, sending it again would pay for items the contract skips or for a revert,
        so a void takes its sequence instead, where the family has one (`capabilities.replaces_fees`), and its
        requests are released once the void is mined. True when a void was sent."""
        if not self.adapter.capabilities.replaces_fees or not latest.request_keys:
            return False
        if not await self._stale(latest, attempts):
            return False
        void = await self.adapter.void(latest, self.bump_pct)
        if void is None:
            return False  # no fee room to take its place: sent again as it is, its stale items skipped
        self.store.record_replacement(void, replaces=latest.tx_hash)
        await self.adapter.broadcast(void)
        self._last_broadcast[void.tx_hash] = self.clock()
        metrics.ERRORS.labels(self.chain, "stale_fulfilment").inc()
        log.warning("fulfilment gone stale: a void takes its place",
                    extra=fields(chain=self.chain, sequence=latest.sequence, stale=latest.tx_hash, void=void.tx_hash))
        return True

    async def _stale(self, sub: Submission, attempts: set[str]) -> bool:
        """Whether a request of `sub` has moved since it was sent: started over, its block left the chain, or the
        contract settled it otherwise (another operator's fulfilment came first, or the requester cancelled)."""
        for key in sub.request_keys:
            row = self.store.request(key)
            if row is None or row["state"] not in ("submitted", "included") or row["submission"] not in attempts:
                return True
            request = request_from_row(row)
            if not await self.adapter.is_canonical(request):
                return True
            if await self.adapter.request_status(request) is not RequestStatus.PENDING:
                return True
        return False

    async def resume(self, sub: Submission) -> bool:
        """After a restart, before the stored fulfilment `sub` (its sequence's latest attempt) is sent again: one
        the chain has mined is left to `track`; one whose requests were settled or moved while the node was down
        (a peer of the quorum fulfilled them first) is voided, not sent to revert at the transmitter's cost. True
        when it is not to be sent. Where the family has no void (`capabilities.replaces_fees` false) it is sent
        as before: a mined one is not mined twice."""
        if not self.adapter.capabilities.replaces_fees or not sub.request_keys:
            return False
        st = await self.adapter.status(sub)
        if st.state in (TxState.INCLUDED, TxState.FINAL):
            return True
        attempts = {s.tx_hash for s in self.store.submissions_in(self.chain, "pending") if s.sequence == sub.sequence}
        return await self._voided(sub, attempts)

    async def _released(self, attempts: list[Submission]) -> None:
        """A void was mined in place of `attempts`: their requests still waiting on them are served afresh, each as
        the chain now has it."""
        hashes = {sub.tx_hash for sub in attempts}
        for key in dict.fromkeys(key for sub in attempts for key in sub.request_keys):
            row = self.store.request(key)
            if not row or row["state"] != "submitted" or row["submission"] not in hashes:
                continue
            request = request_from_row(row)
            if not await self.adapter.is_canonical(request):
                self.moves.reopen(key, "its fulfilment was voided: the request's block left the chain")
                continue
            await self._resend_or_settle(key, request, "its fulfilment was voided; sending it again",
                                         "its fulfilment was voided and the contract does not know the request now")

    async def _resend_or_settle(self, key: str, request: OracleRequest, again: str, unknown: str) -> None:
        """A request whose fulfilment will not land, as the contract now has it: still pending, it is sent again
        (`again`); fulfilled by someone else, failed; cancelled; unknown to the contract, started over."""
        status = await self.adapter.request_status(request)
        if status is RequestStatus.PENDING:
            self.moves.move(key, "scored", again)
        elif status is RequestStatus.FULFILLED:
            self.moves.fulfilled_elsewhere(key, "fulfilled by another transaction")
        elif status is RequestStatus.CANCELLED:
            self.moves.move(key, "cancelled", "request is cancelled")
        else:
            self.moves.reopen(key, unknown)

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
                self.moves.move(key, "included", fulfil_block=st.block_number)
                row = self.store.request(key)
                if row:
                    metrics.FULFIL_LATENCY.labels(self.chain).observe(max(0.0, now - row["seen_at"]))
            elif outcome is not None and outcome.reorged:
                self.moves.reopen(key, f"contract skipped it: {outcome.reason}")
            elif outcome is not None and outcome.rescore:
                self.moves.move(key, "confirmed", f"contract skipped it: {outcome.reason}; scoring it again")
            elif outcome is not None and outcome.retry_alone:
                self.moves.send_alone(key, f"contract skipped it: {outcome.reason}; sending it alone")
            elif outcome is not None and not outcome.expired and self.moves.peers and \
                    await self.adapter.request_status(request_from_row(row)) is RequestStatus.FULFILLED:
                self.moves.fulfilled_elsewhere(key)  # another operator's fulfilment came first
            elif outcome is not None:
                dst = "expired" if outcome.expired else "failed"
                self.moves.move(key, dst, f"contract skipped it: {outcome.reason}")
            else:
                self.moves.move(key, "failed", "included transaction has no outcome for this request")
        log.info("fulfilment included", extra=fields(chain=self.chain, tx=sub.tx_hash, block=st.block_number,
                                                     cost=st.cost, unit=self.adapter.cost_unit))

    async def _reverted(self, key: str, row: dict[str, Any]) -> None:
        """A fulfilment that reverted as a whole: the contract says whether the request can still be served (it
        was sent before a reorg moved the request: start over) or not."""
        status = await self.adapter.request_status(request_from_row(row))
        if status is RequestStatus.PENDING:
            self.moves.reopen(key, "fulfilment transaction reverted while the request is pending")
        elif status is RequestStatus.CANCELLED:
            self.moves.move(key, "cancelled", "fulfilment transaction reverted: cancelled by the requester")
        elif status is RequestStatus.FULFILLED:
            self.moves.fulfilled_elsewhere(key, "fulfilment transaction reverted: fulfilled by another transaction")
        else:
            self.moves.reopen(key, "fulfilment transaction reverted: the contract does not know the request now")

    async def _dropped(self, sub: Submission) -> None:
        """Its nonce was used by another transaction: the contract says what happened to each request."""
        self.store.set_submission_state(sub.tx_hash, "dropped")
        for key in sub.request_keys:
            row = self.store.request(key)
            if row is None or not _waits_on(row, "submitted", {sub.tx_hash}):
                continue
            await self._resend_or_settle(key, request_from_row(row), "fulfilment dropped; will send again",
                                         "fulfilment dropped and the contract does not know the request now")


def _waits_on(row: dict[str, Any] | None, state: str, hashes: set[str]) -> bool:
    """Whether a request row is in `state` through one of the fulfilments `hashes`: a request served again since
    (its first fulfilment reverted, or it was mined again) is not an older fulfilment's to settle."""
    return row is not None and row["state"] == state and row["submission"] in hashes


def _state_of(row: dict[str, Any] | None) -> tuple[str, str]:
    """A request row's state and the fulfilment it was last sent in."""
    return ("", "") if row is None else (row["state"], row["submission"] or "")
