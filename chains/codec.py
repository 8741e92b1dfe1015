"""What the enclave needs of a family: read the `request` of an `assess` call, and sign the family's payload;
and what the node needs to authenticate another operator's signed envelope (`signer_address`).

Each family's codec (`chains/<family>/codec.py`) is light on purpose: the enclave process imports it, and the
enclave's measurement covers it (node/enclave/measurement.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from chains.core.assessment import AssessmentFacts, Signer
from chains.core.errors import InvalidParams
from chains.core.wire import Reader, read_fields


@dataclass(frozen=True)
class Proven:
    """What a family's state proof shows about the subject beyond its features. `has_code`: whether code is
    deployed at (or delegated from) the subject's address; None where the family proves nothing."""

    has_code: bool | None = None


@dataclass(frozen=True)
class BoundRequest:
    """A parsed request: what the signature is bound to, every id and address as its raw bytes, and the block
    (slot, checkpoint) it pins (docs/protocol.md, "Pinned state"). A family whose contract is an object apart
    from its code adds that code's id (chains/solana/codec.py, chains/sui/codec.py).
    """

    chain_id: int
    contract: bytes
    request_id: bytes
    requester: bytes
    subject: bytes
    fee: int
    expires_at: int
    block_number: int


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

    @property
    def target_keys(self) -> tuple[str, ...]:
        """The `request` keys that name the chain and contract rather than one request (node/enclave/targets.py)."""
        ...

    def read_id(self, key: str, text: Any, where: str) -> bytes:
        """An id's raw bytes from its text form, read as the request's field `key` (`subject`, `request_id`) is
        (InvalidParams naming `where` otherwise): how a wallet or request named outside any request (`aura watch`,
        the API) is checked."""
        ...

    def parse_target(self, target: dict[str, Any], where: str) -> dict[str, Any]:
        """Those keys of a target (checked by the caller), each read as in a request."""
        ...

    def check_state(self, request: Any, features: Mapping[str, Any], proof: Any) -> Proven:
        """Check the features (validated, wire form) the family can prove against `proof` (the `assess` call's
        `proof`, None when absent): InvalidParams naming the first feature or proof field that does not hold.
        Returns what the proof shows beyond the features."""
        ...

    def check_update(self, request: Any, timestamp: int) -> None:
        """An operator's update (docs/protocol.md, "Operator updates"): InvalidParams unless `request` is the
        family's update form for its subject and an assessment of `timestamp` (the id the contract derives for it,
        no requester, no fee), or when the family's contract takes no updates."""
        ...

    def sign(self, request: Any, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """The family's signed envelope for these facts: `digest`, `signature` and the family's own fields
        (docs/protocol.md). ValueError when a fact does not fit the family's payload."""
        ...

    def signer_address(self, envelope: Mapping[str, Any]) -> str:
        """The checksummed 0x address (keccak-256 of the uncompressed key, last 20 bytes) of the key that made the
        envelope's `signature` over its `digest`, checked the way the family's chain checks it (low-S included):
        how a peer's answer is authenticated (docs/quorum.md).

        Raises:
            ValueError: a field is missing or malformed, or the signature does not verify.
        """
        ...


def envelope_bytes(envelope: Mapping[str, Any], key: str, size: int) -> bytes:
    """The `size` bytes of a signed envelope's `0x` hex field `key`; ValueError naming the field otherwise."""
    value = envelope.get(key) if isinstance(envelope, Mapping) else None
    problem = f"envelope {key}: must be 0x and {size} bytes in hex"
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 2 + 2 * size:
        raise ValueError(problem)
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise ValueError(problem) from None


R = TypeVar("R", bound=BoundRequest)
PER_REQUEST_KEYS = ("request_id", "requester", "subject", "fee", "expires_at", "block_number")
"""Request keys that change from request to request; the others name the chain and contract signed for."""


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

    @property
    def target_keys(self) -> tuple[str, ...]:
        return tuple(k for k in self.readers if k not in PER_REQUEST_KEYS)

    def read_id(self, key: str, text: Any, where: str) -> bytes:
        raw: bytes = self.readers[key](text, where)
        return raw

    def parse_target(self, target: dict[str, Any], where: str) -> dict[str, Any]:
        return read_fields(target, where, {k: self.readers[k] for k in self.target_keys})

    no_requester: ClassVar[str] = "the zero address"
    """How the refusal of an update's requester names the requester an update has (none: all zero bytes)."""

    def update_id(self, request: R, timestamp: int) -> tuple[bytes, str] | None:
        """The family's hook for operator updates: the id its contract derives for an update of `request`'s subject
        with an assessment of `timestamp`, and how the refusal of another id names it (its text and where it is
        derived); None for a family whose contract takes no operator updates yet (the default)."""
        return None

    def check_update(self, request: R, timestamp: int) -> None:
        """The update form (`PayloadCodec.check_update`): the id `update_id` derives, no requester, no fee."""
        derived = self.update_id(request, timestamp)
        if derived is None:
            raise InvalidParams(f"update: {self.family} contracts take no operator updates yet")
        expected, named = derived
        if request.request_id != expected:
            raise InvalidParams(f"request.request_id: an update of this subject with an assessment of time {timestamp} "
                                f"is {named}")
        if any(request.requester):
            raise InvalidParams(f"request.requester: an update has no requester ({self.no_requester})")
        if request.fee != 0:
            raise InvalidParams("request.fee: an update carries no fee")

    def check_state(self, request: R, features: Mapping[str, Any], proof: Any) -> Proven:
        """A family without a state proof the enclave can check: every feature is host-supplied, committed by the
        features hash (docs/protocol.md), and a `proof` is refused."""
        if proof is not None:
            raise InvalidParams(f"proof: the {self.family} family has no state proof the enclave checks")
        return Proven()
