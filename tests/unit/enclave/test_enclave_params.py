"""Every assess param is validated strictly; the message names the offending field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from node.enclave.params import InvalidParams, parse_assess

from .conftest import features, params, request

NOW = 1_750_000_000
GOOD = params(request(NOW), features(NOW))

# (label, path to mutate, new value or DELETE, expected fragment of the message)
DELETE = object()
INVALID: list[tuple[str, tuple[str, ...], Any, str]] = [
    ("params not object", (), [1, 2], "params: must be an object"),
    ("params extra key", ("extra",), 1, "params: unknown key(s) extra"),
    ("params missing features", ("features",), DELETE, "params: missing key(s) features"),
    ("request not object", ("request",), "x", "request: must be an object"),
    ("request unknown key", ("request", "nonce"), 0, "request: unknown key(s) nonce"),
    ("request missing subject", ("request", "subject"), DELETE, "request: missing key(s) subject"),
    ("family missing", ("request", "family"), DELETE, "request: missing key(s) family"),
    ("family sui without its keys", ("request", "family"), "sui", "request: missing key(s) package"),
    ("family solana without its keys", ("request", "family"), "solana", "request: missing key(s) program"),
    ("family EVM", ("request", "family"), "EVM", "unsupported family"),
    ("family int", ("request", "family"), 1, "request.family: must be a string"),
    ("chain_id zero", ("request", "chain_id"), 0, "request.chain_id"),
    ("chain_id negative", ("request", "chain_id"), -5, "request.chain_id"),
    ("chain_id string", ("request", "chain_id"), "31337", "request.chain_id: must be an integer"),
    ("chain_id float", ("request", "chain_id"), 31337.0, "request.chain_id: must be an integer"),
    ("chain_id bool", ("request", "chain_id"), True, "request.chain_id: must be an integer"),
    ("chain_id huge", ("request", "chain_id"), 2**53, "request.chain_id"),
    ("contract short", ("request", "contract"), "0x1234", "request.contract"),
    ("contract no 0x", ("request", "contract"), "5FbDB2315678afecb367f032d93F642f64180aa3", "request.contract"),
    ("contract bad checksum", ("request", "contract"), "0x5FbDB2315678afecb367f032d93F642f64180aA3", "request.contract: has an invalid EIP-55 checksum"),
    ("contract non-hex", ("request", "contract"), "0x" + "g" * 40, "request.contract"),
    ("contract null", ("request", "contract"), None, "request.contract"),
    ("requester bad", ("request", "requester"), "0x" + "12" * 21, "request.requester"),
    ("subject bad", ("request", "subject"), 12345, "request.subject"),
    ("request_id short", ("request", "request_id"), "0x" + "ab" * 31, "request.request_id"),
    ("request_id no 0x", ("request", "request_id"), "ab" * 32, "request.request_id"),
    ("request_id non-hex", ("request", "request_id"), "0x" + "zz" * 32, "request.request_id"),
    ("fee int", ("request", "fee"), 0, "request.fee: must be a decimal string"),
    ("fee negative", ("request", "fee"), "-1", "request.fee: must be a decimal string"),
    ("fee leading zero", ("request", "fee"), "01", "request.fee: must be a decimal string"),
    ("fee decimal point", ("request", "fee"), "1.5", "request.fee: must be a decimal string"),
    ("fee hex", ("request", "fee"), "0x10", "request.fee: must be a decimal string"),
    ("fee empty", ("request", "fee"), "", "request.fee: must be a decimal string"),
    ("fee 2^96", ("request", "fee"), str(2**96), "request.fee: must be at most"),
    ("expires_at string", ("request", "expires_at"), "1700003600", "request.expires_at: must be an integer"),
    ("expires_at negative", ("request", "expires_at"), -1, "request.expires_at"),
    ("expires_at 2^64", ("request", "expires_at"), 2**64, "request.expires_at"),
    ("features not object", ("features",), [], "features: must be an object"),
    ("features unknown key", ("features", "score"), 1000, "features: unknown key(s) score"),
    ("features missing tx_count", ("features", "tx_count"), DELETE, "features: missing key(s) tx_count"),
    ("features missing first_seen", ("features", "first_seen_timestamp"), DELETE, "features: missing key(s) first_seen_timestamp"),
    ("as_of_block negative", ("features", "as_of_block"), -1, "features.as_of_block"),
    ("as_of_block string", ("features", "as_of_block"), "123", "features.as_of_block: must be an integer"),
    ("as_of_timestamp zero", ("features", "as_of_timestamp"), 0, "features.as_of_timestamp"),
    ("as_of_timestamp float", ("features", "as_of_timestamp"), lambda now: float(now), "features.as_of_timestamp: must be an integer"),
    ("as_of_timestamp null", ("features", "as_of_timestamp"), None, "features.as_of_timestamp: must be an integer"),
    ("tx_count negative", ("features", "tx_count"), -1, "features.tx_count"),
    ("tx_count too big", ("features", "tx_count"), 10**12 + 1, "features.tx_count"),
    ("tx_count bool", ("features", "tx_count"), False, "features.tx_count: must be an integer"),
    ("tx_count string", ("features", "tx_count"), "5", "features.tx_count: must be an integer"),
    ("balance int", ("features", "balance_wei"), 10**18, "features.balance_wei: must be a decimal string"),
    ("balance negative", ("features", "balance_wei"), "-5", "features.balance_wei: must be a decimal string"),
    ("balance hex", ("features", "balance_wei"), "0x10", "features.balance_wei: must be a decimal string"),
    ("balance 2^256", ("features", "balance_wei"), str(2**256), "features.balance_wei: must be at most"),
    ("first_seen after as_of", ("features", "first_seen_timestamp"), lambda now: now + 1, "features.first_seen_timestamp: must not be after"),
    ("first_seen negative", ("features", "first_seen_timestamp"), -1, "features.first_seen_timestamp"),
    ("first_seen string", ("features", "first_seen_timestamp"), "1600000000", "features.first_seen_timestamp: must be an integer"),
    ("old-style diversity key", ("features", "counterparties"), 3, "features: unknown key(s) counterparties"),
    ("history not an object", ("features", "history"), [], "features.history: must be an object"),
    ("history missing key", ("features", "history", "tokens"), DELETE, "features.history: missing key(s) tokens"),
    ("history unknown key", ("features", "history", "nfts"), 1, "features.history: unknown key(s) nfts"),
    ("history negative", ("features", "history", "swaps"), -1, "features.history.swaps: must be between 0 and"),
    ("history bps over", ("features", "history", "inflow_hhi_bps"), 10_001,
     "features.history.inflow_hhi_bps: must be between 0 and 10000"),
    ("history float", ("features", "history", "borrows"), 1.0, "features.history.borrows: must be an integer"),
    ("history null count", ("features", "history", "borrows"), None,
     "features.history.borrows: must be an integer, not null"),
    ("history in the future", ("features", "history", "last_activity_timestamp"), lambda now: now + 1,
     "features.history.last_activity_timestamp: must not be after features.as_of_timestamp"),
    ("history half-known activity", ("features", "history", "first_activity_timestamp"), None,
     "features.history: first_activity_timestamp and last_activity_timestamp must both be null or both set"),
    ("loan not an object", ("loan",), "1000", "loan: must be an object"),
    ("loan amount int", ("loan",), {"amount": 5, "duration_days": 30}, "loan.amount: must be a decimal string"),
    ("loan zero days", ("loan",), {"amount": "5", "duration_days": 0}, "loan.duration_days: must be between 1 and 3650"),
    ("loan extra key", ("loan",), {"amount": "5", "duration_days": 3, "rate": 1}, "loan: unknown key(s) rate"),
    ("questionnaire hash mismatch", ("questionnaire",),
     {"hash": "0x" + "00" * 32, "document": {"version": 1, "answers": {
         "controller": "me", "purpose": "shop", "liabilities": "none", "risk_tolerance": "low"}}},
     "questionnaire.hash: does not match the document's canonical keccak-256"),
    ("questionnaire bad hash", ("questionnaire",), {"hash": "0x12", "document": {}},
     "questionnaire.hash: must be 0x followed by 64 hex digits"),
    ("questionnaire bad document", ("questionnaire",),
     {"hash": "0x" + "00" * 32, "document": {"version": 2, "answers": {}}}, "questionnaire.document: "),
]


def mutate(params: dict[str, Any], path: tuple[str, ...], value: Any, now: int = NOW) -> Any:
    """A deep copy of params with one value replaced (a callable value gets `now`)."""
    if callable(value):
        value = value(now)
    if not path:
        return value
    out = copy.deepcopy(params)
    target = out
    for part in path[:-1]:
        target = target[part]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


@pytest.mark.parametrize(("label", "path", "value", "fragment"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_params(label: str, path: tuple[str, ...], value: Any, fragment: str) -> None:
    with pytest.raises(InvalidParams) as info:
        parse_assess(mutate(GOOD, path, value))
    assert fragment in str(info.value)


def test_valid_variants() -> None:
    parsed = parse_assess(GOOD)
    assert parsed.request.chain_id == 31337 and parsed.as_of_block == 123
    assert parsed.features.history is not None and parsed.features.history["borrows"] == 5
    assert parse_assess(mutate(GOOD, ("features", "history"), DELETE)).features.history is None
    lower = mutate(GOOD, ("request", "contract"), GOOD["request"]["contract"].lower())
    upper = mutate(GOOD, ("request", "contract"), "0x" + GOOD["request"]["contract"][2:].upper())
    assert parse_assess(lower).request.contract == parse_assess(upper).request.contract == parsed.request.contract
    unknown_age = parse_assess(mutate(GOOD, ("features", "first_seen_timestamp"), None))
    assert unknown_age.features.first_seen_timestamp is None
    same_second = parse_assess(mutate(GOOD, ("features", "first_seen_timestamp"), NOW))
    assert same_second.features.first_seen_timestamp == NOW
    never_borrowed = parse_assess(mutate(GOOD, ("features", "history", "repayment_ratio_bps"), None))
    assert never_borrowed.features.history is not None
    assert never_borrowed.features.history["repayment_ratio_bps"] is None
    loan = parse_assess(mutate(GOOD, ("loan",), {"amount": str(10**18), "duration_days": 30})).loan
    assert loan is not None and (loan.amount, loan.duration_days) == (10**18, 30)
    max_fee = parse_assess(mutate(GOOD, ("request", "fee"), str(2**96 - 1)))
    assert max_fee.request.fee == 2**96 - 1
