"""`POST /v1/chains/{chain}/assessments/check` (node/api/v1/signed.py, node/signed_check.py) over a real API server,
a store filled by the pipeline's own methods and assessments signed by the real enclave service with each family's
real codec. Whether the chain counts the signer is read from the fake chain's ledger, and the fulfilment of a request the node
never read from a stand-in for the chain's `read_fulfilment` (tests/fakechain: the real adapters' `signer_status` and
`read_fulfilment` are tested by the adapter suite against anvil, the Solana endpoint and Sui's recordings).
Every check is shown to fail on its own: the attack next to the happy path."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from chains.base import Fulfilled, OracleRequest, SignerStatus
from chains.core.assessment import AssessmentFacts
from chains.core.errors import RetryLater
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import keccak256
from chains.evm import payload as eip712
from node.api import ApiServer
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.signed_check import SignedDesk
from node.store import Store
from tests.fakechain.ledger import FakeLedger
from tests.unit.api.filled_store import (
    CHAINS,
    ENCLAVE_KEY,
    EVM_SUBJECT,
    SUBJECTS,
    TARGETS,
    Filler,
    enclave,
    features,
)
from tests.vectors import evm_state

CHAIN_IDS = {name: (family, TARGETS[name]["chain_id"]) for name, family in CHAINS.items()}
FACTS = AssessmentFacts(score=0, tier=0, pd_bps=0, flags=0, measurement=bytes(32), commitment=bytes(32),
                        block_number=0, block_hash=bytes(32), features_hash=bytes(32), timestamp=0, expiry=0)
"""The fulfilment's assessment, which the `request` check does not read."""
MEASUREMENT = measure().hex


class Served:
    def __init__(self, http: aiohttp.ClientSession, fill: Filler, ledger: FakeLedger) -> None:
        self.http, self.fill, self.ledger = http, fill, ledger
        self.down = False
        self.requests: dict[tuple[str, int], OracleRequest] = {}
        self.fulfilled: dict[str, OracleRequest] = {}  # what the chain shows fulfilled, by request id
        self.keys: list[bytes | None] = []  # the public key each signer lookup was given

    async def signed(self, chain: str, n: int, block: int) -> dict[str, Any]:
        """The `signed` object the API answers for the chain's `n`th request, assessed."""
        self.requests[chain, n], _ = self.fill.score(chain, n, block)
        async with self.http.get(f"/v1/chains/{chain}/subjects/{SUBJECTS[chain]}/assessment") as r:
            body = await r.json()
        assert r.status == 200, body
        signed: dict[str, Any] = body["signed"]
        return signed

    async def check(self, chain: str, signed: Any) -> tuple[int, Any]:
        async with self.http.post(f"/v1/chains/{chain}/assessments/check", json={"signed": signed}) as r:
            return r.status, await r.json()


@pytest_asyncio.fixture(loop_scope="function")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    store = Store(tmp_path / "aura.sqlite")
    ledger = FakeLedger()
    ledger.register(ENCLAVE_KEY.address, MEASUREMENT)
    holder: list[Served] = []

    async def status(signer: str, measurement: str, public_key: bytes | None) -> SignerStatus | None:
        if holder[0].down:
            raise RetryLater("anvil: RPC unreachable")
        holder[0].keys.append(public_key)
        return ledger.signer_status(signer, measurement)

    async def fulfilment(request_id: str) -> Fulfilled | None:
        if holder[0].down:
            raise RetryLater("anvil: RPC unreachable")
        request = holder[0].fulfilled.get(request_id)
        return None if request is None else Fulfilled(request=request, facts=FACTS, signature=bytes(65),
                                                     signer=ENCLAVE_KEY.address, tx_hash=request.tx_hash)

    desk = SignedDesk(store, CHAIN_IDS, {name: status for name in CHAINS}, {name: fulfilment for name in CHAINS})
    server = ApiServer("127.0.0.1", 0, lambda: {"ok": True}, store=store, chains=CHAINS, signed=desk)
    await server.start()
    http = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}")
    holder.append(Served(http, Filler(store), ledger))
    try:
        yield holder[0]
    finally:
        await http.close()
        await server.stop()
        store.close()


def by_name(body: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    return {c["check"]: (c["ok"], c["detail"]) for c in body["checks"]}


@pytest.mark.parametrize("chain", list(CHAINS))
async def test_a_signed_assessment_checks_on_its_own_chain(served: Served, chain: str) -> None:
    signed = await served.signed(chain, 1, 120)
    status, got = await served.check(chain, signed)
    assert status == 200, got
    assert got["valid"] is True and got["offchain"] is False and got["signer_status"] == "active"
    assert got["signer"] == ENCLAVE_KEY.address == signed["signer"]
    assert got["subject"] == SUBJECTS[chain] and got["facts"]["commitment"] == signed["commitment"]
    checks = by_name(got)
    assert list(checks) == ["payload", "signature", "facts", "request", "signer"]
    assert checks["payload"] == (True, f"its hash is the envelope's digest {signed['digest']}")
    assert checks["request"] == (True, f"bound to request {got['request_id']} of {chain}'s contract, and to its "
                                       "subject")
    assert checks["signer"] == (True, f"the chain's contract counts it, with measurement {MEASUREMENT}")


async def test_a_revoked_signer_does_not_count(served: Served) -> None:
    signed = await served.signed("anvil", 2, 130)
    served.ledger.revoke(ENCLAVE_KEY.address)
    _, got = await served.check("anvil", signed)
    assert got["valid"] is False and got["signer_status"] == "revoked"
    assert by_name(got)["signer"] == (False, "the chain's contract does not count it: revoked")


async def test_a_field_printed_beside_the_payload_that_lies_is_caught(served: Served) -> None:
    """Attack: the envelope's printed commitment is not the one signed."""
    signed = await served.signed("devnet", 3, 140)
    lying = {**signed, "commitment": "0x" + "11" * 32}
    _, got = await served.check("devnet", lying)
    assert got["valid"] is False and by_name(got)["facts"] == (False, (
        f"commitment: the envelope says {lying['commitment']}, the payload {signed['commitment']}"))
    assert got["facts"]["commitment"] == signed["commitment"]


async def test_an_edited_payload_is_caught(served: Served) -> None:
    """Attack: the typed data's score raised after signing."""
    signed = await served.signed("anvil", 4, 150)
    edited = copy.deepcopy(signed)
    edited["typed_data"]["message"]["score"] = 999
    _, got = await served.check("anvil", edited)
    checks = by_name(got)
    assert got["valid"] is False and got["facts"]["score"] == 999
    assert checks["payload"][0] is False and checks["payload"][1].endswith(
        f"not the envelope's digest {signed['digest']}")
    assert checks["signature"][0] is False and checks["signature"][1].endswith(
        f"not the envelope's signer {signed['signer']}")


@pytest.mark.parametrize(("chain", "key"), [
    ("anvil", None),  # an EIP-712 envelope shows no key
    ("devnet", ENCLAVE_KEY.public_key),  # shown as x || y, passed on compressed
    ("sui-local", ENCLAVE_KEY.public_key),
])
async def test_the_signer_is_looked_up_with_the_public_key_its_envelope_shows(served: Served, chain: str,
                                                                              key: bytes | None) -> None:
    """A family that keys signers by public key (Sui) reads by the envelope's key, not by searching the chain."""
    signed = await served.signed(chain, 20, 300)
    _, got = await served.check(chain, signed)
    assert got["valid"] is True and served.keys == [key]


@pytest.mark.parametrize("forged", ["signature", "public_key"])
async def test_a_public_key_that_did_not_make_the_signature_is_not_passed_on(served: Served, forged: str) -> None:
    """Attack: a Sui envelope whose key is another's, or whose signature fails: the lookup gets no key from it."""
    signed = await served.signed("sui-local", 21, 310)
    other = EnclaveKey(keccak256(b"another enclave"))
    edited = {**signed, forged: "0x" + (other.public_key.hex() if forged == "public_key" else "11" * 64)}
    _, got = await served.check("sui-local", edited)
    assert got["valid"] is False and by_name(got)["signature"][0] is False and served.keys == [None]


async def test_a_genuine_signature_for_another_contract_is_not_this_chains(served: Served) -> None:
    """Attack: the enclave's genuine signature over a request of another oracle, shown as one of this chain's."""
    req, _ = served.fill.score("anvil", 5, 160)
    stored = served.fill.store.assessment(req.key)
    assert stored is not None
    other = {"family": "evm", "chain_id": 31337, "contract": "0x" + "99" * 20, "request_id": req.request_id,
             "requester": TARGETS["anvil"]["requester"], "subject": EVM_SUBJECT, "fee": "5000",
             "expires_at": req.expires_at, "block_number": req.block_number}
    feats, proof = evm_state.pinned(features(160, 40), EVM_SUBJECT)
    foreign = enclave().assess({"request": other, "features": feats, "proof": proof})
    signed = {k: v for k, v in foreign.items() if k in ("digest", "signature", "signer", "typed_data")}
    _, got = await served.check("anvil", signed)
    checks = by_name(got)
    assert (checks["payload"][0], checks["signature"][0]) == (True, True)
    assert got["valid"] is False and checks["request"] == (
        False, f"contract: the payload's is not that of request {req.request_id} on anvil")


async def test_a_request_neither_this_node_nor_the_chain_knows_is_not_vouched_for(served: Served) -> None:
    signed = await served.signed("sui-local", 6, 170)
    served.fill.store.db.execute("DELETE FROM requests")
    _, got = await served.check("sui-local", signed)
    assert got["valid"] is False and by_name(got)["request"] == (
        False, f"no request {got['request_id']} of sui-local's contract is known to this node or fulfilled on the chain")


@pytest.mark.parametrize("chain", list(CHAINS))
async def test_a_request_this_node_never_read_is_read_from_its_fulfilment_on_the_chain(served: Served,
                                                                                       chain: str) -> None:
    signed = await served.signed(chain, 8, 190)
    request = served.requests[chain, 8]
    served.fill.store.db.execute("DELETE FROM requests")
    served.fulfilled[request.request_id] = request
    status, got = await served.check(chain, signed)
    assert (status, got["valid"]) == (200, True), got
    assert by_name(got)["request"] == (True, f"bound to request {request.request_id} of {chain}'s contract (read "
                                             "from its fulfilment on the chain), and to its subject")


async def test_a_fulfilled_request_of_another_subject_on_the_chain_does_not_vouch(served: Served) -> None:
    """The chain's request under the payload's id is for another wallet: the payload is not bound to it."""
    signed = await served.signed("anvil", 8, 190)
    request = served.requests["anvil", 8]
    served.fill.store.db.execute("DELETE FROM requests")
    served.fulfilled[request.request_id] = replace(request, subject="0x" + "11" * 20)
    _, got = await served.check("anvil", signed)
    assert got["valid"] is False and by_name(got)["request"] == (
        False, f"subject: the payload's is not that of request {request.request_id} on anvil")


async def test_a_chain_whose_fulfilment_cannot_be_read_answers_retry_later(served: Served) -> None:
    signed = await served.signed("anvil", 9, 200)
    served.fill.store.db.execute("DELETE FROM requests")
    served.down = True
    assert await served.check("anvil", signed) == (503, {"error": {"code": "chain_unavailable",
                                                                   "message": "anvil: RPC unreachable"}})


async def test_an_offchain_assessment_checks_and_says_no_contract_takes_it(served: Served) -> None:
    req, feats, proof = served.fill.request("anvil", 7, 180)
    block_hash = bytes.fromhex(feats["as_of_block_hash"][2:])
    rid = offchain_request_id("evm", 31337, bytes.fromhex(EVM_SUBJECT[2:]), 180, block_hash)
    wire = {"family": "evm", "chain_id": 31337, "contract": TARGETS["anvil"]["contract"], "request_id": "0x" + rid.hex(),
            "requester": "0x" + "00" * 20, "subject": EVM_SUBJECT, "fee": "0", "expires_at": req.expires_at,
            "block_number": 180}
    out = enclave().assess({"request": wire, "features": feats, "proof": proof, "offchain": True})
    signed = {k: v for k, v in out.items() if k in ("digest", "signature", "signer", "typed_data", "commitment")}
    _, got = await served.check("anvil", signed)
    assert got["valid"] is True and got["offchain"] is True
    assert by_name(got)["request"] == (True, "an off-chain assessment for anvil: no contract takes it")
    # The same off-chain assessment shown for another chain of the family is not that chain's.
    _, got = await served.check("anvil", {**signed, "typed_data": {
        **signed["typed_data"], "message": {**signed["typed_data"]["message"], "chainId": 1}}})
    assert got["valid"] is False and by_name(got)["request"] == (
        False, "signed off-chain for chain id 1, not anvil's 31337")


@pytest.mark.parametrize(("signed", "message"), [
    ({}, "typed_data: missing, or not an object"),
    ({"typed_data": {"types": {}, "primaryType": "Assessment"}},
     "typed_data types: not EIP712Domain and Assessment as Aura signs them"),
])
async def test_an_unreadable_envelope_is_refused(served: Served, signed: dict[str, Any], message: str) -> None:
    assert await served.check("anvil", signed) == (422, {"error": {"code": "bad_envelope", "message": message}})


async def test_a_domain_of_another_name_is_refused(served: Served) -> None:
    signed = await served.signed("anvil", 8, 190)
    typed = copy.deepcopy(signed["typed_data"])
    typed["domain"]["name"] = "NotAura"
    assert await served.check("anvil", {**signed, "typed_data": typed}) == (422, {"error": {
        "code": "bad_envelope", "message": f"typed_data domain name: 'NotAura', not {eip712.DOMAIN_NAME!r}"}})


async def test_a_chain_that_cannot_be_read_answers_retry_later(served: Served) -> None:
    signed = await served.signed("anvil", 9, 200)
    served.down = True
    async with served.http.post("/v1/chains/anvil/assessments/check", json={"signed": signed}) as r:
        assert (r.status, r.headers["Retry-After"], await r.json()) == (
            503, "5", {"error": {"code": "chain_unavailable", "message": "anvil: RPC unreachable"}})


async def test_an_unknown_chain_is_refused(served: Served) -> None:
    status, body = await served.check("nope", {})
    assert (status, body["error"]["code"]) == (404, "unknown_chain")


async def test_a_private_assessments_enclave_answer_checks_without_its_unsigned_score(served: Served) -> None:
    """The enclave's answer for a private request prints the real score beside a payload signing score 0."""
    _, answer = served.fill.score("devnet", 10, 210, private=True)
    assert answer["private"] is True and answer["score"] > 0
    _, got = await served.check("devnet", answer)
    assert got["valid"] is True and (got["facts"]["score"], got["facts"]["tier"]) == (0, 255)
    _, got = await served.check("devnet", {**answer, "private": False})
    assert got["valid"] is False and by_name(got)["facts"] == (
        False, f"score: the envelope says {answer['score']}, the payload 0")
