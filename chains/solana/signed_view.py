"""A Solana envelope read back from its 320-byte payload (chains/core/signed_view.py): keccak-256 of the payload, and
what it binds (cluster id, program, oracle, request, subject)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chains.codec import envelope_bytes
from chains.core.signed_view import SignedView, is_offchain, read_offchain
from chains.solana import payload


def read_signed(envelope: Mapping[str, Any]) -> SignedView:
    """Raises ValueError when `payload` is not a version-2 Aura assessment payload."""
    if is_offchain(envelope):
        return read_offchain(envelope, "solana")
    raw = envelope_bytes(envelope, "payload", payload.PAYLOAD_SIZE)
    signed = payload.parse_payload(raw)
    bound = {"chain_id": signed.cluster_id, "program": signed.program, "contract": signed.oracle,
             "request_id": signed.request, "subject": signed.subject}
    return SignedView(payload.digest(raw), bound, signed.facts)
