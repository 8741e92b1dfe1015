"""`/v1/.../opening-message` and `/v1/.../proofs` (node/api/v1/proofs.py, node/zk/proof_desk.py) over a real API
server, a store filled by the pipeline's own methods, the real enclave service that signed its assessments (its
`open`), snarkjs with `make zk`'s build, and the subject's real wallet key: only the subject's signed text opens a
proof, the score is never answered, and every refusal has its code. A second server over an empty store is a node
that never read the requests: it checks proofs against their fulfilment, read from a stand-in for the chain's
`read_fulfilment` (the real adapters' `read_fulfilment` is tested by the adapter suite against real chains)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from eth_account import Account
from eth_account.messages import encode_defunct

from chains.base import Fulfilled, OracleRequest
from chains.core.assessment import AssessmentFacts
from chains.core.errors import RetryLater
from node.api import ApiServer
from node.store import Store
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.zk import snarkjs
from node.zk.poseidon_commitment import commitment
from node.zk.proof_desk import ProofDesk
from tests.unit.api.filled_store import CHAINS, EVM_SUBJECT, NOW, Filler, InProcessOpener

OWNER = Account.from_key(DEFAULT_KEYS[2])
STRANGER = Account.from_key(DEFAULT_KEYS[5])


class Served:
    def __init__(self, http: aiohttp.ClientSession, fill: Filler, elsewhere: aiohttp.ClientSession) -> None:
        self.http, self.fill, self.elsewhere = http, fill, elsewhere
        self.fulfilled: dict[str, Fulfilled] = {}  # what the chain shows fulfilled, by request id
        self.made: dict[str, OracleRequest] = {}  # the requests `proven` made, by id
        self.down = False

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(path) as r:
            return r.status, await r.json()

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        async with self.http.post(path, json=body) as r:
            return r.status, await r.json()


@pytest_asyncio.fixture(loop_scope="function")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    store, empty = Store(tmp_path / "aura.sqlite"), Store(tmp_path / "elsewhere.sqlite")
    holder: list[Served] = []

    async def fulfilment(request_id: str) -> Fulfilled | None:
        if holder[0].down:
            raise RetryLater("anvil: RPC unreachable")
        return holder[0].fulfilled.get(request_id)

    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=store, chains=CHAINS,
                       proofs=ProofDesk(store, InProcessOpener(), clock=lambda: NOW))
    other = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=empty, chains=CHAINS,
                      proofs=ProofDesk(empty, InProcessOpener(), clock=lambda: NOW,
                                       fulfilments={name: fulfilment for name in CHAINS}))
    await server.start()
    await other.start()
    http = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}")
    elsewhere = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{other.port}")
    holder.append(Served(http, Filler(store), elsewhere))
    try:
        yield holder[0]
    finally:
        await http.close()
        await elsewhere.close()
        await server.stop()
        await other.stop()
        store.close()
        empty.close()


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


async def proven(served: Served, number: int, block: int, threshold: int, scope: str = "7") -> tuple[str, Any]:
    """A proof of request `number`'s assessment (the subject's own), and the request's id."""
    req, _ = served.fill.score("anvil", number, block)
    served.made[req.request_id] = req
    base = f"/v1/chains/anvil/requests/{req.request_id}"
    text = (await served.get(f"{base}/opening-message"))[1]["message"]
    status, proof = await served.post(f"{base}/proofs", {"threshold": threshold, "scope": scope, "message": text,
                                                         "signature": sign(OWNER, text)})
    assert status == 201, proof
    return req.request_id, proof


def check_of(made: dict[str, Any], **override: Any) -> dict[str, Any]:
    """The check body for a proof as `POST .../proofs` answered it, with `override`."""
    return {"threshold": made["threshold"], "scope": made["scope"], "proof": made["proof"],
            "public_signals": made["public_signals"], **override}


async def test_a_proof_checks_against_the_assessment_it_was_made_for(served: Served) -> None:
    request_id, proof = await proven(served, 4, 150, 300)
    status, got = await served.post(f"/v1/chains/anvil/requests/{request_id}/proofs/check", check_of(proof))
    assert status == 200, got
    assert got == {"valid": True, "request_id": request_id, "subject": EVM_SUBJECT, "threshold": 300, "scope": "7",
                   "nullifier": proof["nullifier"], "checks": [
                       {"check": "commitment", "ok": True,
                        "detail": "equals the commitment this node signed for the request"},
                       {"check": "subject", "ok": True, "detail": "equals the request's subject"},
                       {"check": "threshold", "ok": True, "detail": "equals the threshold asked about"},
                       {"check": "scope", "ok": True, "detail": "equals the scope asked about"},
                       {"check": "proof", "ok": True,
                        "detail": "Groth16 verifies under the circuit's verification key"}]}


async def test_a_valid_proof_of_another_assessment_does_not_count(served: Served) -> None:
    """Attack: the subject's genuine proof for one request shown for another of its requests."""
    _, proof = await proven(served, 5, 160, 300)
    other, _ = served.fill.score("anvil", 6, 170)
    status, got = await served.post(f"/v1/chains/anvil/requests/{other.request_id}/proofs/check", check_of(proof))
    stored = served.fill.store.assessment(other.key)
    assert stored is not None and status == 200 and got["valid"] is False
    assert got["checks"][0] == {"check": "commitment", "ok": False, "detail": (
        f"{proof['public_signals'][0]} is not the commitment this node signed for the request "
        f"({int(stored['commitment'], 16)})")}
    assert got["checks"][4] == {"check": "proof", "ok": False,
                                "detail": "not checked: a public signal is not this assessment's"}


async def test_a_proof_claimed_for_a_higher_threshold_or_another_scope_fails(served: Served) -> None:
    """Attack: a proof of `score >= 300` shown as one of `score >= 900`, or for another protocol's scope."""
    request_id, proof = await proven(served, 7, 180, 300)
    path = f"/v1/chains/anvil/requests/{request_id}/proofs/check"
    _, got = await served.post(path, check_of(proof, threshold=900))
    assert got["valid"] is False and got["checks"][2] == {
        "check": "threshold", "ok": False, "detail": "300 is not the threshold asked about (900)"}
    _, got = await served.post(path, check_of(proof, scope="8"))
    assert got["valid"] is False and got["checks"][3] == {
        "check": "scope", "ok": False, "detail": "7 is not the scope asked about (8)"}
    # Signals rewritten to say 900: they match, the pairing does not.
    lying = [*proof["public_signals"]]
    lying[1] = "900"
    _, got = await served.post(path, check_of(proof, threshold=900, public_signals=lying))
    assert got["valid"] is False and [c["ok"] for c in got["checks"]] == [True, True, True, True, False]
    assert got["checks"][4]["detail"] == "Groth16 does not verify under the circuit's verification key"


async def test_a_tampered_proof_does_not_verify(served: Served) -> None:
    request_id, proof = await proven(served, 8, 190, 300)
    tampered = {**proof["proof"], "pi_a": proof["proof"]["pi_c"]}  # a point on the curve, not the proof's
    _, got = await served.post(f"/v1/chains/anvil/requests/{request_id}/proofs/check",
                               check_of(proof, proof=tampered))
    assert got["valid"] is False and got["checks"][4] == {
        "check": "proof", "ok": False, "detail": "Groth16 does not verify under the circuit's verification key"}


@pytest.mark.parametrize(("signals", "message"), [
    (["1", "2"], "public_signals: 2 given, the circuit has 6 (commitment, threshold, subject_hi, subject_lo, scope, "
                 "nullifier)"),
    (["1", "2", "3", "4", "05", "6"], "public_signals scope: must be a field element in decimal, without leading "
                                      "zeros"),
    (["1", "2", "3", "4", "5", str(1 << 254)], "public_signals nullifier: must be a field element in decimal, without "
                                               "leading zeros"),
])
async def test_malformed_signals_are_refused(served: Served, signals: list[str], message: str) -> None:
    req, _ = served.fill.score("anvil", 9, 200)
    body = {"threshold": 1, "proof": {}, "public_signals": signals}
    assert await served.post(f"/v1/chains/anvil/requests/{req.request_id}/proofs/check", body) == (
        422, {"error": {"code": "bad_public_signals", "message": message}})


async def test_checking_a_proof_of_an_unknown_request_is_refused(served: Served) -> None:
    body = {"threshold": 1, "proof": {}, "public_signals": ["1"] * 6}
    got = await served.post("/v1/chains/anvil/requests/0x" + "ab" * 32 + "/proofs/check", body)
    assert (got[0], got[1]["error"]["code"]) == (404, "unknown_request")


def fulfilled(request: OracleRequest, commitment: str) -> Fulfilled:
    """The chain's record of `request` fulfilled by an assessment committing to `commitment` (hex)."""
    facts = AssessmentFacts(score=0, tier=0, pd_bps=0, flags=0, measurement=bytes(32),
                            commitment=bytes.fromhex(commitment[2:]), block_number=0, block_hash=bytes(32),
                            features_hash=bytes(32), timestamp=0, expiry=0)
    return Fulfilled(request=request, facts=facts, signature=bytes(65), signer="0x" + "00" * 20,
                     tx_hash=request.tx_hash)


async def check_elsewhere(served: Served, request_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with served.elsewhere.post(f"/v1/chains/anvil/requests/{request_id}/proofs/check", json=body) as r:
        return r.status, await r.json()


async def test_a_node_that_never_read_the_request_checks_a_proof_against_its_fulfilment(served: Served) -> None:
    request_id, proof = await proven(served, 10, 210, 300)
    served.fulfilled[request_id] = fulfilled(served.made[request_id], proof["commitment"])
    status, got = await check_elsewhere(served, request_id, check_of(proof))
    assert status == 200, got
    assert got["valid"] is True and got["subject"] == EVM_SUBJECT and got["checks"][0] == {
        "check": "commitment", "ok": True, "detail": "equals the commitment of the request's fulfilment on the chain"}


async def test_a_fulfilment_on_the_chain_of_another_commitment_or_subject_does_not_vouch(served: Served) -> None:
    """Attack: a genuine proof of one assessment shown for a request the chain fulfilled with another assessment,
    or the request id of another subject's fulfilled request."""
    request_id, proof = await proven(served, 11, 220, 300)
    request = served.made[request_id]
    other = "0x" + format(int(proof["commitment"], 16) ^ 1, "064x")
    served.fulfilled[request_id] = fulfilled(request, other)
    status, got = await check_elsewhere(served, request_id, check_of(proof))
    assert status == 200 and got["valid"] is False and got["checks"][0] == {
        "check": "commitment", "ok": False, "detail": (
            f"{proof['public_signals'][0]} is not the commitment of the request's fulfilment on the chain "
            f"({int(other, 16)})")}
    served.fulfilled[request_id] = fulfilled(replace(request, subject="0x" + "11" * 20), proof["commitment"])
    status, got = await check_elsewhere(served, request_id, check_of(proof))
    assert status == 200 and got["valid"] is False and [c["ok"] for c in got["checks"]] == [
        True, False, True, True, False]
    assert got["subject"] == "0x" + "11" * 20


async def test_a_request_neither_this_node_nor_the_chain_knows_is_refused_and_a_dead_chain_waits(
        served: Served) -> None:
    request_id, proof = await proven(served, 12, 230, 300)
    assert await check_elsewhere(served, request_id, check_of(proof)) == (404, {"error": {
        "code": "unknown_request",
        "message": f"no request {request_id} on anvil, and the chain shows no fulfilment of it"}})
    served.down = True
    assert await check_elsewhere(served, request_id, check_of(proof)) == (503, {"error": {
        "code": "chain_unavailable", "message": "anvil: RPC unreachable"}})


async def test_the_subject_opens_its_private_assessment_and_nobody_else_does(served: Served) -> None:
    req, result = served.fill.score("anvil", 10, 210, private=True)
    base = f"/v1/chains/anvil/requests/{req.request_id}"
    public = await served.get(f"/v1/chains/anvil/subjects/{EVM_SUBJECT}/assessment")
    assert public[1]["private"] is True and public[1]["score"] is None  # the public answer hides it
    text = (await served.get(f"{base}/opening-message"))[1]["message"]
    assert await served.post(f"{base}/opening", {"message": text, "signature": sign(STRANGER, text)}) == (
        403, {"error": {"code": "open_refused", "message": (
            f"signature: the EIP-191 personal_sign signature is by {STRANGER.address}, not the subject "
            f"{OWNER.address}")}})
    status, opened = await served.post(f"{base}/opening", {"message": text, "signature": sign(OWNER, text)})
    assert status == 200, opened
    assert (opened["score"], opened["tier"], opened["pd_bps"], opened["private"]) == (
        result["score"], result["tier"], result["pd_bps"], True)
    assert opened["dimensions"] == result["dimensions"] and opened["commitment"] == result["commitment"]
    blinding = int(opened["blinding"], 16)
    assert commitment(opened["score"], blinding, bytes.fromhex(EVM_SUBJECT[2:])) == int(result["commitment"], 16)
    again = await served.post(f"{base}/opening", {"message": text, "signature": sign(OWNER, text)})
    assert again[0] == 403 and again[1]["error"]["message"].endswith("already used; sign a new message")
