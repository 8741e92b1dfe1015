"""Reading a fulfilment back (`read_fulfilment`) and `aura verify` (node/verify.py) over recorded GraphQL answers:
an honest fulfilment read back field for field, requests that are not fulfilled, and the verifier's match and
mismatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from chains.base import SignedAssessment
from chains.core.errors import ChainError
from chains.registry import FAMILIES
from chains.sui.adapter import SuiAdapter
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure_engine
from node.enclave.service import EnclaveService
from node.scoring.config import load_config
from node.scoring.engine import Engine
from node.verify import verify

from . import scenario
from .conftest import MakeAdapter, Serve, chain_config


async def test_recorded_read_fulfilment_returns_the_request_and_the_signed_facts(serve: Serve,
                                                                                adapter_for: MakeAdapter) -> None:
    server = await serve("fulfilment")
    adapter = await adapter_for(server)
    request = scenario.REQ_A.oracle_request()
    found = await adapter.read_fulfilment(request.request_id)
    assert found is not None
    signed = SignedAssessment.from_wire(scenario.assessment(request))
    assert found.request == request  # as a poll returns it: its checkpoint, digest, transaction and nonce
    assert found.facts == signed.facts
    assert found.signature == signed.signature
    assert found.signer == EnclaveKey(scenario.ENCLAVE_SECRET).address
    assert found.tx_hash == scenario.fulfil_tx_digest(scenario.REQ_A)
    assert server.operations()[-1] == "AuraFulfilment"


async def test_recorded_read_fulfilment_of_a_private_request_carries_its_privacy(serve: Serve,
                                                                                 adapter_for: MakeAdapter) -> None:
    """The request comes back private, as its event says, with the private form it was fulfilled with."""
    server = await serve("fulfilment")
    adapter = await adapter_for(server)
    request = scenario.REQ_PRIVATE.oracle_request()
    found = await adapter.read_fulfilment(request.request_id)
    assert found is not None
    assert found.request == request and found.request.private
    assert (found.facts.score, found.facts.tier, found.facts.pd_bps) == (0, 255, 0)
    assert found.facts == SignedAssessment.from_wire(scenario.assessment(request)).facts


async def test_recorded_read_fulfilment_accepts_upper_case_hex(serve: Serve,
                                                                          adapter_for: MakeAdapter) -> None:
    server = await serve("fulfilment")
    adapter = await adapter_for(server)
    found = await adapter.read_fulfilment(scenario.REQ_A.request_id.upper().replace("0X", "0x"))
    assert found is not None and found.request.request_id == scenario.REQ_A.request_id


@pytest.mark.parametrize("request_id", [scenario.REQ_UNKNOWN_ID, scenario.REQ_B.request_id,
                                        scenario.REQ_CANCELLED.request_id], ids=["unknown", "pending", "cancelled"])
async def test_recorded_read_fulfilment_of_a_request_not_fulfilled_is_none(serve: Serve, adapter_for: MakeAdapter,
                                                                           request_id: str) -> None:
    server = await serve("fulfilment")
    adapter = await adapter_for(server)
    assert await adapter.read_fulfilment(request_id) is None


async def test_recorded_read_fulfilment_refuses_what_is_not_an_id(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("fulfilment")
    adapter = await adapter_for(server)
    with pytest.raises(ChainError) as e:
        await adapter.read_fulfilment("5e1f")
    assert str(e.value) == "sui-recorded: '5e1f' is not a Sui object ID"


async def test_recorded_read_fulfilment_refuses_a_settling_transaction_without_the_event(
        serve: Serve, adapter_for: MakeAdapter) -> None:
    exchange = scenario.fulfilment_exchange(scenario.REQ_A, 1)
    settled = exchange["response"]["data"]["object"]["dynamicField"]["previousTransaction"]
    settled["effects"]["events"]["nodes"] = []
    server = await serve("connect", extra=[exchange])
    adapter = await adapter_for(server)
    with pytest.raises(ChainError) as e:
        await adapter.read_fulfilment(scenario.REQ_A.request_id)
    assert str(e.value) == (f"sui-recorded: request {scenario.REQ_A.request_id} is fulfilled, but transaction "
                            f"{scenario.fulfil_tx_digest(scenario.REQ_A)}, which settled it, shows no "
                            "AssessmentFulfilled for it")


async def test_recorded_read_fulfilment_refuses_a_pruned_request_transaction(serve: Serve,
                                                                             adapter_for: MakeAdapter) -> None:
    exchange = scenario.fulfilment_exchange(scenario.REQ_A, 1)
    exchange["response"]["data"]["object"]["dynamicField"]["objectVersionsBefore"]["nodes"] = []
    server = await serve("connect", extra=[exchange])
    adapter = await adapter_for(server)
    with pytest.raises(ChainError) as e:
        await adapter.read_fulfilment(scenario.REQ_A.request_id)
    assert str(e.value) == (f"sui-recorded: request {scenario.REQ_A.request_id} is fulfilled, but the service does "
                            "not show the transaction that made it")


async def test_recorded_read_fulfilment_refuses_events_naming_two_subjects(serve: Serve,
                                                                           adapter_for: MakeAdapter) -> None:
    exchange = scenario.fulfilment_exchange(scenario.REQ_A, 1)
    settled = exchange["response"]["data"]["object"]["dynamicField"]["previousTransaction"]
    settled["effects"]["events"]["nodes"][0]["contents"]["json"]["subject"] = scenario.REQUESTER
    server = await serve("connect", extra=[exchange])
    adapter = await adapter_for(server)
    with pytest.raises(ChainError) as e:
        await adapter.read_fulfilment(scenario.REQ_A.request_id)
    assert str(e.value) == (f"sui-recorded: the events of request {scenario.REQ_A.request_id} do not name this oracle "
                            "and one subject")


async def test_recorded_read_fulfilment_refuses_a_failed_settling_transaction(serve: Serve,
                                                                              adapter_for: MakeAdapter) -> None:
    exchange = scenario.fulfilment_exchange(scenario.REQ_A, 1)
    exchange["response"]["data"]["object"]["dynamicField"]["previousTransaction"]["effects"]["status"] = "FAILURE"
    server = await serve("connect", extra=[exchange])
    adapter = await adapter_for(server)
    with pytest.raises(ChainError) as e:
        await adapter.read_fulfilment(scenario.REQ_A.request_id)
    assert str(e.value) == (f"sui-recorded: request {scenario.REQ_A.request_id} is fulfilled, but transaction "
                            f"{scenario.fulfil_tx_digest(scenario.REQ_A)}, which settled it, shows no "
                            "AssessmentFulfilled for it")


def test_the_sui_reader_needs_no_key_file(tmp_path: Path) -> None:
    from contextlib import ExitStack

    from chains.family import BuildContext

    cfg = chain_config("http://127.0.0.1:9/graphql", tmp_path / "absent.key")
    reader = FAMILIES["sui"].reader
    assert reader is not None
    with ExitStack() as resources:
        adapter = reader(cfg, BuildContext(data_dir=tmp_path, cache=None, sequence_floor=lambda: None,
                                           resources=resources))
    assert isinstance(adapter, SuiAdapter)
    assert adapter.transmitter.scheme == "secp256k1"


# --- aura verify ----------------------------------------------------------------------------------------


def _honest_assessment(features: dict[str, object]) -> dict[str, object]:
    """What an honest enclave of this checkout signs for the verified request, from the recorded features."""
    loaded = load_config(None)
    engine = Engine.load(loaded)
    request = scenario.REQ_VERIFY.oracle_request()
    timestamp = int(scenario.checkpoint_time(request.block_number))
    service = EnclaveService(EnclaveKey(scenario.ENCLAVE_SECRET), measure_engine(engine, loaded), engine,
                             clock=lambda: timestamp)
    return service.assess({"request": SuiAdapter.enclave_request(request), "features": features})


async def _recorded_features(serve: Serve, adapter_for: MakeAdapter) -> dict[str, object]:
    server = await serve("verify")
    adapter = await adapter_for(server)
    pinned = await adapter.pinned(scenario.REQ_VERIFY.oracle_request())
    return await adapter.read_features(scenario.SUBJECT, pinned)


async def test_recorded_verify_matches_an_honest_fulfilment(serve: Serve, adapter_for: MakeAdapter, key_file: Path,
                                                            tmp_path: Path) -> None:
    honest = _honest_assessment(await _recorded_features(serve, adapter_for))
    server = await serve("verify", extra=[scenario.fulfilment_exchange(scenario.REQ_VERIFY, 1, honest)])
    report = await verify(chain_config(server.url, key_file), tmp_path, scenario.REQ_VERIFY.request_id)
    assert report.matches, report.text()
    assert report.tx_hash == scenario.fulfil_tx_digest(scenario.REQ_VERIFY)
    assert report.signer == EnclaveKey(scenario.ENCLAVE_SECRET).address
    rows = {r.field: r.on_chain for r in report.rows}
    assert rows["block_number"] == str(scenario.REQ_VERIFY.checkpoint)
    assert rows["block_hash"] == scenario.checkpoint_hash(scenario.REQ_VERIFY.checkpoint)
    assert rows["score"] == str(honest["score"])
    assert report.text().endswith("\nmatch")


async def test_recorded_verify_finds_an_assessment_signed_on_invented_features(serve: Serve, key_file: Path,
                                                                               tmp_path: Path) -> None:
    server = await serve("verify", "verify_invented")
    report = await verify(chain_config(server.url, key_file), tmp_path, scenario.REQ_VERIFY.request_id)
    assert not report.matches
    first = report.first_difference
    assert first is not None and first.field == "features_hash"
    assert first.on_chain == "0x" + scenario.FEATURES_HASH.hex()
    rows = {r.field: r for r in report.rows}
    assert rows["block_number"].matches and rows["block_hash"].matches and rows["timestamp"].matches
    assert rows["score"].on_chain == "949" and not rows["score"].matches
    assert report.text().endswith("\nfirst difference: features_hash")


async def test_recorded_verify_of_a_request_not_fulfilled_says_so(serve: Serve, key_file: Path,
                                                                  tmp_path: Path) -> None:
    from node.verify import VerifyError

    server = await serve("fulfilment")
    with pytest.raises(VerifyError) as e:
        await verify(chain_config(server.url, key_file), tmp_path, scenario.REQ_B.request_id)
    assert str(e.value) == f"request {scenario.REQ_B.request_id} is not fulfilled on sui-recorded"


def test_aura_verify_rpc_replaces_the_graphql_url(key_file: Path) -> None:
    cfg = chain_config("https://graphql.example.org/graphql", key_file).reading_from("http://127.0.0.1:9/graphql")
    assert cfg.graphql_url.get_secret_value() == "http://127.0.0.1:9/graphql"
    with pytest.raises(ValueError) as e:
        chain_config("https://graphql.example.org/graphql", key_file).reading_from("ftp://x")
    assert "graphql_url" in str(e.value)
