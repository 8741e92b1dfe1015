"""Operator updates on Sui (docs/protocol.md, "Operator updates"; docs/sui.md): the enclave signs a re-score under
the id the `aura_oracle` package derives (`oracle::update_id`, chains/sui/update_id.py) for the subject and the
assessment's time, with no requester and no fee; it refuses any other id, a requester, a fee, and a private or
off-chain update. What it signs is what the Sui adapter sends to `oracle::update`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chains.base import OracleRequest, SignedAssessment
from chains.sui import package as pkg
from chains.sui import payload as sui
from chains.sui.update_id import update_request_id
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams
from node.enclave.service import EnclaveService

from .conftest import features
from .test_sui_service import NOW, key, service, sui_request  # noqa: F401 - fixtures

ZERO = "0x" + "00" * 32


def update_id(request: dict[str, Any], timestamp: int) -> str:
    oracle, subject = bytes.fromhex(request["contract"][2:]), bytes.fromhex(request["subject"][2:])
    return "0x" + update_request_id(oracle, subject, timestamp).hex()


def update_call(**overrides: Any) -> dict[str, Any]:
    feat = features(NOW)
    base = sui_request()
    req = sui_request(request_id=update_id(base, feat["as_of_timestamp"]), requester=ZERO, fee="0",
                      expires_at=NOW + 1800)
    return {"request": {**req, **overrides}, "features": feat, "update": True}


def test_an_update_is_signed_under_the_id_the_package_derives(service: EnclaveService,  # noqa: F811
                                                              key: EnclaveKey) -> None:  # noqa: F811
    call = update_call()
    out = service.assess(call)
    assert out["update"] is True and out["offchain"] is False and out["private"] is False
    message = bytes.fromhex(out["intent_message"][2:])
    assert sui.verify(key.public_key, message, bytes.fromhex(out["signature"][2:]))
    signed = sui.parse_intent_message(message)
    assert "0x" + signed.request_id.hex() == call["request"]["request_id"]
    assert ("0x" + signed.oracle.hex(), "0x" + signed.subject.hex()) == (call["request"]["contract"],
                                                                         call["request"]["subject"])
    assert signed.timestamp_ms == features(NOW)["as_of_timestamp"] * 1000
    plain = service.assess({"request": sui_request(), "features": features(NOW)})
    for name in ("score", "tier", "pd_bps", "flags", "features_hash", "block_hash", "timestamp", "expiry"):
        assert out[name] == plain[name]  # the same engine's assessment, signed for the update's id
    assert out["digest"] != plain["digest"]
    assert out["signer"] == key.address


def test_what_the_enclave_signs_is_what_the_adapter_sends_to_update(service: EnclaveService) -> None:  # noqa: F811
    """The adapter builds `oracle::update` (the subject in place of a request id) from the enclave's answer, and
    refuses the same answer passed off as a fulfilment of another request (its signature is over the update id)."""
    call = update_call()
    req = call["request"]
    out = service.assess(call)
    update = OracleRequest(
        chain="sui", family="sui", chain_id=0, contract=req["contract"], request_id=req["request_id"],
        requester=ZERO, subject=req["subject"], fee=0, expires_at=req["expires_at"], params="",
        block_number=out["block_number"], block_hash=out["block_hash"], tx_hash="", ordinal=0,
        program=req["package"], operator_update=True,
    )  # fmt: skip
    signed = SignedAssessment.from_wire(out)
    args = pkg.fulfil_args(update, signed)
    assert args.function == pkg.UPDATE and args.update_of == bytes.fromhex(req["subject"][2:])
    assert args.pure_bcs()[0] == bytes.fromhex(req["subject"][2:])
    assert pkg.update_id_matches(update, signed.facts)
    with pytest.raises(ValueError) as passed_off:
        pkg.fulfil_args(replace(update, request_id=sui_request()["request_id"], operator_update=False), signed)
    assert str(passed_off.value) == ("the assessment's intent_message does not match its fields, oracle, request and "
                                     "subject")


@pytest.mark.parametrize(("overrides", "error"), [
    ({"request_id": "0x" + "ab" * 32}, "request.request_id: an update of this subject with an assessment of time "),
    ({"requester": "0x" + "11" * 32}, "request.requester: an update has no requester (the zero address)"),
    ({"fee": "1"}, "request.fee: an update carries no fee"),
])
def test_an_update_of_any_other_form_is_refused(service: EnclaveService, overrides: dict[str, Any],  # noqa: F811
                                                error: str) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(**overrides))
    assert str(caught.value).startswith(error)


def test_an_id_for_another_time_is_refused_with_the_right_one(service: EnclaveService) -> None:  # noqa: F811
    feat = features(NOW)
    base = sui_request()
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(request_id=update_id(base, feat["as_of_timestamp"] - 1)))
    assert str(caught.value) == (
        f"request.request_id: an update of this subject with an assessment of time {feat['as_of_timestamp']} is "
        f"{update_id(base, feat['as_of_timestamp'])} (chains/sui/update_id.py)")


def test_an_id_for_another_subject_is_refused(service: EnclaveService) -> None:  # noqa: F811
    feat = features(NOW)
    other = {**sui_request(), "subject": "0x" + "22" * 32}
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(request_id=update_id(other, feat["as_of_timestamp"])))
    assert str(caught.value).startswith("request.request_id: an update of this subject with an assessment of time ")


def test_a_fulfilment_request_is_not_an_update(service: EnclaveService) -> None:  # noqa: F811
    """A real request's id, requester and fee, asked to be signed as an update: the id is refused first."""
    with pytest.raises(InvalidParams) as caught:
        service.assess({"request": sui_request(), "features": features(NOW), "update": True})
    assert str(caught.value).startswith("request.request_id: an update of this subject with an assessment of time ")


@pytest.mark.parametrize("other", ["private", "offchain"])
def test_an_update_is_neither_private_nor_offchain(service: EnclaveService, other: str) -> None:  # noqa: F811
    with pytest.raises(InvalidParams) as caught:
        service.assess({**update_call(), other: True})
    assert str(caught.value) == ("update: an operator's update is public and for its chain; it cannot be private "
                                 "or off-chain")
