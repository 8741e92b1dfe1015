"""The interface every chain family implements. The daemon sees only this; adapters never see the enclave key."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Confidence(enum.Enum):
    """How settled a head is: the latest block, one unlikely to reorg, or final."""

    LATEST = "latest"
    SAFE = "safe"
    FINALIZED = "finalized"


@dataclass(frozen=True)
class Height:
    """A position on a chain: block number (EVM), slot (Solana), checkpoint (Sui), with its timestamp."""

    number: int
    timestamp: int
    hash: str = ""


@dataclass(frozen=True)
class OracleRequest:
    """One assessment request as the asking chain recorded it. `key` is unique across chains."""

    chain: str
    family: str
    chain_id: int
    contract: str
    request_id: str
    requester: str
    subject: str
    fee: int
    expires_at: int
    params: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    program: str = ""  # Solana: the oracle program's id; Sui: the package id (`contract` is the oracle object)

    @property
    def key(self) -> str:
        return f"{self.chain}:{self.request_id}"

    def enclave_view(self) -> dict[str, Any]:
        """The fields the enclave binds its signature to, in the wire form of docs/protocol.md."""
        view: dict[str, Any] = {
            "family": self.family,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "request_id": self.request_id,
            "requester": self.requester,
            "subject": self.subject,
            "fee": str(self.fee),
            "expires_at": self.expires_at,
        }
        if self.family == "solana":
            view["program"] = self.program
        elif self.family == "sui":
            view["package"] = self.program
        return view


@dataclass(frozen=True)
class RequestBatch:
    """Requests found between the old cursor and `next_cursor`; the daemon commits the cursor after storing them."""

    items: list[OracleRequest]
    next_cursor: str


@dataclass(frozen=True)
class Submission:
    """A fulfilment transaction as sent (or about to be sent); `raw` lets it be re-broadcast unchanged."""

    chain: str
    tx_hash: str
    nonce: int
    raw: str
    request_keys: tuple[str, ...]
    sent_at: float = 0.0


class TxState(enum.Enum):
    PENDING = "pending"
    INCLUDED = "included"
    FINAL = "final"
    DROPPED = "dropped"


@dataclass(frozen=True)
class ItemOutcome:
    """What happened to one request inside an included fulfilment transaction."""

    fulfilled: bool
    reason: str = ""


@dataclass(frozen=True)
class SubmissionStatus:
    state: TxState
    block_number: int | None = None
    gas_used: int | None = None
    reverted: bool = False
    outcomes: dict[str, ItemOutcome] = field(default_factory=dict)


class ChainAdapter(ABC):
    """One chain family behind one small interface. Every method may raise `RetryLater` for transient faults."""

    family: ClassVar[str]

    @abstractmethod
    async def connect(self) -> None:
        """Open connections and check the chain id matches the config. Idempotent."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections. Idempotent."""

    @abstractmethod
    async def head(self, level: Confidence) -> Height:
        """The head at the given confidence."""

    @abstractmethod
    async def poll_requests(self, cursor: str | None, until: Height) -> RequestBatch:
        """Requests emitted after `cursor` up to and including `until`. The cursor is opaque to the caller."""

    @abstractmethod
    async def is_canonical(self, request: OracleRequest) -> bool:
        """Whether the block that recorded the request is still on the canonical chain."""

    @abstractmethod
    async def request_status(self, request: OracleRequest) -> str:
        """The contract's view of the request: "none", "pending", "fulfilled" or "cancelled"."""

    @abstractmethod
    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        """The subject's features as of `at`, in the enclave's wire form (docs/protocol.md)."""

    @abstractmethod
    async def prepare(self, items: list[tuple[OracleRequest, dict[str, Any]]]) -> Submission:
        """Build and sign (without sending) one fulfilment transaction for the signed assessments given."""

    @abstractmethod
    async def broadcast(self, submission: Submission) -> None:
        """Send a prepared submission; sending the same one again is harmless."""

    async def replace(self, submission: Submission, bump_pct: int) -> Submission | None:
        """The same fulfilment at a higher fee, to replace a stuck one; None where the chain has no such thing."""
        return None

    @abstractmethod
    async def status(self, submission: Submission) -> SubmissionStatus:
        """Where the submission is, and for an included one, the outcome of each request in it."""


ADAPTERS: dict[str, type[ChainAdapter]] = {}


def register(cls: type[ChainAdapter]) -> type[ChainAdapter]:
    ADAPTERS[cls.family] = cls
    return cls
