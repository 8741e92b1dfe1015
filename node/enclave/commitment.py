"""The score commitment of docs/protocol.md: keccak256(abi.encode(requestId, uint256(score), blinding))."""

from __future__ import annotations

import hashlib
import hmac

from chains.core.secp256k1 import keccak256

COMMITMENT_SECRET_LABEL = b"aura/enclave/commitment-secret/v1"


def derive_commitment_secret(private_key: bytes) -> bytes:
    """HMAC-SHA256(private key, label): deterministic per key, useless for recovering the key."""
    return hmac.new(private_key, COMMITMENT_SECRET_LABEL, hashlib.sha256).digest()


def blinding(commitment_secret: bytes, request_id: bytes) -> bytes:
    """HMAC-SHA256(commitment secret, requestId)."""
    return hmac.new(commitment_secret, request_id, hashlib.sha256).digest()


def score_commitment(request_id: bytes, score: int, blinding_factor: bytes) -> bytes:
    if len(request_id) != 32 or len(blinding_factor) != 32:
        raise ValueError("request id and blinding are 32 bytes each")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score < 1 << 256:
        raise ValueError("score must be a uint256")
    return keccak256(request_id + score.to_bytes(32, "big") + blinding_factor)
