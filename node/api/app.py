"""The node's HTTP app (FastAPI): the operator's routes (`/health`, `/metrics`, `POST /questionnaires`), the
quorum's peer route (`/peer/v1/...`, node/quorum/peer_api.py) and the public, versioned API (`/v1`, its OpenAPI
document at `/v1/openapi.json`).

Every error is JSON with a stable code (node/api/errors.py), every request body is held to 16 KiB
(node/api/body_limit.py), clients are held to a rate (node/api/rate_limit.py), and browsers of the configured
origins alone may call it (node/api/cors.py). No
interactive docs page: it would load its scripts from a CDN, and the node must work offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI

from node.api.body_limit import MAX_BODY_BYTES, BodyLimit
from node.api.cors import Cors
from node.api.errors import install_error_handlers
from node.api.operator import QuestionnaireSink, operator_router
from node.api.rate_limit import KeyChecker, RateLimit, RateLimits
from node.api.v1 import ScoreReader, v1_router
from node.api.v1.offchain import OffchainSource, offchain_router
from node.api.v1.proofs import ProofSource, proofs_router
from node.api.v1.signed import SignedSource, signed_router
from node.health import node_version
from node.quorum.peer_api import AnswerSource, peer_router
from node.quorum.update_intake import UpdateIntake, updates_router
from node.web import PAGE_PREFIX, page_assets, page_router

OPENAPI_PATH = "/v1/openapi.json"


def make_app(health: Callable[[], dict[str, Any]], questionnaires: QuestionnaireSink | None = None,
             peer_answers: AnswerSource | None = None, *, scores: ScoreReader | None = None,
             chains: Mapping[str, str] | None = None, cors_origins: Sequence[str] = (),
             rate_limits: RateLimits | None = None, keys: KeyChecker | None = None,
             max_body_bytes: int = MAX_BODY_BYTES, offchain: OffchainSource | None = None,
             proofs: ProofSource | None = None, signed: SignedSource | None = None,
             peer_updates: UpdateIntake | None = None) -> FastAPI:
    """The app. `questionnaires` adds `POST /questionnaires`, `peer_answers` the peer route, `scores` (the
    node's store) with `chains` (chain name -> family name, from the config) the `/v1` routes and the score page
    that reads them (`/`, node/web).
    `cors_origins`: the origins browsers may call from (`[api] cors_origins`). `rate_limits` limits the public
    routes, with `keys` the API keys that lift a client to a key's rate (node/api/rate_limit.py); None: no
    limit. `offchain` (the node's off-chain scorers) adds `/v1/.../offchain-assessments`, `proofs` (the node's
    enclave and snarkjs) `/v1/.../opening-message`, `/v1/.../proofs` and `/v1/.../proofs/check`, `signed` (the node's
    chains) `/v1/.../assessments/check`; `peer_updates` (a quorum's node) `POST /peer/v1/updates`."""
    app = FastAPI(title="Aura oracle node", version=node_version(), openapi_url=OPENAPI_PATH, docs_url=None,
                  redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    install_error_handlers(app)
    app.include_router(operator_router(health, questionnaires))
    if peer_answers is not None:
        app.include_router(peer_router(peer_answers))
    if peer_updates is not None:
        app.include_router(updates_router(peer_updates))
    if scores is not None:
        app.include_router(v1_router(scores, chains or {}))
        if offchain is not None:
            app.include_router(offchain_router(offchain, chains or {}, scores.questionnaire))
        if proofs is not None:
            app.include_router(proofs_router(proofs, chains or {}))
        if signed is not None:
            app.include_router(signed_router(signed, chains or {}))
        app.include_router(page_router())
        app.mount(PAGE_PREFIX, page_assets(), name="page")
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    if rate_limits is not None:
        app.add_middleware(RateLimit, limits=rate_limits, keys=keys)
    if cors_origins:
        app.add_middleware(Cors, origins=cors_origins)
    return app
