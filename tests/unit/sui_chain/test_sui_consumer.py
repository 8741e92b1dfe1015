"""`aura request` on Sui (chains/sui/consumer.py): the programmable transaction it builds offline, decoded back with
pysui's BCS types, and the whole conversation with a GraphQL service, replayed to pysui's real client from
answers that follow Sui's GraphQL schema (tests/recorded_sui_graphql)."""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import pytest
from graphql import execute_sync, parse

from chains.core.errors import ChainError, ConfigError, InvalidParams
from chains.sui import consumer
from chains.sui import package as pkg
from chains.sui import transaction as tx
from chains.sui.keys import write_key_file
from chains.sui.queries import ALL
from tests.recorded_sui_graphql import scenario
from tests.recorded_sui_graphql.conftest import chain_config
from tests.recorded_sui_graphql.replay import Replay, load
from tests.recorded_sui_graphql.test_recorded_schema import resolve, resolve_type, strict_schema

from .samples import GAS, ORACLE, PACKAGE, SENDER

SUBJECT = "0x" + "e3" * 32
CLOCK = "0x" + "00" * 31 + "06"


def _decoded(params: bytes = b"\x01\x02", private: bool = False) -> Any:
    kind = consumer.request_kind(PACKAGE, ORACLE, 41, SUBJECT, params, private=private)
    return tx.decode(tx.serialize(tx.transaction_data(kind, SENDER, GAS, 750, 4_000_000, 12)))


def _args(command: Any) -> list[tuple[str, Any]]:
    return [(a.enum_name, a.value) for a in command.value.Arguments]


def test_request_transaction_reads_the_fee_splits_it_from_gas_and_pays_it_into_request_assessment() -> None:
    data = _decoded()
    assert tx.gas_terms(data) == tx.GasTerms(SENDER, GAS, 750, 4_000_000, 12)
    ptb = data.value.TransactionKind.value
    fee, split, request = ptb.Command
    assert [c.enum_name for c in ptb.Command] == ["MoveCall", "SplitCoin", "MoveCall"]
    assert (fee.value.Package.to_address_str(), fee.value.Module, fee.value.Function) == (PACKAGE, "oracle", "fee")
    assert _args(fee) == [("Input", 0)]
    assert split.value.FromCoin.enum_name == "GasCoin"
    assert [(a.enum_name, a.value) for a in split.value.Amount] == [("Result", 0)]
    assert (request.value.Package.to_address_str(), request.value.Module, request.value.Function,
            request.value.Type_Arguments) == (PACKAGE, "oracle", "request_assessment", [])
    assert _args(request) == [("Input", 0), ("Input", 1), ("Input", 2), ("Result", 1), ("Input", 3)]
    oracle, subject, params, clock = ptb.Inputs
    shared = oracle.value.value
    assert (oracle.enum_name, oracle.value.enum_name) == ("Object", "SharedObject")
    assert (shared.ObjectID.to_address_str(), shared.SequenceNumber, shared.Mutable) == (ORACLE, 41, True)
    assert (subject.enum_name, bytes(subject.value)) == ("Pure", bytes.fromhex("e3" * 32))
    assert (params.enum_name, bytes(params.value)) == ("Pure", b"\x02\x01\x02")  # vector<u8>: length, bytes
    shared = clock.value.value
    assert (shared.ObjectID.to_address_str(), shared.SequenceNumber, shared.Mutable) == (CLOCK, 1, False)


def test_a_private_request_pays_into_request_private_assessment_with_the_same_arguments() -> None:
    public, private = _decoded().value.TransactionKind.value, _decoded(private=True).value.TransactionKind.value
    request = private.Command[2]
    assert (request.value.Package.to_address_str(), request.value.Module, request.value.Function,
            request.value.Type_Arguments) == (PACKAGE, "oracle", "request_private_assessment", [])
    assert _args(request) == _args(public.Command[2])
    assert [c.enum_name for c in private.Command] == [c.enum_name for c in public.Command]
    assert [bytes(i.value) for i in private.Inputs[1:3]] == [bytes(i.value) for i in public.Inputs[1:3]]


def test_request_transaction_short_subject_and_empty_params() -> None:
    kind = consumer.request_kind(PACKAGE, ORACLE, 41, "0x7", b"")
    ptb = kind.value
    assert bytes(ptb.Inputs[1].value) == bytes(31) + b"\x07" and bytes(ptb.Inputs[2].value) == b"\x00"


@pytest.mark.parametrize(("subject", "params", "message"), [
    ("0xZZ", b"", "subject '0xZZ' is not a Sui address (0x and at most 64 hex digits)"),
    ("e3" * 32, b"", f"subject '{'e3' * 32}' is not a Sui address (0x and at most 64 hex digits)"),
    (SUBJECT, bytes(1025), "params: 1025 bytes, more than 1024"),
])
def test_request_transaction_refuses_bad_input(subject: str, params: bytes, message: str) -> None:
    with pytest.raises(InvalidParams) as e:
        consumer.request_kind(PACKAGE, ORACLE, 41, subject, params)
    assert str(e.value) == message


def test_requester_key_from_option_environment_or_config_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(consumer.REQUESTER_KEY_ENV, raising=False)
    with pytest.raises(ConfigError) as e:
        consumer.requester_key_file(None, tmp_path)
    assert str(e.value) == ("set AURA_SUI_REQUESTER_KEY to a file holding the requesting account's Sui key, or "
                            "pass --requester-key FILE")
    beside = write_key_file(tmp_path / "keys" / "sui-requester.key")
    assert consumer.requester_key_file(None, tmp_path).address == beside.address
    named = write_key_file(tmp_path / "named.key", scheme="ed25519")
    monkeypatch.setenv(consumer.REQUESTER_KEY_ENV, str(tmp_path / "named.key"))
    assert consumer.requester_key_file(None, tmp_path).address == named.address
    assert consumer.requester_key_file(tmp_path / "keys" / "sui-requester.key", tmp_path).address == beside.address
    monkeypatch.setenv(consumer.REQUESTER_KEY_ENV, str(tmp_path / "missing.key"))
    with pytest.raises(ConfigError) as e:
        consumer.requester_key_file(None, tmp_path)
    assert str(e.value) == f"cannot read Sui key file {tmp_path / 'missing.key'}: No such file or directory"


# --- the conversation -----------------------------------------------------------------------------------

REQUEST_CHECKPOINT = 1195
FULFIL_CHECKPOINT = 1199
REQUEST_ID = "0x" + "d4" * 32
FEE = 50_000_000
COIN = scenario.COIN_HUGE  # the requester's largest coin pays the gas and the fee


def _kind(params: bytes, private: bool = False) -> Any:
    return consumer.request_kind(scenario.PACKAGE, scenario.ORACLE, scenario.ORACLE_INITIAL_SHARED_VERSION, SUBJECT,
                                 params, private=private)


def _bytes(params: bytes, budget: int, private: bool = False) -> bytes:
    return tx.serialize(tx.transaction_data(_kind(params, private), scenario.transmitter_address(), COIN,
                                            scenario.REFERENCE_GAS_PRICE, budget, scenario.EPOCH))


def _signature(tx_bytes: bytes, key_file: Path) -> bytes:
    from chains.sui.keys import load_transmitter

    return load_transmitter(key_file).sign(tx_bytes)


def _simulate(params: bytes, error: dict[str, Any] | None = None, private: bool = False) -> dict[str, Any]:
    effects = {"status": "SUCCESS" if error is None else "FAILURE",
               "gasEffects": {"gasSummary": scenario.gas_summary()}, "executionError": error}
    probe = base64.b64encode(_bytes(params, scenario.MAX_GAS_BUDGET, private)).decode()
    return scenario.ex("AuraSimulate", {"transaction": {"bcs": {"value": probe}}},
                       {"simulateTransaction": {"error": None, "effects": effects}})


def _conversation(params: bytes, key_file: Path, private: bool = False) -> list[dict[str, Any]]:
    """`aura request` for `params` (a private assessment when `private`), answered with score 655, tier 1, pd 240
    and flags 3, or, private, with the private form (score 0, tier 255, pd 0) and flags 3."""
    budget = math.ceil((scenario.COMPUTATION + scenario.STORAGE) * scenario.MARGIN_PCT / 100)
    tx_bytes = _bytes(params, budget, private)
    digest = tx.digest(tx_bytes)
    requested = {"oracle": scenario.ORACLE, "request_id": REQUEST_ID, "nonce": "12",
                 "requester": scenario.transmitter_address(), "subject": SUBJECT, "fee": str(FEE),
                 "created_ms": "1764619199000", "expires_ms": "1764622799000",
                 "params": base64.b64encode(params).decode(), "private": private}
    fulfilled = scenario.fulfilled_event(scenario.REQ_A.oracle_request())
    score, tier, pd_bps = (0, 255, 0) if private else (655, 1, 240)
    fulfilled["contents"]["json"].update(request_id=REQUEST_ID, subject=SUBJECT, score=score, tier=tier,
                                         pd_bps=pd_bps, flags=3)
    return [
        scenario.oracle_exchange(),
        scenario.gas_exchange(),
        _simulate(params, private=private),
        scenario.ex("AuraExecute", {"transactionDataBcs": base64.b64encode(tx_bytes).decode(),
                                    "signatures": [base64.b64encode(_signature(tx_bytes, key_file)).decode()]},
                    {"executeTransaction": {"errors": None, "effects": {"digest": digest, "status": "SUCCESS"}}}),
        scenario.ex("AuraStatus", {"digest": digest, "coin": COIN.object_id, "version": COIN.version}, {
            "epoch": {"epochId": scenario.EPOCH}, "objectVersions": {"nodes": []},
            "transactionEffects": {
                "digest": digest, "status": "SUCCESS", "checkpoint": {"sequenceNumber": REQUEST_CHECKPOINT},
                "gasEffects": {"gasSummary": scenario.gas_summary()}, "executionError": None,
                "events": {"nodes": [{"contents": {"type": {"repr": pkg.type_name(scenario.PACKAGE,
                                                                                    "AssessmentRequested")},
                                                   "json": requested}}]}}}),
        scenario.head_exchange(),
        scenario.ex("AuraEvents", {"type": pkg.type_name(scenario.PACKAGE, "AssessmentFulfilled"),
                                   "afterCheckpoint": REQUEST_CHECKPOINT - 1, "beforeCheckpoint": scenario.HEAD + 1,
                                   "first": 50, "cursor": None},
                    scenario.events_page([{"sequenceNumber": 0, **fulfilled, "transaction": {
                        "digest": "FuLfiLTx1111111111111111111111111111111111", "effects": {"checkpoint": {
                            "sequenceNumber": FULFIL_CHECKPOINT,
                            "digest": scenario.checkpoint_digest(FULFIL_CHECKPOINT)}}}}], scenario.HEAD, None)),
    ]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """The recorded transmitter's key pays for the requests here."""
    write_key_file(tmp_path / "requester.key", secret=scenario.TRANSMITTER_SECRET)
    return tmp_path / "requester.key"


@pytest.mark.parametrize("private", [False, True])
def test_conversation_follows_the_schema(key_file: Path, private: bool) -> None:
    for exchange in _conversation(b"\x01", key_file, private):
        result = execute_sync(strict_schema(), parse(ALL[exchange["operation"]]),
                              root_value=exchange["response"]["data"], operation_name=exchange["operation"],
                              variable_values=exchange["variables"], field_resolver=resolve,
                              type_resolver=resolve_type)
        assert result.errors is None, (exchange["operation"], [str(e) for e in result.errors or []])
        assert result.data == exchange["response"]["data"]


async def _run(exchanges: list[dict[str, Any]], key_file: Path, params: bytes, wait: bool,
               private: bool = False) -> tuple[Any, Replay]:
    server = Replay(load() + exchanges, scenario.SERVICE_VERSION)
    await server.start()
    out: Any
    try:
        out = await consumer.request_assessment(chain_config(server.url, key_file), subject=SUBJECT, params=params,
                                                requester_key=key_file, config_dir=key_file.parent, wait=wait,
                                                timeout=5.0, private=private)
    except ChainError as e:
        out = e
    finally:
        await server.stop()
    assert server.misses == []
    return out, server


async def test_request_sent_and_its_score_read_back(key_file: Path) -> None:
    out, server = await _run(_conversation(b"\x01", key_file), key_file, b"\x01", wait=True)
    assert out == {"request_id": REQUEST_ID, "subject": SUBJECT, "tx": out["tx"], "block": REQUEST_CHECKPOINT,
                   "fee": FEE, "status": "fulfilled", "score": 655, "tier": 1, "pd_bps": 240, "flags": 3,
                   "fulfil_tx": "FuLfiLTx1111111111111111111111111111111111"}
    assert out["tx"] == tx.digest(_bytes(b"\x01", math.ceil((scenario.COMPUTATION + scenario.STORAGE)
                                                             * scenario.MARGIN_PCT / 100)))
    assert [op for op in server.operations() if op.startswith("Aura")] == [
        "AuraOracle", "AuraGas", "AuraSimulate", "AuraExecute", "AuraStatus", "AuraHead", "AuraEvents"]


async def test_a_private_request_sent_and_its_private_record_read_back(key_file: Path) -> None:
    out, server = await _run(_conversation(b"", key_file, private=True), key_file, b"", wait=True, private=True)
    assert out == {"request_id": REQUEST_ID, "subject": SUBJECT, "tx": out["tx"], "block": REQUEST_CHECKPOINT,
                   "fee": FEE, "status": "fulfilled", "score": 0, "tier": 255, "pd_bps": 0, "flags": 3,
                   "fulfil_tx": "FuLfiLTx1111111111111111111111111111111111"}
    budget = math.ceil((scenario.COMPUTATION + scenario.STORAGE) * scenario.MARGIN_PCT / 100)
    assert out["tx"] == tx.digest(_bytes(b"", budget, private=True)) != tx.digest(_bytes(b"", budget))


async def test_request_without_wait_stops_at_the_request(key_file: Path) -> None:
    out, server = await _run(_conversation(b"", key_file), key_file, b"", wait=False)
    assert set(out) == {"request_id", "subject", "tx", "block", "fee"} and out["request_id"] == REQUEST_ID
    assert "AuraHead" not in server.operations()


async def test_a_request_that_would_abort_is_never_sent(key_file: Path) -> None:
    exchanges = [scenario.oracle_exchange(), scenario.gas_exchange(), _simulate(b"", scenario.abort_error(7))]
    error, server = await _run(exchanges, key_file, b"", wait=False)
    assert str(error) == "sui-recorded: the request would fail: EWrongFee"
    assert "AuraExecute" not in server.operations()
