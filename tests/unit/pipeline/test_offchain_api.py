"""`/v1/.../offchain-assessments` (node/api/v1/offchain.py) over a real API server, the fake family's ledger and
the stub enclave signing under the off-chain domain: an assessment on demand with its loan and questionnaire, the
subject's list, and each refusal with its code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from eth_account import Account
from eth_account.messages import encode_typed_data

from node.api import ApiServer
from node.offchain_scorer import OffchainDesk, OffchainScorer
from node.watchlist import WatchList
from tests.fakechain.ledger import SUBJECT, FakeLedger
from tests.unit.pipeline.harness import CHAIN, ENCLAVE, Clock, Node, StubAssessor

QUESTIONNAIRE = "0x" + "9a" * 32


@dataclass
class Served:
    http: aiohttp.ClientSession
    assessor: StubAssessor
    ledger: FakeLedger
    node: Node

    async def post(self, path: str, body: Any = None) -> tuple[int, Any, Any]:
        async with self.http.post(path, json=body) as r:
            return r.status, await r.json(), r.headers

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(path) as r:
            return r.status, await r.json()


@pytest_asyncio.fixture(loop_scope="function")
async def served(ledger: FakeLedger, store_dir: Path) -> AsyncIterator[Served]:
    node = Node(ledger, store_dir / "aura.sqlite", Clock())
    await node.start()
    ledger.mine(6)
    node.store.put_questionnaire(QUESTIONNAIRE, '{"version":1}')
    watchlist = WatchList(node.store.path)
    assessor = StubAssessor()
    desk = OffchainDesk(watchlist, {CHAIN: OffchainScorer(node.service.adapter, assessor, watchlist, 25)})
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=node.store, chains={CHAIN: "fake"},
                       offchain=desk)
    await server.start()
    http = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}")
    try:
        yield Served(http, assessor, ledger, node)
    finally:
        await http.close()
        await server.stop()
        watchlist.close()
        node.store.close()


PATH = f"/v1/chains/{CHAIN}/subjects/{SUBJECT}/offchain-assessments"


async def test_an_assessment_on_demand_is_signed_off_chain_and_listed(served: Served) -> None:
    status, body, _ = await served.post(PATH, {"loan": {"amount": "5000", "duration_days": 30},
                                               "questionnaire": QUESTIONNAIRE})
    assert status == 201
    assert (body["subject"], body["score"], body["moved"]) == (SUBJECT, 700, True)
    typed = body["signed"]["typed_data"]
    assert typed["domain"]["name"] == "Aura off-chain assessment"
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=bytes.fromhex(body["signed"]["signature"][2:])) == \
        ENCLAVE.address
    assert served.assessor.extras == [{"loan": {"amount": "5000", "duration_days": 30},
                                       "questionnaire": {"hash": QUESTIONNAIRE, "document": {"version": 1}},
                                       "offchain": True}]
    assert await served.get(PATH) == (200, {"items": [body]})


async def test_refusals(served: Served) -> None:
    assert (await served.post(PATH, {"questionnaire": "0x" + "11" * 32}))[:2] == (404, {"error": {
        "code": "unknown_questionnaire",
        "message": f"no questionnaire 0x{'11' * 32} on this node: POST it to /questionnaires first"}})
    status, body, _ = await served.post(PATH, {"loan": {"amount": "0", "duration_days": 30}})
    assert (status, body["error"]["code"]) == (422, "invalid_params")
    assert (await served.post(f"/v1/chains/nope/subjects/{SUBJECT}/offchain-assessments"))[:2] == (404, {"error": {
        "code": "unknown_chain", "message": "no chain named 'nope' on this node"}})
    served.ledger.unreadable[SUBJECT] = 1
    status, body, headers = await served.post(PATH)
    assert (status, body, headers["Retry-After"]) == (503, {"error": {
        "code": "chain_unavailable", "message": f"{CHAIN}: state of {SUBJECT} not readable now"}}, "5")
    assert served.assessor.extras == []
