"""The Sui adapter's fulfilments against recorded GraphQL conversations: prepare (gas context, coin choice,
dry run, signing), broadcast and re-broadcast, status from effects (success, the package's abort by name,
unknown, dropped), and a restart in the daemon's pipeline that re-checks a stored fulfilment instead of
signing a new one."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chains.base import ItemOutcome, SignedAssessment, Submission, SubmissionStatus, TxState
from chains.core.errors import ChainError, RetryLater, WaitFor
from chains.sui import keys
from chains.sui import transaction as tx
from node.pipeline import ChainService
from node.store import Store

from . import scenario
from .conftest import MakeAdapter, Serve

REQUEST = scenario.REQ_A.oracle_request()
KEY = REQUEST.key


def stored_submission(nonce: int = 0) -> Submission:
    return Submission(chain=scenario.CHAIN, tx_hash=scenario.fulfil_digest(REQUEST), sequence=nonce,
                      raw=scenario.fulfil_raw(REQUEST), request_keys=(KEY,))


def decoded(b64: str) -> tx.GasTerms:
    return tx.gas_terms(tx.decode(base64.b64decode(b64)))


async def test_recorded_prepare_then_broadcast_twice(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("prepare")
    adapter = await adapter_for(server)
    sub = await adapter.prepare([(REQUEST, SignedAssessment.from_wire(scenario.assessment(REQUEST)))])
    assert sub.tx_hash == scenario.fulfil_digest(REQUEST) and sub.raw == scenario.fulfil_raw(REQUEST)
    assert (sub.chain, sub.request_keys, sub.sequence) == (scenario.CHAIN, (KEY,), 0)
    # the dry run was asked with the maximum budget, on the smallest coin that covers it
    simulated = next(v for op, v in server.requests if op == "AuraSimulate")
    probe = decoded(simulated["transaction"]["bcs"]["value"])
    assert (probe.coin, probe.budget) == (scenario.COIN_LARGE, scenario.MAX_GAS_BUDGET)
    # the fulfilment pays the reference gas price, (computation + storage) x 120 % budget, expires with its epoch
    tx_b64, sig_b64 = sub.raw.split(":")
    terms = decoded(tx_b64)
    assert terms == tx.GasTerms(sender=adapter.transmitter.address, coin=scenario.COIN_LARGE, price=1000,
                                budget=6_000_000, expiration_epoch=scenario.EPOCH)
    assert keys.verify(base64.b64decode(sig_b64), base64.b64decode(tx_b64))
    await adapter.broadcast(sub)
    await adapter.broadcast(sub)  # the same signed bytes again: the same effects
    sent = [v for op, v in server.requests if op == "AuraExecute"]
    assert sent == [scenario.execute_vars(REQUEST)] * 2
    assert server.operations()[3:] == ["AuraGas", "AuraSimulate", "AuraExecute", "AuraExecute"]


async def test_recorded_prepare_abort_names_the_error_and_settles(serve: Serve, adapter_for: MakeAdapter,
                                                                  tmp_path: Path) -> None:
    server = await serve("prepare_abort")
    adapter = await adapter_for(server)
    with pytest.raises(ChainError) as e:
        await adapter.prepare([(REQUEST, SignedAssessment.from_wire(scenario.assessment(REQUEST)))])
    assert str(e.value) == "sui-recorded: fulfilment would abort with ERequestNotPending"
    assert not isinstance(e.value, RetryLater)
    # in the pipeline: the oracle says the request is fulfilled already; nothing is stored nor sent
    store = scored_store(tmp_path)
    service = ChainService(adapter, store, enclave=None, poll_interval_s=1, batch_size=1,  # type: ignore[arg-type]
                           resubmit_after_s=10)
    await service.submit()
    row = store.request(KEY)
    assert (row["state"], row["reason"]) == ("failed", "already fulfilled on-chain by another transaction")
    assert store.submissions_in(scenario.CHAIN, "pending") == [] and "AuraExecute" not in server.operations()


async def test_recorded_prepare_waits_for_gas(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("prepare_no_coin")
    adapter = await adapter_for(server)
    items = [(REQUEST, SignedAssessment.from_wire(scenario.assessment(REQUEST)))]
    with pytest.raises(WaitFor) as waits:
        await adapter.prepare(items)
    assert (waits.value.cause, str(waits.value)) == (
        "fee_cap", "sui-recorded: reference gas price 20000 is above max_gas_price 10000")
    await adapter.broadcast(stored_submission())  # an unsettled fulfilment paying with the only coin
    with pytest.raises(RetryLater) as e:
        await adapter.prepare(items)
    assert str(e.value) == (f"sui-recorded: no free SUI coin to pay gas with at {adapter.transmitter.address} "
                            "(1 held by unsettled fulfilments)")
    assert "AuraSimulate" not in server.operations()


async def test_recorded_prepare_gas_failures(serve: Serve, adapter_for: MakeAdapter) -> None:
    """A dry run that runs out of gas on a coin smaller than max_gas_budget waits for more SUI; one that runs
    out with all of max_gas_budget cannot be sent."""
    server = await serve("prepare_gas_failure")
    adapter = await adapter_for(server)
    items = [(REQUEST, SignedAssessment.from_wire(scenario.assessment(REQUEST)))]
    with pytest.raises(WaitFor) as waits:
        await adapter.prepare(items)
    assert (waits.value.cause, str(waits.value)) == (
        "funds", "sui-recorded: dry run on the largest free gas coin failed: InsufficientGas")
    with pytest.raises(ChainError) as e:
        await adapter.prepare(items)
    assert str(e.value) == "sui-recorded: fulfilment would fail: InsufficientGas"
    assert not isinstance(e.value, RetryLater)
    assert adapter._coins_in_use == {}  # noqa: SLF001 - nothing signed, nothing held


async def test_recorded_prepare_refuses_an_assessment_for_another_request(serve: Serve,
                                                                          adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server)
    signed = SignedAssessment.from_wire(scenario.assessment(REQUEST))
    other = scenario.REQ_B.oracle_request()
    with pytest.raises(ChainError) as e:
        await adapter.prepare([(other, signed)])
    assert str(e.value) == (f"sui-recorded: cannot fulfil {other.key}: the assessment is pinned to checkpoint 1005 "
                            f"({scenario.checkpoint_hash(1005)}), not the request's 1100")
    # even in the same checkpoint, the signed message names the request it answers
    same_checkpoint = replace(other, block_number=REQUEST.block_number, block_hash=REQUEST.block_hash)
    with pytest.raises(ChainError) as e:
        await adapter.prepare([(same_checkpoint, signed)])
    assert str(e.value) == (f"sui-recorded: cannot fulfil {other.key}: the assessment's intent_message does not "
                            "match its fields, oracle, request and subject")


async def test_recorded_prepare_refuses_a_payload_of_the_other_privacy_before_any_call(
        serve: Serve, adapter_for: MakeAdapter) -> None:
    """A public request answered in the private form, and the private request answered in the public form (each
    validly signed for its request): the package would abort EPrivacyMismatch, so nothing is asked of the
    service. The private request's own form is prepared as any fulfilment is."""
    server = await serve("connect", "prepare", "prepare_private")
    adapter = await adapter_for(server)
    private = scenario.REQ_PRIVATE.oracle_request()
    mismatched = [(REQUEST, scenario.assessment(replace(REQUEST, private=True))),
                  (private, scenario.assessment(replace(private, private=False)))]
    for request, wire in mismatched:
        with pytest.raises(ChainError) as e:
            await adapter.prepare([(request, SignedAssessment.from_wire(wire))])
        assert not isinstance(e.value, RetryLater)
        assert str(e.value) == "sui-recorded: fulfilment would abort with EPrivacyMismatch"
    assert [op for op in server.operations() if op.startswith("Aura")] == ["AuraOracle"]
    sub = await adapter.prepare([(private, SignedAssessment.from_wire(scenario.assessment(private)))])
    assert (sub.tx_hash, sub.raw) == (scenario.fulfil_digest(private), scenario.fulfil_raw(private))
    assert SignedAssessment.from_wire(scenario.assessment(private)).facts.tier == 255


async def test_recorded_broadcast_refusals(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("broadcast_refused")
    adapter = await adapter_for(server)
    sub = stored_submission()
    await adapter.broadcast(sub)  # its coin version is gone: status() decides (dropped)
    with pytest.raises(ChainError) as e:
        await adapter.broadcast(sub)
    assert str(e.value) == (f"sui-recorded: the network refused transaction {sub.tx_hash}: Invalid user "
                            "signature: Signature is not valid")


GAS_USED = scenario.COMPUTATION + scenario.STORAGE - scenario.REBATE


@pytest.mark.parametrize(("recording", "expected"), [
    ("status_success", SubmissionStatus(TxState.FINAL, 1210, GAS_USED, outcomes={KEY: ItemOutcome(True)})),
    ("status_abort", SubmissionStatus(TxState.FINAL, 1210, GAS_USED,
                                      outcomes={KEY: ItemOutcome(False, "ERequestNotPending")})),
    ("status_unknown", SubmissionStatus(TxState.PENDING)),
    ("status_used_by_itself", SubmissionStatus(TxState.PENDING)),
    ("status_used_elsewhere", SubmissionStatus(TxState.DROPPED)),
    ("status_expired", SubmissionStatus(TxState.DROPPED)),
])
async def test_recorded_status(serve: Serve, adapter_for: MakeAdapter, recording: str,
                               expected: SubmissionStatus) -> None:
    server = await serve(recording)
    adapter = await adapter_for(server)
    assert await adapter.status(stored_submission()) == expected
    asked = [v for op, v in server.requests if op == "AuraStatus"]
    assert asked == [scenario.status_vars(REQUEST)]


async def test_recorded_status_refuses_a_tampered_submission(serve: Serve, adapter_for: MakeAdapter) -> None:
    server = await serve("connect")
    adapter = await adapter_for(server)
    sub = stored_submission()
    tampered = Submission(chain=sub.chain, tx_hash=scenario._digest("something else"), sequence=0, raw=sub.raw,
                          request_keys=sub.request_keys)
    with pytest.raises(ChainError, match="does not hash to its digest"):
        await adapter.status(tampered)


# --- a restart in the pipeline ------------------------------------------------------------------------


def scored_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "aura.sqlite")
    store.store_batch(scenario.CHAIN, [REQUEST], "1200")
    store.transition(KEY, "confirmed")
    store.record_assessment(KEY, scenario.assessment(REQUEST))
    return store


def submitted_store(tmp_path: Path) -> Store:
    store = scored_store(tmp_path)
    store.record_submission(stored_submission())
    return store


async def restart(serve: Serve, adapter_for: MakeAdapter, recording: str, store: Store) -> tuple[Any, ...]:
    """A fresh adapter and pipeline on the store a previous run left: recover, then one tracking pass."""
    server = await serve(recording)
    adapter = await adapter_for(server)
    service = ChainService(adapter, store, enclave=None, poll_interval_s=1, batch_size=1,  # type: ignore[arg-type]
                           resubmit_after_s=10)
    await service.recover()
    await service.track()
    return server, adapter


async def test_recorded_restart_resends_the_stored_fulfilment_unchanged(serve: Serve, adapter_for: MakeAdapter,
                                                                        tmp_path: Path) -> None:
    store = submitted_store(tmp_path)
    server, _ = await restart(serve, adapter_for, "restart", store)
    assert server.operations() == ["introspection", "pysui-config", "AuraOracle", "AuraExecute", "AuraStatus"]
    assert [v for op, v in server.requests if op == "AuraExecute"] == [scenario.execute_vars(REQUEST)]
    assert store.request(KEY)["state"] == "final"
    row = store.submission_row(scenario.fulfil_digest(REQUEST))
    assert (row["state"], row["block_number"], row["cost"]) == ("final", 1210, GAS_USED)


async def test_recorded_restart_dropped_and_fulfilled_elsewhere_is_not_signed_again(
        serve: Serve, adapter_for: MakeAdapter, tmp_path: Path) -> None:
    store = submitted_store(tmp_path)
    server, _ = await restart(serve, adapter_for, "restart_dropped", store)
    assert server.operations()[3:] == ["AuraExecute", "AuraStatus", "AuraRequestStatus"]
    row = store.request(KEY)
    assert (row["state"], row["reason"]) == ("failed", "fulfilled by another transaction")
    assert store.submission_row(scenario.fulfil_digest(REQUEST))["state"] == "dropped"


async def test_recorded_restart_expired_and_still_pending_goes_back_to_scored(
        serve: Serve, adapter_for: MakeAdapter, tmp_path: Path) -> None:
    """Only a fulfilment that can never execute is given up, and only a request the oracle still shows
    pending is signed again (by the next submit pass, with a fresh coin reference and epoch)."""
    store = submitted_store(tmp_path)
    server, adapter = await restart(serve, adapter_for, "restart_dropped_pending", store)
    assert server.operations()[3:] == ["AuraExecute", "AuraStatus", "AuraRequestStatus"]
    row = store.request(KEY)
    assert (row["state"], row["reason"]) == ("scored", "fulfilment dropped; will send again")
    assert store.submission_row(scenario.fulfil_digest(REQUEST))["state"] == "dropped"
    assert adapter._coins_in_use == {}  # noqa: SLF001 - the dropped fulfilment's coin is free again
