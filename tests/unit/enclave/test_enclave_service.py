"""EnclaveService in-process: scoring, signing, commitment, typed data, clock, determinism."""

from __future__ import annotations

import copy

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data

from chains.core.secp256k1 import SECP256K1_HALF_N, keccak256
from node.enclave.commitment import blinding
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.params import InvalidParams
from node.enclave.service import ClockSkew, EnclaveService
from node.scoring import WalletFeatures, assess, load_config
from node.scoring.engine import Engine

from .conftest import DAY, features, request

NOW = 1_750_000_000
RESULT_KEYS = {
    "score", "tier", "pd_bps", "flags", "dimensions", "measurement", "commitment", "timestamp",
    "expiry", "signer", "digest", "signature", "typed_data", "flag_names", "scorecard", "model_points",
    "anomaly_bps", "rules", "reasons", "intent_reasons", "terms",
}  # fmt: skip


@pytest.fixture(scope="module")
def key() -> EnclaveKey:
    return EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))


@pytest.fixture(scope="module")
def service(key: EnclaveKey) -> EnclaveService:
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)


def test_result_fields_and_binding(service: EnclaveService, key: EnclaveKey) -> None:
    req, feat = request(NOW), features(NOW)
    out = service.assess({"request": req, "features": feat})
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


def test_eth_account_checks_the_result(service: EnclaveService, key: EnclaveKey) -> None:
    out = service.assess({"request": request(NOW), "features": features(NOW)})
    signable = encode_typed_data(full_message=out["typed_data"])
    assert "0x" + keccak256(b"\x19" + signable.version + signable.header + signable.body).hex() == out["digest"]
    assert Account.recover_message(signable, signature=bytes.fromhex(out["signature"][2:])) == key.address
    sig = bytes.fromhex(out["signature"][2:])
    assert len(sig) == 65 and sig[64] in (27, 28) and int.from_bytes(sig[32:64], "big") <= SECP256K1_HALF_N


def test_commitment(service: EnclaveService, key: EnclaveKey) -> None:
    req = request(NOW)
    out = service.assess({"request": req, "features": features(NOW)})
    rid = bytes.fromhex(req["request_id"][2:])
    blind = blinding(key.commitment_secret, rid)
    assert out["commitment"] == "0x" + keccak256(abi_encode(["bytes32", "uint256", "bytes32"], [rid, out["score"], blind])).hex()
    other = service.assess({"request": request(NOW, request_id="0x" + "cd" * 32), "features": features(NOW)})
    assert other["score"] == out["score"] and other["commitment"] != out["commitment"]


def test_deterministic_and_bound_to_chain_contract_request_subject(service: EnclaveService) -> None:
    params = {"request": request(NOW), "features": features(NOW)}
    first = service.assess(copy.deepcopy(params))
    assert service.assess(copy.deepcopy(params)) == first
    variants = [
        request(NOW, chain_id=1),
        request(NOW, contract="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
        request(NOW, request_id="0x" + "01" * 32),
        request(NOW, subject="0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
    ]
    digests = {service.assess({"request": r, "features": features(NOW)})["digest"] for r in variants}
    assert len(digests) == 4 and first["digest"] not in digests


def test_host_cannot_choose_the_score(service: EnclaveService) -> None:
    for extra in ({"score": 1000}, {"tier": 2}, {"pd_bps": 0}, {"flags": 0}):
        with pytest.raises(InvalidParams, match="unknown key"):
            service.assess({"request": request(NOW), "features": features(NOW, **extra)})
    with pytest.raises(InvalidParams, match="unknown key"):
        service.assess({"request": request(NOW), "features": features(NOW), "score": 1000})


@pytest.mark.parametrize("offset", [-900, 0, 900])
def test_clock_within_skew(key: EnclaveKey, offset: int) -> None:
    svc = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW + offset)
    assert svc.assess({"request": request(NOW), "features": features(NOW)})["timestamp"] == NOW


@pytest.mark.parametrize("offset", [-901, 901, 86_400])
def test_clock_skew_refused(key: EnclaveKey, offset: int) -> None:
    svc = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW + offset)
    with pytest.raises(ClockSkew, match="allowed: 900 s"):
        svc.assess({"request": request(NOW), "features": features(NOW)})


def test_attest_document(service: EnclaveService, key: EnclaveKey) -> None:
    from node.enclave.attestation import verify_attestation

    doc = service.attest()
    assert verify_attestation(doc, expected_measurement=measure().hex) == key.address
    assert doc["document"]["public_key"] == "0x" + key.public_key.hex()
