"""The node's HTTP endpoint: `/health` (JSON), `/metrics` (Prometheus text) and `POST /questionnaires`.

`/health` answers 200 when its report says ok, 503 otherwise (docs/operations.md). `/metrics` builds the same
report first, so that the gauges read from the node's state (head age, in-flight fulfilments) are current.

`POST /questionnaires` takes a borrower questionnaire (node/scoring/questionnaire.py), validates it, stores
its canonical JSON and answers `{"hash": "0x…"}`: the hash a request's params refer to it by. A document
that does not validate gets 400 with every problem and its place; bodies over 16 KiB get 413.

`GET /peer/v1/assessments/{key}`, when the node is given its answers, serves the other operators of a quorum a
request's signed assessment (node/quorum/peer_api.py, docs/quorum.md).
"""

from __future__ import annotations

import asyncio
import errno
import os
import time
from collections.abc import Callable
from typing import Any, cast

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chains.core.errors import AuraError
from node.metrics import REGISTRY
from node.quorum.peer_api import PEER_ASSESSMENT_PATH, AnswerSource, peer_assessment_handler

MAX_QUESTIONNAIRE_BYTES = 16 * 1024

QuestionnaireSink = Callable[[str, str], bool]  # (hash, canonical JSON) -> newly stored


class ApiError(AuraError, RuntimeError):
    """The API cannot listen where the config says (the port is in use, the address is not this host's)."""


def make_app(health: Callable[[], dict[str, Any]], questionnaires: QuestionnaireSink | None = None,
             peer_answers: AnswerSource | None = None) -> web.Application:
    async def get_health(_: web.Request) -> web.Response:
        report = health()
        return web.json_response(report, status=200 if report.get("ok") else 503)

    async def get_metrics(_: web.Request) -> web.Response:
        health()
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def post_questionnaire(request: web.Request) -> web.Response:
        from node.scoring.questionnaire import QuestionnaireError, parse_questionnaire, questionnaire_hash

        if request.content_length is not None and request.content_length > MAX_QUESTIONNAIRE_BYTES:
            return web.json_response({"error": f"body over {MAX_QUESTIONNAIRE_BYTES} bytes"}, status=413)
        raw = await request.content.read(MAX_QUESTIONNAIRE_BYTES + 1)
        if len(raw) > MAX_QUESTIONNAIRE_BYTES:
            return web.json_response({"error": f"body over {MAX_QUESTIONNAIRE_BYTES} bytes"}, status=413)
        try:
            parsed = parse_questionnaire(raw)
        except QuestionnaireError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        qhash = "0x" + questionnaire_hash(parsed).hex()
        assert questionnaires is not None
        new = questionnaires(qhash, parsed.canonical_bytes().decode("ascii"))
        return web.json_response({"hash": qhash, "stored": "new" if new else "already stored"},
                                 status=201 if new else 200)

    app = web.Application(client_max_size=MAX_QUESTIONNAIRE_BYTES + 1)
    app.router.add_get("/health", get_health)
    app.router.add_get("/metrics", get_metrics)
    if questionnaires is not None:
        app.router.add_post("/questionnaires", post_questionnaire)
    if peer_answers is not None:
        app.router.add_get(PEER_ASSESSMENT_PATH, peer_assessment_handler(peer_answers))
    return app


class ApiServer:
    def __init__(self, host: str, port: int, health: Callable[[], dict[str, Any]],
                 questionnaires: QuestionnaireSink | None = None, peer_answers: AnswerSource | None = None) -> None:
        self.host, self.port = host, port
        self._runner = web.AppRunner(make_app(health, questionnaires, peer_answers), access_log=None)
        self.started_at = time.time()

    async def start(self) -> None:
        """Listen on host:port (any free port for 0).

        Raises:
            ApiError: the port is in use, or the host cannot be listened on.
        """
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as e:
            await self._runner.cleanup()
            if e.errno == errno.EADDRINUSE:
                raise ApiError(f"api port {self.host}:{self.port} is in use") from None
            reason = os.strerror(e.errno) if e.errno else str(e)
            raise ApiError(f"api cannot listen on {self.host}:{self.port}: {reason}") from None
        server = cast(asyncio.Server | None, site._server)  # the bound port, when 0 was asked for
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._runner.cleanup()
