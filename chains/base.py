"""The interface every chain family implements. The pipeline sees only this; adapters never see the enclave key.

A family is one folder, `chains/<family>/`, registered in `chains/registry.py`: its config model, a builder from
that config to an adapter, and the codec of what the enclave signs for it. Nothing outside that folder branches
on a family: what differs is stated here, as a method, a declared capability or a typed value.
"""

from __future__ import annotations

import asyncio
import enum
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.errors import NotSupported


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


UPDATE_WINDOW_S = 1800
"""How long after its pinned height a node keeps trying to land an operator update (then it is expired, and the
next moved re-score makes another)."""


@dataclass(frozen=True)
class OracleRequest:
    """One assessment request as the asking chain recorded it. `key` is unique across chains.

    `ordinal` orders requests within one height: the log index on EVM, the request's nonce on Sui, the requester's
    own request number on Solana (two requesters' requests may share one; the address then orders them).
    `program` is the code the request belongs to where the contract is a separate object: the Solana program's
    id, the Sui package's id; empty on EVM. `private`: the requester asked for a private assessment (the chain
    keeps the commitment and PRIVATE_TIER, not the score; chains/core/assessment.py). `operator_update`: no chain
    asked for it; it is this node's update of a watched wallet (`ChainAdapter.update_request`), pending until the
    contract takes it, with `expires_at` the node's own deadline (UPDATE_WINDOW_S), which the contract never reads.
    """

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
    ordinal: int
    program: str = ""
    private: bool = False
    operator_update: bool = False

    @property
    def key(self) -> str:
        return f"{self.chain}:{self.request_id}"


class SignerStatus(enum.Enum):
    """The contract's view of the enclave's signer key and measurement."""

    ACTIVE = "active"
    UNREGISTERED = "unregistered"
    REVOKED = "revoked"
    OTHER_MEASUREMENT = "other_measurement"


class RequestStatus(enum.Enum):
    """The contract's view of one request."""

    NONE = "none"
    PENDING = "pending"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RequestBatch:
    """Requests found after the old cursor, up to and including height `reached`; the pipeline stores them,
    then commits `next_cursor`, which it never interprets. `reached` is at most the `until` asked for, except
    when `until` is at or behind the cursor: then nothing is returned and `reached` is the cursor's own height."""

    items: list[OracleRequest]
    next_cursor: str
    reached: int
    rewound: bool = False
    """The cursor's block had left the chain: this batch was read again from the fork point (a reorganisation,
    which may also have taken back fulfilments the node holds final)."""


@dataclass(frozen=True)
class SignedAssessment:
    """What the enclave signed for one request, typed once: the facts every family carries, the signer, the
    digest and signature, and the family's own envelope (EIP-712 typed data, the Solana payload, the Sui intent
    message; read only by that family's adapter). `wire` is the enclave's answer as it came, kept for the store."""

    facts: AssessmentFacts
    signer: str
    signature: bytes
    digest: bytes
    envelope: Mapping[str, Any] = field(default_factory=dict)
    wire: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    cosigners: tuple[SignedAssessment, ...] = ()
    """Other operators' enclaves' signatures over the same payload (docs/quorum.md), each as its own signed
    assessment: with any, `prepare` fulfils through the chain's quorum entry point with all of `signers()`."""

    COMMON: ClassVar[tuple[str, ...]] = (
        "score", "tier", "pd_bps", "flags", "measurement", "commitment", "block_number", "block_hash",
        "features_hash", "timestamp", "expiry", "signer", "signature", "digest", "private", "offchain",
    )  # fmt: skip
    DETAILS: ClassVar[tuple[str, ...]] = (
        "dimensions", "flag_names", "scorecard", "model_points", "anomaly_bps", "rules", "reasons",
        "intent_reasons", "terms",
    )  # fmt: skip

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> SignedAssessment:
        """Parse the enclave's `assess` answer (docs/protocol.md). Raises ValueError naming the bad field.

        A private assessment's answer carries the real score, tier and PD for the operator, but its payload was
        signed with score 0, PD 0 and PRIVATE_TIER (docs/protocol.md, "Private assessments"): those are its facts."""
        private = wire.get("private") is True
        facts = AssessmentFacts(
            score=0 if private else _uint(wire, "score", 16),
            tier=PRIVATE_TIER if private else _uint(wire, "tier", 8),
            pd_bps=0 if private else _uint(wire, "pd_bps", 16),
            flags=_uint(wire, "flags", 32), measurement=_hex(wire, "measurement", 32),
            commitment=_hex(wire, "commitment", 32), block_number=_uint(wire, "block_number", 64),
            block_hash=_hex(wire, "block_hash", 32), features_hash=_hex(wire, "features_hash", 32),
            timestamp=_uint(wire, "timestamp", 64),
            expiry=_uint(wire, "expiry", 64),
        )  # fmt: skip
        return cls(
            facts=facts, signer=_text(wire, "signer"), signature=_hex(wire, "signature"),
            digest=_hex(wire, "digest", 32),
            envelope={k: v for k, v in wire.items() if k not in cls.COMMON and k not in cls.DETAILS},
            wire=dict(wire),
        )  # fmt: skip

    def with_cosigners(self, others: Iterable[SignedAssessment]) -> SignedAssessment:
        """This assessment carrying `others`' signatures too.

        Raises:
            ValueError: one signed another digest (another payload), or a signer is counted twice.
        """
        cosigners = tuple(others)
        seen = {self.signer.lower()}
        for other in cosigners:
            if other.digest != self.digest:
                raise ValueError(f"cosigner {other.signer} signed digest 0x{other.digest.hex()}, "
                                 f"not 0x{self.digest.hex()}")
            if other.signer.lower() in seen:
                raise ValueError(f"signer {other.signer} counted twice")
            seen.add(other.signer.lower())
        return replace(self, cosigners=cosigners)

    def signers(self) -> tuple[SignedAssessment, ...]:
        """Every signature this assessment carries: its own first, then its cosigners' (the adapter orders them as
        its contract demands)."""
        return (self, *self.cosigners)

    def envelope_hex(self, key: str, size: int | None = None) -> bytes:
        """A 0x-hex field of the family's envelope; ValueError naming it when absent or of the wrong size."""
        return _hex(self.envelope, key, size)

    def envelope_int(self, key: str, bits: int = 64) -> int:
        """An unsigned integer field of the family's envelope; ValueError naming it when absent or too large."""
        return _uint(self.envelope, key, bits)


def _uint(wire: Mapping[str, Any], key: str, bits: int) -> int:
    value = wire.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"assessment {key}: not an integer")
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{key}: {value} does not fit u{bits}")
    return value


def _hex(wire: Mapping[str, Any], key: str, size: int | None = None) -> bytes:
    value = wire.get(key)
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"assessment {key}: not 0x-prefixed hex")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise ValueError(f"assessment {key}: not 0x-prefixed hex") from None
    if size is not None and len(raw) != size:
        raise ValueError(f"assessment {key}: {len(raw)} bytes, expected {size}")
    return raw


def _text(wire: Mapping[str, Any], key: str) -> str:
    value = wire.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"assessment {key}: not a string")
    return value


@dataclass(frozen=True)
class Submission:
    """A fulfilment transaction as sent (or about to be sent); `raw` lets it be re-broadcast unchanged.

    `sequence` is shared by the attempts that can replace one another: the transmitter's account nonce on EVM,
    a local sequence number on chains without account nonces (Solana, Sui; chains/sequence.py).
    """

    chain: str
    tx_hash: str
    sequence: int
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
    """What happened to one request inside an included fulfilment transaction. `expired`: the contract
    skipped it because the request had expired (not a fault of the node). `retry_alone`: the contract skipped it
    for want of gas in this transaction (another item's callback took more than estimated), or for one of its
    signers (revoked, unknown, registered with another measurement: a batch's skip does not say which), not for
    anything about the request: it is still pending, and is sent in a transaction of its own, whose refusal names
    the signer (`CosignerRefused`, or a wait for the node's own)."""

    fulfilled: bool
    reason: str = ""
    expired: bool = False
    retry_alone: bool = False
    rescore: bool = False
    """The signed assessment's pinned state left what the contract checks (chains/core/errors.py PinLost): the
    request is still pending, and is scored again."""
    reorged: bool = False
    """The request's block left the canonical chain, or the contract holds other fields under its id
    (chains/core/errors.py Reorged): the request is read again from its new log, confirmed and scored again."""


@dataclass(frozen=True)
class CreditEvent:
    """A lending event of a subject (chains' `credit_events`): `kind` as the family names it (on EVM the indexer's
    kinds: `borrow`, `repay`, `liquidation` of an Aave-V3-shaped pool; `withdraw`, `supply`, `absorb` of a
    Compound-V3-shaped market, where borrowing and repaying the base asset are withdrawals and supplies; on Solana
    and Sui `borrow`, `repay`, `liquidation` of the configured lending protocols), in the block (slot, checkpoint)
    `height`, by transaction `tx_hash` (on Solana its signature, on Sui its digest)."""

    subject: str
    kind: str
    protocol: str
    height: int
    tx_hash: str


@dataclass(frozen=True)
class CreditEvents:
    """The lending events found after the old cursor through height `reached`; `next_cursor` is opaque to the
    caller, who stores it once it has acted on `items`."""

    items: list[CreditEvent]
    next_cursor: str
    reached: int


@dataclass(frozen=True)
class Fulfilled:
    """A request as the chain recorded it, and the signed assessment that fulfilled it, read back from the
    fulfilment transaction: what `aura verify` recomputes (node/verify.py)."""

    request: OracleRequest
    facts: AssessmentFacts
    signature: bytes
    signer: str
    tx_hash: str


@dataclass(frozen=True)
class SubmissionStatus:
    """Where a submission is. `cost` is what the transaction consumed, in the family's `cost_unit`. `lost`: a
    PENDING one the node asked no longer holds (dropped from its pool, or taken off the chain by a
    reorganisation): it is sent again at once rather than after `resubmit_after_s`."""

    state: TxState
    block_number: int | None = None
    cost: int | None = None
    reverted: bool = False
    outcomes: dict[str, ItemOutcome] = field(default_factory=dict)
    lost: bool = False


@dataclass(frozen=True)
class Capabilities:
    """What a family's adapter can do, declared rather than probed.

    Args:
        max_batch: the most requests one fulfilment transaction may carry.
        replaces_fees: whether `replace` can re-send a stuck fulfilment at a higher fee.
        pushes_heads: whether `wait_new_head` returns on a pushed new head (else it sleeps).
        max_signatures: the most signatures one fulfilment may carry (the contract's own limit), and so the
            highest quorum threshold the adapter serves; 1 where it has no quorum entry point.
    """

    max_batch: int = 1
    replaces_fees: bool = False
    pushes_heads: bool = False
    max_signatures: int = 1


class ChainAdapter(ABC):
    """One chain family behind one small interface. Every method may raise `RetryLater` for transient faults."""

    family: ClassVar[str]
    cost_unit: ClassVar[str]
    """The unit of `SubmissionStatus.cost`: "gas" on EVM, "compute_units" on Solana, "mist" on Sui."""

    name: str
    """The chain's name in the config; the first part of every request key."""

    @property
    def capabilities(self) -> Capabilities:
        """What this adapter can do (its batch size may follow its config)."""
        return Capabilities()

    @abstractmethod
    async def connect(self) -> None:
        """Open connections and check that the chain and the contract are the configured ones. Idempotent.

        Raises:
            RetryLater: the RPC cannot be reached now.
            ChainError: the RPC serves another chain, or the contract is not there.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release connections and stop background listeners. Idempotent."""

    @abstractmethod
    async def head(self, level: Confidence) -> Height:
        """The head at the given confidence.

        Args:
            level: latest, safe (past the configured confirmations) or finalized.
        Returns:
            Its number, timestamp and (where the chain has one) hash.
        Raises:
            RetryLater: the RPC failed.
        """

    async def wait_new_head(self, timeout: float) -> None:
        """Return when a new head arrives, or after `timeout` seconds; by default just sleeps.

        Args:
            timeout: the longest wait, in seconds.
        """
        await asyncio.sleep(timeout)

    @abstractmethod
    async def poll_requests(self, cursor: str | None, until: Height) -> RequestBatch:
        """Requests recorded after `cursor` up to and including `until`, oldest first.

        Where the chain can reorganise, the cursor remembers the block it stopped at; when that block has left
        the canonical chain the adapter reads again from before the fork, so a request mined again in the new
        branch comes back with its new log (same key; the store takes the new log and starts it over).

        Args:
            cursor: what a previous batch returned as `next_cursor`, or None on a fresh store.
            until: the highest height to look at.
        Returns:
            The requests, the next cursor (never past a request it did not return) and the height reached.
        Raises:
            RetryLater: the RPC failed; the cursor is not moved.
        """

    @abstractmethod
    async def is_canonical(self, request: OracleRequest) -> bool:
        """Whether the request is still on the canonical chain (or was settled there).

        Args:
            request: a request this adapter returned.
        Returns:
            False once the block that recorded it left the canonical chain.
        Raises:
            RetryLater: the RPC failed.
        """

    async def request_status(self, request: OracleRequest) -> RequestStatus:
        """The contract's view of the request (`stored_status`), an operator update it has not taken yet (NONE:
        no chain made it) read PENDING.

        Args:
            request: a request this adapter returned.
        Returns:
            NONE (never made, or reorged away), PENDING, FULFILLED (by anyone) or CANCELLED.
        Raises:
            RetryLater: the RPC failed.
        """
        found = await self.stored_status(request)
        return RequestStatus.PENDING if request.operator_update and found is RequestStatus.NONE else found

    @abstractmethod
    async def stored_status(self, request: OracleRequest) -> RequestStatus:
        """What the contract holds for the request's id, the family's half of `request_status`.

        Args:
            request: a request this adapter returned (or `update_request` made).
        Returns:
            NONE (nothing held: never made, reorged away, or an operator update not taken yet), PENDING,
            FULFILLED (by anyone) or CANCELLED.
        Raises:
            RetryLater: the RPC failed.
        """

    @abstractmethod
    async def pinned(self, request: OracleRequest) -> Height:
        """The chain state the assessment of `request` is computed at, which follows from the request alone
        (docs/protocol.md, "Pinned state"): every honest node pins the same block for the same request.

        Args:
            request: a request this adapter returned.
        Returns:
            The pinned block (EVM), slot (Solana) or checkpoint (Sui): its number, its time in unix seconds, and
            as `hash` `0x` + 64 hex digits, the 32 bytes the family's signed payload carries.
        Raises:
            RetryLater: the RPC failed, or the pinned state cannot be read yet.
            ChainError: the request's block is not on the chain the RPC follows.
        """

    async def state_proof(self, subject: str, at: Height) -> dict[str, Any] | None:
        """What the enclave checks the proven features against (docs/protocol.md), or None where the family
        has no proof the enclave can check. The default: None.

        Args:
            subject: the subject's address in the chain's own text form.
            at: the pinned height.
        Raises:
            RetryLater: the RPC failed.
        """
        return None

    @abstractmethod
    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        """The subject's features as of `at`, in the enclave's wire form (docs/protocol.md).

        Args:
            subject: the subject's address in the chain's own text form.
            at: the height to read at.
        Returns:
            `as_of_block`, `as_of_block_hash`, `as_of_timestamp`, `tx_count`, `balance_wei`,
            `first_seen_timestamp`, and `history` where the chain has an indexer.
        Raises:
            RetryLater: the RPC failed.
        """

    @classmethod
    def enclave_request(cls, request: OracleRequest) -> dict[str, Any]:
        """The request's fields the enclave binds its signature to, in the wire form of docs/protocol.md.

        Args:
            request: a request this adapter returned.
        Returns:
            The `request` object of an `assess` call for this family.
        """
        return {
            "family": request.family,
            "chain_id": request.chain_id,
            "contract": request.contract,
            "request_id": request.request_id,
            "requester": request.requester,
            "subject": request.subject,
            "fee": str(request.fee),
            "expires_at": request.expires_at,
            "block_number": request.block_number,
        }

    @abstractmethod
    async def prepare(self, items: list[tuple[OracleRequest, SignedAssessment]]) -> Submission:
        """Build and sign (without sending) one fulfilment transaction for the signed assessments given.

        An assessment without cosigners goes through the contract's single-signature entry point (a threshold of
        one); one with cosigners through its quorum entry point, carrying every signature in `signers()` in the
        order the contract demands. Items of one call all have cosigners or none do.

        Args:
            items: at most `capabilities.max_batch` requests, each with its signed assessment.
        Returns:
            The signed transaction, ready to be stored and then broadcast.
        Raises:
            ValueError: too many items or signatures (over `capabilities.max_signatures`), items with and without
                cosigners mixed, or an assessment that does not match its request.
            ChainError: the fulfilment would revert (the message names the contract's error).
            RetryLater: the RPC failed, or fees are above the configured cap for now.
        """

    @abstractmethod
    async def broadcast(self, submission: Submission) -> None:
        """Send a prepared submission; sending the same one again is harmless.

        Args:
            submission: what `prepare` (or `replace`) returned.
        Raises:
            ChainError: the node refused it for a reason other than having seen it.
            RetryLater: the RPC failed.
        """

    async def replace(self, submission: Submission, bump_pct: int) -> Submission | None:
        """The same fulfilment at a higher fee, to replace a stuck one.

        Args:
            submission: the latest attempt.
            bump_pct: the fee increase, in percent.
        Returns:
            The replacement, or None when the fee cap leaves no room for one.
        Raises:
            NotSupported: the family has no fee replacement (`capabilities.replaces_fees` is False).
        """
        raise NotSupported(self.family, "fee replacement")

    async def void(self, submission: Submission, bump_pct: int) -> Submission | None:
        """A transaction that does nothing, at the sequence of a fulfilment gone stale (its requests moved by a
        reorganisation) and at fees raised as `replace` raises them, so that the stale one is never mined.

        Args:
            submission: the latest attempt at that sequence.
            bump_pct: the fee increase, in percent.
        Returns:
            The void transaction (it carries no requests), or None when the fee cap leaves no room for one.
        Raises:
            NotSupported: the family has no fee replacement (`capabilities.replaces_fees` is False); there a stale
                fulfilment expires by itself (a Solana blockhash) or is never re-sent.
        """
        raise NotSupported(self.family, "void transactions")

    @abstractmethod
    async def status(self, submission: Submission) -> SubmissionStatus:
        """Where the submission is, and for an included one, the outcome of each request in it.

        Args:
            submission: a stored submission.
        Returns:
            PENDING while it may still land; INCLUDED, then FINAL, with outcomes per request key; DROPPED only
            once it can never land: what took its place is final (a reorganisation can take back anything less,
            and a sequence given up too soon leaves a gap no later transaction passes).
        Raises:
            RetryLater: the RPC failed.
        """

    async def read_fulfilment(self, request_id: str) -> Fulfilled | None:
        """The request `request_id` and the signed assessment that fulfilled it, as the chain recorded them.

        Args:
            request_id: the request's id in the chain's own text form.
        Returns:
            None while the request is unknown or not fulfilled.
        Raises:
            NotSupported: the family cannot read a fulfilment back yet (the default).
            RetryLater: the RPC failed.
        """
        raise NotSupported(self.family, "reading a fulfilment back")

    async def offchain_request(self, subject: str) -> tuple[OracleRequest, Height]:
        """An off-chain assessment of `subject` (chains/core/offchain.py: no chain asked for it): a request the
        enclave takes with `offchain`, pinned at the chain's finalized head, whose id is `offchain_request_id` in
        the family's id form, with no requester, fee or transaction; and the pinned height its features are read
        at.

        Raises:
            NotSupported: the family cannot pin an off-chain assessment yet (the default).
            RetryLater: the RPC failed.
        """
        raise NotSupported(self.family, "off-chain assessments")

    async def update_request(self, subject: str, at: Height) -> OracleRequest:
        """An operator's update of `subject` pinned at the final height `at` (docs/protocol.md, "Operator
        updates"): a request no chain made, in the family's update form (its id the contract's derivation for the
        subject and `at`'s time, no requester, no fee), `operator_update` set and `expires_at` UPDATE_WINDOW_S after
        `at`. The pipeline signs it with `update` and sends it as a fulfilment; `request_status` reads it PENDING
        until the contract has taken it.

        Raises:
            NotSupported: the family's contract takes no operator updates yet (the default).
            ChainError: `subject` is not an address of the family.
        """
        raise NotSupported(self.family, "operator updates")

    async def credit_events(self, subjects: Collection[str], cursor: str | None, until: Height) -> CreditEvents:
        """Lending events (a borrow, a repayment, a liquidation) of any of `subjects` (in the family's text form) in
        the heights after `cursor` through `until`: what re-scores a watched wallet when its credit changes. With no
        cursor nothing before `until` is read: the events start from there.

        Raises:
            NotSupported: the family, or this chain's config, reads no lending protocol (the default).
            RetryLater: the RPC failed; the cursor the caller holds stays good.
        """
        self.check_credit_events()
        if cursor is None:
            return CreditEvents([], str(until.number), until.number)
        done = int(cursor)
        if until.number <= done:
            return CreditEvents([], cursor, done)
        items, reached = await self.read_credit_events(subjects, done, until.number)
        return CreditEvents(items, str(reached), reached)

    def check_credit_events(self) -> None:
        """The family's half of `credit_events`: raise NotSupported when this chain's config reads no lending
        protocol (the default: the family reads none)."""
        raise NotSupported(self.family, "lending events")

    async def read_credit_events(self, subjects: Collection[str], after: int, until: int) -> tuple[list[CreditEvent],
                                                                                                     int]:
        """The family's half of `credit_events`: the events of `subjects` in the heights after `after` through
        `until`, and the last height read (`until`, or less where the service has not indexed that far)."""
        raise NotSupported(self.family, "lending events")

    async def signer_status(self, signer: str, measurement: str,
                            public_key: bytes | None = None) -> SignerStatus | None:
        """Whether the contract counts assessments signed by `signer` (its address or public key in the family's
        text form) with enclave `measurement` (`0x` + 64 hex digits); None where the family cannot tell yet.
        `public_key`: the signer's secp256k1 key (any SEC1 encoding) when the caller knows it; a family whose
        contract keys its signers by public key reads by it rather than searching the chain for it.

        Raises:
            RetryLater: the RPC failed.
        """
        return None

    async def threshold(self) -> int | None:
        """How many signatures the contract now demands of a fulfilment (its quorum threshold, set by its owner);
        None where the family cannot tell yet.

        Raises:
            RetryLater: the RPC failed.
        """
        return None

    async def transmitter_balance(self) -> int | None:
        """What the account that pays for fulfilments holds, in the family's smallest unit (wei, lamports, mist);
        None where the family cannot tell yet.

        Raises:
            RetryLater: the RPC failed.
        """
        return None

    def health(self) -> dict[str, Any]:
        """Family-specific facts for the node's /health (for example a WebSocket feed's state); none by default."""
        return {}
