"""Off-chain assessments of a subject (docs/protocol.md, "Off-chain assessments"): its chain's finalized head pinned
(the adapter's `offchain_request`), its features and state proof read there, and the enclave's `assess` with
`offchain`, signed under a domain no contract takes (chains/core/offchain.py). For the watch-list's re-scoring
(node/rescoring.py) and the API's on-demand assessment (node/api/v1/offchain.py); each is stored in the watch-list's
table (node/watchlist.py), marked `moved` when its score moved by `step` points or more, or its tier changed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from chains.base import ChainAdapter, Height, OracleRequest
from chains.core.errors import NotSupported, RetryLater
from chains.core.logs import fields
from node.watchlist import OffchainRecord, WatchList

log = logging.getLogger("aura.offchain")


class Assessor(Protocol):
    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]: ...


Push = Callable[[str, list[OracleRequest]], int]
"""(chain, operator updates) -> how many were new: the node store's `add_updates`, from which the chain's pipeline
signs and sends them."""
Announce = Callable[[str, str, Mapping[str, Any]], Awaitable[Any]]
"""(chain, subject, the signed off-chain assessment) -> tells a quorum's other operators of a queued update
(node/quorum/update_announce.py), so that they cosign it."""


@dataclass
class OffchainScorer:
    """Off-chain assessments of one chain's subjects. With `push`, a watched wallet's re-score that moved is also
    pushed to the chain's contract as an operator update (docs/protocol.md, "Operator updates"), pinned at the same
    height, so the chain's record and the off-chain one agree; with `announce`, the quorum's other operators are
    told, to cosign it."""

    adapter: ChainAdapter
    enclave: Assessor
    watchlist: WatchList
    step: int
    failed: set[str] = field(default_factory=set)
    push: Push | None = None
    announce: Announce | None = None
    _unpushable: bool = field(default=False, init=False, repr=False)

    async def rescore(self, subject: str, extra: dict[str, Any] | None = None,
                      watched: bool = False) -> OffchainRecord:
        """Sign and store an off-chain assessment of `subject` now; `extra` may add the `assess` call's `loan` and
        `questionnaire` (docs/protocol.md). `watched`: a watch-list re-score, pushed on-chain when it moved and the
        scorer pushes (an API caller's assessment never is).

        Raises:
            RetryLater: the chain or the enclave cannot answer now.
            ChainError, EnclaveError: the subject cannot be assessed (the message says why).
        """
        request, at = await self.adapter.offchain_request(subject)
        features = await self.adapter.read_features(subject, at)
        extra = {**(extra or {}), "offchain": True}
        proof = await self.adapter.state_proof(subject, at)
        if proof is not None:
            extra["proof"] = proof
        result = await self.enclave.assess(self.adapter.enclave_request(request), features, extra)
        record = self.watchlist.record(self.adapter.name, subject, result, self.step)
        log.info("re-scored", extra=fields(chain=self.adapter.name, subject=subject, score=record.score,
                                           tier=record.tier, moved=record.moved, block=record.block_number))
        if watched and record.moved and self.push is not None:
            await self._push(subject, at, record)
        return record

    async def _push(self, subject: str, at: Height, record: OffchainRecord) -> None:
        """Queue the operator update of a moved re-score (once per subject and height: the store keeps one)."""
        assert self.push is not None
        try:
            update = await self.adapter.update_request(subject, at)
        except NotSupported as e:
            if not self._unpushable:
                self._unpushable = True
                log.warning("moved re-scores are not pushed on this chain", extra=fields(chain=self.adapter.name,
                                                                                         error=str(e)))
            return
        new = self.push(self.adapter.name, [update])
        log.info("operator update queued" if new else "operator update already queued",
                 extra=fields(key=update.key, subject=subject, score=record.score, tier=record.tier,
                              block=update.block_number))
        if self.announce is not None:
            await self.announce(self.adapter.name, subject, record.result)


class OffchainDesk:
    """What the API asks of off-chain assessments (node/api/v1/offchain.py): the chains' scorers, which the daemon
    makes once its enclave is up (until then, and for a chain it does not serve, RetryLater / ChainError)."""

    def __init__(self, watchlist: WatchList, scorers: dict[str, OffchainScorer] | None = None) -> None:
        self.watchlist = watchlist
        self.scorers: dict[str, OffchainScorer] = scorers or {}

    async def assess(self, chain: str, subject: str, extra: dict[str, Any]) -> OffchainRecord:
        scorer = self.scorers.get(chain)
        if scorer is None:
            raise RetryLater(f"chain {chain} is not being served yet (the node is starting)")
        return await scorer.rescore(subject, extra)

    def history(self, chain: str, subject: str, limit: int) -> list[OffchainRecord]:
        return self.watchlist.history(chain, subject, limit)


__all__ = ["Assessor", "OffchainDesk", "OffchainScorer"]
