"""Sui proof of wallet control for the enclave's `open` (docs/protocol.md): a Sui personal message signature, as
`signPersonalMessage` makes it. The signed bytes are the intent message `[3, 0, 0]` (PersonalMessage, V0, Sui)
followed by the BCS `vector<u8>` of the text; ed25519 signs their blake2b-256 digest, secp256k1 a 64-byte low-S
ECDSA over SHA-256 of that digest. The serialized signature (`flag || signature || public key`, base64) names
its key, whose address `blake2b-256(flag || public key)` must be the subject. Light: the enclave imports it."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chains.sui import payload

CONVENTION = "Sui personal message"
SIGNATURE_FORM = "base64 of flag || signature || public key (ed25519 flag 0 or secp256k1 flag 1)"
PERSONAL_MESSAGE_INTENT = bytes([3, 0, 0])  # IntentScope::PersonalMessage, IntentVersion::V0, AppId::Sui
KEY_SIZES = {0: 32, 1: 33}


def id_text(raw: bytes) -> str:
    """An address or object ID as `0x` and 64 lower-case hex digits."""
    return payload.address_text(raw)


def uleb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def signing_digest(message: bytes) -> bytes:
    """blake2b-256 of the personal message's intent message: what the wallet's key signs."""
    intent_message = PERSONAL_MESSAGE_INTENT + uleb128(len(message)) + message
    return hashlib.blake2b(intent_message, digest_size=32).digest()


def verify(message: bytes, signature: str, subject: bytes) -> None:
    """Checks that the key in the serialized signature signed `message` and that its address is the subject.

    Raises:
        ValueError: the signature is malformed, of another scheme, does not verify, or its key is another address's.
    """
    try:
        raw = base64.b64decode(signature, validate=True) if len(signature) <= 200 else b""
    except (binascii.Error, ValueError):
        raw = b""
    flag = raw[0] if raw else -1
    if flag not in KEY_SIZES or len(raw) != 65 + KEY_SIZES[flag]:
        raise ValueError(f"must be {SIGNATURE_FORM}")
    sig, key = raw[1:65], raw[65:]
    address = hashlib.blake2b(bytes([flag]) + key, digest_size=32).digest()
    if address != subject:
        raise ValueError(f"the {CONVENTION} signature is by {id_text(address)}, not the subject {id_text(subject)}")
    digest = signing_digest(message)
    if flag == 1:
        valid = payload.verify(key, digest, sig)
    else:
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(sig, digest)
            valid = True
        except (InvalidSignature, ValueError):
            valid = False
    if not valid:
        raise ValueError(f"the {CONVENTION} signature does not verify for the subject {id_text(subject)}")
