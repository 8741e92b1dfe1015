"""The score commitment of docs/protocol.md: Poseidon(score, blinding, subject_hi, subject_lo) over BN254, the
commitment circuits/threshold.circom opens (node/zk/poseidon_commitment.py), written as a 32-byte big-endian field
element. Its blinding is a field element derived from the enclave's commitment secret (its own, or one its quorum
shares: docs/quorum.md) and the request, recomputed whenever it is needed and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from chains.core.errors import EnclaveError
from node.zk.poseidon_commitment import FIELD_MODULUS, commitment, subject_word

COMMITMENT_SECRET_LABEL = b"aura/enclave/commitment-secret/v1"
BLINDING_LABEL = b"aura/enclave/commitment-blinding/v2"
REQUEST_ID_LENGTH = 32


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


def blinding(commitment_secret: bytes, request_id: bytes, subject: bytes) -> int:
    """HMAC-SHA512(commitment secret, BLINDING_LABEL || requestId || subject's 32-byte form) read big-endian, mod p.

    The 512 bits reduced modulo the 254-bit field leave a bias below 2^-258; the label keeps this HMAC apart from
    any other use of the secret. The same secret, request and subject give the same blinding on any machine, so
    every enclave of a quorum commits alike, and only a holder of the secret can open the commitment.

    Raises:
        ValueError: the request id is not 32 bytes or the subject not 20 or 32 bytes.
    """
    if len(request_id) != REQUEST_ID_LENGTH:
        raise ValueError(f"request id must be {REQUEST_ID_LENGTH} bytes, not {len(request_id)}")
    message = BLINDING_LABEL + request_id + subject_word(subject)
    return int.from_bytes(hmac.new(commitment_secret, message, hashlib.sha512).digest(), "big") % FIELD_MODULUS


def score_commitment(score: int, blinding_factor: int, subject: bytes) -> bytes:
    """Poseidon(score, blinding, subject_hi, subject_lo) as 32 bytes, big-endian: what every family's payload
    carries as `commitment` and what a threshold proof opens.

    Raises:
        ValueError: the score is outside 0..1000, the blinding outside the field or the subject not 20 or 32 bytes.
    """
    return commitment(score, blinding_factor, subject).to_bytes(32, "big")
