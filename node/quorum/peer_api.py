"""The peer endpoint: `GET /peer/v1/assessments/{key}` answers a request's signed assessment and the features it
was scored from (node/quorum/answer.py), or 404 with a JSON error while the request is unknown or not signed. With
`?features=false` the features are left out (null): a leader compares digests, and asks for the features only to
name what differs when they disagree (node/quorum/collector.py).

`key` is the store's request key, `<chain name>:<request id>`: operators in one quorum name each chain alike.
What is served is what the enclave signed and the chain will see anyway; a peer trusts none of it without the
signature (node/quorum/peer_client.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from fastapi import APIRouter, Response

from node.quorum.answer import SignedAnswer

PEER_ASSESSMENT_PATH = "/peer/v1/assessments/{key}"

AnswerSource = Callable[[str, bool], SignedAnswer | None]
"""(a request key, whether to include the features) -> its signed answer, None while there is none."""


class AssessmentStore(Protocol):
    """What the endpoint reads of the node's store (node/store.py)."""

    def assessment(self, key: str) -> dict[str, Any] | None: ...

    def features(self, key: str) -> dict[str, Any] | None: ...


def store_answers(store: AssessmentStore) -> AnswerSource:
    """Answers read from the store: its signed assessment for the key and, when asked for, the features it kept
    with it."""

    def answer(key: str, with_features: bool) -> SignedAnswer | None:
        assessment = store.assessment(key)
        if assessment is None:
            return None
        kept: Mapping[str, Any] | None = store.features(key) if with_features else None
        return SignedAnswer(key=key, assessment=assessment, features=None if kept is None else kept["features"])

    return answer


def peer_router(answers: AnswerSource) -> APIRouter:
    """The route over `answers` (left out of the public OpenAPI document: it is for the quorum's operators)."""
    router = APIRouter(include_in_schema=False)

    @router.get(PEER_ASSESSMENT_PATH)
    async def get_assessment(key: str, features: bool = True) -> Response:
        answer = answers(key, features)
        if answer is None:
            return _json({"error": f"no signed assessment for {key}"}, 404)
        return _json(answer.to_json(), 200)

    return router


def _json(body: Any, status: int) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json")
