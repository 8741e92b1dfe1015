"""The Sui adapter: finds `AssessmentRequested` events, reads subjects, sends `oracle::fulfil` transactions.

Everything is read through Sui's GraphQL service with pysui's GraphQL client, over the configured endpoints
(`chains/sui/graphql.py`: reads go to the live endpoint with the latest checkpoint and fail over within the call,
executions go to every live endpoint, each call on an endpoint has its deadline; `health()["rpc"]` shows each
endpoint's state); transactions are built and signed offline with pysui's BCS types (`chains/sui/transaction.py`).

Heights are checkpoints. A Sui checkpoint is final when it is published (there are no forks to wait out), so
the head is the latest checkpoint at every confidence: LATEST, SAFE and FINALIZED are the same height. A
height's `hash` is `0x` and the 64 hex digits of the checkpoint's 32-byte digest (the service writes it in
base58); a request's `block_hash` keeps the service's base58 text.

An assessment is pinned to the checkpoint holding the request's transaction (`pinned`): its sequence number,
its time in whole seconds and its digest, and the features are read as of that checkpoint (`read_features`).

The cursor the daemon stores is a checkpoint sequence number, in decimal: every request event in a checkpoint
at or below it has been handed over. Each poll reads the package's `AssessmentRequested` events strictly after
it and up to `until` (and never past the checkpoint the service itself has indexed), page by page; when a
poll stops early it stops at a checkpoint boundary, so the cursor never passes an event it has not returned.

A fulfilment is one programmable transaction (one `fulfil` call, or one `fulfil_quorum` call for an assessment
with cosigners: every signer's key and signature in ascending order of the signers' addresses, at most
`MAX_QUORUM_SIGNERS`; `update` or `update_quorum` for an operator update, which names the subject in place of a
request) paid with one SUI coin of the transmitter at the reference gas price, with a gas budget
from a dry run plus a margin, and an expiration epoch: the epoch it is built in. It is signed first (`prepare`),
stored by the daemon, and only then sent (`broadcast`), so a restart re-sends the very same bytes (same digest: the
network executes it at most once).

`status` reads the transaction's effects by digest. A digest the service does not know is pending, unless the
transaction provably can never execute, which is reported dropped:

- its gas coin's version was consumed by a different transaction (an owned object version is consumed once:
  a transaction built on it can never run), or
- the epoch has moved past its expiration epoch while that coin version was still unconsumed (had it run,
  it would have consumed the coin in that epoch; validators refuse it in any later epoch).

Both facts are read in the same query as the (absent) effects. When the coin was consumed by the transaction
itself, its effects are just not readable yet: pending. Only on "dropped" does the daemon ask the request's
status and, if it is still pending, sign a new fulfilment; the Move package refuses a second fulfilment of one
request anyway (`ERequestNotPending`). A coin version used by a stored, unsettled fulfilment is never chosen
for another, so two live fulfilments never compete for one coin.

`read_fulfilment` (`aura verify`) reads a fulfilled request back from its `Request` record: the transaction that
settled it (its `AssessmentFulfilled` event carries every signed value and the signature) and the one that made
it (docs/sui.md, "Reading a fulfilment back").

Aborts map to the package's error names (`fulfilment would abort with <name>`). A payload whose privacy is not
the request's (`pkg.privacy_matches`) is refused before any transaction is built, with the name the package
would abort with: `fulfilment would abort with EPrivacyMismatch`. A request's privacy is read from its
`AssessmentRequested` event (`OracleRequest.private`). A signer abort
(`SIGNER_WAITS`) of a quorum fulfilment does not say which key failed: the `Enclave` records of the signers are
read in the order the package checks them, and the first that does not count names it. The adapter's own enclave
waits (WaitFor "signer") as with `fulfil`; a cosigner is CosignerRefused. `EQuorumNotMet` names the signatures
sent and the oracle's threshold, read after the abort: `EQuorumNotMet(got, needed)`.

An operator update (`update_request`) is a request no chain made: its ID is the package's `update_id` of the
subject and the time of the checkpoint it is pinned at (chains/sui/update_id.py), its `block_hash` that height's
(`0x` and hex); it is pinned where it was made (the digest is checked when its features are read), `request_status`
reads it PENDING until the package has taken it, and `prepare` refuses one whose assessment is of another time
than its ID's with the abort the package would give (`fulfilment would abort with EInvalidSignature`).

`read_fulfilment` of a quorum fulfilment reads its `AssessmentFulfilled` event, which names the first signer (the
lowest address), not necessarily this node's enclave: the payload and that signature are checked as for `fulfil`.

`signer_status` reads the enclave's `Enclave` record under the oracle, keyed by its public key: the one the caller
gives (the node gives its own enclave's), else the one its `EnclaveRegistered` event names (chains/sui/status.py);
`threshold` the oracle object's `threshold` field;
`transmitter_balance` the transmitter's SUI in MIST.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from chains.base import (
    UPDATE_WINDOW_S,
    Capabilities,
    ChainAdapter,
    Confidence,
    CreditEvent,
    Fulfilled,
    Height,
    ItemOutcome,
    OracleRequest,
    RequestBatch,
    RequestStatus,
    SignedAssessment,
    SignerStatus,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.errors import ChainError, CosignerRefused, NotSupported, RetryLater, WaitFor
from chains.core.logs import fields
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import address_from_public_key, parse_address
from chains.sequence import LocalSequence
from chains.sui import package as pkg
from chains.sui import transaction as tx
from chains.sui.config import SuiChain
from chains.sui.credit_events import CreditReader
from chains.sui.event_window import dig as _get
from chains.sui.event_window import number as _int
from chains.sui.event_window import read_window
from chains.sui.graphql import GraphQL
from chains.sui.keys import Transmitter
from chains.sui.status import enclave_key_bcs, enclave_status, registered_key, signer_key
from chains.sui.update_id import update_request_id

log = logging.getLogger("aura.sui")

MIST_TO_18_DECIMALS = 10**9  # balances travel to the enclave in 18-decimal units (docs/protocol.md)
EVENT_PAGE = 50  # the service's largest page for events and transactions
EVENT_PAGES = 20  # pages read per poll before stopping at a checkpoint boundary
FEATURE_PAGE = 50
FEATURE_PAGES = 4  # transactions counted per subject: up to 200; the first is the subject's oldest
COIN_PAGE = 50
# Sui's refusals of a transaction that can never execute (sui-types error.rs): its gas coin version is gone,
# or its expiration epoch has passed. status() then reports it dropped.
DEAD_TX_HINTS = ("is not available for consumption", "ObjectVersionUnavailableForConsumption", "Transaction Expired",
                 "TransactionExpired")

SIGNER_WAITS = frozenset({"EEnclaveNotRegistered", "EEnclaveRevoked", "EKeyRevoked", "EMeasurementMismatch"})
"""Aborts that pass once the owner registers (or registers again) the enclave's key: the request waits."""


def parse_time(text: Any) -> int:
    """Unix seconds from the service's DateTime (RFC 3339, UTC)."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a DateTime")
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def digest_hex(text: Any, what: str) -> str:
    """`0x` + hex of a checkpoint digest the service wrote in base58; RetryLater if it is not 32 bytes of base58."""
    try:
        return "0x" + pkg.checkpoint_digest(text).hex()
    except ValueError as e:
        raise RetryLater(f"the GraphQL service returned a bad digest for {what}: {e}") from None


def _missing(request_id: str, transaction: Any, role: str, event: str) -> str:
    """Why a fulfilled request cannot be read back: the transaction that `role` it is not served, or it does not
    show the request's `event`."""
    digest = _get(transaction, "digest")
    if not digest:
        return f"request {request_id} is fulfilled, but the service does not show the transaction that {role} it"
    return f"request {request_id} is fulfilled, but transaction {digest}, which {role} it, shows no {event} for it"


def _split_raw(raw: str) -> tuple[bytes, bytes]:
    """`Submission.raw`: base64 TransactionData BCS, a colon, base64 serialized signature."""
    try:
        tx_b64, sig_b64 = raw.split(":")
        return base64.b64decode(tx_b64, validate=True), base64.b64decode(sig_b64, validate=True)
    except ValueError:
        raise ChainError("a stored Sui submission is not base64 transaction bytes ':' base64 signature") from None


class SuiAdapter(ChainAdapter):
    family = "sui"
    cost_unit = "mist"

    def __init__(self, cfg: SuiChain, transmitter: Transmitter, cache: Any = None,
                 sequence_floor: Callable[[], int | None] | None = None) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.transmitter = transmitter
        self.cache = cache
        self.package = tx.canonical_id(cfg.package_id)
        self.oracle = tx.canonical_id(cfg.oracle)
        self.gql = GraphQL(cfg.name, cfg.read_urls, cfg.rpc_timeout_s, chain_identifier=cfg.chain_identifier,
                           max_lag=cfg.rpc_max_lag_checkpoints)
        self.credit = CreditReader(cfg.name, self.gql, cfg.lending_events) if cfg.lending_events else None
        self.type_package = self.package  # the package that defines the oracle's types (its first version)
        self.oracle_initial_shared_version: int | None = None
        self.sequence = LocalSequence(sequence_floor)
        self._coins_in_use: dict[tuple[str, int], str] = {}  # (coin, version) -> digest of the fulfilment using it
        self._enclave_keys: dict[str, bytes] = {}  # a signer's address -> the public key registered with it

    def __repr__(self) -> str:
        return f"SuiAdapter({self.name}, oracle={self.oracle}, transmitter={self.transmitter.address})"

    @property
    def capabilities(self) -> Capabilities:
        """One request per fulfilment; up to the package's MAX_QUORUM_SIGNERS signatures."""
        return Capabilities(max_signatures=pkg.MAX_QUORUM_SIGNERS)

    # connection
    def health(self) -> dict[str, Any]:
        return {"rpc": self.gql.state()}

    async def connect(self) -> None:
        """Connect (every endpoint's chain identifier is checked), then check the package and the oracle object."""
        if self.gql.connected and self.oracle_initial_shared_version is not None:
            return
        await self.gql.connect()
        try:
            await self._check_chain()
        except BaseException:
            await self.gql.close()
            raise

    async def _check_chain(self) -> None:
        data = await self.gql.run("AuraOracle", {"oracle": self.oracle, "package": self.package})
        if _get(data, "package", "module", "function", "name") != pkg.FULFIL:
            raise ChainError(f"{self.name}: no package {self.package} with an oracle::fulfil function on this chain")
        obj = data.get("object")
        if obj is None:
            raise ChainError(f"{self.name}: no object {self.oracle} on this chain")
        owner = obj.get("owner") or {}
        if owner.get("__typename") != "Shared" or owner.get("initialSharedVersion") is None:
            raise ChainError(f"{self.name}: {self.oracle} is not a shared object")
        type_repr = _get(obj, "asMoveObject", "contents", "type", "repr")
        try:
            type_package, module, struct = pkg.split_type(type_repr)
        except ValueError:
            type_package, module, struct = "", "", ""
        if (module, struct) != (pkg.MODULE, "Oracle"):
            raise ChainError(f"{self.name}: {self.oracle} is a {type_repr}, not an aura_oracle Oracle")
        if type_package != self.package:
            log.info("oracle type defined by an earlier version of the package",
                     extra=fields(chain=self.name, type_package=type_package, package=self.package))
        self.type_package = type_package
        self.oracle_initial_shared_version = _int(owner["initialSharedVersion"], "initialSharedVersion")

    async def close(self) -> None:
        await self.gql.close()
        self.oracle_initial_shared_version = None

    # heads
    async def head(self, level: Confidence) -> Height:
        """The latest checkpoint, at any confidence: a published Sui checkpoint is final."""
        data = await self.gql.run("AuraHead")
        cp = data.get("checkpoint")
        if cp is None:
            raise RetryLater(f"{self.name}: the GraphQL service has no checkpoint yet")
        try:
            timestamp = parse_time(cp.get("timestamp"))
        except ValueError:
            raise RetryLater(f"{self.name}: the latest checkpoint has no readable timestamp") from None
        number = _int(cp.get("sequenceNumber"), "sequenceNumber")
        return Height(number=number, timestamp=timestamp, hash=digest_hex(cp.get("digest"), f"checkpoint {number}"))

    # requests
    @property
    def event_type(self) -> str:
        return pkg.type_name(self.type_package, "AssessmentRequested")

    async def poll_requests(self, cursor: str | None, until: Height) -> RequestBatch:
        start = int(cursor) if cursor is not None else self.cfg.start_checkpoint - 1
        end = until.number
        if end <= start:
            return RequestBatch(items=[], next_cursor=str(start), reached=start)
        found, next_cursor = await read_window(self.gql, "AuraEvents", self.event_type, start if start >= 0 else None,
                                               end, chain=self.name, max_pages=EVENT_PAGES)
        items = [r for r in (self._request(node, checkpoint) for node, checkpoint in found) if r is not None]
        items.sort(key=lambda r: (r.block_number, r.ordinal))
        reached = max(next_cursor, start)
        return RequestBatch(items=items, next_cursor=str(reached), reached=reached)

    def _request(self, node: dict[str, Any], checkpoint: int) -> OracleRequest | None:
        """The request an event records; None (logged) for another oracle's event or a malformed one."""
        digest = _get(node, "transaction", "digest") or ""
        contents = node.get("contents") or {}
        if _get(contents, "type", "repr") != self.event_type:
            log.warning("skipping an event of another type", extra=fields(chain=self.name, tx=digest))
            return None
        try:
            event = pkg.decode_requested(contents.get("json"))
        except ValueError as e:
            log.warning("skipping a malformed AssessmentRequested event",
                        extra=fields(chain=self.name, tx=digest, error=str(e)))
            return None
        if event.oracle != self.oracle:
            return None
        return OracleRequest(
            chain=self.name, family="sui", chain_id=self.cfg.chain_id, contract=self.oracle,
            request_id=event.request_id, requester=event.requester, subject=event.subject, fee=event.fee,
            expires_at=event.expires_ms // 1000, params="0x" + event.params.hex(), block_number=checkpoint,
            block_hash=_get(node, "transaction", "effects", "checkpoint", "digest") or "", tx_hash=digest,
            ordinal=event.nonce, program=self.package, private=event.private,
        )  # fmt: skip

    async def offchain_request(self, subject: str) -> tuple[OracleRequest, Height]:
        """An off-chain assessment of `subject` (chains/core/offchain.py): pinned at the latest checkpoint (final
        once published, as `head` says), whose digest (`0x` + hex) is the height's and the request's block hash;
        its id is `offchain_request_id` of the subject's 32 bytes, as an object ID is written (`0x` + 64 hex
        digits). No requester (@0x0), fee, params or transaction.

        Raises:
            ChainError: `subject` is not a Sui address.
            RetryLater: the service failed.
        """
        try:
            subject = tx.canonical_id(subject)
        except ValueError:
            raise ChainError(f"{self.name}: {subject!r} is not a Sui address") from None
        at = await self.head(Confidence.FINALIZED)
        request_id = offchain_request_id(self.family, self.cfg.chain_id, bytes.fromhex(subject[2:]), at.number,
                                         bytes.fromhex(at.hash[2:]))
        request = OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.oracle,
            request_id="0x" + request_id.hex(), requester=tx.canonical_id("0x0"), subject=subject, fee=0,
            expires_at=at.timestamp, params="", block_number=at.number, block_hash=at.hash, tx_hash="", ordinal=0,
            program=self.package,
        )  # fmt: skip
        return request, at

    async def update_request(self, subject: str, at: Height) -> OracleRequest:
        """An operator's update of `subject` at checkpoint `at`: ID the package's `update_id(oracle, subject,
        at's time in ms)` (chains/sui/update_id.py), requester @0x0, fee 0, params empty, `block_hash` `at.hash`.

        Raises:
            ChainError: `subject` is not a Sui address.
        """
        try:
            subject = tx.canonical_id(subject)
        except ValueError:
            raise ChainError(f"{self.name}: {subject!r} is not a Sui address") from None
        request_id = update_request_id(tx.id_bytes(self.oracle), tx.id_bytes(subject), at.timestamp)
        return OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.oracle,
            request_id="0x" + request_id.hex(), requester=tx.canonical_id("0x0"), subject=subject, fee=0,
            expires_at=at.timestamp + UPDATE_WINDOW_S, params="", block_number=at.number, block_hash=at.hash,
            tx_hash="", ordinal=0, program=self.package, operator_update=True,
        )  # fmt: skip

    async def is_canonical(self, request: OracleRequest) -> bool:
        """Whether the request's transaction is in the checkpoint it was read from (checkpoints are final, so
        this only catches a service that answered wrongly); a pruned transaction falls back to the oracle. An
        operator update has no transaction: its checkpoint was published, so final, when the update was made."""
        if request.operator_update:
            return True
        data = await self.gql.run("AuraTransactionCheckpoint", {"digest": request.tx_hash})
        effects = data.get("transactionEffects")
        if effects is None:
            return await self.request_status(request) is not RequestStatus.NONE
        checkpoint = effects.get("checkpoint")
        if checkpoint is None:
            raise RetryLater(f"{self.name}: transaction {request.tx_hash} has no checkpoint yet")
        same = _int(checkpoint.get("sequenceNumber"), "sequenceNumber") == request.block_number
        if request.block_hash and checkpoint.get("digest"):
            same = same and checkpoint["digest"] == request.block_hash
        return same and effects.get("status") == "SUCCESS"

    async def pinned(self, request: OracleRequest) -> Height:
        """The checkpoint holding the request's transaction (`request.block_number`, where its event was read):
        its number, its time in whole seconds and its digest. Where the service still has the transaction, it must
        be in that checkpoint; the checkpoint's digest must be the one the event was read with. An operator update
        is pinned at the checkpoint it was made at (`update_request`): its number and digest, and its time, which
        its ID binds (`expires_at` less UPDATE_WINDOW_S); `read_features` checks that digest."""
        if request.operator_update:
            return Height(number=request.block_number, timestamp=request.expires_at - UPDATE_WINDOW_S,
                          hash=request.block_hash)
        data = await self.gql.run("AuraPinned", {"digest": request.tx_hash, "checkpoint": request.block_number})
        effects = data.get("transactionEffects")
        if effects is not None:
            held = effects.get("checkpoint")
            if held is None:
                raise RetryLater(f"{self.name}: transaction {request.tx_hash} has no checkpoint yet")
            number = _int(held.get("sequenceNumber"), "sequenceNumber")
            if number != request.block_number:
                raise ChainError(f"{self.name}: request {request.request_id}'s transaction {request.tx_hash} is in "
                                 f"checkpoint {number}, not {request.block_number}")
        cp = data.get("checkpoint")
        if cp is None:
            raise RetryLater(f"{self.name}: checkpoint {request.block_number} is not available")
        if _int(cp.get("sequenceNumber"), "sequenceNumber") != request.block_number:
            raise RetryLater(f"{self.name}: asked for checkpoint {request.block_number}, got "
                             f"{cp.get('sequenceNumber')}")
        digest = digest_hex(cp.get("digest"), f"checkpoint {request.block_number}")
        if request.block_hash and cp.get("digest") != request.block_hash:
            raise ChainError(f"{self.name}: checkpoint {request.block_number} has digest {cp.get('digest')}, not "
                             f"{request.block_hash} as when request {request.request_id} was read")
        try:
            timestamp = parse_time(cp.get("timestamp"))
        except ValueError:
            raise RetryLater(f"{self.name}: checkpoint {request.block_number} has no readable timestamp") from None
        return Height(number=request.block_number, timestamp=timestamp, hash=digest)

    @classmethod
    def enclave_request(cls, request: OracleRequest) -> dict[str, Any]:
        """The base request (with `block_number`, the pinned checkpoint) and the package's ID."""
        return {**super().enclave_request(request), "package": request.program}

    def _request_key(self, request_id: str) -> dict[str, str]:
        """The `DynamicFieldName` of a request's `Request` record under the oracle."""
        return {"type": pkg.type_name(self.type_package, "RequestKey"),
                "bcs": base64.b64encode(pkg.request_key_bcs(request_id)).decode()}

    async def stored_status(self, request: OracleRequest) -> RequestStatus:
        """The `Request` dynamic field under the oracle: its status; NONE when there is no such field (an operator
        update until the package has taken it, and recorded its ID fulfilled)."""
        data = await self.gql.run("AuraRequestStatus", {"oracle": self.oracle,
                                                        "name": self._request_key(request.request_id)})
        obj = data.get("object")
        if obj is None:
            raise RetryLater(f"{self.name}: the GraphQL service does not show the oracle object")
        field = obj.get("dynamicField")
        if field is None:
            return RequestStatus.NONE
        return self._status_of(field, request.request_id)

    def _status_of(self, field: dict[str, Any], request_id: str) -> RequestStatus:
        value = field.get("value") or {}
        if value.get("__typename") != "MoveValue" or _get(value, "type", "repr") != pkg.type_name(
                self.type_package, "Request"):
            raise ChainError(f"{self.name}: request {request_id} holds a "
                             f"{_get(value, 'type', 'repr') or value.get('__typename')}, not a Request")
        try:
            return RequestStatus(pkg.decode_status(value.get("json")))
        except ValueError as e:
            raise ChainError(f"{self.name}: request {request_id}: {e}") from None

    async def read_fulfilment(self, request_id: str) -> Fulfilled | None:
        """From the request's `Request` record under the oracle: the transaction that settled it (its
        `AssessmentFulfilled` event carries every signed value exactly as `fulfil` took them, and the signature),
        and the one that made it (its `AssessmentRequested` event and checkpoint: the request as a poll returns
        it). None for an unknown, pending or cancelled request; ChainError when the service no longer has the
        transactions or they do not say what the record does."""
        try:
            request_id = tx.canonical_id(request_id)
        except ValueError:
            raise ChainError(f"{self.name}: {request_id!r} is not a Sui object ID") from None
        data = await self.gql.run("AuraFulfilment", {"oracle": self.oracle, "name": self._request_key(request_id)})
        obj = data.get("object")
        if obj is None:
            raise RetryLater(f"{self.name}: the GraphQL service does not show the oracle object")
        field = obj.get("dynamicField")
        if field is None or self._status_of(field, request_id) is not RequestStatus.FULFILLED:
            return None
        settled = field.get("previousTransaction")
        oldest = _get(field, "objectVersionsBefore", "nodes") or [{}]
        made = _get(oldest[0], "previousTransaction")
        found = self._event_in(settled, "AssessmentFulfilled", request_id)
        if found is None:
            raise ChainError(f"{self.name}: {_missing(request_id, settled, 'settled', 'AssessmentFulfilled')}")
        contents, _ = found
        try:
            event = pkg.decode_fulfilled(contents.get("json"))
        except ValueError as e:
            raise ChainError(f"{self.name}: the AssessmentFulfilled event of {request_id}: {e}") from None
        requested = self._event_in(made, "AssessmentRequested", request_id)
        if requested is None:
            raise ChainError(f"{self.name}: {_missing(request_id, made, 'made', 'AssessmentRequested')}")
        contents, checkpoint = requested
        node = {"contents": contents, "transaction": {"digest": made["digest"],
                                                      "effects": {"checkpoint": made["effects"]["checkpoint"]}}}
        request = self._request(node, checkpoint)
        if request is None or event.oracle != self.oracle or event.subject != request.subject:
            raise ChainError(f"{self.name}: the events of request {request_id} do not name this oracle and one "
                             "subject")
        try:
            signer = address_from_public_key(event.public_key)
        except ValueError:
            raise ChainError(f"{self.name}: the AssessmentFulfilled event of {request_id} carries a public key that "
                             "is not a secp256k1 point") from None
        return Fulfilled(request=request, facts=event.facts, signature=event.signature, signer=signer,
                         tx_hash=str(settled["digest"]))

    def _event_in(self, transaction: Any, name: str, request_id: str) -> tuple[dict[str, Any], int] | None:
        """The package's `name` event naming `request_id` in a successful, checkpointed transaction, and that
        checkpoint; None when the transaction, its effects or the event are not there."""
        effects = _get(transaction, "effects")
        checkpoint = _get(effects, "checkpoint", "sequenceNumber")
        if not isinstance(effects, dict) or effects.get("status") != "SUCCESS" or checkpoint is None:
            return None
        wanted = pkg.type_name(self.type_package, name)
        for node in _get(effects, "events", "nodes") or []:
            contents = node.get("contents") or {}
            if _get(contents, "type", "repr") == wanted \
                    and pkg.fulfilled_request_id(contents.get("json")) == request_id:
                return contents, _int(checkpoint, "checkpoint.sequenceNumber")
        return None

    # features
    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        """Balance, transaction count and first-seen time as of checkpoint `at` (the pinned one), and that
        checkpoint's digest as `as_of_block_hash`.

        `tx_count` counts the transactions that affected the subject, up to FEATURE_PAGES pages (a lower bound
        beyond that); `first_seen_timestamp` is the oldest one's time, null when it has none. The digest is the
        one the service gives for checkpoint `at.number` in the same answer; ChainError when `at.hash` names
        another."""
        subject = tx.canonical_id(subject)
        count, first_seen, balance, block_hash = 0, None, None, ""
        cursor: str | None = None
        for page in range(FEATURE_PAGES):
            data = await self.gql.run("AuraFeatures", {"subject": subject, "at": at.number,
                                                       "first": FEATURE_PAGE, "cursor": cursor})
            scoped = _get(data, "checkpoint", "query")
            if scoped is None:
                raise RetryLater(f"{self.name}: checkpoint {at.number} is not available to read features at")
            if page == 0:
                block_hash = digest_hex(_get(data, "checkpoint", "digest"), f"checkpoint {at.number}")
                if at.hash and at.hash != block_hash:
                    raise ChainError(f"{self.name}: checkpoint {at.number} has digest {block_hash}, not the pinned "
                                     f"{at.hash}")
                total = _get(scoped, "address", "balance", "totalBalance")
                if total is None:
                    raise RetryLater(f"{self.name}: no SUI balance for {subject} at checkpoint {at.number}")
                balance = _int(total, "totalBalance")
            txs = scoped.get("transactions") or {}
            nodes = txs.get("nodes") or []
            if page == 0 and nodes:
                try:
                    first_seen = min(parse_time(_get(nodes[0], "effects", "timestamp")), at.timestamp)
                except ValueError:
                    first_seen = None
            count += len(nodes)
            info = txs.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            cursor = info.get("endCursor")
        return {"as_of_block": at.number, "as_of_block_hash": block_hash, "as_of_timestamp": at.timestamp,
                "tx_count": count,
                "balance_wei": str(int(balance or 0) * MIST_TO_18_DECIMALS), "first_seen_timestamp": first_seen}

    # fulfilment
    def _hold(self, coin: tx.ObjectRef, digest: str) -> None:
        self._coins_in_use[(coin.object_id, coin.version)] = digest

    def _release(self, digest: str) -> None:
        for key in [k for k, d in self._coins_in_use.items() if d == digest]:
            del self._coins_in_use[key]

    def _pick_coin(self, nodes: list[dict[str, Any]]) -> tuple[tx.ObjectRef, int]:
        """The transmitter's SUI coin to pay with: not used by an unsettled fulfilment; the smallest that
        covers `max_gas_budget`, else the largest."""
        free: list[tuple[int, tx.ObjectRef]] = []
        for node in nodes:
            balance = _get(node, "contents", "json", "balance")
            try:
                ref = tx.ObjectRef(str(node.get("address")), _int(node.get("version"), "version"),
                                   str(node.get("digest")))
                amount = _int(balance.get("value") if isinstance(balance, dict) else balance, "balance")
            except (ValueError, RetryLater):
                continue
            if (ref.object_id, ref.version) not in self._coins_in_use and amount > 0:
                free.append((amount, ref))
        if not free:
            raise RetryLater(f"{self.name}: no free SUI coin to pay gas with at {self.transmitter.address} "
                             f"({len(self._coins_in_use)} held by unsettled fulfilments)")
        enough = sorted((c for c in free if c[0] >= self.cfg.max_gas_budget), key=lambda c: c[0])
        amount, ref = enough[0] if enough else max(free, key=lambda c: c[0])
        return ref, amount

    def abort_name(self, error: dict[str, Any] | None) -> str | None:
        """The package's error name of a Move abort in its `oracle` module; None for any other failure."""
        if not error or error.get("abortCode") is None:
            return None
        module = error.get("module") or {}
        try:
            where = tx.canonical_id(_get(module, "package", "address"))
        except ValueError:
            return None
        if module.get("name") != pkg.MODULE or where not in (self.package, self.type_package):
            return None
        identifier = error.get("identifier")
        if identifier in pkg.ERRORS.values():
            return identifier
        return pkg.error_name(_int(error["abortCode"], "abortCode"))

    async def prepare(self, items: list[tuple[OracleRequest, SignedAssessment]]) -> Submission:
        """`oracle::fulfil` for an assessment without cosigners, `oracle::fulfil_quorum` for one with (module
        docstring); `update` and `update_quorum` for an operator update. The dry run's abort mapped as `_refusal`
        says. A payload of the other privacy than the request's is refused first, with no call: `fulfilment would
        abort with EPrivacyMismatch`; so is an update whose assessment is of another time than its ID binds:
        `fulfilment would abort with EInvalidSignature`."""
        if len(items) != 1:
            raise ValueError("a Sui fulfilment carries exactly one request")
        request, assessment = items[0]
        count = len(assessment.signers())
        if count > self.capabilities.max_signatures:
            raise ValueError(f"a Sui fulfilment carries at most {self.capabilities.max_signatures} signatures, "
                             f"not {count}")
        if self.oracle_initial_shared_version is None:
            raise ChainError(f"{self.name}: not connected")
        if not pkg.privacy_matches(request.private, assessment.facts):
            raise ChainError(f"{self.name}: fulfilment would abort with EPrivacyMismatch")
        if request.operator_update and not pkg.update_id_matches(request, assessment.facts):
            raise ChainError(f"{self.name}: fulfilment would abort with EInvalidSignature")
        quorum: pkg.QuorumArgs | None = None
        try:
            if assessment.cosigners:
                quorum = pkg.fulfil_quorum_args(request, assessment)
                kind = pkg.fulfil_quorum_kind(self.package, self.oracle, self.oracle_initial_shared_version, quorum)
            else:
                args = pkg.fulfil_args(request, assessment)
                kind = pkg.fulfil_kind(self.package, self.oracle, self.oracle_initial_shared_version, args)
        except ValueError as e:
            raise ChainError(f"{self.name}: cannot fulfil {request.key}: {e}") from None
        gas = await self.gql.run("AuraGas", {"owner": self.transmitter.address, "coinType": pkg.SUI_COIN_TYPE,
                                             "first": COIN_PAGE})
        epoch = _int(_get(gas, "epoch", "epochId"), "epochId")
        price = _int(_get(gas, "epoch", "referenceGasPrice"), "referenceGasPrice")
        if price > self.cfg.max_gas_price:
            raise WaitFor("fee_cap", f"{self.name}: reference gas price {price} is above max_gas_price "
                                     f"{self.cfg.max_gas_price}")
        coin, amount = self._pick_coin(_get(gas, "address", "objects", "nodes") or [])
        probe_budget = min(self.cfg.max_gas_budget, amount)
        probe = tx.serialize(tx.transaction_data(kind, self.transmitter.address, coin, price, probe_budget, epoch))
        cost = await self._dry_run(probe, assessment, quorum, coin_limited=probe_budget < self.cfg.max_gas_budget)
        budget = max(cost, math.ceil(cost * self.cfg.gas_budget_margin_pct / 100))
        if cost > self.cfg.max_gas_budget:
            raise ChainError(f"{self.name}: a fulfilment costs {cost} MIST, above max_gas_budget "
                             f"{self.cfg.max_gas_budget}")
        budget = min(budget, self.cfg.max_gas_budget)
        if budget > amount:
            raise WaitFor("funds", f"{self.name}: the largest free gas coin holds {amount} MIST, less than the "
                                   f"{budget} MIST budget")
        tx_bytes = tx.serialize(tx.transaction_data(kind, self.transmitter.address, coin, price, budget, epoch))
        signature = self.transmitter.sign(tx_bytes)
        digest = tx.digest(tx_bytes)
        self._hold(coin, digest)
        raw = base64.b64encode(tx_bytes).decode() + ":" + base64.b64encode(signature).decode()
        return Submission(chain=self.name, tx_hash=digest, sequence=self.sequence.take(), raw=raw,
                          request_keys=(request.key,))

    async def _dry_run(self, tx_bytes: bytes, assessment: SignedAssessment, quorum: pkg.QuorumArgs | None,
                       coin_limited: bool = False) -> int:
        """Computation plus storage cost (MIST) of a dry run of the fulfilment of `assessment` (through
        `fulfil_quorum` with `quorum`); ChainError naming the package's error when the fulfilment would abort
        (`_refusal`). A failure outside the package is RetryLater when the dry run's budget was cut to the coin's
        balance (more SUI may arrive), ChainError when it had all of max_gas_budget."""
        data = await self.gql.run("AuraSimulate", {"transaction": {"bcs": {"value": base64.b64encode(tx_bytes)
                                                                                  .decode()}}})
        result = data.get("simulateTransaction") or {}
        effects = result.get("effects")
        if effects is None:
            raise RetryLater(f"{self.name}: dry run failed: {str(result.get('error') or 'no effects')[:300]}")
        if effects.get("status") != "SUCCESS":
            error = effects.get("executionError")
            name = self.abort_name(error)
            if name is not None:
                raise await self._refusal(name, assessment, quorum)
            message = str(_get(error, "message") or "unknown")[:300]
            if coin_limited:
                raise WaitFor("funds", f"{self.name}: dry run on the largest free gas coin failed: {message}")
            raise ChainError(f"{self.name}: fulfilment would fail: {message}")
        summary = _get(effects, "gasEffects", "gasSummary") or {}
        return _int(summary.get("computationCost"), "computationCost") + _int(summary.get("storageCost"),
                                                                              "storageCost")

    async def _refusal(self, name: str, assessment: SignedAssessment, quorum: pkg.QuorumArgs | None) -> ChainError:
        """The error of a fulfilment the package would abort with `name`: `EQuorumNotMet(got, needed)` with the
        signatures sent and the oracle's threshold; a signer abort of a quorum fulfilment is CosignerRefused
        naming the first cosigner (in the package's order) whose record does not count, WaitFor "signer" when that
        is this node's enclave (or none is found: the records changed since); ChainError naming any other.

        Raises:
            RetryLater: reading the threshold or a signer's record failed.
        """
        if name == "EQuorumNotMet":
            got = len(quorum.signers) if quorum is not None else 1
            return ChainError(f"{self.name}: fulfilment would abort with EQuorumNotMet({got}, "
                              f"{await self.threshold()})")
        if name not in SIGNER_WAITS:
            return ChainError(f"{self.name}: fulfilment would abort with {name}")
        if quorum is not None:
            own = address_from_public_key(assessment.envelope_hex("public_key", 33))
            measurement = "0x" + quorum.facts.measurement.hex()
            for signer, key in zip(quorum.signers, quorum.public_keys, strict=True):
                if await self._key_status(key, signer, measurement) is SignerStatus.ACTIVE:
                    continue
                if signer != own:
                    return CosignerRefused(signer, f"{self.name}: fulfilment would abort with {name} for cosigner "
                                                   f"{signer}")
                break
        return WaitFor("signer", f"{self.name}: fulfilment would abort with {name}")

    async def broadcast(self, submission: Submission) -> None:
        """executeTransaction; the same signed bytes again return the same effects."""
        tx_bytes, signature = _split_raw(submission.raw)
        self._hold(tx.gas_terms(tx.decode(tx_bytes)).coin, submission.tx_hash)
        data = await self.gql.run("AuraExecute", {"transactionDataBcs": base64.b64encode(tx_bytes).decode(),
                                                  "signatures": [base64.b64encode(signature).decode()]})
        result = data.get("executeTransaction") or {}
        effects = result.get("effects")
        if effects is not None:
            if effects.get("digest") != submission.tx_hash:
                raise ChainError(f"{self.name}: executing {submission.tx_hash} returned effects of "
                                 f"{effects.get('digest')}")
            return
        text = "; ".join(str(e) for e in result.get("errors") or []) or "no effects and no error"
        if any(hint in text for hint in DEAD_TX_HINTS):
            log.warning("fulfilment can no longer execute; status() will report it dropped",
                        extra=fields(chain=self.name, tx=submission.tx_hash, error=text[:300]))
            return
        raise ChainError(f"{self.name}: the network refused transaction {submission.tx_hash}: {text[:300]}")

    async def status(self, submission: Submission) -> SubmissionStatus:
        tx_bytes, _ = _split_raw(submission.raw)
        if tx.digest(tx_bytes) != submission.tx_hash:
            raise ChainError(f"{self.name}: stored submission {submission.tx_hash} does not hash to its digest")
        terms = tx.gas_terms(tx.decode(tx_bytes))
        self._hold(terms.coin, submission.tx_hash)
        data = await self.gql.run("AuraStatus", {"digest": submission.tx_hash, "coin": terms.coin.object_id,
                                                 "version": terms.coin.version})
        effects = data.get("transactionEffects")
        if effects is None:
            return self._unknown(submission, terms, data)
        if effects.get("digest") != submission.tx_hash:
            raise RetryLater(f"{self.name}: asked for {submission.tx_hash}, got effects of {effects.get('digest')}")
        self._release(submission.tx_hash)
        checkpoint = effects.get("checkpoint")
        state = TxState.FINAL if checkpoint is not None else TxState.INCLUDED
        block = _int(checkpoint.get("sequenceNumber"), "sequenceNumber") if checkpoint is not None else None
        summary = _get(effects, "gasEffects", "gasSummary") or {}
        cost = max(0, sum(_int(summary.get(k) or 0, k) for k in ("computationCost", "storageCost"))
                       - _int(summary.get("storageRebate") or 0, "storageRebate")) if summary else None
        key = submission.request_keys[0]
        if effects.get("status") == "SUCCESS":
            if self._fulfilled_event(effects, key):
                outcome = ItemOutcome(True)
            else:
                outcome = ItemOutcome(False, "no AssessmentFulfilled event for this request in the effects")
            return SubmissionStatus(state=state, block_number=block, cost=cost, outcomes={key: outcome})
        name = self.abort_name(effects.get("executionError"))
        if name is None:
            return SubmissionStatus(state=state, block_number=block, cost=cost, reverted=True)
        return SubmissionStatus(state=state, block_number=block, cost=cost,
                                outcomes={key: ItemOutcome(False, name, expired=name == "ERequestExpired")})

    def _fulfilled_event(self, effects: dict[str, Any], key: str) -> bool:
        request_id = key.split(":", 1)[1]
        wanted = pkg.type_name(self.type_package, "AssessmentFulfilled")
        for node in _get(effects, "events", "nodes") or []:
            contents = node.get("contents") or {}
            if _get(contents, "type", "repr") == wanted \
                    and pkg.fulfilled_request_id(contents.get("json")) == request_id:
                return True
        return False

    def _unknown(self, submission: Submission, terms: tx.GasTerms, data: dict[str, Any]) -> SubmissionStatus:
        """No effects for this digest: pending, or dropped when it provably can never execute."""
        later = _get(data, "objectVersions", "nodes") or []
        if later:
            consumer = _get(later[0], "previousTransaction", "digest")
            if consumer == submission.tx_hash:
                return SubmissionStatus(state=TxState.PENDING)  # it ran: its effects are not readable yet
            log.warning("fulfilment dropped: its gas coin version was used by another transaction",
                        extra=fields(chain=self.name, tx=submission.tx_hash, by=consumer))
            self._release(submission.tx_hash)
            return SubmissionStatus(state=TxState.DROPPED)
        epoch = _get(data, "epoch", "epochId")
        if terms.expiration_epoch is not None and epoch is not None and _int(epoch, "epochId") > terms.expiration_epoch:
            log.warning("fulfilment dropped: it expired with its epoch without executing",
                        extra=fields(chain=self.name, tx=submission.tx_hash, epoch=terms.expiration_epoch))
            self._release(submission.tx_hash)
            return SubmissionStatus(state=TxState.DROPPED)
        return SubmissionStatus(state=TxState.PENDING)

    # lending events
    def check_credit_events(self) -> None:
        if self.credit is None:
            raise NotSupported(self.family, "lending events with an empty lending_events")

    async def read_credit_events(self, subjects: Collection[str], after: int, until: int) -> tuple[list[CreditEvent],
                                                                                                     int]:
        """The configured lending events (`lending_events`) of `subjects` (chains/sui/credit_events.py), never past
        the checkpoint the service has indexed."""
        assert self.credit is not None
        return await self.credit.read(subjects, after, until)

    # the enclave's signer and the transmitter
    async def signer_status(self, signer: str, measurement: str,
                            public_key: bytes | None = None) -> SignerStatus | None:
        """The `Enclave` record under the oracle of `signer`'s key (chains/sui/status.py): `public_key` when given,
        else the key an `EnclaveRegistered` event registered with `signer`'s address, which a service that no longer
        keeps the event cannot show. No such key on this oracle, or no record under it, is UNREGISTERED; then
        REVOKED, OTHER_MEASUREMENT, ACTIVE.

        Raises:
            ValueError: `public_key` is not `signer`'s. ChainError: the record under the key is not an `Enclave` of
            the package, or its JSON is not one's. RetryLater: the service failed, or does not show the oracle object.
        """
        address = "0x" + parse_address(signer).hex()
        if public_key is not None:
            self._enclave_keys[address] = signer_key(public_key, address)
        key = await self._enclave_key(address)
        if key is None:
            return SignerStatus.UNREGISTERED
        return await self._key_status(key, signer, measurement)

    async def _key_status(self, key: bytes, signer: str, measurement: str) -> SignerStatus:
        """`signer_status` of the signer whose registered public key is `key`: its `Enclave` record under the
        oracle (none: UNREGISTERED)."""
        name = {"type": pkg.type_name(self.type_package, "EnclaveKey"),
                "bcs": base64.b64encode(enclave_key_bcs(key)).decode()}
        data = await self.gql.run("AuraEnclave", {"oracle": self.oracle, "name": name})
        obj = data.get("object")
        if obj is None:
            raise RetryLater(f"{self.name}: the GraphQL service does not show the oracle object")
        field = obj.get("dynamicField")
        if field is None:
            return SignerStatus.UNREGISTERED
        value = field.get("value") or {}
        held = _get(value, "type", "repr") or value.get("__typename")
        if value.get("__typename") != "MoveValue" or held != pkg.type_name(self.type_package, "Enclave"):
            raise ChainError(f"{self.name}: the key of signer {signer} holds a {held}, not an Enclave")
        try:
            return enclave_status(value.get("json"), measurement)
        except ValueError as e:
            raise ChainError(f"{self.name}: the Enclave record of signer {signer}: {e}") from None

    async def _enclave_key(self, address: str) -> bytes | None:
        """The public key an `EnclaveRegistered` event of the package registered on this oracle with `address`
        (`0x` + 40 lower-case hex digits), read through every page of those events until found, then kept: a key's
        address never changes. None when no event registers one."""
        if address in self._enclave_keys:
            return self._enclave_keys[address]
        wanted = pkg.type_name(self.type_package, "EnclaveRegistered")
        cursor: str | None = None
        while True:
            data = await self.gql.run("AuraRegistrations", {"type": wanted, "first": EVENT_PAGE, "cursor": cursor})
            connection = data.get("events")
            if connection is None:
                raise RetryLater(f"{self.name}: the GraphQL service returned no events connection")
            for node in connection.get("nodes") or []:
                contents = node.get("contents") or {}
                key = registered_key(contents.get("json"), self.oracle, address) \
                    if _get(contents, "type", "repr") == wanted else None
                if key is not None:
                    self._enclave_keys[address] = key
                    return key
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return None
            cursor = info.get("endCursor")
            if not cursor:
                raise RetryLater(f"{self.name}: the registrations page has more but no end cursor")

    async def threshold(self) -> int:
        """The oracle object's `threshold` field: how many signatures a fulfilment needs now.

        Raises:
            ChainError: the object is not the package's `Oracle`, or its JSON holds no threshold of 1 ..= 16.
            RetryLater: the service failed, or does not show the oracle object.
        """
        data = await self.gql.run("AuraThreshold", {"oracle": self.oracle})
        contents = _get(data, "object", "asMoveObject", "contents")
        if contents is None:
            raise RetryLater(f"{self.name}: the GraphQL service does not show the oracle object")
        held = _get(contents, "type", "repr")
        if held != pkg.type_name(self.type_package, "Oracle"):
            raise ChainError(f"{self.name}: {self.oracle} is a {held}, not an aura_oracle Oracle")
        try:
            return pkg.decode_threshold(contents.get("json"))
        except ValueError as e:
            raise ChainError(f"{self.name}: the oracle object: {e}") from None

    async def transmitter_balance(self) -> int | None:
        """The transmitter's SUI, in MIST: the total of its SUI coins, as the service has indexed them.

        Raises:
            RetryLater: the service failed, or shows no SUI balance for the transmitter.
        """
        data = await self.gql.run("AuraBalance", {"owner": self.transmitter.address})
        total = _get(data, "address", "balance", "totalBalance")
        if total is None:
            raise RetryLater(f"{self.name}: no SUI balance for the transmitter {self.transmitter.address}")
        return _int(total, "totalBalance")
