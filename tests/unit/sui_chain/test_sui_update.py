"""Operator updates on Sui (docs/sui.md, "Operator updates"): the update id (the same derivation as the Move
package's `oracle::update_id`), the request `update_request` makes, and the `update` / `update_quorum` transactions
`prepare` builds for it (the subject in place of the request id, at its Move type), as pysui's BCS decodes them."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from pysui.sui.sui_bcs import bcs

from chains.base import UPDATE_WINDOW_S, Height, OracleRequest, SignedAssessment
from chains.core.assessment import AssessmentFacts
from chains.core.errors import ChainError
from chains.registry import FAMILIES
from chains.sui import package as pkg
from chains.sui import payload
from chains.sui import transaction as tx
from chains.sui.update_id import update_request_id
from node.enclave.keys import EnclaveKey
from node.enclave.params import parse_request

from .samples import CHECKPOINT_DIGEST, FEATURES_HASH, GAS, ORACLE, PACKAGE, SENDER, signed_request
from .test_sui_quorum import OPERATORS, cosigned, offline_adapter

SUBJECT = "0x" + "e3" * 32
AT = Height(number=3, timestamp=1_700_000_000, hash="0x" + CHECKPOINT_DIGEST.hex())
MOVE_SOURCE = Path(__file__).resolve().parents[3] / "move" / "aura_oracle" / "sources" / "oracle.move"


def update_of(at: Height = AT) -> OracleRequest:
    request_id = update_request_id(bytes.fromhex(ORACLE[2:]), bytes.fromhex(SUBJECT[2:]), at.timestamp)
    return OracleRequest(chain="sui-unit", family="sui", chain_id=0, contract=ORACLE,
                         request_id="0x" + request_id.hex(), requester="0x" + "00" * 32, subject=SUBJECT, fee=0,
                         expires_at=at.timestamp + UPDATE_WINDOW_S, params="", block_number=at.number,
                         block_hash=at.hash, tx_hash="", ordinal=0, program=PACKAGE, operator_update=True)


def signed_update(request: OracleRequest, timestamp: int = AT.timestamp) -> dict[str, object]:
    """The enclave's answer for the update `request`: signed over its request id, of time `timestamp`."""
    key = EnclaveKey(hashlib.sha256(b"unit enclave").digest())
    facts = AssessmentFacts(score=640, tier=2, pd_bps=250, flags=9, measurement=b"\x5a" * 32, commitment=b"\xc0" * 32,
                            block_number=AT.number, block_hash=CHECKPOINT_DIGEST, features_hash=FEATURES_HASH,
                            timestamp=timestamp, expiry=timestamp + 86_400)
    message = payload.Assessment(oracle=bytes.fromhex(ORACLE[2:]), request_id=bytes.fromhex(request.request_id[2:]),
                                 subject=bytes.fromhex(SUBJECT[2:]), facts=facts).to_bcs()
    digest = payload.digest(message)
    return {"score": 640, "tier": 2, "pd_bps": 250, "flags": 9, "measurement": "0x" + "5a" * 32,
            "commitment": "0x" + "c0" * 32, "block_number": AT.number, "block_hash": "0x" + CHECKPOINT_DIGEST.hex(),
            "features_hash": "0x" + FEATURES_HASH.hex(), "timestamp": timestamp, "expiry": timestamp + 86_400,
            "timestamp_ms": timestamp * 1000, "expiry_ms": (timestamp + 86_400) * 1000,
            "public_key": "0x" + key.public_key.hex(), "intent_message": "0x" + message.hex(),
            "signature": "0x" + payload.compact_signature(key.sign_digest(digest)).hex(), "signer": key.address,
            "digest": "0x" + digest.hex()}


# --- the id ---------------------------------------------------------------------------------------------


def test_the_update_id_is_the_move_packages() -> None:
    """The value move/aura_oracle/tests/update_tests.move asserts `oracle::update_id` gives for the vectors' oracle
    and subject at the first vector's time."""
    oracle = bytes.fromhex("034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96")
    subject = bytes.fromhex("a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b")
    assert update_request_id(oracle, subject, 1_700_000_000).hex() == \
        "2ee76a737fa6ac77103296a7bbef2dcceab5d81df53abc1745b7c078f306ed25"
    assert update_request_id(oracle, subject, 1_700_000_000) == hashlib.blake2b(
        b"AuraOracle.update" + oracle + subject + (1_700_000_000_000).to_bytes(8, "little"), digest_size=32).digest()
    assert update_request_id(oracle, subject, 1_700_000_001) != update_request_id(oracle, subject, 1_700_000_000)
    assert update_request_id(oracle, oracle, 1_700_000_000) != update_request_id(oracle, subject, 1_700_000_000)
    if MOVE_SOURCE.exists():
        assert 'const UPDATE_TAG: vector<u8> = b"AuraOracle.update";' in MOVE_SOURCE.read_text()


@pytest.mark.parametrize(("oracle", "subject", "timestamp", "message"), [
    (b"\x01" * 20, b"\x02" * 32, 1, "oracle and subject are 32-byte Sui addresses"),
    (b"\x01" * 32, b"\x02" * 33, 1, "oracle and subject are 32-byte Sui addresses"),
    (b"\x01" * 32, b"\x02" * 32, -1, "timestamp in milliseconds must fit 64 bits"),
    (b"\x01" * 32, b"\x02" * 32, (1 << 64) // 1000 + 1, "timestamp in milliseconds must fit 64 bits"),
])
def test_the_update_id_refuses_what_the_package_cannot_take(oracle: bytes, subject: bytes, timestamp: int,
                                                            message: str) -> None:
    with pytest.raises(ValueError) as refused:
        update_request_id(oracle, subject, timestamp)
    assert str(refused.value) == message


# --- the request ----------------------------------------------------------------------------------------


async def test_update_request_is_the_packages_update_form(tmp_path: Path) -> None:
    adapter = offline_adapter(tmp_path)
    request = await adapter.update_request("0x" + "E3" * 32, AT)
    assert request == replace(update_of(), chain="s")
    assert request.key == f"s:{request.request_id}"
    family, bound = parse_request(adapter.enclave_request(request))
    FAMILIES[family].codec.check_update(bound, AT.timestamp)  # the enclave derives the same id
    assert await adapter.pinned(request) == AT  # pinned where it was made, with no read
    assert await adapter.is_canonical(request)
    with pytest.raises(ChainError) as refused:
        await adapter.update_request("alice.sui", AT)
    assert str(refused.value) == "s: 'alice.sui' is not a Sui address"


# --- the transactions -----------------------------------------------------------------------------------


def test_update_arguments_name_the_subject_in_place_of_the_request() -> None:
    request = update_of()
    args = pkg.fulfil_args(request, SignedAssessment.from_wire(signed_update(request)))
    assert (args.function, args.update_of, args.request_id) == (pkg.UPDATE, bytes.fromhex(SUBJECT[2:]),
                                                                bytes.fromhex(request.request_id[2:]))
    as_fulfil = replace(args, update_of=None)
    assert as_fulfil.function == pkg.FULFIL
    assert args.pure_bcs() == [bytes.fromhex(SUBJECT[2:]), *as_fulfil.pure_bcs()[1:]]
    assert as_fulfil.pure_bcs()[0] == bytes.fromhex(request.request_id[2:])
    assert [b.hex() for b in args.pure_bcs()[1:5]] == ["8002", "02", "fa00", "09000000"]


def test_update_transaction_as_pysui_decodes_it() -> None:
    request = update_of()
    args = pkg.fulfil_args(request, SignedAssessment.from_wire(signed_update(request)))
    raw = tx.serialize(tx.transaction_data(pkg.fulfil_kind(PACKAGE, ORACLE, 41, args), SENDER, GAS, 750,
                                           4_000_000, 12))
    ptb = bcs.TransactionData.deserialize(raw).value.TransactionKind.value
    [command] = ptb.Command
    call = command.value
    assert (command.enum_name, call.Package.to_address_str(), call.Module, call.Function, call.Type_Arguments) == (
        "MoveCall", PACKAGE, "oracle", "update", [])
    assert [(a.enum_name, a.value) for a in call.Arguments] == [("Input", i) for i in range(16)]
    oracle, *pure, clock = ptb.Inputs
    assert (oracle.value.value.ObjectID.to_address_str(), oracle.value.value.SequenceNumber,
            oracle.value.value.Mutable) == (ORACLE, 41, True)
    assert (clock.value.value.ObjectID.to_address_str(), clock.value.value.Mutable) == ("0x" + "00" * 31 + "06", False)
    assert [p.enum_name for p in pure] == ["Pure"] * 14
    assert [bytes(p.value) for p in pure] == args.pure_bcs()
    assert bytes(pure[0].value) == bytes.fromhex(SUBJECT[2:])  # `subject: address`, 32 bytes
    assert bytes.fromhex("00" + "20" + "e3" * 32) in raw  # CallArg::Pure, length 32, the subject
    assert bytes.fromhex(request.request_id[2:]) not in raw  # the package derives the id: it is not sent


def test_update_quorum_transaction_as_pysui_decodes_it() -> None:
    request = update_of()
    wire = signed_update(request)
    args = pkg.fulfil_quorum_args(request, cosigned(request, wire, OPERATORS[:2]))
    assert (args.function, args.update_of) == (pkg.UPDATE_QUORUM, bytes.fromhex(SUBJECT[2:]))
    raw = tx.serialize(tx.transaction_data(pkg.fulfil_quorum_kind(PACKAGE, ORACLE, 41, args), SENDER, GAS, 750,
                                           4_000_000, 12))
    ptb = bcs.TransactionData.deserialize(raw).value.TransactionKind.value
    [command] = ptb.Command
    assert (command.value.Module, command.value.Function) == ("oracle", "update_quorum")
    _, *pure, _ = ptb.Inputs
    assert [bytes(p.value) for p in pure] == args.pure_bcs()
    assert bytes(pure[0].value) == bytes.fromhex(SUBJECT[2:])
    assert len(args.public_keys) == 3 and bytes(pure[12].value)[0] == 3  # vector<vector<u8>> of three keys
    message = bytes.fromhex(str(wire["intent_message"])[2:])
    assert all(payload.verify(k, message, s) for k, s in zip(args.public_keys, args.signatures, strict=True))


def test_a_fulfilment_builds_no_update() -> None:
    """A request's arguments stay `fulfil`'s: the request id first, no subject."""
    request, wire = signed_request()
    args = pkg.fulfil_args(request, SignedAssessment.from_wire(wire))
    assert (args.function, args.update_of, args.pure_bcs()[0]) == (pkg.FULFIL, None, bytes.fromhex("e1" * 32))


# --- refusals -------------------------------------------------------------------------------------------


def test_an_update_of_another_time_than_its_id_is_never_built() -> None:
    request = update_of()
    signed = SignedAssessment.from_wire(signed_update(request, timestamp=AT.timestamp - 1))
    assert not pkg.update_id_matches(request, signed.facts)
    with pytest.raises(ValueError) as refused:
        pkg.fulfil_args(request, signed)
    assert str(refused.value) == (f"the update's id is not the package's for an assessment of time "
                                  f"{AT.timestamp - 1}: it would abort with EInvalidSignature")


def test_an_update_signature_is_no_fulfilment_and_a_fulfilment_is_no_update() -> None:
    request = update_of()
    update_wire = signed_update(request)
    as_request = replace(request, request_id="0x" + "e1" * 32, operator_update=False)
    with pytest.raises(ValueError) as update_as_fulfilment:
        pkg.fulfil_args(as_request, SignedAssessment.from_wire(update_wire))
    assert str(update_as_fulfilment.value) == ("the assessment's intent_message does not match its fields, oracle, "
                                               "request and subject")
    fulfil_request, fulfil_wire = signed_request()
    as_update = replace(fulfil_request, operator_update=True)
    with pytest.raises(ValueError) as fulfilment_as_update:
        pkg.fulfil_args(as_update, SignedAssessment.from_wire(fulfil_wire))
    assert str(fulfilment_as_update.value).startswith("the update's id is not the package's")


def test_an_update_pinned_elsewhere_is_refused() -> None:
    request = update_of()
    signed = SignedAssessment.from_wire(signed_update(request))
    with pytest.raises(ValueError) as refused:
        pkg.fulfil_args(replace(request, block_hash="0x" + "cc" * 32), signed)
    assert str(refused.value) == (f"the assessment is pinned to checkpoint 3 (0x{CHECKPOINT_DIGEST.hex()}), not the "
                                  "request's 3")


@pytest.mark.parametrize("text", ["0x" + "CB" * 32, "0x" + "cb" * 31, "0xzz"])
def test_a_hex_checkpoint_digest_is_exactly_32_lower_case_bytes(text: str) -> None:
    assert pkg.checkpoint_digest("0x" + "cb" * 32) == CHECKPOINT_DIGEST
    with pytest.raises(ValueError) as refused:
        pkg.checkpoint_digest(text)
    assert str(refused.value) == f"checkpoint digest {text!r} is not 0x and 64 lower-case hex digits"


async def test_prepare_refuses_an_update_of_another_time_with_the_packages_abort(tmp_path: Path) -> None:
    adapter = offline_adapter(tmp_path)
    adapter.oracle_initial_shared_version = 41  # as if connected: the refusal comes before any call
    request = await adapter.update_request(SUBJECT, AT)
    with pytest.raises(ChainError) as refused:
        await adapter.prepare([(request, SignedAssessment.from_wire(signed_update(request, AT.timestamp + 1)))])
    assert str(refused.value) == "s: fulfilment would abort with EInvalidSignature"
