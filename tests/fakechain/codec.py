"""The fake family's half of the enclave: a request of the in-memory chain, and the keccak-256 payload signed
for it. Every id and address on the fake chain is 32 bytes, written `0x` and 64 hex digits."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from chains.codec import BoundRequest, RequestCodec, envelope_bytes
from chains.core.assessment import AssessmentFacts, Signer
from chains.core.secp256k1 import keccak256, recover_address
from chains.core.wire import MAX_SAFE_INT, MAX_UINT64, decimal, ranged, read_bytes32

DOMAIN = b"AURA/fake/assessment/v1"


READERS = {"chain_id": ranged(1, MAX_SAFE_INT), "contract": read_bytes32, "request_id": read_bytes32,
           "requester": read_bytes32, "subject": read_bytes32, "fee": decimal(MAX_UINT64),
           "expires_at": ranged(0, MAX_UINT64), "block_number": ranged(0, MAX_UINT64)}


def payload(chain_id: int, contract: bytes, request_id: bytes, subject: bytes, facts: AssessmentFacts) -> bytes:
    """The signed bytes: domain, chain id, contract, request, subject, then the facts (the pinned block's number
    and hash and the features hash after the commitment), big-endian.

    Raises:
        ValueError: a fact does not fit its field.
    """
    try:
        numbers = struct.pack(">HBHI", facts.score, facts.tier, facts.pd_bps, facts.flags)
        times = struct.pack(">QQ", facts.timestamp, facts.expiry)
        block = struct.pack(">Q", facts.block_number)
    except struct.error as e:
        raise ValueError(f"a fact does not fit the fake payload: {e}") from None
    return (DOMAIN + chain_id.to_bytes(8, "big") + contract + request_id + subject + numbers + facts.measurement
            + facts.commitment + block + facts.block_hash + facts.features_hash + times)


def digest(chain_id: int, contract: bytes, request_id: bytes, subject: bytes, facts: AssessmentFacts) -> bytes:
    return keccak256(payload(chain_id, contract, request_id, subject, facts))


UPDATE_SEQ = (1 << 64) - 1


def update_request_id(chain_id: int, contract: bytes, subject: bytes, timestamp: int) -> bytes:
    """The fake contract's id for an operator's update of `subject` with an assessment of `timestamp`: keccak-256 of
    a tag, the chain id, contract, subject and time, its low 64 bits set (as AuraOracle's `updateId`)."""
    body = b"AURA/fake/update/v1" + chain_id.to_bytes(8, "big") + contract + subject + timestamp.to_bytes(8, "big")
    return (int.from_bytes(keccak256(body), "big") | UPDATE_SEQ).to_bytes(32, "big")


class FakeCodec(RequestCodec[BoundRequest]):
    family = "fake"
    request_type = BoundRequest
    readers = READERS

    def update_id(self, request: BoundRequest, timestamp: int) -> tuple[bytes, str]:
        """The fake contract's update form: its id for the subject and time, no requester, no fee (`check_update`)."""
        expected = update_request_id(request.chain_id, request.contract, request.subject, timestamp)
        return expected, "0x" + expected.hex()

    def sign(self, request: BoundRequest, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """`digest` (keccak-256 of `payload`) and `signature` (r || s || v, v 27/28)."""
        signed = digest(request.chain_id, request.contract, request.request_id, request.subject, facts)
        return {"digest": "0x" + signed.hex(), "signature": "0x" + signer.sign_digest(signed).hex()}

    def signer_address(self, envelope: Mapping[str, Any]) -> str:
        """ecrecover of `signature` (r || s || v, low-S) over `digest`, as the ledger checks it."""
        return recover_address(envelope_bytes(envelope, "digest", 32), envelope_bytes(envelope, "signature", 65))


CODEC = FakeCodec()
