"""The real enclave service assesses a Sui request exactly as the adapter hands it over (`enclave_request` of the
OracleRequest it read, features in the wire form `read_features` returns), and what it signs is what the
adapter's fulfilment carries: the arguments check out and the transaction builds."""

from __future__ import annotations

import hashlib

import base58
import pytest

from chains.base import OracleRequest, SignedAssessment
from chains.core.features import features_hash
from chains.sui import package as pkg
from chains.sui import payload
from chains.sui import transaction as tx
from chains.sui.adapter import SuiAdapter
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine

NOW = 1_764_619_200
PACKAGE = "0x" + hashlib.sha256(b"view package").hexdigest()
ORACLE = "0x" + hashlib.sha256(b"view oracle").hexdigest()
CHECKPOINT_DIGEST = hashlib.sha256(b"view checkpoint 1005").digest()
REQUEST = OracleRequest(
    chain="sui-unit", family="sui", chain_id=3, contract=ORACLE,
    request_id="0x" + hashlib.sha256(b"view request").hexdigest(),
    requester="0x" + hashlib.sha256(b"view requester").hexdigest(),
    subject="0x" + hashlib.sha256(b"view subject").hexdigest(), fee=50_000_000, expires_at=NOW + 3600,
    params="0x", block_number=1005, block_hash=base58.b58encode(CHECKPOINT_DIGEST).decode(), tx_hash="",
    ordinal=7, program=PACKAGE,
)  # fmt: skip
# what read_features returns at the pinned checkpoint, the one holding the request
FEATURES = {"as_of_block": 1005, "as_of_block_hash": "0x" + CHECKPOINT_DIGEST.hex(), "as_of_timestamp": NOW,
            "tx_count": 3, "balance_wei": "2500000000000000000", "first_seen_timestamp": NOW - 400 * 86_400}


@pytest.fixture(scope="module")
def service() -> EnclaveService:
    key = EnclaveKey(hashlib.sha256(b"view enclave").digest())
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)


def test_enclave_request_carries_the_package() -> None:
    assert SuiAdapter.enclave_request(REQUEST) == {
        "family": "sui", "chain_id": 3, "contract": ORACLE, "request_id": REQUEST.request_id,
        "requester": REQUEST.requester, "subject": REQUEST.subject, "fee": "50000000", "expires_at": NOW + 3600,
        "block_number": 1005, "package": PACKAGE}


def test_enclave_assessment_of_the_view_is_what_the_fulfilment_carries(service: EnclaveService) -> None:
    result = service.assess({"request": SuiAdapter.enclave_request(REQUEST), "features": dict(FEATURES)})
    assert result["timestamp_ms"] == NOW * 1000 and result["expiry_ms"] == result["expiry"] * 1000
    args = pkg.fulfil_args(REQUEST, SignedAssessment.from_wire(result))  # the intent message binds this oracle, request and subject
    signed = payload.parse_intent_message(bytes.fromhex(result["intent_message"][2:]))
    assert (signed.oracle.hex(), signed.request_id.hex(), signed.subject.hex()) == (
        ORACLE[2:], REQUEST.request_id[2:], REQUEST.subject[2:])
    assert args.public_key == bytes.fromhex(result["public_key"][2:]) and args.public_key[0] in (2, 3)
    assert args.facts.measurement == bytes.fromhex(result["measurement"][2:]) == measure().digest
    assert (signed.facts.block_number, signed.facts.block_hash) == (1005, CHECKPOINT_DIGEST)
    assert signed.facts.features_hash == features_hash(FEATURES)
    kind = pkg.fulfil_kind(PACKAGE, ORACLE, 5, args)
    gas = tx.ObjectRef("0x" + "aa" * 32, 1, "11111111111111111111111111111111")
    raw = tx.serialize(tx.transaction_data(kind, "0x" + "bb" * 32, gas, 1000, 6_000_000, 42))
    call = tx.decode(raw).value.TransactionKind.value.Command[0].value
    assert (call.Package.to_address_str(), call.Module, call.Function) == (PACKAGE, "oracle", "fulfil")
