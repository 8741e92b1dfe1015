"""What the enclave needs of a family: read the `request` of an `assess` call, and sign the family's payload.

Each family's codec (`chains/<family>/codec.py`) is light on purpose: the enclave process imports it, and the
enclave's measurement covers it (node/enclave/measurement.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from chains.core.assessment import AssessmentFacts, Signer
from chains.core.wire import Reader, read_fields


@dataclass(frozen=True)
class BoundRequest:
    """A parsed request: what the signature is bound to, every id and address as its raw bytes. A family whose
    contract is an object apart from its code adds that code's id (chains/solana/codec.py, chains/sui/codec.py).
    """

    chain_id: int
    contract: bytes
    request_id: bytes
    requester: bytes
    subject: bytes
    fee: int
    expires_at: int


class PayloadCodec(Protocol):
    """A family's half of the enclave."""

    @property
    def family(self) -> str: ...

    @property
    def request_keys(self) -> tuple[str, ...]:
        """The `request` object's keys after `family`, in the order missing ones are named."""
        ...

    def parse_request(self, request: dict[str, Any]) -> BoundRequest:
        """Read a `request` object whose keys were checked (InvalidParams names the bad field)."""
        ...

    def sign(self, request: Any, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """The family's signed envelope for these facts: `digest`, `signature` and the family's own fields
        (docs/protocol.md). ValueError when a fact does not fit the family's payload."""
        ...


R = TypeVar("R")


class RequestCodec(Generic[R]):
    """A codec whose request is a frozen dataclass built from `readers`, one reader per `request` key."""

    family: ClassVar[str]
    request_type: type[R]
    readers: ClassVar[dict[str, Reader]]

    @property
    def request_keys(self) -> tuple[str, ...]:
        return tuple(self.readers)

    def parse_request(self, request: dict[str, Any]) -> R:
        return self.request_type(**read_fields(request, "request", self.readers))
