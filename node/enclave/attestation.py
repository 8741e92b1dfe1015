"""The attestation document: binds the enclave's public key to its measurement; host-side verification.

The document is signed by the enclave key over keccak256(canonical JSON of the document) (sorted keys,
no spaces, ASCII), as a 65-byte low-S `r || s || v` signature. This module never touches a private key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chains.core.errors import EnclaveError
from chains.core.secp256k1 import address_from_public_key, keccak256, recover_public_key
from node.enclave import PROTOCOL_VERSION
from node.enclave.measurement import Measurement, measurement_of
from node.enclave.targets import Targets

BACKEND = "process"  # no hardware TEE yet: the boundary is an OS process


class AttestationError(EnclaveError, ValueError):
    """An attestation document or its signature does not check out."""


def canonical_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def document_digest(document: dict[str, Any]) -> bytes:
    return keccak256(canonical_json(document))


def build_document(public_key: bytes, measurement: Measurement, targets: Targets | None) -> dict[str, Any]:
    """`targets` None: an enclave service that recomputes only (aura verify, tests), listed as `null`."""
    return {
        "protocol_version": PROTOCOL_VERSION,
        "backend": BACKEND,
        "public_key": "0x" + public_key.hex(),
        "signer": address_from_public_key(public_key),
        "measurement": measurement.hex,
        "parts": [list(p) for p in measurement.parts],
        "targets": None if targets is None else targets.document,
    }


def sign_document(document: dict[str, Any], sign_digest: Callable[[bytes], bytes]) -> dict[str, Any]:
    return {"document": document, "signature": "0x" + sign_digest(document_digest(document)).hex()}


def verify_attestation(doc_and_sig: dict[str, Any], expected_measurement: str | None = None) -> str:
    """Check an `attest` result; return the signer's checksummed address.

    Checks: the signature recovers the document's public key; the address is that key's; the
    measurement is the hash of the listed parts; the protocol version is ours; and, if given, the
    measurement equals `expected_measurement`. Raises AttestationError otherwise.
    """
    try:
        document = doc_and_sig["document"]
        signature = bytes.fromhex(_strip0x(doc_and_sig["signature"]))
        public_key = bytes.fromhex(_strip0x(document["public_key"]))
        signer = document["signer"]
        measurement = document["measurement"]
        parts = [(str(path), str(digest)) for path, digest in document["parts"]]
        version = document["protocol_version"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AttestationError(f"malformed attestation: {exc!r}") from None
    if version != PROTOCOL_VERSION:
        raise AttestationError(f"attestation protocol version {version!r}, expected {PROTOCOL_VERSION}")
    try:
        recovered = recover_public_key(document_digest(document), signature)
        address = address_from_public_key(public_key)
    except ValueError as exc:
        raise AttestationError(f"bad attestation signature: {exc}") from None
    if recovered != public_key:
        raise AttestationError("attestation signature was not made by the document's public key")
    if address != signer:
        raise AttestationError(f"document signer {signer} is not the address of its public key ({address})")
    if "0x" + measurement_of(parts).hex() != measurement:
        raise AttestationError("document measurement does not match its listed parts")
    if expected_measurement is not None and measurement.lower() != expected_measurement.lower():
        raise AttestationError(f"enclave measures {measurement}, expected {expected_measurement}")
    return address


def _strip0x(text: str) -> str:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError("expected 0x-prefixed hex")
    return text[2:]
