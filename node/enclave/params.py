"""Strict validation of `assess` params (docs/protocol.md). Anything unexpected is an InvalidParams."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from node.enclave.evm import parse_address
from node.enclave.solana import parse_pubkey
from node.enclave.sui import parse_address as parse_sui_address
from node.scoring.features import HISTORY_SPEC, WalletFeatures

MAX_SAFE_INT = (1 << 53) - 1  # chain ids travel as JSON numbers (typed_data): keep them exact in JS too
MAX_UINT64 = (1 << 64) - 1
MAX_INT64 = (1 << 63) - 1
MAX_TIMESTAMP = (1 << 40) - 1  # year 36812: far enough, and timestamp + ttl stays a uint64
MAX_BLOCK = (1 << 63) - 1
MAX_COUNT = 10**12
MAX_FEE = (1 << 96) - 1
MAX_WEI = (1 << 256) - 1

MAX_SUI_EXPIRES_AT = MAX_UINT64 // 1000  # the package holds milliseconds in a u64
FEATURE_KEYS = ("as_of_block", "as_of_timestamp", "tx_count", "balance_wei", "first_seen_timestamp")
OPTIONAL_FEATURE_KEYS = ("history",)
LOAN_KEYS = ("amount", "duration_days")
MAX_LOAN_DAYS = 3650

_BYTES32_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_DECIMAL_RE = re.compile(r"^(0|[1-9][0-9]*)$")


class InvalidParams(ValueError):
    """A param is missing, unknown, of the wrong type or out of range; the message names it."""


@dataclass(frozen=True)
class EvmRequest:
    chain_id: int
    contract: bytes
    request_id: bytes
    requester: bytes
    subject: bytes
    fee: int
    expires_at: int


@dataclass(frozen=True)
class SolanaRequest:
    """A request of the `aura_oracle` program; every key is the account's 32 raw bytes.

    `chain_id` names the cluster in the node's config: informative, the payload does not carry it.
    """

    chain_id: int
    program: bytes
    contract: bytes  # the oracle account
    request_id: bytes  # the request account
    requester: bytes
    subject: bytes
    fee: int  # lamports
    expires_at: int


@dataclass(frozen=True)
class SuiRequest:
    """A request of the `aura_oracle` Move package (docs/sui.md); every ID and address is its 32 raw bytes.

    `chain_id` names the network in the node's config: informative, the payload binds the oracle object.
    """

    chain_id: int
    package: bytes
    contract: bytes  # the Oracle object
    request_id: bytes  # the request's ID
    requester: bytes
    subject: bytes
    fee: int  # MIST
    expires_at: int  # seconds


@dataclass(frozen=True)
class LoanRequest:
    """What the borrower asks for: an amount in the asset's smallest unit and a duration."""

    amount: int
    duration_days: int


@dataclass(frozen=True)
class AssessParams:
    request: EvmRequest | SolanaRequest | SuiRequest
    as_of_block: int
    features: WalletFeatures
    loan: LoanRequest | None = None
    questionnaire: Any = None  # validated by node.scoring.questionnaire when present


def _object(value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidParams(f"{where}: must be an object")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise InvalidParams(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise InvalidParams(f"{where}: missing key(s) {', '.join(missing)}")
    return value


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParams(f"{where}: must be an integer")
    if not low <= value <= high:
        raise InvalidParams(f"{where}: must be between {low} and {high}")
    return value


def _decimal(value: Any, where: str, high: int) -> int:
    if not isinstance(value, str) or not _DECIMAL_RE.match(value) or len(value) > 80:
        raise InvalidParams(f"{where}: must be a decimal string of a non-negative integer (no sign, no leading zeros)")
    number = int(value)
    if number > high:
        raise InvalidParams(f"{where}: must be at most {high}")
    return number


def _address(value: Any, where: str) -> bytes:
    try:
        return parse_address(value)
    except ValueError as exc:
        raise InvalidParams(f"{where}: {exc}") from None


def _bytes32(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not _BYTES32_RE.match(value):
        raise InvalidParams(f"{where}: must be 0x followed by 64 hex digits")
    return bytes.fromhex(value[2:])


def _pubkey(value: Any, where: str) -> bytes:
    try:
        return parse_pubkey(value)
    except ValueError as exc:
        raise InvalidParams(f"{where}: {exc}") from None


def _sui_address(value: Any, where: str) -> bytes:
    try:
        return parse_sui_address(value)
    except ValueError as exc:
        raise InvalidParams(f"{where}: {exc}") from None


def parse_request(value: Any) -> EvmRequest | SolanaRequest | SuiRequest:
    """The request of its `family`; each family has its own exact set of keys."""
    if not isinstance(value, dict):
        raise InvalidParams("request: must be an object")
    if "family" not in value:
        raise InvalidParams("request: missing key(s) family")
    family = value["family"]
    if not isinstance(family, str):
        raise InvalidParams("request.family: must be a string")
    if family not in SUPPORTED_FAMILIES:
        raise InvalidParams(
            f"request.family: unsupported family {family[:32]!r} (supported: {', '.join(SUPPORTED_FAMILIES)})"
        )
    fields = REQUEST_FIELDS[family]
    req = _object(value, "request", ("family", *fields))
    return REQUEST_MODELS[family](**{key: parse(req[key], f"request.{key}") for key, parse in fields.items()})


def _ranged(low: int, high: int) -> Callable[[Any, str], int]:
    return lambda value, where: _int(value, where, low, high)


def _fee(high: int) -> Callable[[Any, str], int]:
    return lambda value, where: _decimal(value, where, high)


# Each family's request keys, in order (the order missing keys are named in), each with its parser.
REQUEST_FIELDS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "evm": {"chain_id": _ranged(1, MAX_SAFE_INT), "contract": _address, "request_id": _bytes32,
            "requester": _address, "subject": _address, "fee": _fee(MAX_FEE), "expires_at": _ranged(0, MAX_UINT64)},
    "solana": {"chain_id": _ranged(0, MAX_SAFE_INT), "program": _pubkey, "contract": _pubkey,
               "request_id": _pubkey, "requester": _pubkey, "subject": _pubkey, "fee": _fee(MAX_UINT64),
               "expires_at": _ranged(0, MAX_INT64)},
    "sui": {"chain_id": _ranged(0, MAX_SAFE_INT), "package": _sui_address, "contract": _sui_address,
            "request_id": _sui_address, "requester": _sui_address, "subject": _sui_address,
            "fee": _fee(MAX_UINT64), "expires_at": _ranged(0, MAX_SUI_EXPIRES_AT)},
}  # fmt: skip
REQUEST_MODELS: dict[str, type[EvmRequest | SolanaRequest | SuiRequest]] = {
    "evm": EvmRequest, "solana": SolanaRequest, "sui": SuiRequest,
}
SUPPORTED_FAMILIES = tuple(REQUEST_FIELDS)


def parse_features(value: Any) -> tuple[int, WalletFeatures]:
    """(as_of_block, features)."""
    feat = _object(value, "features", FEATURE_KEYS, OPTIONAL_FEATURE_KEYS)
    as_of_block = _int(feat["as_of_block"], "features.as_of_block", 0, MAX_BLOCK)
    as_of = _int(feat["as_of_timestamp"], "features.as_of_timestamp", 1, MAX_TIMESTAMP)
    first_seen = feat["first_seen_timestamp"]
    if first_seen is not None:
        first_seen = _int(first_seen, "features.first_seen_timestamp", 0, MAX_TIMESTAMP)
        if first_seen > as_of:
            raise InvalidParams("features.first_seen_timestamp: must not be after features.as_of_timestamp")
    history = feat.get("history")
    return as_of_block, WalletFeatures(
        as_of_timestamp=as_of,
        tx_count=_int(feat["tx_count"], "features.tx_count", 0, MAX_COUNT),
        balance_wei=_decimal(feat["balance_wei"], "features.balance_wei", MAX_WEI),
        first_seen_timestamp=first_seen,
        history=None if history is None else parse_history(history, as_of),
    )


def parse_history(value: Any, as_of: int) -> dict[str, int | None]:
    """Every key of node/scoring/features.py HISTORY_SPEC, each in its range; timestamps not after as_of."""
    hist = _object(value, "features.history", tuple(HISTORY_SPEC))
    out: dict[str, int | None] = {}
    for key, (low, high, nullable) in HISTORY_SPEC.items():
        raw = hist[key]
        where = f"features.history.{key}"
        if raw is None and nullable:
            out[key] = None
            continue
        if raw is None:
            raise InvalidParams(f"{where}: must be an integer, not null")
        out[key] = _int(raw, where, low, high)
        if key.endswith("_timestamp") and out[key] > as_of:  # type: ignore[operator]
            raise InvalidParams(f"{where}: must not be after features.as_of_timestamp")
    first, last = out["first_activity_timestamp"], out["last_activity_timestamp"]
    if (first is None) != (last is None) or (first is not None and last is not None and first > last):
        raise InvalidParams("features.history: first_activity_timestamp and last_activity_timestamp must both be "
                            "null or both set, first <= last")
    return out


def parse_loan(value: Any) -> LoanRequest:
    loan = _object(value, "loan", LOAN_KEYS)
    return LoanRequest(
        amount=_decimal(loan["amount"], "loan.amount", MAX_WEI),
        duration_days=_int(loan["duration_days"], "loan.duration_days", 1, MAX_LOAN_DAYS),
    )


def parse_assess(params: Any) -> AssessParams:
    body = _object(params, "params", ("request", "features"), ("loan", "questionnaire"))
    request = parse_request(body["request"])
    as_of_block, features = parse_features(body["features"])
    loan = body.get("loan")
    questionnaire = body.get("questionnaire")
    return AssessParams(request=request, as_of_block=as_of_block, features=features,
                        loan=None if loan is None else parse_loan(loan),
                        questionnaire=None if questionnaire is None else parse_questionnaire_param(questionnaire))


def parse_questionnaire_param(value: Any) -> Any:
    """`{"hash": bytes32, "document": {...}}`: the document must validate and hash to `hash`."""
    from node.scoring.questionnaire import QuestionnaireError, parse_questionnaire, questionnaire_hash

    body = _object(value, "questionnaire", ("hash", "document"))
    claimed = _bytes32(body["hash"], "questionnaire.hash")
    try:
        parsed = parse_questionnaire(body["document"])
    except QuestionnaireError as exc:
        raise InvalidParams(f"questionnaire.document: {exc}") from None
    if questionnaire_hash(parsed) != claimed:
        raise InvalidParams("questionnaire.hash: does not match the document's canonical keccak-256")
    return parsed
