"""The operator's routes, outside `/v1` where operators and scrapers expect them: `/health` (JSON), `/metrics`
(Prometheus text) and `POST /questionnaires`.

`/health` answers 200 when its report says ok, 503 otherwise (docs/operations.md). `/metrics` builds the same
report first, so that the gauges read from the node's state (head age, in-flight fulfilments) are current.

`POST /questionnaires` takes a borrower questionnaire (node/scoring/questionnaire.py), validates it, stores
its canonical JSON and answers `{"hash": "0x…"}`: the hash a request's params refer to it by. A document
that does not validate gets 400 with every problem and its place; bodies over 16 KiB get 413
(node/api/body_limit.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from node.metrics import REGISTRY

QuestionnaireSink = Callable[[str, str], bool]  # (hash, canonical JSON) -> newly stored


def json_response(body: Any, status: int = 200) -> Response:
    """JSON as `json.dumps` writes it (what these routes answered before FastAPI)."""
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def operator_router(health: Callable[[], dict[str, Any]], questionnaires: QuestionnaireSink | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    async def get_health() -> Response:
        report = health()
        return json_response(report, 200 if report.get("ok") else 503)

    @router.get("/metrics")
    async def get_metrics() -> Response:
        health()
        return Response(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    if questionnaires is not None:
        store = questionnaires

        @router.post("/questionnaires")
        async def post_questionnaire(request: Request) -> Response:
            from node.scoring.questionnaire import (  # noqa: PLC0415 - the scoring package only when one comes
                QuestionnaireError,
                parse_questionnaire,
                questionnaire_hash,
            )

            try:
                parsed = parse_questionnaire(await request.body())
            except QuestionnaireError as exc:
                return json_response({"error": str(exc)}, 400)
            qhash = "0x" + questionnaire_hash(parsed).hex()
            new = store(qhash, parsed.canonical_bytes().decode("ascii"))
            return json_response({"hash": qhash, "stored": "new" if new else "already stored"}, 201 if new else 200)

    return router
