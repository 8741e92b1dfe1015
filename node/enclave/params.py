"""Strict validation of `assess` params (docs/protocol.md). Anything unexpected is an InvalidParams.

The `request` object is read by its family's codec (chains/registry.py); features, loan and questionnaire are
the same for every family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chains.codec import BoundRequest, Proven
from chains.core.errors import InvalidParams
from chains.core.features import HISTORY_SPEC
from chains.core.offchain import offchain_request_id
from chains.core.wire import read_bytes32, read_decimal, read_int, read_object
from chains.registry import FAMILIES
from node.scoring.features import WalletFeatures

MAX_TIMESTAMP = (1 << 40) - 1  # year 36812: far enough, and timestamp + ttl stays a uint64
MAX_BLOCK = (1 << 63) - 1
MAX_COUNT = 10**12
MAX_WEI = (1 << 256) - 1

FEATURE_KEYS = ("as_of_block", "as_of_block_hash", "as_of_timestamp", "tx_count", "balance_wei",
                "first_seen_timestamp")
OPTIONAL_FEATURE_KEYS = ("history",)
LOAN_KEYS = ("amount", "duration_days")
MAX_LOAN_DAYS = 3650

TargetCheck = Callable[[str, BoundRequest, dict[str, Any]], None]

__all__ = ["AssessParams", "InvalidParams", "LoanRequest", "parse_assess", "parse_request"]


@dataclass(frozen=True)
class LoanRequest:
    """What the borrower asks for: an amount in the asset's smallest unit and a duration."""

    amount: int
    duration_days: int


@dataclass(frozen=True)
class AssessParams:
    """A checked `assess` call. `features_wire` is the features object re-encoded from the checked values (what
    the features hash covers); `block_hash` the pinned block's 32 bytes."""

    family: str
    request: BoundRequest
    as_of_block: int
    block_hash: bytes
    features: WalletFeatures
    features_wire: dict[str, Any]
    proven: Proven = Proven()
    loan: LoanRequest | None = None
    questionnaire: Any = None  # validated by node.scoring.questionnaire when present
    private: bool = False
    offchain: bool = False
    update: bool = False


def parse_request(value: Any) -> tuple[str, BoundRequest]:
    """(family, request): each family's codec reads its own exact set of keys."""
    if not isinstance(value, dict):
        raise InvalidParams("request: must be an object")
    if "family" not in value:
        raise InvalidParams("request: missing key(s) family")
    family = value["family"]
    if not isinstance(family, str):
        raise InvalidParams("request.family: must be a string")
    known = FAMILIES.get(family)
    if known is None:
        raise InvalidParams(
            f"request.family: unsupported family {family[:32]!r} (supported: {', '.join(FAMILIES)})"
        )
    codec = known.codec
    return family, codec.parse_request(read_object(value, "request", ("family", *codec.request_keys)))


def parse_features(value: Any) -> tuple[int, bytes, WalletFeatures]:
    """(as_of_block, as_of_block_hash, features)."""
    feat = read_object(value, "features", FEATURE_KEYS, OPTIONAL_FEATURE_KEYS)
    as_of_block = read_int(feat["as_of_block"], "features.as_of_block", 0, MAX_BLOCK)
    block_hash = read_bytes32(feat["as_of_block_hash"], "features.as_of_block_hash")
    as_of = read_int(feat["as_of_timestamp"], "features.as_of_timestamp", 1, MAX_TIMESTAMP)
    first_seen = feat["first_seen_timestamp"]
    if first_seen is not None:
        first_seen = read_int(first_seen, "features.first_seen_timestamp", 0, MAX_TIMESTAMP)
        if first_seen > as_of:
            raise InvalidParams("features.first_seen_timestamp: must not be after features.as_of_timestamp")
    history = feat.get("history")
    return as_of_block, block_hash, WalletFeatures(
        as_of_timestamp=as_of,
        tx_count=read_int(feat["tx_count"], "features.tx_count", 0, MAX_COUNT),
        balance_wei=read_decimal(feat["balance_wei"], "features.balance_wei", MAX_WEI),
        first_seen_timestamp=first_seen,
        history=None if history is None else parse_history(history, as_of),
    )


def parse_history(value: Any, as_of: int) -> dict[str, int | None]:
    """Every key of node/scoring/features.py HISTORY_SPEC, each in its range; timestamps not after as_of."""
    hist = read_object(value, "features.history", tuple(HISTORY_SPEC))
    out: dict[str, int | None] = {}
    for key, (low, high, nullable) in HISTORY_SPEC.items():
        raw = hist[key]
        where = f"features.history.{key}"
        if raw is None and nullable:
            out[key] = None
            continue
        if raw is None:
            raise InvalidParams(f"{where}: must be an integer, not null")
        out[key] = read_int(raw, where, low, high)
        if key.endswith("_timestamp") and out[key] > as_of:  # type: ignore[operator]
            raise InvalidParams(f"{where}: must not be after features.as_of_timestamp")
    first, last = out["first_activity_timestamp"], out["last_activity_timestamp"]
    if (first is None) != (last is None) or (first is not None and last is not None and first > last):
        raise InvalidParams("features.history: first_activity_timestamp and last_activity_timestamp must both be "
                            "null or both set, first <= last")
    return out


def parse_loan(value: Any) -> LoanRequest:
    loan = read_object(value, "loan", LOAN_KEYS)
    return LoanRequest(
        amount=read_decimal(loan["amount"], "loan.amount", MAX_WEI),
        duration_days=read_int(loan["duration_days"], "loan.duration_days", 1, MAX_LOAN_DAYS),
    )


def features_wire(as_of_block: int, block_hash: bytes, features: WalletFeatures) -> dict[str, Any]:
    """The features object in the one form the features hash covers (chains/core/features.py)."""
    wire: dict[str, Any] = {
        "as_of_block": as_of_block, "as_of_block_hash": "0x" + block_hash.hex(),
        "as_of_timestamp": features.as_of_timestamp, "tx_count": features.tx_count,
        "balance_wei": str(features.balance_wei), "first_seen_timestamp": features.first_seen_timestamp,
    }
    if features.history is not None:
        wire["history"] = dict(features.history)
    return wire


def parse_assess(params: Any, check_target: TargetCheck | None = None) -> AssessParams:
    """Read every param; the request must pass `check_target` (before anything else is read), the features'
    block must be the request's pinned block, and what the family can prove must agree with its `proof`
    (chains/codec.py `check_state`)."""
    body = read_object(params, "params", ("request", "features"),
                       ("loan", "questionnaire", "proof", "private", "offchain", "update"))
    family, request = parse_request(body["request"])
    if check_target is not None:
        check_target(family, request, body["request"])
    as_of_block, block_hash, features = parse_features(body["features"])
    if as_of_block != request.block_number:
        raise InvalidParams(f"features.as_of_block: {as_of_block} is not the request's pinned block "
                            f"{request.block_number}")
    wire = features_wire(as_of_block, block_hash, features)
    proven = FAMILIES[family].codec.check_state(request, wire, body.get("proof"))
    loan = body.get("loan")
    questionnaire = body.get("questionnaire")
    private, offchain = body.get("private", False), body.get("offchain", False)
    if not isinstance(private, bool):
        raise InvalidParams("private: must be true or false")
    if not isinstance(offchain, bool):
        raise InvalidParams("offchain: must be true or false")
    if offchain and private:
        raise InvalidParams("private: an off-chain assessment is signed for whoever asked for it; it cannot be private")
    update = body.get("update", False)
    if not isinstance(update, bool):
        raise InvalidParams("update: must be true or false")
    if update and (private or offchain):
        raise InvalidParams("update: an operator's update is public and for its chain; it cannot be private or "
                            "off-chain")
    if update:
        FAMILIES[family].codec.check_update(request, features.as_of_timestamp)
    if offchain:
        expected = offchain_request_id(family, request.chain_id, request.subject, as_of_block, block_hash)
        if request.request_id != expected:
            raise InvalidParams(f"request.request_id: an off-chain assessment of this subject at this block is "
                                f"0x{expected.hex()} (chains/core/offchain.py)")
    return AssessParams(family=family, request=request, as_of_block=as_of_block, block_hash=block_hash,
                        features=features, features_wire=wire, proven=proven,
                        loan=None if loan is None else parse_loan(loan),
                        questionnaire=None if questionnaire is None else parse_questionnaire_param(questionnaire),
                        private=private, offchain=offchain, update=update)


def parse_questionnaire_param(value: Any) -> Any:
    """`{"hash": bytes32, "document": {...}}`: the document must validate and hash to `hash`."""
    from node.scoring.questionnaire import QuestionnaireError, parse_questionnaire, questionnaire_hash

    body = read_object(value, "questionnaire", ("hash", "document"))
    claimed = read_bytes32(body["hash"], "questionnaire.hash")
    try:
        parsed = parse_questionnaire(body["document"])
    except QuestionnaireError as exc:
        raise InvalidParams(f"questionnaire.document: {exc}") from None
    if questionnaire_hash(parsed) != claimed:
        raise InvalidParams("questionnaire.hash: does not match the document's canonical keccak-256")
    return parsed
