"""What the enclave needs of a family: read the `request` of an `assess` call, and sign the family's payload.

Each family's codec (`chains/<family>/codec.py`) is light on purpose: the enclave process imports it, and the
enclave's measurement covers it (node/enclave/measurement.py).
"""

from __future__ import annotations

from typing import Any, Protocol

from chains.core.assessment import AssessmentFacts, Signer


class BoundRequest(Protocol):
    """A parsed request: what the signature is bound to. Every family's has at least these."""

    @property
    def chain_id(self) -> int: ...

    @property
    def request_id(self) -> bytes: ...

    @property
    def subject(self) -> bytes: ...

    @property
    def expires_at(self) -> int: ...


class PayloadCodec(Protocol):
    """A family's half of the enclave."""

    family: str
    request_keys: tuple[str, ...]
    """The `request` object's keys after `family`, in the order missing ones are named."""

    def parse_request(self, request: dict[str, Any]) -> BoundRequest:
        """Read a `request` object whose keys were checked (InvalidParams names the bad field)."""
        ...

    def sign(self, request: Any, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """The family's signed envelope for these facts: `digest`, `signature` and the family's own fields
        (docs/protocol.md). ValueError when a fact does not fit the family's payload."""
        ...
