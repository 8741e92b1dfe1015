"""`/v1/openapi.json` describes every `/v1` route with its answer's schema and the error body; the operator's and
the peers' routes stay out of it; no docs page (it would load scripts from a CDN)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.api.conftest import Api

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROUTES = {
    "/v1/chains": "ChainList",
    "/v1/chains/{chain}/subjects/{subject}/assessment": "Assessment",
    "/v1/chains/{chain}/subjects/{subject}/history": "AssessmentPage",
    "/v1/chains/{chain}/requests/{request_id}": "RequestStatus",
}


def schema_ref(response: dict[str, Any]) -> str:
    return str(response["content"]["application/json"]["schema"]["$ref"])


async def test_every_v1_route_with_its_answer_and_errors(api: Api) -> None:
    status, doc = await api.get("/v1/openapi.json")
    assert status == 200
    assert set(doc["paths"]) == set(ROUTES)
    for route, model in ROUTES.items():
        operations = doc["paths"][route]
        assert set(operations) == {"get"}
        responses = operations["get"]["responses"]
        assert schema_ref(responses["200"]) == f"#/components/schemas/{model}"
        for status_code in ("500",) if route == "/v1/chains" else ("400", "404", "422", "500"):
            assert schema_ref(responses[status_code]) == "#/components/schemas/ErrorBody"
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Assessment"]["required"]) >= {"signed", "private", "score", "dimensions", "features_hash"}
    assert schemas["SignedPayload"]["additionalProperties"] is True
    assert schemas["ErrorBody"]["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail"
    history = {p["name"]: p for p in doc["paths"]["/v1/chains/{chain}/subjects/{subject}/history"]["get"]["parameters"]}
    assert (history["limit"]["schema"]["minimum"], history["limit"]["schema"]["maximum"]) == (1, 100)


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/openapi.json"])
async def test_no_docs_page_and_no_document_outside_v1(api: Api, page: str) -> None:
    assert (await api.get(page))[0] == 404


async def test_the_chains_this_node_serves(api: Api) -> None:
    assert await api.get("/v1/chains") == (200, {"chains": [{"name": "anvil", "family": "evm"},
                                                            {"name": "devnet", "family": "solana"},
                                                            {"name": "sui-local", "family": "sui"}]})
