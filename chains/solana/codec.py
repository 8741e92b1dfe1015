"""The Solana half of the enclave: an `aura_oracle` request, and the 320-byte payload signed for it
(docs/solana.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.codec import BoundRequest, RequestCodec, envelope_bytes
from chains.core.assessment import AssessmentFacts, Signer
from chains.core.secp256k1 import to_checksum_address
from chains.core.wire import MAX_INT64, MAX_SAFE_INT, MAX_UINT64, decimal, parsed_by, ranged
from chains.solana import payload
from chains.solana.update_id import update_request_id


@dataclass(frozen=True)
class SolanaRequest(BoundRequest):
    """A request of the `aura_oracle` program; every key is the account's 32 raw bytes.

    `chain_id` is the cluster id: the node's config names it, the oracle account stores it (`initialize`), and
    the payload carries it, so that a signature made for one cluster is refused on another (docs/solana.md).
    `block_number` is the request's pinned slot.
    """

    program: bytes


_pubkey = parsed_by(payload.parse_pubkey)
READERS = {"chain_id": ranged(1, MAX_SAFE_INT), "program": _pubkey, "contract": _pubkey, "request_id": _pubkey,
           "requester": _pubkey, "subject": _pubkey, "fee": decimal(MAX_UINT64), "expires_at": ranged(0, MAX_INT64),
           "block_number": ranged(0, MAX_UINT64)}


class SolanaCodec(RequestCodec[SolanaRequest]):
    family = "solana"
    request_type = SolanaRequest
    readers = READERS

    no_requester = f"the all-zero key {payload.pubkey_text(bytes(32))}"

    def update_id(self, request: SolanaRequest, timestamp: int) -> tuple[bytes, str]:
        """The update form of an `aura_oracle` request: id the program's derivation for the oracle, subject and
        `timestamp` (chains/solana/update_id.py), requester the all-zero key, fee 0 (`check_update`)."""
        expected = update_request_id(request.contract, request.subject, timestamp)
        return expected, f"{payload.pubkey_text(expected)} (chains/solana/update_id.py)"

    def sign(self, request: SolanaRequest, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """`public_key` (64 bytes x || y), `payload`, `digest` and `signature` (r || s || recovery id 0/1)."""
        signed = payload.Assessment(cluster_id=request.chain_id, program=request.program, oracle=request.contract,
                                    request=request.request_id, subject=request.subject, facts=facts).payload()
        digest = payload.digest(signed)
        return {
            "public_key": "0x" + payload.uncompressed_public_key(signer.public_key).hex(),
            "payload": "0x" + signed.hex(),
            "digest": "0x" + digest.hex(),
            "signature": "0x" + payload.recovery_id_signature(signer.sign_digest(digest)).hex(),
        }

    def signer_address(self, envelope: Mapping[str, Any]) -> str:
        """`sol_secp256k1_recover` of `signature` (r || s || recovery id, low-S) over `digest`, which must give
        the envelope's `public_key`; its address is what the program stores."""
        digest = envelope_bytes(envelope, "digest", 32)
        recovered = payload.recover_public_key(digest, envelope_bytes(envelope, "signature", 65))
        if recovered != envelope_bytes(envelope, "public_key", 64):
            raise ValueError("envelope signature: not made by its public_key over its digest")
        return to_checksum_address(payload.address_of(recovered))


CODEC = SolanaCodec()
