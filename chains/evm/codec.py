"""The EVM half of the enclave: an AuraOracle request, and the EIP-712 `Assessment` signed for it."""

from __future__ import annotations

from typing import Any

from chains.codec import BoundRequest, RequestCodec
from chains.core.assessment import AssessmentFacts, Signer
from chains.core.secp256k1 import parse_address
from chains.core.wire import MAX_FEE, MAX_SAFE_INT, MAX_UINT64, decimal, parsed_by, ranged, read_bytes32
from chains.evm import payload as eip712

_address = parsed_by(parse_address)
READERS = {"chain_id": ranged(1, MAX_SAFE_INT), "contract": _address, "request_id": read_bytes32,
           "requester": _address, "subject": _address, "fee": decimal(MAX_FEE), "expires_at": ranged(0, MAX_UINT64)}


class EvmCodec(RequestCodec[BoundRequest]):
    family = "evm"
    request_type = BoundRequest
    readers = READERS

    def sign(self, request: BoundRequest, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """EIP-712: `digest`, `signature` (r || s || v, v 27/28) and `typed_data`."""
        assessment = eip712.Assessment(request_id=request.request_id, subject=request.subject, facts=facts)
        domain = eip712.Domain(request.chain_id, request.contract)
        digest = eip712.digest(domain, assessment)
        return {
            "digest": "0x" + digest.hex(),
            "signature": "0x" + signer.sign_digest(digest).hex(),
            "typed_data": eip712.typed_data(domain, assessment),
        }


CODEC = EvmCodec()
