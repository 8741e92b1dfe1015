"""EnclaveService for Solana requests with the real scoring engine: result fields, shared scoring and
commitment, what the payload binds (and what it does not), and the frame handler."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from coincurve import PublicKey

from chains.core.secp256k1 import SECP256K1_HALF_N, keccak256
from chains.solana import payload as solana
from node.enclave.commitment import blinding, score_commitment
from node.enclave.keys import EnclaveKey
from node.enclave.logs import JsonLog
from node.enclave.measurement import measure
from node.enclave.server import handle_body
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine

from .conftest import SUBJECT, features, params, request

NOW = 1_750_000_000
VECTOR = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "solana.json").read_text())
ACCOUNTS = VECTOR["accounts"]
SCORE_KEYS = {
    "score", "tier", "pd_bps", "flags", "dimensions", "measurement", "commitment", "block_number", "block_hash",
    "features_hash", "timestamp", "expiry",
    "signer", "flag_names", "scorecard", "model_points", "anomaly_bps", "rules", "reasons", "intent_reasons", "terms", "private", "offchain", "update",
}  # fmt: skip
EVM_KEYS = SCORE_KEYS | {"digest", "signature", "typed_data", "typed_data_ethers"}
SOLANA_KEYS = SCORE_KEYS | {"public_key", "payload", "digest", "signature"}


def solana_request(**overrides: Any) -> dict[str, Any]:
    base = {
        "family": "solana",
        "chain_id": 103,
        "program": ACCOUNTS["program"]["pubkey"],
        "contract": ACCOUNTS["oracle"]["pubkey"],
        "request_id": ACCOUNTS["request"]["pubkey"],
        "requester": ACCOUNTS["requester"]["pubkey"],
        "subject": ACCOUNTS["subject"]["pubkey"],
        "fee": "5000000",
        "expires_at": NOW + 3600,
        "block_number": 123,
    }
    base.update(overrides)
    return base


def other_key(label: str) -> str:
    return solana.b58encode(hashlib.sha256(label.encode()).digest())


@pytest.fixture(scope="module")
def key() -> EnclaveKey:
    return EnclaveKey(bytes.fromhex(VECTOR["private_key"][2:]))


@pytest.fixture(scope="module")
def service(key: EnclaveKey) -> EnclaveService:
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)


def test_result_fields(service: EnclaveService, key: EnclaveKey) -> None:
    out = service.assess({"request": solana_request(), "features": features(NOW)})
    assert set(out) == SOLANA_KEYS
    assert out["signer"] == key.address
    public_key = bytes.fromhex(out["public_key"][2:])
    assert public_key == PublicKey(key.public_key).format(compressed=False)[1:]  # x || y, no 0x04 byte
    assert solana.address_of(public_key).hex() == key.address[2:].lower()
    payload = bytes.fromhex(out["payload"][2:])
    assert len(payload) == 320 and out["digest"] == "0x" + keccak256(payload).hex()
    signature = bytes.fromhex(out["signature"][2:])
    assert len(signature) == 65 and signature[64] in (0, 1)
    assert int.from_bytes(signature[32:64], "big") <= SECP256K1_HALF_N
    assert solana.recover_public_key(keccak256(payload), signature) == public_key
    signed = solana.parse_payload(payload)
    assert (signed.facts.score, signed.facts.tier, signed.facts.pd_bps, signed.facts.flags) == (out["score"], out["tier"], out["pd_bps"], out["flags"])
    assert (signed.facts.timestamp, signed.facts.expiry) == (out["timestamp"], out["expiry"]) == (NOW, NOW + 3600)
    assert "0x" + signed.facts.measurement.hex() == out["measurement"] == measure().hex
    assert "0x" + signed.facts.commitment.hex() == out["commitment"]
    feat = features(NOW)
    assert signed.cluster_id == 103
    assert (signed.facts.block_number, "0x" + signed.facts.block_hash.hex()) == (
        out["block_number"], out["block_hash"]) == (123, feat["as_of_block_hash"])
    assert "0x" + signed.facts.features_hash.hex() == out["features_hash"]
    for field, role in (("program", "program"), ("oracle", "oracle"), ("request", "request"), ("subject", "subject")):
        assert solana.b58encode(getattr(signed, field)) == ACCOUNTS[role]["pubkey"]


def test_same_scoring_as_evm(service: EnclaveService) -> None:
    """Scores and explanation do not depend on the family; only the signing envelope does."""
    feat = features(NOW)
    sol = service.assess({"request": solana_request(), "features": copy.deepcopy(feat)})
    evm = service.assess(params(request(NOW), copy.deepcopy(feat)))
    assert set(evm) == EVM_KEYS and "payload" not in evm and "public_key" not in evm
    shared = SCORE_KEYS - {"commitment"}
    assert {k: sol[k] for k in shared} == {k: evm[k] for k in shared}


def test_commitment_uses_the_request_account_and_subject_bytes(service: EnclaveService, key: EnclaveKey) -> None:
    out = service.assess({"request": solana_request(), "features": features(NOW)})
    rid = solana.b58decode(ACCOUNTS["request"]["pubkey"])
    subject = solana.b58decode(ACCOUNTS["subject"]["pubkey"])
    expected = score_commitment(out["score"], blinding(key.commitment_secret, rid, subject), subject)
    assert out["commitment"] == "0x" + expected.hex()
    # one rule for every family: an EVM request with the same 32-byte id whose subject, left-padded to 32 bytes,
    # is the Solana subject's bytes commits identically
    evm_subject = bytes.fromhex(SUBJECT[2:])
    padded = solana.b58encode(bytes(12) + evm_subject)
    sol = service.assess({"request": solana_request(subject=padded), "features": features(NOW)})
    evm = service.assess(params(request(NOW, request_id="0x" + rid.hex()), features(NOW)))
    assert evm["score"] == sol["score"] and evm["commitment"] == sol["commitment"] != out["commitment"]


def test_bound_to_cluster_program_oracle_request_subject(service: EnclaveService) -> None:
    base = service.assess({"request": solana_request(), "features": features(NOW)})
    payload = bytes.fromhex(base["payload"][2:])
    offsets = {name: (offset, size) for offset, size, name in solana.PAYLOAD_LAYOUT}
    cases: list[tuple[str, str, Any, bytes]] = [("chain_id", "cluster_id", 101, (101).to_bytes(8, "little"))]
    for wire, field in (("program", "program"), ("contract", "oracle"), ("request_id", "request"), ("subject", "subject")):
        replacement = other_key(f"other {wire}")
        cases.append((wire, field, replacement, solana.b58decode(replacement)))
    for wire, field, replacement, raw in cases:
        out = service.assess({"request": solana_request(**{wire: replacement}), "features": features(NOW)})
        changed = bytes.fromhex(out["payload"][2:])
        offset, size = offsets[field]
        assert changed[offset:offset + size] == raw
        assert out["digest"] != base["digest"] and out["signature"] != base["signature"]
        untouched = {n for n in offsets if n != field} - ({"commitment"} if field in ("request", "subject") else set())
        for name in untouched:
            o, s = offsets[name]
            assert changed[o:o + s] == payload[o:o + s], (wire, name)


def test_requester_fee_and_expiry_are_not_signed(service: EnclaveService) -> None:
    """requester, fee and expires_at are the program's to check from the request account: none of them is in
    the payload."""
    base = service.assess({"request": solana_request(), "features": features(NOW)})
    for change in ({"requester": other_key("someone")}, {"fee": "0"}, {"expires_at": NOW + 1}):
        out = service.assess({"request": solana_request(**change), "features": features(NOW)})
        assert out == base, change


def test_deterministic(service: EnclaveService, key: EnclaveKey) -> None:
    params = {"request": solana_request(), "features": features(NOW)}
    first = service.assess(copy.deepcopy(params))
    assert service.assess(copy.deepcopy(params)) == first
    fresh = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW + 5)
    assert fresh.assess(copy.deepcopy(params)) == first


def test_balance_is_lamports_in_18_decimals(service: EnclaveService) -> None:
    """The adapter scales lamports by 10^9: 2 SOL scores as 2 ETH would."""
    sol = service.assess({"request": solana_request(),
                          "features": features(NOW, balance_wei=str(2_000_000_000 * 10**9))})
    evm = service.assess(params(request(NOW), features(NOW, balance_wei=str(2 * 10**18))))
    assert (sol["score"], sol["flags"], sol["dimensions"]) == (evm["score"], evm["flags"], evm["dimensions"])


def _frame_body(params: dict[str, Any]) -> bytes:
    return json.dumps({"id": 7, "method": "assess", "params": params}).encode()


def test_frame_handler_answers_solana(service: EnclaveService) -> None:
    reply, close = handle_body(service, _frame_body({"request": solana_request(), "features": features(NOW)}))
    assert not close and reply["id"] == 7 and set(reply["result"]) == SOLANA_KEYS
    bad = solana_request(subject="0x" + "ab" * 20)
    reply, close = handle_body(service, _frame_body({"request": bad, "features": features(NOW)}))
    assert not close and reply["error"] == {"code": "invalid_params",
                                            "message": "request.subject: must be base58, not 0x-prefixed hex"}


def test_frame_handler_with_a_log_answers_solana(service: EnclaveService, tmp_path: Path) -> None:
    log = JsonLog(tmp_path / "enclave.log")
    try:
        reply, _ = handle_body(service, _frame_body({"request": solana_request(), "features": features(NOW)}), log)
    finally:
        log.close()
    assert "result" in reply, reply
