"""`/v1/.../opening-message` and `/v1/.../proofs` (node/api/v1/proofs.py, node/zk/proof_desk.py) over a real API
server, a store filled by the pipeline's own methods, the real enclave service that signed its assessments (its
`open`), snarkjs with `make zk`'s build, and the subject's real wallet key: only the subject's signed text opens a
proof, the score is never answered, and every refusal has its code."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from eth_account import Account
from eth_account.messages import encode_defunct

from node.api import ApiServer
from node.store import Store
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.zk import snarkjs
from node.zk.proof_desk import ProofDesk
from tests.unit.api.filled_store import CHAINS, EVM_SUBJECT, NOW, Filler, InProcessOpener

OWNER = Account.from_key(DEFAULT_KEYS[2])
STRANGER = Account.from_key(DEFAULT_KEYS[5])


class Served:
    def __init__(self, http: aiohttp.ClientSession, fill: Filler) -> None:
        self.http, self.fill = http, fill

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(path) as r:
            return r.status, await r.json()

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        async with self.http.post(path, json=body) as r:
            return r.status, await r.json()


@pytest_asyncio.fixture(loop_scope="function")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    store = Store(tmp_path / "aura.sqlite")
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=store, chains=CHAINS,
                       proofs=ProofDesk(store, InProcessOpener(), clock=lambda: NOW))
    await server.start()
    http = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}")
    try:
        yield Served(http, Filler(store))
    finally:
        await http.close()
        await server.stop()
        store.close()


def sign(account: Any, text: str) -> str:
    return "0x" + bytes(account.sign_message(encode_defunct(text=text)).signature).hex()


async def test_the_subject_gets_a_proof_and_nobody_else_does(served: Served) -> None:
    assert OWNER.address == EVM_SUBJECT
    req, result = served.fill.score("anvil", 1, 120)
    base = f"/v1/chains/anvil/requests/{req.request_id}"
    status, body = await served.get(f"{base}/opening-message")
    text = body["message"]
    assert status == 200 and text.split("\n")[:2] == ["Aura: open my score commitment", "family: evm"]
    threshold = min(result["score"], 500)
    ask = {"threshold": threshold, "scope": "7", "message": text, "signature": sign(STRANGER, text)}
    assert await served.post(f"{base}/proofs", ask) == (403, {"error": {"code": "open_refused", "message": (
        f"signature: the EIP-191 personal_sign signature is by {STRANGER.address}, not the subject {OWNER.address}")}})
    status, proof = await served.post(f"{base}/proofs", {**ask, "signature": sign(OWNER, text)})
    assert status == 201, proof
    assert proof["public_signals"][:2] == [str(int(result["commitment"], 16)), str(threshold)]
    assert "score" not in proof and proof["calldata"]["evm"]["nullifier"] == proof["nullifier"]
    build = snarkjs.locate()
    assert snarkjs.verify(json.loads(build.verification_key.read_text()), proof["public_signals"], proof["proof"])
    again = await served.post(f"{base}/proofs", {**ask, "signature": sign(OWNER, text)})
    assert again[0] == 403 and again[1]["error"]["message"].endswith("already used; sign a new message")


async def test_a_threshold_above_the_score_has_no_proof(served: Served) -> None:
    req, result = served.fill.score("anvil", 2, 130)
    base = f"/v1/chains/anvil/requests/{req.request_id}"
    text = (await served.get(f"{base}/opening-message?sign_in=app.example.org"))[1]["message"]
    assert text.startswith(f"app.example.org wants you to sign in with your Ethereum account:\n{OWNER.address}\n")
    ask = {"threshold": result["score"] + 1, "message": text, "signature": sign(OWNER, text)}
    assert await served.post(f"{base}/proofs", ask) == (422, {"error": {"code": "no_proof", "message": (
        f"the score is below the threshold {result['score'] + 1}: no proof exists")}})


@pytest.mark.parametrize(("path", "code", "status"), [
    ("/v1/chains/anvil/requests/0x" + "ab" * 32 + "/opening-message", "unknown_request", 404),
    ("/v1/chains/nope/requests/0x" + "ab" * 32 + "/opening-message", "unknown_chain", 404),
    ("/v1/chains/anvil/requests/0x12/opening-message", "bad_request_id", 400),
])
async def test_refusals(served: Served, path: str, code: str, status: int) -> None:
    got = await served.get(path)
    assert (got[0], got[1]["error"]["code"]) == (status, code)


async def test_a_sign_in_text_for_a_family_without_one_is_refused(served: Served) -> None:
    req, _ = served.fill.score("devnet", 3, 140)
    assert await served.get(f"/v1/chains/devnet/requests/{req.request_id}/opening-message?sign_in=a.org") == (
        400, {"error": {"code": "invalid_params",
                        "message": "--sign-in: the solana family has no sign-in standard; sign Aura's text instead"}})
