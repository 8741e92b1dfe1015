"""`GET /v1/chains/{chain}/subjects/{subject}/assessment`: the subject's latest signed assessment with what it takes
to check it without trusting the node, for each family; the privacy rule; every error."""

from __future__ import annotations

from typing import Any

import pytest

from chains.registry import FAMILIES
from tests.unit.api.conftest import Api
from tests.unit.api.filled_store import EVM_SUBJECT, SOLANA_SUBJECT, SUI_SUBJECT, enclave

pytestmark = pytest.mark.asyncio(loop_scope="session")

EXPLANATION = ("score", "tier", "pd_bps", "dimensions", "scorecard", "reasons", "intent_reasons", "rules", "terms")
UNSIGNED = {*EXPLANATION, "flag_names", "model_points", "anomaly_bps", "private", "offchain", "update"}


def path(chain: str, subject: str) -> str:
    return f"/v1/chains/{chain}/subjects/{subject}/assessment"


async def test_the_latest_evm_assessment_with_everything_to_check_it(api: Api) -> None:
    api.fill.score("anvil", 1, 120)
    req, result = api.fill.score("anvil", 2, 130, tx_count=3)
    api.fill.score("anvil", 3, 110)  # an older block, scored later
    tx = api.fill.send(req, sequence=7)
    status, body = await api.get(path("anvil", EVM_SUBJECT))
    assert status == 200
    assert body["signed"] == {k: v for k, v in result.items() if k not in UNSIGNED}  # the enclave's, untouched
    assert FAMILIES["evm"].codec.signer_address(body["signed"]) == enclave().signer == body["signed"]["signer"]
    assert body["signed"]["typed_data"]["message"]["score"] == result["score"]
    assert {k: body[k] for k in EXPLANATION} == {k: result[k] for k in EXPLANATION}
    assert body["dimensions"] == result["dimensions"] and len(body["dimensions"]) == 5
    stored = api.store.features(req.key)
    assert stored is not None
    assert (body["features"], body["features_hash"]) == (stored["features"], stored["features_hash"])
    assert body["features_hash"] == result["features_hash"]
    assert {k: body[k] for k in ("chain", "family", "subject", "request_key", "request_id", "request_tx",
                                 "fulfilment_tx", "state", "private", "block", "flags", "flag_names")} == {
        "chain": "anvil", "family": "evm", "subject": EVM_SUBJECT, "request_key": req.key,
        "request_id": req.request_id, "request_tx": req.tx_hash, "fulfilment_tx": tx, "state": "submitted",
        "private": False, "block": {"number": 130, "hash": req.block_hash}, "flags": result["flags"],
        "flag_names": result["flag_names"]}


async def test_an_evm_subject_in_any_case_is_the_same_wallet(api: Api) -> None:
    api.fill.score("anvil", 1, 120)
    for text in (EVM_SUBJECT.lower(), "0x" + EVM_SUBJECT[2:].upper()):
        status, body = await api.get(path("anvil", text))
        assert (status, body["subject"]) == (200, EVM_SUBJECT)


@pytest.mark.parametrize(("chain", "subject", "envelope"), [
    ("devnet", SOLANA_SUBJECT, {"payload", "public_key"}),
    ("sui-local", SUI_SUBJECT, {"intent_message", "public_key", "timestamp_ms", "expiry_ms"}),
])
async def test_solana_and_sui_assessments_carry_their_family_s_payload(api: Api, chain: str, subject: str,
                                                                       envelope: set[str]) -> None:
    req, result = api.fill.score(chain, 1, 90)
    status, body = await api.get(path(chain, subject))
    assert status == 200
    assert envelope <= set(body["signed"])
    assert body["signed"] == {k: v for k, v in result.items() if k not in UNSIGNED}
    assert FAMILIES[body["family"]].codec.signer_address(body["signed"]) == enclave().signer
    assert (body["request_id"], body["score"], body["block"]["number"]) == (req.request_id, result["score"], 90)


async def test_a_private_assessment_serves_its_signed_commitment_and_nothing_that_reveals_its_score(api: Api) -> None:
    req, result = api.fill.score("anvil", 1, 120, private=True)
    assert result["score"] > 0 and result["private"] is True  # the store holds the real score
    status, body = await api.get(path("anvil", EVM_SUBJECT))
    assert status == 200 and body["private"] is True
    assert {k: body[k] for k in EXPLANATION} == dict.fromkeys(EXPLANATION)
    assert body["signed"]["commitment"] == result["commitment"]
    message: dict[str, Any] = body["signed"]["typed_data"]["message"]
    assert (message["score"], message["tier"], message["pdBps"]) == (0, 255, 0)
    assert FAMILIES["evm"].codec.signer_address(body["signed"]) == enclave().signer
    assert not UNSIGNED & set(body["signed"])
    assert body["flag_names"] == result["flag_names"]  # flags stay public (docs/protocol.md)


async def test_unknown_chain(api: Api) -> None:
    assert await api.get(path("mainnet", EVM_SUBJECT)) == (
        404, {"error": {"code": "unknown_chain", "message": "no chain named 'mainnet' on this node"}})


@pytest.mark.parametrize(("chain", "subject", "message"), [
    ("anvil", "0x1234", "subject: must be 0x followed by 40 hex digits"),
    ("anvil", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293bc", "subject: has an invalid EIP-55 checksum"),
    ("anvil", SOLANA_SUBJECT, "subject: must be 0x followed by 40 hex digits"),
    ("devnet", EVM_SUBJECT, "subject: must be base58, not 0x-prefixed hex"),
    ("devnet", "0OIl", "subject: character '0' at position 0 is not base58"),
    ("devnet", "1111", "subject: must decode to exactly 32 bytes, got 4"),
    ("sui-local", SUI_SUBJECT.upper().replace("0X", "0x"),
     "subject: must be 0x followed by 64 lower-case hex digits (a full Sui address)"),
    ("sui-local", EVM_SUBJECT, "subject: must be 0x followed by 64 lower-case hex digits (a full Sui address)"),
])
async def test_a_subject_that_is_not_an_address_of_the_chain_s_family(api: Api, chain: str, subject: str,
                                                                      message: str) -> None:
    assert await api.get(path(chain, subject)) == (400, {"error": {"code": "bad_subject", "message": message}})


async def test_no_signed_assessment_yet(api: Api) -> None:
    api.fill.request("anvil", 1, 120)  # seen, not scored
    api.fill.score("devnet", 1, 120)  # another chain's
    assert await api.get(path("anvil", EVM_SUBJECT)) == (404, {"error": {
        "code": "no_assessment", "message": f"no signed assessment for {EVM_SUBJECT} on anvil"}})


async def test_an_operator_update_is_served_as_the_latest_and_says_so(api: Api) -> None:
    """A watched wallet's pushed re-score: no request transaction, its update id, signed under that id."""
    api.fill.score("anvil", 1, 120)
    req, result = api.fill.update(140)
    status, body = await api.get(path("anvil", EVM_SUBJECT))
    assert status == 200
    assert (body["operator_update"], body["request_id"], body["request_tx"], body["state"]) == (
        True, req.request_id, "", "scored")
    assert body["signed"]["typed_data"]["message"]["requestId"] == req.request_id
    assert "update" not in body["signed"]  # the enclave's flag, not part of what it signed
    assert FAMILIES["evm"].codec.signer_address(body["signed"]) == enclave().signer
    _, older = await api.get(f"/v1/chains/anvil/subjects/{EVM_SUBJECT}/history")
    assert [item["operator_update"] for item in older["items"]] == [True, False]

