"""A Sui envelope read back from its BCS intent message (chains/core/signed_view.py): SHA-256 of the message, and
what it binds (the Oracle object, request, subject; the message names no chain: the Oracle object's id is unique to
its chain)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chains.codec import envelope_bytes
from chains.core.signed_view import SignedView, is_offchain, read_offchain
from chains.sui import payload


def read_signed(envelope: Mapping[str, Any]) -> SignedView:
    """Raises ValueError when `intent_message` is not an Aura assessment's."""
    if is_offchain(envelope):
        return read_offchain(envelope, "sui")
    raw = envelope_bytes(envelope, "intent_message", payload.PAYLOAD_SIZE)
    signed = payload.parse_intent_message(raw)
    bound = {"contract": signed.oracle, "request_id": signed.request_id, "subject": signed.subject}
    return SignedView(payload.digest(raw), bound, signed.facts)
