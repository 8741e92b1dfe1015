"""The `aura_oracle` package as the adapter reads it: abort codes to docs/sui.md's names, the
`AssessmentRequested` event and a request's status from Sui's JSON rendering, and the checks a fulfilment's
arguments pass before a transaction is built."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chains.base import SignedAssessment
from chains.sui import package as pkg
from chains.sui.adapter import SuiAdapter
from chains.sui.config import SuiChain
from chains.sui.keys import write_key_file

from .samples import PACKAGE, signed_request

ROOT = Path(__file__).resolve().parents[3]


def test_error_names_are_docs_sui_md_table() -> None:
    """Every row of docs/sui.md's Errors tables (`oracle`'s, and `zk`'s with the functions that raise each), and
    the Move sources' constants."""
    doc = (ROOT / "docs" / "sui.md").read_text()
    table = {int(code): name for code, name in re.findall(r"^\| (\d+) \| `(E\w+)` \|(?: [^|]+ \|)?$", doc, re.M)}
    assert table == pkg.ERRORS and len(table) == 45
    consts: dict[int, str] = {}
    for module in ("oracle", "zk"):
        source = (ROOT / "move" / "aura_oracle" / "sources" / f"{module}.move").read_text()
        consts.update({int(c): n for n, c in re.findall(r"^const (E\w+): u64 = (\d+);$", source, re.M)})
    assert consts == pkg.ERRORS
    assert pkg.error_name(10) == "ERequestNotPending"
    assert pkg.error_name(11) == "ERequestExpired"
    assert pkg.error_name(46) == "EPrivacyMismatch"
    assert pkg.error_name(44) == "ENullifierSpent"
    assert pkg.error_name(99) == "abort code 99"


def test_abort_names_only_for_the_packages_oracle_module(tmp_path: Path) -> None:
    cfg = SuiChain(family="sui", name="s", graphql_url="http://127.0.0.1:1/graphql",  # type: ignore[arg-type]
                   package_id=PACKAGE, oracle="0x" + "0c" * 32, transmitter_key=tmp_path / "k")
    adapter = SuiAdapter(cfg, write_key_file(tmp_path / "k"))
    here = {"name": "oracle", "package": {"address": PACKAGE}}
    assert adapter.abort_name({"abortCode": "21", "module": here}) == "EInvalidSignature"
    assert adapter.abort_name({"abortCode": "46", "module": here}) == "EPrivacyMismatch"
    assert adapter.abort_name({"abortCode": "9223372036854775808", "identifier": "EStaleAssessment",  # noqa: SLF001
                                "module": here}) == "EStaleAssessment"  # a clever error names itself
    assert adapter.abort_name({"abortCode": "1", "module": {"name": "coin", "package": {"address": "0x2"}}}) is None
    assert adapter.abort_name({"abortCode": "10", "module": {"name": "oracle", "package": {  # noqa: SLF001
        "address": "0x" + "99" * 32}}}) is None  # another package's `oracle` module
    assert adapter.abort_name({"abortCode": None, "message": "InsufficientGas"}) is None
    assert adapter.abort_name(None) is None


ADDRESS = "0x" + "1f" * 32


def event(**overrides: Any) -> dict[str, Any]:
    base = {"oracle": ADDRESS, "request_id": "0x" + "2e" * 32, "nonce": "7", "requester": "0x" + "3d" * 32,
            "subject": "0x" + "4c" * 32, "fee": "50000000", "created_ms": "1764619200000",
            "expires_ms": "1764622800000", "params": base64.b64encode(b"\x01\x02").decode(), "private": False}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_requested_event_decodes() -> None:
    got = pkg.decode_requested(event())
    assert got == pkg.Requested(oracle=ADDRESS, request_id="0x" + "2e" * 32, nonce=7, requester="0x" + "3d" * 32,
                                subject="0x" + "4c" * 32, fee=50_000_000, created_ms=1_764_619_200_000,
                                expires_ms=1_764_622_800_000, params=b"\x01\x02", private=False)
    assert pkg.decode_requested(event(params="", fee="18446744073709551615")).fee == 2**64 - 1
    assert pkg.decode_requested(event(private=True)).private is True


@pytest.mark.parametrize(("overrides", "message"), [
    ({"fee": 50_000_000}, "fee: 50000000 is not a u64 decimal string"),
    ({"fee": "18446744073709551616"}, "fee: '18446744073709551616' is not a u64 decimal string"),
    ({"nonce": "07"}, "nonce: '07' is not a u64 decimal string"),
    ({"nonce": "-1"}, "nonce: '-1' is not a u64 decimal string"),
    ({"oracle": "0x1f"}, "oracle: '0x1f' is not 0x and 64 lower-case hex digits"),
    ({"subject": "0x" + "4C" * 32}, f"subject: '0x{'4C' * 32}' is not 0x and 64 lower-case hex digits"),
    ({"request_id": None}, "request_id: None is not 0x and 64 lower-case hex digits"),
    ({"params": "!!"}, "params: '!!' is not base64 bytes"),
    ({"params": [1, 2]}, "params: [1, 2] is not base64 bytes"),
    ({"params": base64.b64encode(b"\x00" * 1025).decode()}, "params: 1025 bytes, more than 1024"),
    ({"expires_ms": "1"}, "expires_ms is before created_ms"),
    ({"extra": 1}, "unexpected field(s) extra"),
    ({"private": None}, "private: None is not a bool"),
    ({"private": 1}, "private: 1 is not a bool"),
    ({"private": "true"}, "private: 'true' is not a bool"),
])
def test_malformed_requested_event_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as e:
        pkg.decode_requested(event(**overrides))
    assert str(e.value) == message


def test_requested_event_not_an_object() -> None:
    with pytest.raises(ValueError, match="^event contents are not a JSON object$"):
        pkg.decode_requested(["0x"])


@pytest.mark.parametrize(("private", "score", "tier", "pd_bps", "matches"), [
    (True, 0, 255, 0, True),
    (True, 712, 2, 180, False),  # a public payload for a private request
    (True, 0, 0, 0, False),  # the public form, even scoring 0
    (True, 712, 255, 0, False),  # the private tier with a score
    (True, 0, 255, 180, False),  # the private tier with a pd
    (False, 712, 2, 180, True),
    (False, 0, 0, 0, True),
    (False, 0, 255, 0, False),  # a private payload for a public request
    (False, 712, 255, 180, False),  # the private tier, whatever else
])
def test_privacy_matches_as_the_package_checks_it(private: bool, score: int, tier: int, pd_bps: int,
                                                   matches: bool) -> None:
    facts = SignedAssessment.from_wire(signed_request()[1]).facts
    facts = replace(facts, score=score, tier=tier, pd_bps=pd_bps)
    assert pkg.privacy_matches(private, facts) is matches


@pytest.mark.parametrize(("status", "state"), [(0, "pending"), (1, "fulfilled"), (2, "cancelled")])
def test_request_status_decodes(status: int, state: str) -> None:
    assert pkg.decode_status({"status": status, "nonce": "1"}) == state


@pytest.mark.parametrize(("value", "message"), [
    ({"status": 3}, "status: 3 is not 0, 1 or 2"), ({"status": "0"}, "status: '0' is not a u8 number"),
    ({}, "status: None is not a u8 number"), ([], "request value is not a JSON object"),
])
def test_request_status_refuses(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as e:
        pkg.decode_status(value)
    assert str(e.value) == message


def test_type_names() -> None:
    assert pkg.type_name("0x2", "Oracle") == "0x" + "0" * 63 + "2::oracle::Oracle"
    assert pkg.split_type(f"{PACKAGE}::oracle::Oracle") == (PACKAGE, "oracle", "Oracle")
    assert pkg.split_type("0x2::coin::Coin") == ("0x" + "0" * 63 + "2", "coin", "Coin")
    for bad in ("0x2::coin::Coin<0x2::sui::SUI>", "oracle::Oracle", None):
        with pytest.raises(ValueError):
            pkg.split_type(bad)
    assert pkg.SUI_COIN_TYPE == f"0x{'0' * 63}2::coin::Coin<0x{'0' * 63}2::sui::SUI>"
    assert pkg.request_key_bcs("0x" + "ab" * 32) == b"\xab" * 32


def test_fulfil_args_accept_the_enclaves_assessment() -> None:
    request, assessment = signed_request()
    args = pkg.fulfil_args(request, SignedAssessment.from_wire(assessment))
    assert (args.facts.score, args.facts.tier, args.facts.pd_bps, args.facts.flags) == (640, 3, 250, 9)
    assert args.request_id == b"\xe1" * 32 and len(args.public_key) == 33 and len(args.signature) == 64


@pytest.mark.parametrize(("change", "message"), [
    ({"score": 641}, "the assessment's intent_message does not match its fields, oracle, request and subject"),
    ({"expiry_ms": 1}, "the assessment's intent_message does not match its fields, oracle, request and subject"),
    ({"signature": "0x" + "11" * 64}, "the assessment's signature does not verify over its intent_message"),
    ({"signature": "0x" + "11" * 65}, "assessment signature: 65 bytes, expected 64"),
    ({"public_key": "0x02" + "11" * 31}, "assessment public_key: 32 bytes, expected 33"),
    ({"measurement": "5a" * 32}, "assessment measurement: not 0x-prefixed hex"),
    ({"commitment": "0xzz"}, "assessment commitment: not 0x-prefixed hex"),
    ({"tier": "3"}, "assessment tier: not an integer"),
    ({"score": 70000}, "score: 70000 does not fit u16"),
    ({"flags": -1}, "flags: -1 does not fit u32"),
    ({"intent_message": "0x00"}, "assessment intent_message: 1 bytes, expected 262"),
    ({"features_hash": "0x" + "fd" * 32},
     "the assessment's intent_message does not match its fields, oracle, request and subject"),
    ({"block_number": 4}, f"the assessment is pinned to checkpoint 4 (0x{'cb' * 32}), not the request's 3"),
    ({"block_hash": "0x" + "cc" * 32}, f"the assessment is pinned to checkpoint 3 (0x{'cc' * 32}), not the request's 3"),
    ({"block_hash": "0x" + "cc" * 31}, "assessment block_hash: 31 bytes, expected 32"),
])
def test_fulfil_args_refuse(change: dict[str, Any], message: str) -> None:
    request, assessment = signed_request()
    with pytest.raises(ValueError) as e:
        pkg.fulfil_args(request, SignedAssessment.from_wire({**assessment, **change}))
    assert str(e.value) == message


def test_fulfil_args_refuse_an_assessment_of_another_checkpoint() -> None:
    """An honestly signed assessment pinned elsewhere (the same request read in another checkpoint, or one whose
    checkpoint digest differs) is not sent: Move cannot tell, the node does."""
    request, assessment = signed_request()
    for change in ({"block_number": 2}, {"block_hash": "11111111111111111111111111111111"}):
        moved = request.__class__(**{**request.__dict__, **change})
        with pytest.raises(ValueError, match=r"^the assessment is pinned to checkpoint 3 \(0x(cb){32}\), not the "):
            pkg.fulfil_args(moved, SignedAssessment.from_wire(assessment))
    unpinned = request.__class__(**{**request.__dict__, "block_hash": ""})  # a request read without its digest
    assert pkg.fulfil_args(unpinned, SignedAssessment.from_wire(assessment)).facts.block_number == 3


def test_checkpoint_digest_from_base58() -> None:
    assert pkg.checkpoint_digest("11111111111111111111111111111111") == b"\0" * 32
    for bad, message in ((None, "checkpoint digest None is not a string"),
                         ("0OIl", "checkpoint digest '0OIl' is not base58"),
                         ("2222", "checkpoint digest '2222' is 3 bytes, not 32")):
        with pytest.raises(ValueError) as e:
            pkg.checkpoint_digest(bad)
        assert str(e.value) == message


def test_fulfil_args_bind_the_request_and_oracle() -> None:
    request, assessment = signed_request()
    for field in ("contract", "request_id", "subject"):
        moved = request.__class__(**{**request.__dict__, field: "0x" + "77" * 32})
        with pytest.raises(ValueError, match="does not match its fields, oracle, request and subject"):
            pkg.fulfil_args(moved, SignedAssessment.from_wire(assessment))


# --- the AssessmentFulfilled event ------------------------------------------------------------------------


def _fulfilled_json() -> dict[str, object]:
    """The event `fulfil` emits for the sample request answered with the sample assessment."""
    request, wire = signed_request()

    def b64(key: str) -> str:
        return base64.b64encode(bytes.fromhex(str(wire[key])[2:])).decode()

    return {"oracle": request.contract, "request_id": request.request_id, "subject": request.subject,
            "score": 640, "tier": 3, "pd_bps": 250, "flags": 9, "measurement": b64("measurement"),
            "commitment": b64("commitment"), "checkpoint": "3", "checkpoint_digest": b64("block_hash"),
            "features_hash": b64("features_hash"), "timestamp_ms": "1700000000000", "expiry_ms": "1700003600000",
            "version": "2", "stored": False, "public_key": b64("public_key"), "signature": b64("signature"),
            "transmitter": "0x" + "71" * 32, "payee": "0x" + "fe" * 32, "fee": "50000000"}


def test_decode_fulfilled_gives_the_signed_facts_and_they_verify() -> None:
    from chains.base import SignedAssessment
    from chains.sui import payload

    request, wire = signed_request()
    event = pkg.decode_fulfilled(_fulfilled_json())
    signed = SignedAssessment.from_wire(wire)
    assert event.facts == signed.facts
    assert event.signature == signed.signature
    assert (event.version, event.stored, event.fee) == (2, False, 50_000_000)
    assert (event.transmitter, event.payee) == ("0x" + "71" * 32, "0x" + "fe" * 32)
    # The event alone rebuilds the signed bytes: the signature verifies over them.
    message = payload.Assessment(oracle=payload.parse_address(event.oracle),
                                 request_id=payload.parse_address(event.request_id),
                                 subject=payload.parse_address(event.subject), facts=event.facts).to_bcs()
    assert message.hex() == str(wire["intent_message"])[2:]
    assert payload.verify(event.public_key, message, event.signature)


@pytest.mark.parametrize(("change", "error"), [
    ({"payee": None}, "missing field(s) payee"),
    ({"extra": 1}, "unexpected field(s) extra"),
    ({"stored": "true"}, "stored: 'true' is not a bool"),
    ({"timestamp_ms": "1700000000500"}, "timestamp_ms: 1700000000500 is not a whole second"),
    ({"expiry_ms": 1700003600000}, "expiry_ms: 1700003600000 is not a u64 decimal string"),
    ({"tier": 256}, "tier: 256 is not a u8 number"),
    ({"commitment": "AAAA"}, "commitment: 3 bytes, not 32"),
    ({"signature": "AA=="}, "signature: 1 bytes, not 64"),
    ({"public_key": "AA=="}, "public_key: 1 bytes, not 33"),
    ({"payee": "0x" + "FE" * 32}, f"payee: '0x{'FE' * 32}' is not 0x and 64 lower-case hex digits"),
])
def test_decode_fulfilled_refuses_a_field_that_is_off(change: dict[str, object], error: str) -> None:
    contents = _fulfilled_json()
    for key, value in change.items():
        if value is None:
            del contents[key]
        else:
            contents[key] = value
    with pytest.raises(ValueError) as e:
        pkg.decode_fulfilled(contents)
    assert str(e.value) == error
