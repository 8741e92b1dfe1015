"""Sample values and a signed assessment shared by the offline Sui tests."""

from __future__ import annotations

import hashlib

import base58

from chains.base import OracleRequest, SignedAssessment
from chains.core.assessment import AssessmentFacts
from chains.sui import package as pkg
from chains.sui import payload
from chains.sui import transaction as tx
from node.enclave.keys import EnclaveKey

PACKAGE = "0x" + "ab" * 32
ORACLE = "0x" + "0c" * 32
SENDER = "0x" + "5e" * 32
GAS = tx.ObjectRef("0x" + "9a" * 32, 77, base58.b58encode(bytes(range(32))).decode())
CHECKPOINT_DIGEST = b"\xcb" * 32  # of checkpoint 3, which holds the request
FEATURES_HASH = b"\xfe" * 32


def signed_request() -> tuple[OracleRequest, dict[str, object]]:
    key = EnclaveKey(hashlib.sha256(b"unit enclave").digest())
    request = OracleRequest(chain="sui-unit", family="sui", chain_id=0, contract=ORACLE,
                            request_id="0x" + "e1" * 32, requester="0x" + "e2" * 32, subject="0x" + "e3" * 32,
                            fee=1, expires_at=2, params="0x", block_number=3,
                            block_hash=base58.b58encode(CHECKPOINT_DIGEST).decode(), tx_hash="", ordinal=4,
                            program=PACKAGE)
    message = payload.Assessment(oracle=bytes.fromhex("0c" * 32), request_id=bytes.fromhex("e1" * 32),
                                 subject=bytes.fromhex("e3" * 32),
                                 facts=AssessmentFacts(score=640, tier=3, pd_bps=250, flags=9, measurement=b"\x5a" * 32,
                                                       commitment=b"\xc0" * 32, block_number=3,
                                                       block_hash=CHECKPOINT_DIGEST, features_hash=FEATURES_HASH,
                                                       timestamp=1_700_000_000, expiry=1_700_003_600)).to_bcs()
    signature = payload.compact_signature(key.sign_digest(payload.digest(message)))
    return request, {"score": 640, "tier": 3, "pd_bps": 250, "flags": 9, "measurement": "0x" + "5a" * 32,
                     "commitment": "0x" + "c0" * 32, "block_number": 3, "block_hash": "0x" + CHECKPOINT_DIGEST.hex(),
                     "features_hash": "0x" + FEATURES_HASH.hex(), "timestamp_ms": 1_700_000_000_000,
                     "expiry_ms": 1_700_003_600_000, "public_key": "0x" + key.public_key.hex(),
                     "intent_message": "0x" + message.hex(), "signature": "0x" + signature.hex(),
                     "timestamp": 1_700_000_000, "expiry": 1_700_003_600, "signer": key.address,
                     "digest": "0x" + payload.digest(message).hex()}


def built() -> tuple[pkg.FulfilArgs, bytes]:
    request, assessment = signed_request()
    args = pkg.fulfil_args(request, SignedAssessment.from_wire(assessment))
    kind = pkg.fulfil_kind(PACKAGE, ORACLE, 41, args)
    return args, tx.serialize(tx.transaction_data(kind, SENDER, GAS, 750, 4_000_000, 12))
