"""The `aura_oracle` Move package as the node sees it (docs/sui.md): its names, abort codes, the
`AssessmentRequested` event (with the request's privacy), a request's status, the oracle's threshold, the form of
payload a request takes (`privacy_matches`), and the arguments of `oracle::fulfil` and `oracle::fulfil_quorum`, or
of `oracle::update` and `oracle::update_quorum` for an operator's update (which take the subject in place of the
request ID: the package derives the update's ID, chains/sui/update_id.py).

Events and dynamic-field values are read from the JSON rendering of Sui's GraphQL service (`MoveValue.json`:
IDs and addresses as `0x` + 64 hex digits, `u8`/`u16`/`u32` as numbers, `u64` as decimal strings,
`vector<u8>` as base64), field by field and by name, and refused whole when any field is off.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from chains.base import OracleRequest, SignedAssessment
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.base58 import b58decode
from chains.core.secp256k1 import address_from_public_key
from chains.sui import payload
from chains.sui import transaction as tx
from chains.sui.update_id import update_request_id

MODULE = "oracle"
FULFIL = "fulfil"
FULFIL_QUORUM = "fulfil_quorum"
UPDATE = "update"
UPDATE_QUORUM = "update_quorum"
MAX_QUORUM_SIGNERS = 16
"""oracle.move's MAX_QUORUM_SIGNERS: the most signatures `fulfil_quorum` takes (`ETooManySignatures` above it)."""
CLOCK_ID = tx.canonical_id("0x6")
CLOCK_INITIAL_SHARED_VERSION = 1
SUI_COIN_TYPE = f"{tx.canonical_id('0x2')}::coin::Coin<{tx.canonical_id('0x2')}::sui::SUI>"
SUI_TYPE = f"{tx.canonical_id('0x2')}::sui::SUI"
MAX_U64 = (1 << 64) - 1
MAX_PARAMS = 1024

STATUS = {0: "pending", 1: "fulfilled", 2: "cancelled"}

ERRORS: dict[int, str] = {
    1: "EWrongCap", 2: "EBadWindow", 3: "EBadPublicKey", 4: "EBadMeasurement", 5: "EEnclaveNotRegistered",
    6: "EEnclaveRevoked", 7: "EWrongFee", 8: "EParamsTooLong", 9: "ERequestNotFound", 10: "ERequestNotPending",
    11: "ERequestExpired", 12: "EMeasurementMismatch", 13: "EBadCommitment", 14: "EBadSignature",
    15: "EScoreOutOfRange", 16: "ETierOutOfRange", 17: "EPdOutOfRange", 18: "ETimestampInFuture",
    19: "EStaleAssessment", 20: "EAssessmentExpired", 21: "EInvalidSignature",  # 22 retired (EOlderThanStored)
    23: "ENotRequester", 24: "ENotExpired", 25: "EEnclaveExists", 26: "EKeyRevoked", 27: "EBadCheckpointDigest",
    28: "EBadFeaturesHash", 29: "ECheckpointBeforeRequest", 30: "EZeroPayee", 31: "EQuorumNotMet",
    32: "EInvalidThreshold", 33: "EThresholdAboveActiveSigners", 34: "ESignersNotAscending",
    35: "ETooManySignatures", 36: "ESignatureCountMismatch",
    37: "EBadVerifyingKey", 38: "EVerifyingKeyNotSet", 39: "EBadProof", 40: "ENoScore", 41: "EScoreExpired",
    42: "EScoreRevoked", 43: "EPublicInputOutOfField", 44: "ENullifierSpent", 45: "EInvalidProof",  # zk's
    46: "EPrivacyMismatch",
}  # fmt: skip

_ADDRESS = re.compile(r"^0x[0-9a-f]{64}$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,19})$")
_TYPE = re.compile(r"^0x([0-9a-fA-F]{1,64})::([A-Za-z_][A-Za-z0-9_]*)::([A-Za-z_][A-Za-z0-9_]*)$")


def error_name(code: int) -> str:
    """The name of docs/sui.md's abort code, or `abort code N` for a code the package does not define."""
    return ERRORS.get(code, f"abort code {code}")


def type_name(package: str, name: str) -> str:
    """`0x<64 hex>::oracle::<name>`: how Sui's GraphQL service writes a type of the package."""
    return f"{tx.canonical_id(package)}::{MODULE}::{name}"


def split_type(repr_: Any) -> tuple[str, str, str]:
    """(package, module, name) of a non-generic struct type `0x..::module::Name`; ValueError otherwise."""
    match = _TYPE.match(repr_) if isinstance(repr_, str) else None
    if match is None:
        raise ValueError(f"{repr_!r} is not a struct type of the form 0x<id>::<module>::<name>")
    return tx.canonical_id("0x" + match.group(1)), match.group(2), match.group(3)


# --- JSON fields -----------------------------------------------------------------------------------------


def _address(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ValueError(f"{key}: {value!r} is not 0x and 64 lower-case hex digits")
    return value


def _u64(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if not isinstance(value, str) or not _DECIMAL.match(value) or int(value) > MAX_U64:
        raise ValueError(f"{key}: {value!r} is not a u64 decimal string")
    return int(value)


def _small_uint(obj: dict[str, Any], key: str, bits: int) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise ValueError(f"{key}: {value!r} is not a u{bits} number")
    return value


def _bytes(obj: dict[str, Any], key: str) -> bytes:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key}: {value!r} is not base64 bytes")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{key}: {value[:40]!r} is not base64 bytes") from None
    return raw


# --- events ----------------------------------------------------------------------------------------------

REQUESTED_FIELDS = ("oracle", "request_id", "nonce", "requester", "subject", "fee", "created_ms", "expires_ms",
                    "params", "private")


@dataclass(frozen=True)
class Requested:
    """An `AssessmentRequested` event."""

    oracle: str
    request_id: str
    nonce: int
    requester: str
    subject: str
    fee: int
    created_ms: int
    expires_ms: int
    params: bytes
    private: bool
    """Whether the request asked for a private assessment (`request_private_assessment`)."""


def decode_requested(contents: Any) -> Requested:
    """The event from its JSON rendering; ValueError naming the first field that is off."""
    if not isinstance(contents, dict):
        raise ValueError("event contents are not a JSON object")
    extra = sorted(set(contents) - set(REQUESTED_FIELDS))
    if extra:
        raise ValueError(f"unexpected field(s) {', '.join(extra)}")
    private = contents.get("private")
    if not isinstance(private, bool):
        raise ValueError(f"private: {private!r} is not a bool")
    event = Requested(
        oracle=_address(contents, "oracle"), request_id=_address(contents, "request_id"),
        nonce=_u64(contents, "nonce"), requester=_address(contents, "requester"),
        subject=_address(contents, "subject"), fee=_u64(contents, "fee"), created_ms=_u64(contents, "created_ms"),
        expires_ms=_u64(contents, "expires_ms"), params=_bytes(contents, "params"), private=private,
    )  # fmt: skip
    if len(event.params) > MAX_PARAMS:
        raise ValueError(f"params: {len(event.params)} bytes, more than {MAX_PARAMS}")
    if event.expires_ms < event.created_ms:
        raise ValueError("expires_ms is before created_ms")
    return event


FULFILLED_FIELDS = ("oracle", "request_id", "subject", "score", "tier", "pd_bps", "flags", "measurement", "commitment",
                    "checkpoint", "checkpoint_digest", "features_hash", "timestamp_ms", "expiry_ms", "version",
                    "stored", "public_key", "signature", "transmitter", "payee", "fee")


@dataclass(frozen=True)
class Fulfilment:
    """An `AssessmentFulfilled` event: the signed facts exactly as `fulfil` took them, and what it did."""

    oracle: str
    request_id: str
    subject: str
    facts: AssessmentFacts
    version: int
    stored: bool
    public_key: bytes
    signature: bytes
    transmitter: str
    payee: str
    fee: int


def decode_fulfilled(contents: Any) -> Fulfilment:
    """The event from its JSON rendering; ValueError naming the first field that is off. Times are whole seconds
    in the facts (the enclave signs seconds times 1000): a time that is not a whole second is refused."""
    if not isinstance(contents, dict):
        raise ValueError("event contents are not a JSON object")
    extra = sorted(set(contents) - set(FULFILLED_FIELDS))
    if extra:
        raise ValueError(f"unexpected field(s) {', '.join(extra)}")
    missing = [k for k in FULFILLED_FIELDS if k not in contents]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    stored = contents.get("stored")
    if not isinstance(stored, bool):
        raise ValueError(f"stored: {stored!r} is not a bool")
    times = {}
    for key in ("timestamp_ms", "expiry_ms"):
        times[key] = _u64(contents, key)
        if times[key] % 1000:
            raise ValueError(f"{key}: {times[key]} is not a whole second")
    facts = AssessmentFacts(
        score=_small_uint(contents, "score", 16), tier=_small_uint(contents, "tier", 8),
        pd_bps=_small_uint(contents, "pd_bps", 16), flags=_small_uint(contents, "flags", 32),
        measurement=_bytes(contents, "measurement"), commitment=_bytes(contents, "commitment"),
        block_number=_u64(contents, "checkpoint"), block_hash=_bytes(contents, "checkpoint_digest"),
        features_hash=_bytes(contents, "features_hash"), timestamp=times["timestamp_ms"] // 1000,
        expiry=times["expiry_ms"] // 1000,
    )  # fmt: skip
    for key, value in (("measurement", facts.measurement), ("commitment", facts.commitment),
                       ("checkpoint_digest", facts.block_hash), ("features_hash", facts.features_hash)):
        if len(value) != 32:
            raise ValueError(f"{key}: {len(value)} bytes, not 32")
    event = Fulfilment(
        oracle=_address(contents, "oracle"), request_id=_address(contents, "request_id"),
        subject=_address(contents, "subject"), facts=facts, version=_u64(contents, "version"), stored=stored,
        public_key=_bytes(contents, "public_key"), signature=_bytes(contents, "signature"),
        transmitter=_address(contents, "transmitter"), payee=_address(contents, "payee"), fee=_u64(contents, "fee"),
    )  # fmt: skip
    if len(event.public_key) != 33:
        raise ValueError(f"public_key: {len(event.public_key)} bytes, not 33")
    if len(event.signature) != 64:
        raise ValueError(f"signature: {len(event.signature)} bytes, not 64")
    return event


def fulfilled_request_id(contents: Any) -> str | None:
    """The request ID an `AssessmentFulfilled` or `AssessmentRequested` event names, None if its JSON does not
    carry one."""
    if not isinstance(contents, dict):
        return None
    try:
        return _address(contents, "request_id")
    except ValueError:
        return None


def decode_status(value: Any) -> str:
    """"pending", "fulfilled" or "cancelled" from a `Request` value's JSON; ValueError for anything else."""
    if not isinstance(value, dict):
        raise ValueError("request value is not a JSON object")
    status = _small_uint(value, "status", 8)
    if status not in STATUS:
        raise ValueError(f"status: {status} is not 0, 1 or 2")
    return STATUS[status]


def decode_threshold(value: Any) -> int:
    """The `threshold` of an `Oracle` object's JSON (a u8, 1 ..= MAX_QUORUM_SIGNERS); ValueError otherwise."""
    if not isinstance(value, dict):
        raise ValueError("oracle contents are not a JSON object")
    threshold = _small_uint(value, "threshold", 8)
    if not 1 <= threshold <= MAX_QUORUM_SIGNERS:
        raise ValueError(f"threshold: {threshold} is not 1 ..= {MAX_QUORUM_SIGNERS}")
    return threshold


def request_key_bcs(request_id: str) -> bytes:
    """BCS of `RequestKey { request_id: ID }`: the 32 bytes of the ID."""
    return payload.parse_address(request_id)


# --- fulfil ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FulfilArgs:
    """`oracle::fulfil`'s arguments after the oracle, in order (the clock follows them); `oracle::update`'s when
    `update_of` is set."""

    request_id: bytes
    facts: AssessmentFacts
    public_key: bytes
    signature: bytes
    update_of: bytes | None = None
    """An operator update's subject (32 bytes), which `update` takes in place of the request ID (its ID, the
    assessment's `request_id`, is derived from it); None for a fulfilment."""

    @property
    def function(self) -> str:
        return FULFIL if self.update_of is None else UPDATE

    def pure_bcs(self) -> list[bytes]:
        """Each argument's BCS, at its Move type: ID (`update`: the subject's address), u16, u8, u16, u32,
        vector<u8> x2 (measurement, commitment), u64 (checkpoint), vector<u8> x2 (checkpoint digest, features hash),
        u64 x2 (timestamp and expiry in ms), vector<u8> x2 (public key, signature)."""
        first = self.request_id if self.update_of is None else self.update_of
        return [*_assessment_bcs(first, self.facts), tx.vector_u8(self.public_key), tx.vector_u8(self.signature)]


@dataclass(frozen=True)
class QuorumArgs:
    """`oracle::fulfil_quorum`'s arguments after the oracle, in order (the clock follows them): `fulfil`'s, with
    every signer's key and signature in strictly ascending order of the signers' addresses (`signers`);
    `oracle::update_quorum`'s when `update_of` is set."""

    request_id: bytes
    facts: AssessmentFacts
    public_keys: tuple[bytes, ...]
    signatures: tuple[bytes, ...]
    signers: tuple[str, ...]
    """Each key's address (0x, checksummed), in the same order: the order the package checks them in."""
    update_of: bytes | None = None
    """As `FulfilArgs.update_of`."""

    @property
    def function(self) -> str:
        return FULFIL_QUORUM if self.update_of is None else UPDATE_QUORUM

    def pure_bcs(self) -> list[bytes]:
        """`FulfilArgs.pure_bcs` up to the expiry, then vector<vector<u8>> x2 (public keys, signatures)."""
        first = self.request_id if self.update_of is None else self.update_of
        return [*_assessment_bcs(first, self.facts), tx.vector_vector_u8(self.public_keys),
                tx.vector_vector_u8(self.signatures)]


def _assessment_bcs(first: bytes, facts: AssessmentFacts) -> list[bytes]:
    """The BCS of the arguments `fulfil`, `fulfil_quorum`, `update` and `update_quorum` share, from the request ID
    (an update's subject) to the expiry."""
    f = facts
    return [
        first,
        tx.uint(f.score, 16, "score"),
        tx.uint(f.tier, 8, "tier"),
        tx.uint(f.pd_bps, 16, "pd_bps"),
        tx.uint(f.flags, 32, "flags"),
        tx.vector_u8(f.measurement),
        tx.vector_u8(f.commitment),
        tx.uint(f.block_number, 64, "checkpoint"),
        tx.vector_u8(f.block_hash),
        tx.vector_u8(f.features_hash),
        tx.uint(f.timestamp * 1000, 64, "timestamp_ms"),
        tx.uint(f.expiry * 1000, 64, "expiry_ms"),
    ]


def privacy_matches(private: bool, facts: AssessmentFacts) -> bool:
    """Whether the payload has the form the request asked for, as `fulfil` and `fulfil_quorum` check it (else they
    abort `EPrivacyMismatch`): a private request's is score 0, tier PRIVATE_TIER and pd 0; a public request's tier
    is never PRIVATE_TIER."""
    if private:
        return (facts.score, facts.tier, facts.pd_bps) == (0, PRIVATE_TIER, 0)
    return facts.tier != PRIVATE_TIER


def update_id_matches(request: OracleRequest, facts: AssessmentFacts) -> bool:
    """Whether an operator update's ID is the one `update` and `update_quorum` derive for its subject and the
    assessment's time (chains/sui/update_id.py): else the signature is over another ID than the package checks it
    over, and the call aborts `EInvalidSignature`."""
    derived = update_request_id(payload.parse_address(request.contract), payload.parse_address(request.subject),
                                facts.timestamp)
    return derived == payload.parse_address(request.request_id)


def checkpoint_digest(text: Any) -> bytes:
    """The 32 bytes of a checkpoint digest in Sui's text form (base58), or in a height's (`0x` and 64 hex digits,
    what an operator update's `block_hash` holds: no base58 text starts with `0`); ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"checkpoint digest {text!r} is not a string")
    if text.startswith("0x"):
        try:
            return payload.parse_address(text)
        except ValueError:
            raise ValueError(f"checkpoint digest {text[:70]!r} is not 0x and 64 lower-case hex digits") from None
    try:
        raw = b58decode(text)
    except ValueError:
        raise ValueError(f"checkpoint digest {text[:60]!r} is not base58") from None
    if len(raw) != 32:
        raise ValueError(f"checkpoint digest {text[:60]!r} is {len(raw)} bytes, not 32")
    return raw


def fulfil_args(request: OracleRequest, assessment: SignedAssessment) -> FulfilArgs:
    """The arguments for one signed assessment, checked against the request (pinned to the checkpoint holding
    it; an operator update's, to its checkpoint) and against what the enclave signed (its `intent_message` must
    name this oracle, request and subject and carry exactly these values, and the signature must verify over it):
    a fulfilment that could only abort, or that answers with another checkpoint's assessment, is never built. An
    operator update's (`request.operator_update`) are `update`'s: its ID must be the one the package derives for
    its subject and the assessment's time, else the package would abort `EInvalidSignature` (the signature would be
    over another ID)."""
    a = assessment
    facts = a.facts
    request_id = payload.parse_address(request.request_id)
    update_of: bytes | None = None
    if request.operator_update:
        update_of = payload.parse_address(request.subject)
        if not update_id_matches(request, facts):
            raise ValueError(f"the update's id is not the package's for an assessment of time {facts.timestamp}: "
                             "it would abort with EInvalidSignature")
    args = FulfilArgs(request_id=request_id, facts=facts, public_key=a.envelope_hex("public_key", 33),
                      signature=a.signature, update_of=update_of)
    if len(args.signature) != 64:
        raise ValueError(f"assessment signature: {len(args.signature)} bytes, expected 64")
    if facts.block_number != request.block_number or (
            request.block_hash and checkpoint_digest(request.block_hash) != facts.block_hash):
        raise ValueError(f"the assessment is pinned to checkpoint {facts.block_number} "
                         f"(0x{facts.block_hash.hex()}), not the request's {request.block_number}")
    if (a.envelope_int("timestamp_ms"), a.envelope_int("expiry_ms")) != (facts.timestamp * 1000, facts.expiry * 1000):
        raise ValueError("the assessment's intent_message does not match its fields, oracle, request and subject")
    args.pure_bcs()  # every width checked
    message = a.envelope_hex("intent_message", payload.PAYLOAD_SIZE)
    expected = payload.Assessment(oracle=payload.parse_address(request.contract), request_id=args.request_id,
                                  subject=payload.parse_address(request.subject), facts=facts)
    if payload.parse_intent_message(message) != expected:
        raise ValueError("the assessment's intent_message does not match its fields, oracle, request and subject")
    if not payload.verify(args.public_key, message, args.signature):
        raise ValueError("the assessment's signature does not verify over its intent_message")
    return args


def fulfil_kind(package: str, oracle: str, oracle_initial_shared_version: int, args: FulfilArgs) -> Any:
    """The programmable transaction: one `<package>::oracle::fulfil(oracle, .., clock)` call (`update` for an
    operator update's arguments)."""
    arguments: list[Any] = [tx.shared_object(oracle, oracle_initial_shared_version, True)]
    arguments += [tx.pure(b) for b in args.pure_bcs()]
    arguments.append(tx.shared_object(CLOCK_ID, CLOCK_INITIAL_SHARED_VERSION, False))
    return tx.move_call(package, MODULE, args.function, arguments)


def fulfil_quorum_args(request: OracleRequest, assessment: SignedAssessment) -> QuorumArgs:
    """The arguments for an assessment and its cosigners: each signature checked as `fulfil_args` checks one (over
    the same values), then every key and signature sorted by the signer's 20-byte address, ascending, the order
    `fulfil_quorum` demands (`ESignersNotAscending`). ValueError when one does not pass, when two signed other
    values, or a key comes twice."""
    each = [fulfil_args(request, signed) for signed in assessment.signers()]
    if any(args.facts != each[0].facts for args in each):
        raise ValueError("the cosigners' assessments do not carry the same values")
    keyed = sorted(((address_from_public_key(args.public_key), args) for args in each),
                   key=lambda pair: bytes.fromhex(pair[0][2:]))
    if len({address for address, _ in keyed}) != len(keyed):
        raise ValueError("a signer's key comes twice")
    return QuorumArgs(request_id=each[0].request_id, facts=each[0].facts,
                      public_keys=tuple(args.public_key for _, args in keyed),
                      signatures=tuple(args.signature for _, args in keyed),
                      signers=tuple(address for address, _ in keyed), update_of=each[0].update_of)


def fulfil_quorum_kind(package: str, oracle: str, oracle_initial_shared_version: int, args: QuorumArgs) -> Any:
    """The programmable transaction: one `<package>::oracle::fulfil_quorum(oracle, .., clock)` call
    (`update_quorum` for an operator update's arguments)."""
    arguments: list[Any] = [tx.shared_object(oracle, oracle_initial_shared_version, True)]
    arguments += [tx.pure(b) for b in args.pure_bcs()]
    arguments.append(tx.shared_object(CLOCK_ID, CLOCK_INITIAL_SHARED_VERSION, False))
    return tx.move_call(package, MODULE, args.function, arguments)
