"""Operator updates (docs/protocol.md, "Operator updates"): the enclave signs a re-score for its chain's contract
under the update id it derives itself (chains/evm/update_id.py), with no requester and no fee; it refuses any other
id, a requester, a fee, a private or off-chain update, and a family whose contract takes no updates (the codec's default)."""

from __future__ import annotations

from typing import Any

import pytest

from chains.codec import RequestCodec
from chains.evm.update_id import update_request_id
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams
from node.enclave.service import EnclaveService

from .conftest import CONTRACT, SUBJECT, features, params, request
from .conftest import SERVICE_NOW as NOW

ZERO = "0x" + "00" * 20


def update_id(timestamp: int) -> str:
    return "0x" + update_request_id(31337, bytes.fromhex(CONTRACT[2:]), bytes.fromhex(SUBJECT[2:]), timestamp).hex()


def update_call(**overrides: Any) -> dict[str, Any]:
    feat = features(NOW)
    req = request(NOW, request_id=update_id(feat["as_of_timestamp"]), requester=ZERO, fee="0", expires_at=0)
    return params({**req, **overrides}, feat, update=True)


def test_an_update_is_signed_under_the_id_the_enclave_derives(service: EnclaveService, service_key: EnclaveKey) -> None:
    call = update_call()
    out = service.assess(call)
    assert out["update"] is True and out["offchain"] is False and out["private"] is False
    message = out["typed_data"]["message"]
    assert message["requestId"] == call["request"]["request_id"]
    assert out["typed_data"]["domain"]["name"] == "AuraOracle"
    plain = service.assess(params(request(NOW), features(NOW)))
    for name in ("score", "tier", "pd_bps", "flags", "features_hash", "block_hash", "timestamp", "expiry"):
        assert out[name] == plain[name]  # the same engine's assessment, signed for the update's id
    assert out["digest"] != plain["digest"]
    assert out["signer"] == service_key.address


@pytest.mark.parametrize(("overrides", "error"), [
    ({"request_id": "0x" + "ab" * 32}, "request.request_id: an update of this subject with an assessment of time "),
    ({"requester": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
     "request.requester: an update has no requester (the zero address)"),
    ({"fee": "1"}, "request.fee: an update carries no fee"),
])
def test_an_update_of_any_other_form_is_refused(service: EnclaveService, overrides: dict[str, Any],
                                                error: str) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess(update_call(**overrides))
    assert str(caught.value).startswith(error)


def test_an_id_for_another_time_is_refused_with_the_right_one(service: EnclaveService) -> None:
    feat = features(NOW)
    call = update_call(request_id=update_id(feat["as_of_timestamp"] - 1))
    with pytest.raises(InvalidParams) as caught:
        service.assess(call)
    assert str(caught.value) == (
        f"request.request_id: an update of this subject with an assessment of time {feat['as_of_timestamp']} is "
        f"{update_id(feat['as_of_timestamp'])} (chains/evm/update_id.py)")


@pytest.mark.parametrize("other", ["private", "offchain"])
def test_an_update_is_neither_private_nor_offchain(service: EnclaveService, other: str) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess({**update_call(), other: True})
    assert str(caught.value) == ("update: an operator's update is public and for its chain; it cannot be private "
                                 "or off-chain")


def test_a_family_whose_contract_takes_no_updates_is_refused() -> None:
    class NoUpdates(RequestCodec[Any]):  # every family here takes updates; a new one must opt in
        family = "plain"

    with pytest.raises(InvalidParams) as caught:
        NoUpdates().check_update(None, NOW)
    assert str(caught.value) == "update: plain contracts take no operator updates yet"


def test_update_must_be_a_boolean(service: EnclaveService) -> None:
    with pytest.raises(InvalidParams) as caught:
        service.assess({**update_call(), "update": "yes"})
    assert str(caught.value) == "update: must be true or false"
