"""EnclaveService for Sui requests with the real scoring engine: result fields, shared scoring and commitment,
what the intent message binds (and what it does not), and the frame handler."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chains.core.secp256k1 import SECP256K1_HALF_N
from chains.sui import payload as sui
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.server import handle_body
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine

from .conftest import SUBJECT, features, params, request

NOW = 1_750_000_000
VECTOR = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "sui.json").read_text())
SCORE_KEYS = {
    "score", "tier", "pd_bps", "flags", "dimensions", "measurement", "commitment", "block_number", "block_hash",
    "features_hash", "timestamp", "expiry",
    "signer", "flag_names", "scorecard", "model_points", "anomaly_bps", "rules", "reasons", "intent_reasons", "terms", "private", "offchain", "update",
}  # fmt: skip
SUI_KEYS = SCORE_KEYS | {"public_key", "intent_message", "digest", "signature", "timestamp_ms", "expiry_ms"}
OFFSETS = {name: (offset, size) for offset, size, name in sui.PAYLOAD_LAYOUT}


def sui_request(**overrides: Any) -> dict[str, Any]:
    base = copy.deepcopy(VECTOR["cases"]["first"]["params"]["request"])
    base["expires_at"] = NOW + 3600
    base["block_number"] = features(NOW)["as_of_block"]  # the checkpoint the features are read at
    base.update(overrides)
    return base


def other_id(label: str) -> str:
    return "0x" + hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture(scope="module")
def key() -> EnclaveKey:
    return EnclaveKey(bytes.fromhex(VECTOR["private_key"][2:]))


@pytest.fixture(scope="module")
def service(key: EnclaveKey) -> EnclaveService:
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)


def test_result_fields(service: EnclaveService, key: EnclaveKey) -> None:
    out = service.assess({"request": sui_request(), "features": features(NOW)})
    assert set(out) == SUI_KEYS
    assert out["public_key"] == "0x" + key.public_key.hex() and len(key.public_key) == 33
    message = bytes.fromhex(out["intent_message"][2:])
    assert len(message) == sui.PAYLOAD_SIZE and out["digest"] == "0x" + hashlib.sha256(message).hexdigest()
    signature = bytes.fromhex(out["signature"][2:])
    assert len(signature) == 64 and int.from_bytes(signature[32:], "big") <= SECP256K1_HALF_N
    assert sui.verify(key.public_key, message, signature)
    signed = sui.parse_intent_message(message)
    assert (signed.facts.score, signed.facts.tier, signed.facts.pd_bps, signed.facts.flags) == (out["score"], out["tier"], out["pd_bps"],
                                                                        out["flags"])
    assert (out["timestamp_ms"], out["expiry_ms"]) == (signed.timestamp_ms, signed.expiry_ms)
    assert (signed.timestamp_ms, signed.expiry_ms) == (out["timestamp"] * 1000, out["expiry"] * 1000)
    assert "0x" + signed.facts.measurement.hex() == out["measurement"] == measure().hex
    assert "0x" + signed.facts.commitment.hex() == out["commitment"]
    pinned = (signed.facts.block_number, "0x" + signed.facts.block_hash.hex(), "0x" + signed.facts.features_hash.hex())
    assert pinned == (out["block_number"], out["block_hash"], out["features_hash"])
    assert out["block_hash"] == features(NOW)["as_of_block_hash"]
    req = sui_request()
    assert (signed.oracle.hex(), signed.request_id.hex(), signed.subject.hex()) == (
        req["contract"][2:], req["request_id"][2:], req["subject"][2:])


def test_same_scoring_and_commitment_as_evm(service: EnclaveService) -> None:
    """Scores and explanation do not depend on the family; an EVM request with the same 32-byte id whose subject,
    left-padded to 32 bytes, is the Sui subject commits identically."""
    rid = VECTOR["cases"]["first"]["params"]["request"]["request_id"]
    s = service.assess({"request": sui_request(subject="0x" + "00" * 12 + SUBJECT[2:].lower()), "features": features(NOW)})
    evm = service.assess(params(request(NOW, request_id=rid), features(NOW)))
    assert {k: s[k] for k in SCORE_KEYS - {"signer"}} == {k: evm[k] for k in SCORE_KEYS - {"signer"}}


def test_bound_to_oracle_request_and_subject(service: EnclaveService) -> None:
    base = service.assess({"request": sui_request(), "features": features(NOW)})
    message = bytes.fromhex(base["intent_message"][2:])
    for wire, field in (("contract", "oracle"), ("request_id", "request_id"), ("subject", "subject")):
        replacement = other_id(f"other {wire}")
        out = service.assess({"request": sui_request(**{wire: replacement}), "features": features(NOW)})
        changed = bytes.fromhex(out["intent_message"][2:])
        offset, size = OFFSETS[field]
        assert changed[offset:offset + size].hex() == replacement[2:]
        assert out["signature"] != base["signature"]
        untouched = set(OFFSETS) - {field} - ({"commitment"} if field in ("request_id", "subject") else set())
        for name in untouched:
            o, n = OFFSETS[name]
            assert changed[o:o + n] == message[o:o + n], (wire, name)


def test_chain_id_package_requester_fee_and_expiry_are_not_signed(service: EnclaveService) -> None:
    """The oracle object binds the package and the chain; requester, fee and request expiry are the package's
    to check from its stored request."""
    base = service.assess({"request": sui_request(), "features": features(NOW)})
    for change in ({"chain_id": 7}, {"package": other_id("package")}, {"requester": other_id("someone")},
                   {"fee": "0"}, {"expires_at": NOW + 1}):
        assert service.assess({"request": sui_request(**change), "features": features(NOW)}) == base, change


def test_deterministic_across_instances(service: EnclaveService, key: EnclaveKey) -> None:
    params = {"request": sui_request(), "features": features(NOW)}
    first = service.assess(copy.deepcopy(params))
    fresh = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW + 5)
    assert fresh.assess(copy.deepcopy(params)) == first


def test_frame_handler_answers_sui(service: EnclaveService) -> None:
    body = json.dumps({"id": 3, "method": "assess", "params": {"request": sui_request(),
                                                              "features": features(NOW)}}).encode()
    reply, close = handle_body(service, body)
    assert not close and reply["id"] == 3 and set(reply["result"]) == SUI_KEYS
    bad = json.dumps({"id": 4, "method": "assess", "params": {
        "request": sui_request(subject="0x" + "AB" * 32), "features": features(NOW)}}).encode()
    reply, close = handle_body(service, bad)
    assert not close and reply["error"] == {
        "code": "invalid_params",
        "message": "request.subject: must be 0x followed by 64 lower-case hex digits (a full Sui address)"}
