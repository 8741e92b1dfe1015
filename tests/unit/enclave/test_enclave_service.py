"""EnclaveService in-process: scoring, signing, commitment, typed data, clock, determinism."""

from __future__ import annotations

import copy

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from chains.base import SignedAssessment
from chains.core.assessment import PRIVATE_TIER
from chains.core.features import features_hash
from chains.core.secp256k1 import SECP256K1_HALF_N, keccak256
from chains.evm.codec import EvmCodec
from node.enclave.commitment import blinding
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.params import InvalidParams
from node.enclave.service import ClockSkew, EnclaveService
from node.scoring import WalletFeatures, assess, load_config
from node.scoring.engine import Engine
from node.scoring.flags import Flag
from tests.vectors import evm_state
from tests.vectors.independent_commitment import independent_commitment

from .conftest import DAY, SUBJECT, features, history, params, request

NOW = 1_750_000_000
RESULT_KEYS = {
    "score", "tier", "pd_bps", "flags", "dimensions", "measurement", "commitment", "block_number", "block_hash",
    "features_hash", "timestamp",
    "expiry", "signer", "digest", "signature", "typed_data", "typed_data_ethers", "flag_names", "scorecard", "model_points",
    "anomaly_bps", "rules", "reasons", "intent_reasons", "terms", "private", "offchain", "update",
}  # fmt: skip


@pytest.fixture(scope="module")
def key() -> EnclaveKey:
    return EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))


@pytest.fixture(scope="module")
def service(key: EnclaveKey) -> EnclaveService:
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)


def test_result_fields_and_binding(service: EnclaveService, key: EnclaveKey) -> None:
    req, feat = request(NOW), features(NOW)
    out = service.assess(params(req, feat))
    assert set(out) == RESULT_KEYS
    wallet = WalletFeatures(NOW, 40, 1_500_000_000_000_000_000, NOW - 500 * DAY, feat["history"])
    expected = Engine.load(load_config()).assess(wallet)
    assert (out["score"], out["tier"], out["pd_bps"], out["flags"]) == (
        expected.score, expected.tier, expected.pd_bps, int(expected.flags),
    )  # fmt: skip
    assert out["dimensions"] == expected.dimensions
    assert out["scorecard"] == assess(wallet, load_config().config).score == expected.scorecard
    assert out["reasons"] == expected.reasons and out["terms"] == expected.terms
    assert out["timestamp"] == NOW and out["expiry"] == NOW + 3600
    assert out["measurement"] == measure().hex
    assert out["signer"] == key.address
    message = out["typed_data"]["message"]
    assert message["requestId"] == req["request_id"] and message["subject"] == req["subject"]
    assert out["typed_data"]["domain"] == {"name": "AuraOracle", "version": "1", "chainId": 31337, "verifyingContract": req["contract"]}
    for name in ("score", "flags", "timestamp", "expiry", "commitment", "measurement"):
        assert message[name] == out[name]
    assert message["pdBps"] == out["pd_bps"] and message["tier"] == out["tier"]
    ethers_form = out["typed_data_ethers"]
    assert ethers_form == {"domain": out["typed_data"]["domain"], "message": message,
                           "types": {"Assessment": out["typed_data"]["types"]["Assessment"]}}


def test_a_private_assessment_signs_the_commitment_alone(service: EnclaveService, key: EnclaveKey) -> None:
    req, feat = request(NOW), features(NOW)
    public = service.assess(params(req, feat))
    private = service.assess(params(req, feat, private=True))
    message = private["typed_data"]["message"]
    assert (message["score"], message["tier"], message["pdBps"]) == (0, PRIVATE_TIER, 0)
    assert message["flags"] == public["flags"] and message["commitment"] == public["commitment"]
    assert private["private"] is True and public["private"] is False
    assert private["score"] == public["score"] and private["digest"] != public["digest"]
    facts = SignedAssessment.from_wire(private).facts  # what the node submits: the signed facts, not the real score
    assert (facts.score, facts.tier, facts.pd_bps, facts.flags) == (0, PRIVATE_TIER, 0, public["flags"])
    codec = EvmCodec()
    bound = codec.parse_request({k: v for k, v in req.items() if k != "family"})
    assert codec.sign(bound, facts, key)["digest"] == private["digest"]
    signable = encode_typed_data(full_message=private["typed_data"])
    assert Account.recover_message(signable, signature=bytes.fromhex(private["signature"][2:])) == key.address


def test_private_must_be_a_boolean(service: EnclaveService) -> None:
    with pytest.raises(InvalidParams, match=r"^private: must be true or false$"):
        service.assess(params(request(NOW), features(NOW), private=1))


def test_eth_account_checks_the_result(service: EnclaveService, key: EnclaveKey) -> None:
    out = service.assess(params(request(NOW), features(NOW)))
    signable = encode_typed_data(full_message=out["typed_data"])
    assert "0x" + keccak256(b"\x19" + signable.version + signable.header + signable.body).hex() == out["digest"]
    assert Account.recover_message(signable, signature=bytes.fromhex(out["signature"][2:])) == key.address
    sig = bytes.fromhex(out["signature"][2:])
    assert len(sig) == 65 and sig[64] in (27, 28) and int.from_bytes(sig[32:64], "big") <= SECP256K1_HALF_N


def test_commitment(service: EnclaveService, key: EnclaveKey) -> None:
    req = request(NOW)
    out = service.assess(params(req, features(NOW)))
    rid, subject = (bytes.fromhex(req[name][2:]) for name in ("request_id", "subject"))
    blind = blinding(key.commitment_secret, rid, subject)
    assert out["commitment"] == "0x" + independent_commitment(out["score"], blind, subject).hex()
    assert blind.to_bytes(32, "big").hex() not in repr(out).lower() and str(blind) not in repr(out)  # never output
    other = service.assess(params(request(NOW, request_id="0x" + "cd" * 32), features(NOW)))
    assert other["score"] == out["score"] and other["commitment"] != out["commitment"]


def test_deterministic_and_bound_to_chain_contract_request_subject(service: EnclaveService) -> None:
    body = params(request(NOW), features(NOW))
    first = service.assess(copy.deepcopy(body))
    assert service.assess(copy.deepcopy(body)) == first
    variants = [
        request(NOW, chain_id=1),
        request(NOW, contract="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
        request(NOW, request_id="0x" + "01" * 32),
        request(NOW, subject="0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
    ]
    digests = {service.assess(params(r, features(NOW)))["digest"] for r in variants}
    assert len(digests) == 4 and first["digest"] not in digests


def test_the_payload_names_the_pinned_block_and_the_features_scored(service: EnclaveService) -> None:
    body = params(request(NOW), features(NOW))
    out = service.assess(copy.deepcopy(body))
    feat = body["features"]
    assert (out["block_number"], out["block_hash"]) == (123, feat["as_of_block_hash"])
    assert out["features_hash"] == "0x" + features_hash(feat).hex()
    assert out["typed_data"]["message"]["featuresHash"] == out["features_hash"]
    richer = params(request(NOW), features(NOW, history=history(NOW, swaps=13)))
    assert service.assess(richer)["features_hash"] != out["features_hash"]  # host-supplied history is committed


def test_invented_proven_fields_are_refused(service: EnclaveService) -> None:
    """The attack of a host that invents what the chain can prove: a wallet made minutes ago (nonce 1, a little
    ETH) claimed as a 2,500-transaction wallet holding 2 ETH. The proof is of the real state."""
    real = features(NOW, tx_count=1, balance_wei="10000000000000000", first_seen_timestamp=NOW - 600)
    honest = params(request(NOW), real)
    assert service.assess(copy.deepcopy(honest))["score"] < 600
    invented = {**honest, "features": {**honest["features"], "tx_count": 2500}}
    with pytest.raises(InvalidParams) as caught:
        service.assess(invented)
    assert str(caught.value) == "features.tx_count: 2500 is not the nonce the account proof shows (1)"
    invented = {**honest, "features": {**honest["features"], "balance_wei": "2000000000000000000"}}
    with pytest.raises(InvalidParams) as caught:
        service.assess(invented)
    assert str(caught.value) == ("features.balance_wei: 2000000000000000000 is not the balance the account proof "
                                 "shows (10000000000000000)")
    invented = {**honest, "features": {**honest["features"], "as_of_timestamp": NOW + 60}}
    with pytest.raises(InvalidParams) as caught:
        service.assess(invented)
    assert str(caught.value) == f"features.as_of_timestamp: {NOW + 60} is not the pinned block's time {NOW}"


def test_code_at_the_subject_is_taken_from_the_proof(service: EnclaveService) -> None:
    """CONTRACT_ACCOUNT comes from the account proof's code hash alone: a host cannot set or hide it."""
    eoa = service.assess(params(request(NOW), features(NOW)))
    assert not eoa["flags"] & int(Flag.CONTRACT_ACCOUNT)
    feat, proof = evm_state.pinned(features(NOW), SUBJECT, code_hash=keccak256(b"\x60\x00"))
    contract = service.assess(params(request(NOW), feat, proof=proof))
    assert contract["flags"] == eoa["flags"] | int(Flag.CONTRACT_ACCOUNT)
    assert "CONTRACT_ACCOUNT" in contract["flag_names"] and contract["score"] == eoa["score"]
    assert contract["typed_data"]["message"]["flags"] == contract["flags"]


def test_a_proof_of_another_block_or_account_is_refused(service: EnclaveService) -> None:
    honest = params(request(NOW), features(NOW))
    other_block = params(request(NOW), features(NOW, tx_count=41))
    with pytest.raises(InvalidParams) as caught:
        service.assess({**honest, "proof": other_block["proof"]})
    assert str(caught.value) == (f"proof: header hashes to {other_block['features']['as_of_block_hash']}, pinned "
                                 f"block hash is {honest['features']['as_of_block_hash']}")
    stranger = params(request(NOW, subject="0x90F79bf6EB2c4f870365E785982E1f101E93b906"), features(NOW))
    with pytest.raises(InvalidParams, match=r"^proof: account proof does not match state root 0x[0-9a-f]{64}$"):
        service.assess({**honest, "proof": {**honest["proof"], "account_proof": stranger["proof"]["account_proof"]}})
    truncated = {**honest["proof"], "account_proof": honest["proof"]["account_proof"][:1]}
    with pytest.raises(InvalidParams, match=r"^proof: account proof lacks node 0x[0-9a-f]{64} on the path"):
        service.assess({**honest, "proof": truncated})


def test_the_features_block_must_be_the_requests_pinned_block(service: EnclaveService) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess(params(request(NOW, block_number=122), features(NOW)))
    assert str(caught.value) == "features.as_of_block: 123 is not the request's pinned block 122"
    body = params(request(NOW), features(NOW))
    del body["proof"]
    with pytest.raises(InvalidParams) as caught:
        service.assess(body)
    assert str(caught.value) == ("proof: required for an evm request (the pinned block's header and the subject's "
                                 "account proof)")


def test_host_cannot_choose_the_score(service: EnclaveService) -> None:
    for extra in ({"score": 1000}, {"tier": 2}, {"pd_bps": 0}, {"flags": 0}):
        with pytest.raises(InvalidParams, match="unknown key"):
            service.assess(params(request(NOW), features(NOW, **extra)))
    with pytest.raises(InvalidParams, match="unknown key"):
        service.assess(params(request(NOW), features(NOW), score=1000))


@pytest.mark.parametrize("offset", [-900, 0, 900, 3599])
def test_a_pinned_block_behind_the_clock_by_less_than_the_ttl_is_assessed(key: EnclaveKey, offset: int) -> None:
    svc = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW + offset)
    out = svc.assess(params(request(NOW), features(NOW)))
    assert (out["timestamp"], out["expiry"]) == (NOW, NOW + 3600)  # the pinned block's time, not the clock


def test_a_pinned_block_ahead_of_the_clock_is_refused(key: EnclaveKey) -> None:
    svc = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW - 901)
    with pytest.raises(ClockSkew) as caught:
        svc.assess(params(request(NOW), features(NOW)))
    assert str(caught.value) == (f"features.as_of_timestamp {NOW} is +901 s from the enclave clock {NOW - 901} "
                                 "(allowed: 900 s ahead)")


@pytest.mark.parametrize("offset", [3600, 86_400])
def test_a_pinned_block_whose_assessment_would_have_expired_is_refused(key: EnclaveKey, offset: int) -> None:
    svc = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW + offset)
    with pytest.raises(ClockSkew) as caught:
        svc.assess(params(request(NOW), features(NOW)))
    assert str(caught.value) == (f"features.as_of_timestamp {NOW} is {offset} s before the enclave clock "
                                 f"{NOW + offset}: its assessment would already have expired (ttl 3600 s)")


def test_attest_document(service: EnclaveService, key: EnclaveKey) -> None:
    from node.enclave.attestation import verify_attestation

    doc = service.attest()
    assert verify_attestation(doc, expected_measurement=measure().hex) == key.address
    assert doc["document"]["public_key"] == "0x" + key.public_key.hex()
