"""`GET /v1/chains/{chain}/subjects/{subject}/history`: newest first, a page at a time with an opaque cursor, the
privacy rule on every item; the limit's bounds and a cursor the API did not give."""

from __future__ import annotations

import pytest

from tests.unit.api.conftest import Api
from tests.unit.api.filled_store import EVM_SUBJECT

pytestmark = pytest.mark.asyncio(loop_scope="session")

OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def path(subject: str = EVM_SUBJECT, chain: str = "anvil") -> str:
    return f"/v1/chains/{chain}/subjects/{subject}/history"


async def test_pages_newest_first_until_the_last(api: Api) -> None:
    blocks = [105, 101, 109, 103, 107]
    keys = {block: api.fill.score("anvil", n, block, private=block == 103)[0].key for n, block in enumerate(blocks)}
    api.fill.score("anvil", 9, 200, subject=OTHER)  # another subject's
    api.fill.request("anvil", 10, 300)  # not scored yet
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        status, body = await api.get(path(), params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert status == 200
        pages += 1
        seen += [item["request_key"] for item in body["items"]]
        for item in body["items"]:
            assert (item["private"], item["score"] is None) == ((True, True) if item["block"]["number"] == 103
                                                               else (False, False))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [keys[b] for b in sorted(blocks, reverse=True)]


async def test_default_limit_is_20_and_a_full_last_page_ends_the_history(api: Api) -> None:
    for n in range(21):
        api.fill.score("anvil", n, 100 + n)
    status, body = await api.get(path())
    assert (status, len(body["items"])) == (200, 20)
    status, body = await api.get(path(), params={"cursor": body["next_cursor"]})
    assert (status, [i["block"]["number"] for i in body["items"]], body["next_cursor"]) == (200, [100], None)
    status, body = await api.get(path(), params={"limit": 21})
    assert (len(body["items"]), body["next_cursor"]) == (21, None)


async def test_a_subject_without_assessments_has_an_empty_history(api: Api) -> None:
    assert await api.get(path(OTHER.lower())) == (200, {"items": [], "next_cursor": None})


@pytest.mark.parametrize(("limit", "message"), [
    ("0", "query.limit: Input should be greater than or equal to 1"),
    ("101", "query.limit: Input should be less than or equal to 100"),
    ("ten", "query.limit: Input should be a valid integer, unable to parse string as an integer"),
])
async def test_a_limit_out_of_bounds(api: Api, limit: str, message: str) -> None:
    assert await api.get(path(), params={"limit": limit}) == (
        422, {"error": {"code": "invalid_params", "message": message}})


@pytest.mark.parametrize("cursor", ["nope", "W10", "WzEsMiwzXQ", "eyJhIjogMX0"])  # not base64 JSON, [], [1,2,3], {}
async def test_a_cursor_the_api_did_not_give(api: Api, cursor: str) -> None:
    assert await api.get(path(), params={"cursor": cursor}) == (400, {"error": {
        "code": "bad_cursor", "message": "cursor: not one this API gave (pass next_cursor as it came)"}})


async def test_history_checks_the_chain_and_the_subject(api: Api) -> None:
    assert (await api.get(path(chain="nope")))[1]["error"]["code"] == "unknown_chain"
    assert await api.get(path("0xzz")) == (400, {"error": {
        "code": "bad_subject", "message": "subject: must be 0x followed by 40 hex digits"}})
