"""Operators for the quorum tests: enclave keys derived from a fixed label, and the signed answer each gives for
an EVM request, made by the EVM codec as the enclave makes it (node/enclave/service.py)."""

from __future__ import annotations

from typing import Any

from chains.core.assessment import AssessmentFacts
from chains.core.features import features_hash
from chains.core.secp256k1 import keccak256
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from node.quorum.answer import SignedAnswer

CHAIN = "anvil"
REQUEST_ID = "0x" + "11" * 32
KEY = f"{CHAIN}:{REQUEST_ID}"
REQUEST = {"chain_id": 31337, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "request_id": REQUEST_ID,
           "requester": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
           "subject": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "fee": "1000", "expires_at": 1_700_003_600,
           "block_number": 120}
FEATURES: dict[str, Any] = {
    "as_of_block": 120, "as_of_block_hash": "0x" + "ab" * 32, "as_of_timestamp": 1_700_000_000, "tx_count": 57,
    "balance_wei": "2500000000000000000", "first_seen_timestamp": 1_665_440_000,
    "history": {"tx_30d": 12, "counterparties": 9, "repayment_ratio_bps": None},
}


def operator(index: int) -> EnclaveKey:
    """The enclave key of test operator `index`."""
    return EnclaveKey(keccak256(b"aura quorum test operator " + bytes([index])))


def signed(key: EnclaveKey, features: dict[str, Any] = FEATURES, score: int = 742) -> dict[str, Any]:
    """The enclave's answer for REQUEST scored `score` from `features`, signed by `key`. The commitment is the
    same for every operator, as it must be for their payloads to match."""
    facts = AssessmentFacts(score=score, tier=1, pd_bps=350, flags=8, measurement=b"\x6c" * 32,
                            commitment=b"\xee" * 32, block_number=120, block_hash=b"\xab" * 32,
                            features_hash=features_hash(features), timestamp=1_700_000_000, expiry=1_700_000_600)
    codec = FAMILIES["evm"].codec
    envelope = codec.sign(codec.parse_request(REQUEST), facts, key)
    return {"score": score, "tier": 1, "pd_bps": 350, "flags": 8, "measurement": "0x" + "6c" * 32,
            "commitment": "0x" + "ee" * 32, "block_number": 120, "block_hash": "0x" + "ab" * 32,
            "features_hash": "0x" + facts.features_hash.hex(), "timestamp": 1_700_000_000, "expiry": 1_700_000_600,
            "signer": key.address, **envelope}


def answer(key: EnclaveKey, features: dict[str, Any] = FEATURES, score: int = 742) -> SignedAnswer:
    return SignedAnswer(key=KEY, assessment=signed(key, features, score), features=features)
