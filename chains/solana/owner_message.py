"""Solana proof of wallet control for the enclave's `open` (docs/protocol.md): an ed25519 signature of the message
bytes by the subject's key, what a wallet's `signMessage` returns, given in base58. Light: the enclave imports it."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chains.core.base58 import b58decode, b58encode

CONVENTION = "ed25519 signMessage"
SIGNATURE_FORM = "the base58 text of a 64-byte ed25519 signature"


def id_text(raw: bytes) -> str:
    """A public key or account as its base58 text."""
    return b58encode(raw)


def verify(message: bytes, signature: str, subject: bytes) -> None:
    """Checks that the subject's key (its 32 bytes are the ed25519 public key) signed exactly `message`.

    Raises:
        ValueError: the signature is malformed or another key's.
    """
    try:
        raw = b58decode(signature) if len(signature) <= 100 else b""
    except ValueError:
        raw = b""
    if len(raw) != 64:
        raise ValueError(f"must be {SIGNATURE_FORM}")
    try:
        Ed25519PublicKey.from_public_bytes(subject).verify(raw, message)
    except (InvalidSignature, ValueError):
        raise ValueError(f"the {CONVENTION} signature is not by the subject {b58encode(subject)}") from None
