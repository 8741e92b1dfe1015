"""The peer endpoint: `GET /peer/v1/assessments/{key}` answers a request's signed assessment and the features it
was scored from (node/quorum/answer.py), or 404 with a JSON error while the request is unknown or not signed.

`key` is the store's request key, `<chain name>:<request id>`: operators in one quorum name each chain alike.
What is served is what the enclave signed and the chain will see anyway; a peer trusts none of it without the
signature (node/quorum/peer_client.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from aiohttp import web

from node.quorum.answer import SignedAnswer

PEER_ASSESSMENT_PATH = "/peer/v1/assessments/{key}"

AnswerSource = Callable[[str], SignedAnswer | None]
"""A request key -> its signed answer, None while there is none."""


class AssessmentStore(Protocol):
    """What the endpoint reads of the node's store (node/store.py)."""

    def assessment(self, key: str) -> dict[str, Any] | None: ...

    def features(self, key: str) -> dict[str, Any] | None: ...


def store_answers(store: AssessmentStore) -> AnswerSource:
    """Answers read from the store: its signed assessment for the key and the features it kept with it."""

    def answer(key: str) -> SignedAnswer | None:
        assessment = store.assessment(key)
        if assessment is None:
            return None
        kept: Mapping[str, Any] | None = store.features(key)
        return SignedAnswer(key=key, assessment=assessment, features=None if kept is None else kept["features"])

    return answer


def peer_assessment_handler(answers: AnswerSource) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The route's handler over `answers`."""

    async def get_assessment(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        answer = answers(key)
        if answer is None:
            return web.json_response({"error": f"no signed assessment for {key}"}, status=404)
        return web.json_response(answer.to_json())

    return get_assessment
