"""The score commitment of docs/protocol.md: keccak256(abi.encode(requestId, uint256(score), blinding)), its
blinding from the enclave's commitment secret (its own, or one its quorum shares: docs/quorum.md)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from chains.core.errors import EnclaveError
from chains.core.secp256k1 import keccak256

COMMITMENT_SECRET_LABEL = b"aura/enclave/commitment-secret/v1"


def read_shared_commitment_secret(path: Path) -> bytes:
    """The commitment secret a quorum's enclaves share, from a file holding it as 64 hex digits (an optional
    `0x`, one trailing newline): generated once for the quorum (`openssl rand -hex 32`) and given to each of its
    enclaves when their keys are created.

    Raises:
        EnclaveError: the file cannot be read or does not hold 32 bytes of hex.
    """
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise EnclaveError(f"cannot read the shared commitment secret {path}: {exc.strerror}") from None
    digits = text.removeprefix("0x")
    if len(digits) != 64 or not all(c in "0123456789abcdefABCDEF" for c in digits):
        raise EnclaveError(f"shared commitment secret {path}: expected 64 hex digits (32 bytes)")
    secret = bytes.fromhex(digits)
    if secret == bytes(32):
        raise EnclaveError(f"shared commitment secret {path} is all zeros")
    return secret


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
