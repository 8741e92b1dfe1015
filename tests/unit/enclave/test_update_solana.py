"""Operator updates on Solana (docs/solana.md, "Operator updates"): the enclave signs the usual 320-byte payload
with the update id in place of a request's account (chains/solana/update_id.py), which it derives itself from
the oracle, the subject and the assessment's time; it refuses any other id, a requester, a fee, and a private or
off-chain update."""

from __future__ import annotations

from typing import Any

import pytest

from chains.solana import payload as solana
from chains.solana.update_id import update_request_id
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams
from node.enclave.service import EnclaveService

from .conftest import SERVICE_NOW as NOW
from .conftest import features, params
from .test_solana_service import ACCOUNTS, solana_request

ZERO_KEY = solana.b58encode(bytes(32))


def update_id(timestamp: int, subject: str = ACCOUNTS["subject"]["pubkey"]) -> str:
    oracle = solana.b58decode(ACCOUNTS["oracle"]["pubkey"])
    return solana.b58encode(update_request_id(oracle, solana.b58decode(subject), timestamp))


def update_call(**overrides: Any) -> dict[str, Any]:
    feat = features(NOW)
    req = solana_request(request_id=update_id(feat["as_of_timestamp"]), requester=ZERO_KEY, fee="0", expires_at=0)
    return params({**req, **overrides}, feat, update=True)


def test_an_update_is_signed_under_the_id_the_enclave_derives(service: EnclaveService,
                                                              service_key: EnclaveKey) -> None:
    call = update_call()
    out = service.assess(call)
    assert out["update"] is True and out["offchain"] is False and out["private"] is False
    signed = solana.parse_payload(bytes.fromhex(out["payload"][2:]))
    assert solana.b58encode(signed.request) == call["request"]["request_id"] == update_id(NOW)
    assert solana.b58encode(signed.subject) == ACCOUNTS["subject"]["pubkey"]
    assert signed.facts.timestamp == NOW == call["features"]["as_of_timestamp"]
    plain = service.assess(params(solana_request(), features(NOW)))
    for name in ("score", "tier", "pd_bps", "flags", "features_hash", "block_hash", "timestamp", "expiry"):
        assert out[name] == plain[name]  # the same engine's assessment, signed for the update's id
    assert out["digest"] != plain["digest"]
    assert out["signer"] == service_key.address
    assert solana.address_of(solana.recover_public_key(bytes.fromhex(out["digest"][2:]),
                                                       bytes.fromhex(out["signature"][2:]))).hex() == \
        service_key.address[2:].lower()


def test_the_id_binds_the_subject(service: EnclaveService) -> None:
    other = solana.b58encode(bytes(range(32)))
    out = service.assess(update_call(subject=other, request_id=update_id(NOW, other)))
    assert solana.b58encode(solana.parse_payload(bytes.fromhex(out["payload"][2:])).request) == update_id(NOW, other)
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(subject=other))  # the first subject's id
    assert str(caught.value) == (f"request.request_id: an update of this subject with an assessment of time {NOW} is "
                                 f"{update_id(NOW, other)} (chains/solana/update_id.py)")


def test_an_id_for_another_time_is_refused_with_the_right_one(service: EnclaveService) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(request_id=update_id(NOW - 1)))
    assert str(caught.value) == (f"request.request_id: an update of this subject with an assessment of time {NOW} is "
                                 f"{update_id(NOW)} (chains/solana/update_id.py)")


@pytest.mark.parametrize(("overrides", "error"), [
    ({"request_id": ACCOUNTS["request"]["pubkey"]},
     "request.request_id: an update of this subject with an assessment of time "),
    ({"requester": ACCOUNTS["requester"]["pubkey"]},
     "request.requester: an update has no requester (the all-zero key 11111111111111111111111111111111)"),
    ({"fee": "1"}, "request.fee: an update carries no fee"),
])
def test_an_update_of_any_other_form_is_refused(service: EnclaveService, overrides: dict[str, Any],
                                                error: str) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(**overrides))
    assert str(caught.value).startswith(error)
    if not error.endswith(" "):
        assert str(caught.value) == error


@pytest.mark.parametrize("other", ["private", "offchain"])
def test_an_update_is_neither_private_nor_offchain(service: EnclaveService, other: str) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess({**update_call(), other: True})
    assert str(caught.value) == ("update: an operator's update is public and for its chain; it cannot be private "
                                 "or off-chain")

