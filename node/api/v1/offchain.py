"""`/v1` off-chain assessments (docs/api.md): one signed on demand for a wallet, with an optional loan and
questionnaire, and the ones the node signed for it (on demand and the watch-list's re-scorings, node/rescoring.py).
The same engine and enclave as a chain's request; signed under the off-chain domain (chains/core/offchain.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Body, Query

from chains.core.errors import ChainError, EnclaveError, NotSupported, RetryLater
from node.api.errors import Problem
from node.api.models import Block, ErrorBody, OffchainAsk, OffchainAssessment, OffchainPage, SignedPayload
from node.api.v1.ids import canonical_id
from node.api.v1.views import UNSIGNED
from node.scoring.flags import flag_names
from node.watchlist import OffchainRecord


class OffchainSource(Protocol):
    """The node's off-chain assessments (node/offchain_scorer.py `OffchainDesk`)."""

    async def assess(self, chain: str, subject: str, extra: dict[str, Any]) -> OffchainRecord:
        """Sign and store one now; `extra`: the `assess` call's `loan` and `questionnaire`."""
        ...

    def history(self, chain: str, subject: str, limit: int) -> list[OffchainRecord]:
        """The subject's, newest first."""
        ...

RETRY_AFTER_S = 5
TRANSIENT_ENCLAVE_CODES = ("clock_skew", "internal", "")


def offchain_view(record: OffchainRecord) -> OffchainAssessment:
    result = record.result
    return OffchainAssessment(
        chain=record.chain, subject=record.subject, request_id=record.request_id,
        block=Block(number=result["block_number"], hash=result["block_hash"]), score=result["score"],
        tier=result["tier"], pd_bps=result["pd_bps"], flags=result["flags"], flag_names=flag_names(result["flags"]),
        dimensions=result["dimensions"], reasons=result["reasons"], terms=result.get("terms"), moved=record.moved,
        created_at=record.created_at,
        signed=SignedPayload.model_validate({k: v for k, v in result.items() if k not in UNSIGNED}))


def offchain_router(source: OffchainSource, chains: Mapping[str, str],
                    questionnaire: Callable[[str], str | None]) -> APIRouter:
    """The off-chain routes over `source`, for the chains named in `chains`; `questionnaire` reads a stored
    questionnaire's canonical JSON by its hash."""
    router = APIRouter(prefix="/v1", tags=["v1"])
    errors: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (400, 404, 422, 500, 501, 502, 503)}

    def wallet(chain: str, subject: str) -> str:
        family = chains.get(chain)
        if family is None:
            raise Problem(404, "unknown_chain", f"no chain named {chain!r} on this node")
        try:
            return canonical_id(family, "subject", subject)
        except ValueError as exc:
            raise Problem(400, "bad_subject", str(exc)) from None

    @router.post("/chains/{chain}/subjects/{subject}/offchain-assessments", status_code=201,
                 response_model=OffchainAssessment, responses=errors)
    async def assess_now(chain: str, subject: str,
                         ask: Annotated[OffchainAsk | None, Body()] = None) -> OffchainAssessment:
        """Sign an off-chain assessment of the wallet now, at its chain's finalized block (a few seconds)."""
        who = wallet(chain, subject)
        extra: dict[str, Any] = {}
        if ask is not None and ask.loan is not None:
            extra["loan"] = ask.loan.model_dump()
        if ask is not None and ask.questionnaire is not None:
            body = questionnaire(ask.questionnaire)
            if body is None:
                raise Problem(404, "unknown_questionnaire", f"no questionnaire {ask.questionnaire.lower()} on this "
                                                            "node: POST it to /questionnaires first")
            extra["questionnaire"] = {"hash": ask.questionnaire.lower(), "document": json.loads(body)}
        try:
            return offchain_view(await source.assess(chain, who, extra))
        except NotSupported as exc:
            raise Problem(501, "not_supported", str(exc)) from None
        except RetryLater as exc:
            raise Problem(503, "chain_unavailable", str(exc), {"Retry-After": str(RETRY_AFTER_S)}) from None
        except EnclaveError as exc:
            code = getattr(exc, "code", "")
            if code in TRANSIENT_ENCLAVE_CODES:
                raise Problem(503, "enclave_unavailable", str(exc), {"Retry-After": str(RETRY_AFTER_S)}) from None
            raise Problem(422, "enclave_refused", str(exc)) from None
        except ChainError as exc:
            raise Problem(502, "chain_error", str(exc)) from None

    @router.get("/chains/{chain}/subjects/{subject}/offchain-assessments", response_model=OffchainPage,
                responses=errors)
    async def offchain_history(chain: str, subject: str,
                               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> OffchainPage:
        """The wallet's off-chain assessments this node signed, newest first: on demand and re-scorings."""
        return OffchainPage(items=[offchain_view(r) for r in source.history(chain, wallet(chain, subject), limit)])

    return router


__all__ = ["OffchainSource", "offchain_router", "offchain_view"]
