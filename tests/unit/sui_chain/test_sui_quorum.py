"""The Sui adapter's quorum (docs/sui.md, "Quorum"): the `fulfil_quorum` transaction `prepare` builds for an
assessment with cosigners (keys and signatures in ascending order of the signers' addresses, at their Move types),
the limit of signatures, the oracle's threshold, and the dry run's quorum aborts mapped to the node's errors, over
answers crafted for the recorded service (tests/recorded_sui_graphql): no Sui node runs here, so what the package
itself does with the transaction is the Move tests' to check (move/aura_oracle/tests/quorum_tests.move)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest
from pysui.sui.sui_bcs import bcs

from chains.base import OracleRequest, SignedAssessment
from chains.core.errors import ChainError, CosignerRefused, RetryLater, WaitFor
from chains.core.secp256k1 import address_from_public_key
from chains.sui import package as pkg
from chains.sui import payload
from chains.sui import transaction as tx
from chains.sui.adapter import SuiAdapter
from chains.sui.config import SuiChain
from chains.sui.keys import write_key_file
from node.enclave.keys import EnclaveKey
from tests.recorded_sui_graphql import scenario
from tests.recorded_sui_graphql.conftest import (  # noqa: F401 - fixtures
    MakeAdapter,
    Serve,
    adapter_for,
    key_file,
    serve,
)

from .samples import GAS, ORACLE, PACKAGE, SENDER, signed_request

OPERATORS = [EnclaveKey(hashlib.sha256(f"unit quorum operator {i}".encode()).digest()) for i in range(16)]
"""Other operators' enclave keys."""


def cosigned(request: OracleRequest, wire: dict[str, Any], keys: list[EnclaveKey]) -> SignedAssessment:
    """The assessment of `wire` carrying the same payload signed by each of `keys`."""
    digest = bytes.fromhex(str(wire["digest"])[2:])

    def by(key: EnclaveKey) -> SignedAssessment:
        signature = payload.compact_signature(key.sign_digest(digest))
        return SignedAssessment.from_wire({**wire, "signer": key.address, "public_key": "0x" + key.public_key.hex(),
                                           "signature": "0x" + signature.hex()})

    return SignedAssessment.from_wire(wire).with_cosigners(by(key) for key in keys)


def number(address: str) -> int:
    return int(address[2:], 16)


# --- the transaction -------------------------------------------------------------------------------------


def test_quorum_arguments_are_every_signature_in_ascending_order_of_addresses() -> None:
    request, wire = signed_request()
    signed = cosigned(request, wire, OPERATORS[:3])
    args = pkg.fulfil_quorum_args(request, signed)
    expected = sorted(signed.signers(), key=lambda s: number(address_from_public_key(s.envelope_hex("public_key"))))
    assert [number(a) for a in args.signers] == sorted(number(a) for a in args.signers)
    assert args.signers == tuple(address_from_public_key(s.envelope_hex("public_key")) for s in expected)
    assert args.public_keys == tuple(s.envelope_hex("public_key", 33) for s in expected)
    assert args.signatures == tuple(s.signature for s in expected)
    assert args.signers != tuple(address_from_public_key(s.envelope_hex("public_key")) for s in signed.signers()), \
        "the sample's own key must not already be the lowest, or the order would not be tested"
    single = pkg.fulfil_args(request, SignedAssessment.from_wire(wire))
    keys = b"".join(b"\x21" + key for key in args.public_keys)
    signatures = b"".join(b"\x40" + signature for signature in args.signatures)
    assert args.pure_bcs() == [*single.pure_bcs()[:12], b"\x04" + keys, b"\x04" + signatures]


def test_fulfil_quorum_transaction_as_pysui_decodes_it() -> None:
    request, wire = signed_request()
    args = pkg.fulfil_quorum_args(request, cosigned(request, wire, OPERATORS[:2]))
    kind = pkg.fulfil_quorum_kind(PACKAGE, ORACLE, 41, args)
    raw = tx.serialize(tx.transaction_data(kind, SENDER, GAS, 750, 4_000_000, 12))
    ptb = bcs.TransactionData.deserialize(raw).value.TransactionKind.value
    [command] = ptb.Command
    call = command.value
    assert (command.enum_name, call.Package.to_address_str(), call.Module, call.Function, call.Type_Arguments) == (
        "MoveCall", PACKAGE, "oracle", "fulfil_quorum", [])
    assert [(a.enum_name, a.value) for a in call.Arguments] == [("Input", i) for i in range(16)]
    oracle, *pure, clock = ptb.Inputs
    assert (oracle.value.value.ObjectID.to_address_str(), oracle.value.value.Mutable) == (ORACLE, True)
    assert (clock.value.value.ObjectID.to_address_str(), clock.value.value.Mutable) == ("0x" + "00" * 31 + "06", False)
    assert [bytes(p.value) for p in pure] == args.pure_bcs()
    message = bytes.fromhex(str(wire["intent_message"])[2:])
    assert all(payload.verify(k, message, s) for k, s in zip(args.public_keys, args.signatures, strict=True))


def test_vector_of_vectors_bcs() -> None:
    assert tx.vector_vector_u8([]) == b"\x00"
    assert tx.vector_vector_u8([b"", b"\x01\x02"]) == bytes.fromhex("02" + "00" + "020102")
    assert tx.vector_vector_u8([b"\xaa" * 200]) == bytes.fromhex("01" + "c801") + b"\xaa" * 200


def test_a_cosigner_whose_signature_does_not_verify_is_refused() -> None:
    request, wire = signed_request()
    signed = cosigned(request, wire, OPERATORS[:1])
    forged = SignedAssessment.from_wire({**wire, "signer": OPERATORS[1].address,
                                         "public_key": "0x" + OPERATORS[1].public_key.hex()})  # the first's signature
    with pytest.raises(ValueError) as refused:
        pkg.fulfil_quorum_args(request, signed.with_cosigners([*signed.cosigners, forged]))
    assert str(refused.value) == "the assessment's signature does not verify over its intent_message"


def offline_adapter(tmp_path: Path) -> SuiAdapter:
    cfg = SuiChain(family="sui", name="s", graphql_url="http://127.0.0.1:1/graphql",  # type: ignore[arg-type]
                   package_id=PACKAGE, oracle=ORACLE, transmitter_key=tmp_path / "k")
    return SuiAdapter(cfg, write_key_file(tmp_path / "k"))


async def test_prepare_takes_at_most_the_packages_limit_of_signatures(tmp_path: Path) -> None:
    adapter = offline_adapter(tmp_path)
    assert adapter.capabilities.max_signatures == pkg.MAX_QUORUM_SIGNERS == 16
    request, wire = signed_request()
    with pytest.raises(ValueError) as refused:
        await adapter.prepare([(request, cosigned(request, wire, OPERATORS[:16]))])
    assert str(refused.value) == "a Sui fulfilment carries at most 16 signatures, not 17"
    with pytest.raises(ChainError) as sixteen:  # 16 pass the limit (and then need a connection)
        await adapter.prepare([(request, cosigned(request, wire, OPERATORS[:15]))])
    assert str(sixteen.value) == "s: not connected"


def test_the_limit_is_the_move_modules() -> None:
    source = Path(__file__).resolve().parents[3] / "move" / "aura_oracle" / "sources" / "oracle.move"
    if not source.exists():
        pytest.skip("no Move sources in this checkout")
    assert f"const MAX_QUORUM_SIGNERS: u64 = {pkg.MAX_QUORUM_SIGNERS};" in source.read_text()


# --- over the recorded service ---------------------------------------------------------------------------

REQUEST = scenario.REQ_A.oracle_request()
WIRE = scenario.assessment(REQUEST)
OWN = EnclaveKey(scenario.ENCLAVE_SECRET)
LOW = next(k for k in OPERATORS if number(k.address) < number(OWN.address))
HIGH = next(k for k in OPERATORS if number(k.address) > number(OWN.address))
"""Cosigners below and above the recorded enclave's address: the package checks LOW, the enclave, HIGH."""


def quorum_simulate(keys: list[EnclaveKey], abort: int) -> dict[str, Any]:
    """The dry run of the quorum fulfilment of request A signed by the recorded enclave and `keys`, aborting."""
    args = pkg.fulfil_quorum_args(REQUEST, cosigned(REQUEST, WIRE, keys))
    kind = pkg.fulfil_quorum_kind(scenario.PACKAGE, scenario.ORACLE, scenario.ORACLE_INITIAL_SHARED_VERSION, args)
    probe = tx.serialize(tx.transaction_data(kind, scenario.transmitter_address(), scenario.COIN_LARGE,
                                             scenario.REFERENCE_GAS_PRICE, scenario.MAX_GAS_BUDGET, scenario.EPOCH))
    effects = {"status": "FAILURE", "gasEffects": {"gasSummary": scenario.gas_summary()},
               "executionError": scenario.abort_error(abort)}
    return scenario.ex("AuraSimulate", {"transaction": {"bcs": {"value": base64.b64encode(probe).decode()}}},
                       {"simulateTransaction": {"error": None, "effects": effects}})


def record(key: EnclaveKey, active: bool = True, measurement: bytes = scenario.MEASUREMENT) -> dict[str, Any]:
    """The `Enclave` record of `key` as the service renders it."""
    name = {"type": pkg.type_name(scenario.PACKAGE, "EnclaveKey"),
            "bcs": base64.b64encode(tx.vector_u8(key.public_key)).decode()}
    value = {**scenario.enclave_value(active), "measurement": base64.b64encode(measurement).decode()}
    field = {"value": {"__typename": "MoveValue", "type": {"repr": pkg.type_name(scenario.PACKAGE, "Enclave")},
                       "json": value}}
    return scenario.ex("AuraEnclave", {"oracle": scenario.ORACLE, "name": name}, {"object": {"dynamicField": field}})


def unregistered(key: EnclaveKey) -> dict[str, Any]:
    answer = record(key)
    answer["response"]["data"]["object"]["dynamicField"] = None
    return answer


async def test_threshold_is_the_oracle_objects_field(serve: Serve, adapter_for: MakeAdapter) -> None:  # noqa: F811
    adapter = await adapter_for(await serve("threshold"))
    assert await adapter.threshold() == 1
    adapter = await adapter_for(await serve("connect", extra=[scenario.threshold_exchange(scenario.oracle_value(7))]))
    assert await adapter.threshold() == 7


@pytest.mark.parametrize(("answer", "error", "message"), [
    ({"threshold": 0}, ChainError, "the oracle object: threshold: 0 is not 1 ..= 16"),
    ({"threshold": 17}, ChainError, "the oracle object: threshold: 17 is not 1 ..= 16"),
    ({"threshold": "2"}, ChainError, "the oracle object: threshold: '2' is not a u8 number"),
    ("Request", ChainError, f"{scenario.ORACLE} is a {scenario.PACKAGE}::oracle::Request, not an aura_oracle Oracle"),
    (None, RetryLater, "the GraphQL service does not show the oracle object"),
])
async def test_threshold_refuses_what_is_not_an_oracles(serve: Serve, adapter_for: MakeAdapter,  # noqa: F811
                                                        answer: Any, error: type[Exception], message: str) -> None:
    if answer is None:
        exchange = scenario.ex("AuraThreshold", {"oracle": scenario.ORACLE}, {"object": None})
    elif isinstance(answer, str):
        exchange = scenario.threshold_exchange(type_name=answer)
    else:
        exchange = scenario.threshold_exchange({**scenario.oracle_value(), **answer})
    adapter = await adapter_for(await serve("connect", extra=[exchange]))
    with pytest.raises(error) as refused:
        await adapter.threshold()
    assert type(refused.value) is error
    assert str(refused.value) == f"{scenario.CHAIN}: {message}"


async def test_quorum_not_met_names_the_signatures_and_the_threshold(serve: Serve,  # noqa: F811
                                                                      adapter_for: MakeAdapter) -> None:  # noqa: F811
    extra = [scenario.gas_exchange(), scenario.simulate_exchange(REQUEST, abort=31), quorum_simulate([LOW], 31),
             scenario.threshold_exchange(scenario.oracle_value(3))]
    adapter = await adapter_for(await serve("connect", extra=extra))
    with pytest.raises(ChainError) as alone:
        await adapter.prepare([(REQUEST, SignedAssessment.from_wire(WIRE))])
    with pytest.raises(ChainError) as two:
        await adapter.prepare([(REQUEST, cosigned(REQUEST, WIRE, [LOW]))])
    assert not isinstance(alone.value, RetryLater) and not isinstance(two.value, RetryLater)
    assert str(alone.value) == f"{scenario.CHAIN}: fulfilment would abort with EQuorumNotMet(1, 3)"
    assert str(two.value) == f"{scenario.CHAIN}: fulfilment would abort with EQuorumNotMet(2, 3)"


@pytest.mark.parametrize(("abort", "name", "records"), [
    (6, "EEnclaveRevoked", lambda: [record(LOW), record(OWN), record(HIGH, active=False)]),
    (5, "EEnclaveNotRegistered", lambda: [record(LOW), record(OWN), unregistered(HIGH)]),
    (12, "EMeasurementMismatch", lambda: [record(LOW), record(OWN), record(HIGH, measurement=b"\x01" * 32)]),
])
async def test_a_cosigner_the_package_does_not_count_is_named(serve: Serve, adapter_for: MakeAdapter,  # noqa: F811
                                                               abort: int, name: str, records: Any) -> None:
    extra = [scenario.gas_exchange(), quorum_simulate([LOW, HIGH], abort), *records()]
    server = await serve("connect", extra=extra)
    adapter = await adapter_for(server)
    with pytest.raises(CosignerRefused) as refused:
        await adapter.prepare([(REQUEST, cosigned(REQUEST, WIRE, [HIGH, LOW]))])
    assert refused.value.signer == HIGH.address
    assert str(refused.value) == f"{scenario.CHAIN}: fulfilment would abort with {name} for cosigner {HIGH.address}"
    assert server.operations().count("AuraEnclave") == 3  # read in the package's order, up to the one refused


async def test_the_first_refused_in_the_packages_order_is_named(serve: Serve,  # noqa: F811
                                                                 adapter_for: MakeAdapter) -> None:  # noqa: F811
    """Both cosigners revoked: the package stops at the lower address, and so does the adapter."""
    extra = [scenario.gas_exchange(), quorum_simulate([LOW, HIGH], 6), record(LOW, active=False), record(OWN),
             record(HIGH, active=False)]
    server = await serve("connect", extra=extra)
    adapter = await adapter_for(server)
    with pytest.raises(CosignerRefused) as refused:
        await adapter.prepare([(REQUEST, cosigned(REQUEST, WIRE, [HIGH, LOW]))])
    assert refused.value.signer == LOW.address
    assert server.operations().count("AuraEnclave") == 1


async def test_the_own_enclave_refused_waits_as_with_fulfil(serve: Serve,  # noqa: F811
                                                            adapter_for: MakeAdapter) -> None:  # noqa: F811
    extra = [scenario.gas_exchange(), quorum_simulate([LOW, HIGH], 6), record(LOW), record(OWN, active=False),
             record(HIGH, active=False)]
    adapter = await adapter_for(await serve("connect", extra=extra))
    with pytest.raises(WaitFor) as waits:
        await adapter.prepare([(REQUEST, cosigned(REQUEST, WIRE, [LOW, HIGH]))])
    assert (waits.value.cause, str(waits.value)) == ("signer",
                                                     f"{scenario.CHAIN}: fulfilment would abort with EEnclaveRevoked")


async def test_other_quorum_aborts_are_named(serve: Serve, adapter_for: MakeAdapter) -> None:  # noqa: F811
    extra = [scenario.gas_exchange(), quorum_simulate([LOW], 34)]
    adapter = await adapter_for(await serve("connect", extra=extra))
    with pytest.raises(ChainError) as refused:
        await adapter.prepare([(REQUEST, cosigned(REQUEST, WIRE, [LOW]))])
    assert type(refused.value) is ChainError
    assert str(refused.value) == f"{scenario.CHAIN}: fulfilment would abort with ESignersNotAscending"
