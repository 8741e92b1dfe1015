"""`/v1`: read-only, from the node's store. A subject's latest signed assessment on a chain, its history (newest
first, a page at a time), and a request's state with its transitions (docs/api.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path, Query

from node.api.errors import Problem
from node.api.models import Assessment, AssessmentPage, Chain, ChainList, ErrorBody, RequestStatus
from node.api.v1.cursor import Position, decode_cursor, encode_cursor
from node.api.v1.ids import canonical_id
from node.api.v1.views import assessment_view, request_view

MAX_PAGE = 100


class ScoreReader(Protocol):
    """What `/v1` reads of the node's store (node/store.py)."""

    def subject_assessments(self, chain: str, subject: str, limit: int,
                            before: Position | None = None) -> list[dict[str, Any]]: ...

    def request(self, key: str) -> dict[str, Any] | None: ...

    def history(self, key: str) -> list[dict[str, Any]]: ...

    def assessment(self, key: str) -> dict[str, Any] | None: ...

    def questionnaire(self, qhash: str) -> str | None: ...


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


ChainName = Annotated[str, Path(description="the chain's name in the node's config")]
SubjectText = Annotated[str, Path(description="the wallet, in its chain's usual text form")]


def v1_router(scores: ScoreReader, chains: Mapping[str, str]) -> APIRouter:
    """The `/v1` routes over `scores`, for the chains named in `chains` (chain name -> family name)."""
    router = APIRouter(prefix="/v1", tags=["v1"])

    def family_of(chain: str) -> str:
        family = chains.get(chain)
        if family is None:
            raise Problem(404, "unknown_chain", f"no chain named {chain!r} on this node")
        return family

    def subject_of(chain: str, text: str) -> str:
        try:
            return canonical_id(family_of(chain), "subject", text)
        except ValueError as exc:
            raise Problem(400, "bad_subject", str(exc)) from None

    @router.get("/chains", response_model=ChainList, responses=_errors(500))
    async def chain_list() -> ChainList:
        """The chains this node serves, in its config's order."""
        return ChainList(chains=[Chain(name=name, family=family) for name, family in chains.items()])

    @router.get("/chains/{chain}/subjects/{subject}/assessment", response_model=Assessment,
                responses=_errors(400, 404, 422, 500))
    async def latest_assessment(chain: ChainName, subject: SubjectText) -> Assessment:
        """The subject's latest assessment on the chain that this node signed, with what it takes to check it."""
        wallet = subject_of(chain, subject)
        rows = scores.subject_assessments(chain, wallet, 1)
        if not rows:
            raise Problem(404, "no_assessment", f"no signed assessment for {wallet} on {chain}")
        return assessment_view(rows[0])

    @router.get("/chains/{chain}/subjects/{subject}/history", response_model=AssessmentPage,
                responses=_errors(400, 404, 422, 500))
    async def subject_history(
        chain: ChainName, subject: SubjectText,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="assessments per page")] = 20,
        cursor: Annotated[str | None, Query(max_length=512, description="a page's next_cursor")] = None,
    ) -> AssessmentPage:
        """The subject's signed assessments on the chain, newest first (by the request's block)."""
        wallet = subject_of(chain, subject)
        before = None if cursor is None else decode_cursor(cursor)
        rows = scores.subject_assessments(chain, wallet, limit + 1, before)
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            next_cursor = encode_cursor((last["block_number"], last["ordinal"], last["key"]))
        return AssessmentPage(items=[assessment_view(r) for r in page], next_cursor=next_cursor)

    @router.get("/chains/{chain}/requests/{request_id}", response_model=RequestStatus,
                responses=_errors(400, 404, 422, 500))
    async def request_status(chain: ChainName,
                             request_id: Annotated[str, Path(description="the id the chain gave the request")],
                             ) -> RequestStatus:
        """The request's state in this node, why, and every state it went through."""
        try:
            rid = canonical_id(family_of(chain), "request_id", request_id)
        except ValueError as exc:
            raise Problem(400, "bad_request_id", str(exc)) from None
        key = f"{chain}:{rid}"
        row = scores.request(key)
        if row is None:
            raise Problem(404, "unknown_request", f"no request {rid} on {chain}")
        return request_view(row, scores.history(key), scores.assessment(key) is not None)

    return router
