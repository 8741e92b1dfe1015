"""The Sui half of the enclave: an `aura_oracle` package request, and the BCS intent message signed for it
(docs/sui.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.codec import BoundRequest, RequestCodec, envelope_bytes
from chains.core.assessment import AssessmentFacts, Signer
from chains.core.secp256k1 import address_from_public_key
from chains.core.wire import MAX_SAFE_INT, MAX_UINT64, decimal, parsed_by, ranged
from chains.sui import payload
from chains.sui.update_id import update_request_id

MAX_EXPIRES_AT = MAX_UINT64 // 1000  # the package holds milliseconds in a u64


@dataclass(frozen=True)
class SuiRequest(BoundRequest):
    """A request of the `aura_oracle` Move package (docs/sui.md); every ID and address is its 32 raw bytes.

    `chain_id` names the network in the node's config: informative, the payload binds the oracle object.
    `block_number` is the sequence number of the checkpoint holding the request's transaction (the pinned one).
    """

    package: bytes


_address = parsed_by(payload.parse_address)
READERS = {"chain_id": ranged(0, MAX_SAFE_INT), "package": _address, "contract": _address, "request_id": _address,
           "requester": _address, "subject": _address, "fee": decimal(MAX_UINT64),
           "expires_at": ranged(0, MAX_EXPIRES_AT), "block_number": ranged(0, MAX_UINT64)}


class SuiCodec(RequestCodec[SuiRequest]):
    family = "sui"
    request_type = SuiRequest
    readers = READERS

    def update_id(self, request: SuiRequest, timestamp: int) -> tuple[bytes, str]:
        """The update form of an `aura_oracle` request: id `update_id(oracle, subject, timestamp * 1000)`
        (chains/sui/update_id.py), requester @0x0, fee 0 (`check_update`)."""
        expected = update_request_id(request.contract, request.subject, timestamp)
        return expected, f"0x{expected.hex()} (chains/sui/update_id.py)"

    def sign(self, request: SuiRequest, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """`public_key` (33 bytes), `intent_message` (BCS), `digest` (SHA-256), `signature` (64-byte low-S
        r || s) and the two times in milliseconds."""
        message = payload.Assessment(oracle=request.contract, request_id=request.request_id,
                                     subject=request.subject, facts=facts)
        raw = message.to_bcs()
        digest = payload.digest(raw)
        return {
            "public_key": "0x" + signer.public_key.hex(),
            "intent_message": "0x" + raw.hex(),
            "digest": "0x" + digest.hex(),
            "signature": "0x" + payload.compact_signature(signer.sign_digest(digest)).hex(),
            "timestamp_ms": message.timestamp_ms,
            "expiry_ms": message.expiry_ms,
        }

    def signer_address(self, envelope: Mapping[str, Any]) -> str:
        """`secp256k1_verify` of `signature` (64-byte low-S r || s) by `public_key` (33 bytes) over
        `intent_message`, whose SHA-256 must be `digest`; the address is the key's EVM-style one."""
        digest = envelope_bytes(envelope, "digest", 32)
        message = envelope_bytes(envelope, "intent_message", payload.PAYLOAD_SIZE)
        if payload.digest(message) != digest:
            raise ValueError("envelope digest: not the SHA-256 of its intent_message")
        public_key = envelope_bytes(envelope, "public_key", 33)
        if not payload.verify(public_key, message, envelope_bytes(envelope, "signature", 64)):
            raise ValueError("envelope signature: does not verify with its public_key over its digest")
        return address_from_public_key(public_key)


CODEC = SuiCodec()
