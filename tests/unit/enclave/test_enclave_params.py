"""Every assess param is validated strictly; the message names the offending field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from node.enclave.params import InvalidParams, parse_assess

from .conftest import features, request

NOW = 1_750_000_000
GOOD = {"request": request(NOW), "features": features(NOW)}

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
    ("family sui", ("request", "family"), "sui", "unsupported family"),
    ("family solana", ("request", "family"), "solana", "unsupported family"),
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
    ("counterparties negative", ("features", "counterparties"), -1, "features.counterparties"),
    ("protocols string", ("features", "protocols"), "3", "features.protocols: must be an integer"),
    ("tokens float", ("features", "tokens"), 2.0, "features.tokens: must be an integer"),
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
    assert parsed.features.counterparties is None
    lower = mutate(GOOD, ("request", "contract"), GOOD["request"]["contract"].lower())
    upper = mutate(GOOD, ("request", "contract"), "0x" + GOOD["request"]["contract"][2:].upper())
    assert parse_assess(lower).request.contract == parse_assess(upper).request.contract == parsed.request.contract
    unknown_age = parse_assess(mutate(GOOD, ("features", "first_seen_timestamp"), None))
    assert unknown_age.features.first_seen_timestamp is None
    same_second = parse_assess(mutate(GOOD, ("features", "first_seen_timestamp"), NOW))
    assert same_second.features.first_seen_timestamp == NOW
    rich = mutate(GOOD, ("features", "counterparties"), 12)
    rich["features"].update(protocols=3, tokens=None)
    parsed_rich = parse_assess(rich).features
    assert (parsed_rich.counterparties, parsed_rich.protocols, parsed_rich.tokens) == (12, 3, None)
    max_fee = parse_assess(mutate(GOOD, ("request", "fee"), str(2**96 - 1)))
    assert max_fee.request.fee == 2**96 - 1
