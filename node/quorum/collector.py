"""One chain's quorum: for a request this node has signed, who leads it now and, when this node does, k matching
signatures to submit (docs/quorum.md).

Each pass walks the request's turn order (node/quorum/leader.py: rendezvous hashing over this node and its
peers, rotated by one every `takeover_after_s` of chain time since the pinned block). A peer before this node is
asked for its signed assessment; the first that answers (with our payload signed, or "not signed yet", HTTP 404)
leads, and this node follows. A peer that cannot be reached, or that signed another payload, leads nothing. When
no peer before it answers, this node leads: it asks the peers it has no matching signature from, and with
`threshold - 1` of them the decision is `Lead`; with fewer, `Short` (it waits and asks again). A peer is asked at
most once per `refetch_s` (a quarter second) per request; a matching answer is kept and never asked for again.
Answers come without the features they were scored from (digests decide); a peer that signed another payload is
asked once more, with them, so that the disagreement names what differs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chains.base import OracleRequest, SignedAssessment
from chains.core.logs import fields
from node.config import PeerSection
from node.quorum.agreement import Disagreements, compare
from node.quorum.answer import SignedAnswer
from node.quorum.leader import operator_order, turn_order
from node.quorum.peer_client import PeerAssessment, PeerClient, PeerError

log = logging.getLogger("aura.quorum")

REFETCH_S = 0.25
"""How often a peer that has not answered with a matching signature is asked again for one request."""


@dataclass(frozen=True)
class Lead:
    """This node leads: `assessment` is its own, carrying `threshold - 1` matching peer signatures."""

    assessment: SignedAssessment


@dataclass(frozen=True)
class Follow:
    """Another operator, `leader` (its signer address), leads the request now."""

    leader: str


@dataclass(frozen=True)
class Short:
    """This node leads but holds `have` matching signatures (its own included) of the `needed`."""

    have: int
    needed: int


Decision = Lead | Follow | Short


@dataclass
class _Collecting:
    """What is known of one request's peers, for this node's digest."""

    digest: bytes
    agreed: dict[str, SignedAssessment] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)  # answered 404: not signed yet
    alive: dict[str, bool] = field(default_factory=dict)  # whether each peer answered when last asked
    disagreed: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)  # signers the contract does not count now
    asked: dict[str, float] = field(default_factory=dict)


class Quorum:
    """The quorum of one chain of family `family`, seen from the node whose enclave signs as `own_signer`."""

    def __init__(self, family: str, own_signer: str, peers: Iterable[PeerSection], *, threshold: int,
                 takeover_after_s: float, client: PeerClient, disagreements: Disagreements | None = None,
                 questionnaire_agree_s: float = 60.0, refetch_s: float = REFETCH_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.family = family
        self.questionnaire_agree_s = questionnaire_agree_s
        """Chain seconds after the pinned block within which the operators must agree on a request scored with a
        questionnaire; past them every operator scores it without (docs/quorum.md, "The questionnaire")."""
        self.own = own_signer
        self.peers = list(peers)
        self.threshold = threshold
        self.takeover_after_s = takeover_after_s
        self.client = client
        self.disagreements = disagreements or Disagreements()
        self.refetch_s = refetch_s
        self.clock = clock
        self._requests: dict[str, _Collecting] = {}

    async def decide(self, request: OracleRequest, own: SignedAssessment, features: Mapping[str, Any] | None,
                     now: int) -> Decision:
        """Who leads `request` at chain time `now` (unix seconds of the latest head), asking only the peers it must:
        those before this node in the request's turn order until one answers (then it leads, and this node follows),
        or, when none does, the others for their signatures. `own` is this node's signed assessment, scored from
        `features` (None: not kept)."""
        state = self._requests.get(request.key)
        if state is None or state.digest != own.digest:
            state = self._requests[request.key] = _Collecting(own.digest)
        ours = SignedAnswer(request.key, own.wire, features)
        peers = {p.signer.lower(): p for p in self.peers}
        order = turn_order(request.request_id.encode(), [self.own, *(p.signer for p in self.peers)],
                           now - own.facts.timestamp, self.takeover_after_s)
        for signer in order:
            peer = peers.get(signer.lower())
            if peer is None:
                break  # this node's turn comes first among those that answer
            await self._ask(request.key, state, ours, [peer], liveness=True)
            if self._answers(state, peer.signer):
                return Follow(signer)
        await self._ask(request.key, state, ours, self.peers)
        usable = [state.agreed[s] for s in operator_order(request.request_id.encode(), state.agreed)
                  if s not in state.refused]
        if 1 + len(usable) < self.threshold:
            return Short(1 + len(usable), self.threshold)
        return Lead(own.with_cosigners(usable[:self.threshold - 1]))

    @staticmethod
    def _answers(state: _Collecting, signer: str) -> bool:
        """Whether a peer counts as answering for the request: when last asked it answered, with our payload signed
        (and the contract counts its signature) or with "not signed yet"; a peer that signed another payload never
        does."""
        return state.alive.get(signer, False) and signer not in state.refused and signer not in state.disagreed

    def refused(self, key: str, signer: str) -> None:
        """The contract does not count `signer`'s signature on `key` now: it is not offered again for it."""
        state = self._requests.get(key)
        if state is not None:
            state.refused.update(s for s in state.agreed if s.lower() == signer.lower())

    def retain(self, keys: Iterable[str]) -> None:
        """Forget every request but `keys` (those still being collected)."""
        keep = set(keys)
        for key in [k for k in self._requests if k not in keep]:
            del self._requests[key]

    async def _ask(self, key: str, state: _Collecting, ours: SignedAnswer, peers: list[PeerSection], *,
                   liveness: bool = False) -> None:
        """Ask those of `peers` that are due, at once: not disagreed, not asked within `refetch_s`, and not agreed
        already, unless `liveness` (a peer that may lead is asked again whatever it signed, so that one that died
        after signing stops leading)."""
        now = self.clock()
        due = [p for p in peers if (liveness or p.signer not in state.agreed) and p.signer not in state.disagreed
               and now - state.asked.get(p.signer, float("-inf")) >= self.refetch_s]
        if not due:
            return
        answers = await asyncio.gather(*(self._fetch(p, key) for p in due))
        for peer, answer in zip(due, answers):
            state.asked[peer.signer] = now
            state.waiting.discard(peer.signer)
            if isinstance(answer, PeerAssessment):
                state.alive[peer.signer] = True
                if peer.signer not in state.agreed:
                    await self._take(state, ours, peer, answer)
                continue
            not_signed = answer.reason == "http_status" and str(answer).endswith("HTTP 404")
            state.alive[peer.signer] = not_signed
            if not_signed:
                state.waiting.add(peer.signer)

    async def _with_features(self, peer: PeerSection, ours: SignedAnswer, answer: PeerAssessment) -> PeerAssessment:
        """The peer's answer again, with the features it scored from, to name what differs from ours; `answer`
        when it cannot be had."""
        try:
            return await self.client.fetch(peer, ours.key, self.family, features=True)
        except PeerError as e:
            log.debug("peer's features not fetched", extra=fields(key=ours.key, peer=peer.label, error=str(e)))
            return answer

    async def _fetch(self, peer: PeerSection, key: str) -> PeerAssessment | PeerError:
        try:
            return await self.client.fetch(peer, key, self.family)
        except PeerError as e:
            if e.reason != "http_status":
                log.debug("peer not answering", extra=fields(key=key, peer=peer.label, error=str(e)))
            return e

    async def _take(self, state: _Collecting, ours: SignedAnswer, peer: PeerSection, answer: PeerAssessment) -> None:
        disagreement = compare(ours, answer.answer, peer.label)
        if disagreement is not None:
            if answer.answer.features is None and ours.features is not None:
                named = await self._with_features(peer, ours, answer)
                disagreement = compare(ours, named.answer, peer.label) or disagreement
            self.disagreements.record(disagreement)
            state.disagreed.add(peer.signer)
            return
        try:
            state.agreed[peer.signer] = SignedAssessment.from_wire(answer.answer.assessment)
        except ValueError as e:  # signed, and over our digest, yet not a well-formed assessment
            log.warning("peer's answer is malformed", extra=fields(key=ours.key, peer=peer.label, error=str(e)))
            state.disagreed.add(peer.signer)
