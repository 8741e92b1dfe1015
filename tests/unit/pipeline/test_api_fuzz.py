"""The API's OpenAPI document fuzzed with schemathesis: every `/v1` operation it describes, called with generated
values (in-process through ASGI, the same app the node serves), never answers a server error and always answers
what the document says. The store holds signed assessments of each family; the off-chain routes run over the fake
family's ledger with the stub enclave (tests/unit/pipeline/harness.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chains.registry import FAMILIES
from node.api import make_app
from node.api.app import OPENAPI_PATH
from node.offchain_scorer import OffchainDesk, OffchainScorer
from node.signed_check import SignedDesk
from node.store import Store
from node.watchlist import WatchList
from node.zk.proof_desk import ProofDesk
from tests.fakechain import FAMILY
from tests.fakechain.adapter import FakeAdapter
from tests.fakechain.ledger import FakeLedger, served
from tests.unit.api.filled_store import CHAINS, TARGETS, Filler, InProcessOpener
from tests.unit.pipeline.harness import CHAIN, ENCLAVE, StubAssessor

CHAIN_IDS = {name: (family, TARGETS[name]["chain_id"]) for name, family in CHAINS.items()}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    registered = "fake" in FAMILIES
    FAMILIES["fake"] = FAMILY  # for the module (the pipeline conftest registers it per test)
    path = tmp_path_factory.mktemp("fuzz") / "aura.sqlite"
    store = Store(path)
    fill = Filler(store)
    for n, chain in enumerate(CHAINS):
        fill.score(chain, n, 100 + n)
    fill.score("anvil", 9, 120, private=True)
    ledger = FakeLedger(chain_id=7)
    ledger.register(ENCLAVE.address, None)
    ledger.mine(8)
    watchlist = WatchList(path)
    with served(ledger):
        adapter = FakeAdapter(ledger.config(CHAIN))
        asyncio.run(adapter.connect())
        desk = OffchainDesk(watchlist, {CHAIN: OffchainScorer(adapter, StubAssessor(), watchlist, 25)})
        app = make_app(lambda: {"ok": True}, store.put_questionnaire, scores=store,
                       chains={**CHAINS, CHAIN: "fake"}, offchain=desk, proofs=ProofDesk(store, InProcessOpener()),
                       signed=SignedDesk(store, {**CHAIN_IDS, CHAIN: ("fake", 7)},
                                         dict.fromkeys([*CHAINS, CHAIN], adapter.signer_status)))
        yield schemathesis.openapi.from_asgi(OPENAPI_PATH, app)
    watchlist.close()
    store.close()
    if not registered:
        del FAMILIES["fake"]


def test_no_server_error_and_every_answer_as_documented(api_schema: Any) -> None:
    operations = [found.ok() for found in api_schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /v1/chains", "GET /v1/chains/{chain}/subjects/{subject}/assessment",
        "GET /v1/chains/{chain}/subjects/{subject}/history", "GET /v1/chains/{chain}/requests/{request_id}",
        "POST /v1/chains/{chain}/subjects/{subject}/offchain-assessments",
        "GET /v1/chains/{chain}/subjects/{subject}/offchain-assessments",
        "GET /v1/chains/{chain}/requests/{request_id}/opening-message",
        "POST /v1/chains/{chain}/requests/{request_id}/proofs",
        "POST /v1/chains/{chain}/requests/{request_id}/proofs/check", "POST /v1/chains/{chain}/assessments/check",
        "POST /v1/chains/{chain}/requests/{request_id}/opening"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        call()
