"""The behaviour every chain family's adapter must have, written once against chains/base.py.

Each family's test module subclasses `ChainAdapterSuite` (as `Test<Family>Adapter`) and provides a `driver`
fixture (driver.py). A test its chain cannot show is named in the subclass's `SKIPS` with the reason; the
name must be one of the suite's tests, and it is skipped with that reason, never left out silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

import pytest

from chains.base import Confidence, Height, ItemOutcome, RequestStatus, SignerStatus, TxState
from chains.core.errors import ChainError, NotSupported, Reorged, RetryLater
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import keccak256
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams, parse_request

from .driver import Driver

KNOWN_COST_UNITS = ("gas", "compute_units", "mist")
"""The units of `SubmissionStatus.cost` that chains/base.py documents."""
STRANGER = EnclaveKey(keccak256(b"aura suite: an enclave nobody registered"))
"""An enclave key no family's test chain registers."""
QUORUM = [EnclaveKey(keccak256(f"aura suite: quorum operator {i}".encode())) for i in range(16)]
"""Other operators' enclave keys, registered by the quorum tests that need them (`Driver.add_signer`)."""
OTHER_MEASUREMENT = "0x" + "01" * 32
"""A measurement no driver's enclave is registered with."""

Test = Callable[..., Coroutine[Any, Any, None]]


def _skipped(test: Test, reason: str) -> Test:
    @functools.wraps(test)
    async def skipped(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{test.__name__} is skipped: {reason}")

    return pytest.mark.skip(reason=reason)(skipped)


class ChainAdapterSuite:
    SKIPS: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, reason in cls.SKIPS.items():
            test = getattr(ChainAdapterSuite, name, None)
            if not name.startswith("test_") or test is None:
                raise TypeError(f"{cls.__name__}.SKIPS names {name!r}, which is not a test of the suite")
            if not reason.strip():
                raise TypeError(f"{cls.__name__}.SKIPS: {name} has no reason")
            setattr(cls, name, _skipped(test, reason))

    # ---------------------------------------------------------------------------------- lending events
    async def test_credit_events_name_a_watched_wallets_borrows_and_repayments(self, driver: Driver) -> None:
        if not driver.lends:
            head = await driver.adapter.head(Confidence.FINALIZED)
            with pytest.raises(NotSupported) as refused:
                await driver.adapter.credit_events(["any"], None, head)
            assert str(refused.value) == f"family {driver.cfg.family!r} does not support lending events"
            return
        adapter, (watched, bystander) = await driver.lending()
        head = await adapter.head(Confidence.FINALIZED)
        first = await adapter.credit_events([watched], None, head)
        assert (first.items, first.reached) == ([], head.number)  # no cursor: nothing before the head is read
        await driver.lend(watched, "borrow")
        await driver.lend(bystander, "borrow")
        await driver.lend(watched, "repay")
        await driver.finalize()
        final = await adapter.head(Confidence.FINALIZED)
        found = await adapter.credit_events([watched], first.next_cursor, final)
        assert [(e.subject, e.kind) for e in found.items] == [(watched, "borrow"), (watched, "repay")]
        assert found.reached == final.number and all(head.number < e.height <= final.number for e in found.items)
        assert found.items[0].height <= found.items[1].height and found.items[0].tx_hash != found.items[1].tx_hash
        again = await adapter.credit_events([watched, bystander], found.next_cursor, final)
        assert again.items == [] and again.reached == final.number
        both = await adapter.credit_events([watched, bystander], first.next_cursor, final)
        assert [e.subject for e in both.items] == [watched, bystander, watched]

    # ---------------------------------------------------------------------------------- connection
    async def test_connect_and_close_are_idempotent(self, driver: Driver) -> None:
        adapter = driver.fresh_adapter()
        await adapter.close()
        await adapter.close()
        await adapter.connect()
        await adapter.connect()
        head = await adapter.head(Confidence.LATEST)
        assert head.number >= 0 and head.timestamp > 0
        await adapter.close()
        await adapter.close()

    async def test_heads_are_ordered_by_confidence(self, driver: Driver) -> None:
        adapter = driver.adapter
        latest = await adapter.head(Confidence.LATEST)
        safe = await adapter.head(Confidence.SAFE)
        final = await adapter.head(Confidence.FINALIZED)
        assert final.number <= safe.number <= latest.number

    # ---------------------------------------------------------------------------------- requests
    async def test_cursor_never_passes_a_request_it_did_not_return(self, driver: Driver) -> None:
        adapter = driver.adapter
        start, reached = await driver.start_cursor()
        made = [await driver.make_request()]
        await driver.advance(2)
        made.append(await driver.make_request())
        await driver.advance(2)
        head = await adapter.head(Confidence.LATEST)
        cursor, returned = start, []
        for until in driver.windows(reached, head.number):
            batch = await adapter.poll_requests(cursor, Height(until, head.timestamp))
            assert reached <= batch.reached <= until
            for request in batch.items:
                assert reached < request.block_number <= batch.reached, (request, reached, batch.reached)
            returned += [r.request_id for r in batch.items]
            cursor, reached = batch.next_cursor, batch.reached
        assert [r for r in returned if r in made] == made
        assert len(set(returned)) == len(returned)
        again = await adapter.poll_requests(start, head)
        assert [r.request_id for r in again.items if r.request_id in made] == made

    async def test_reached_never_exceeds_until(self, driver: Driver) -> None:
        adapter = driver.adapter
        start, reached = await driver.start_cursor()
        await driver.make_request()
        await driver.advance(3)
        head = await adapter.head(Confidence.LATEST)
        for until in driver.windows(reached, head.number):
            batch = await adapter.poll_requests(start, Height(until, head.timestamp))
            assert reached <= batch.reached <= until
        for behind in (reached, reached - 1):  # a head at or behind the cursor (a lagging RPC)
            batch = await adapter.poll_requests(start, Height(behind, head.timestamp))
            assert (batch.items, batch.next_cursor) == ([], start)

    async def test_a_request_mined_again_after_a_reorganisation_comes_back_with_its_new_log(
            self, driver: Driver) -> None:
        if not driver.reorganises:
            pytest.skip(f"the {driver.cfg.family} test chain cannot reorganise")
        request = await driver.requested()
        cursor, reached = driver.seen
        head = await driver.adapter.head(Confidence.LATEST)
        await driver.reorg(head.number - request.block_number + 1)
        assert (await driver.adapter.poll_requests(cursor, await driver.adapter.head(Confidence.LATEST))).rewound
        assert not await driver.adapter.is_canonical(request)
        with pytest.raises(Reorged, match=rf"^{driver.cfg.name}: block {request.block_number} "):
            await driver.adapter.pinned(request)
        _, _, found = await driver.catch_up(cursor, reached)
        (again,) = [r for r in found if r.request_id == request.request_id]
        assert again.key == request.key and again.block_hash != request.block_hash
        assert await driver.adapter.is_canonical(again)
        assert (await driver.adapter.pinned(again)).hash == again.block_hash

    async def test_a_request_taken_back_by_a_reorganisation_is_not_polled_again(self, driver: Driver) -> None:
        if not driver.reorganises:
            pytest.skip(f"the {driver.cfg.family} test chain cannot reorganise")
        request = await driver.requested()
        cursor, reached = driver.seen
        head = await driver.adapter.head(Confidence.LATEST)
        await driver.reorg(head.number - request.block_number + 1, keep=False)
        _, _, found = await driver.catch_up(cursor, reached)
        assert request.request_id not in {r.request_id for r in found}
        assert not await driver.adapter.is_canonical(request)
        assert await driver.adapter.request_status(request) is RequestStatus.NONE

    async def test_a_polled_request_is_canonical(self, driver: Driver) -> None:
        request = await driver.requested()
        assert await driver.adapter.is_canonical(request)

    async def test_the_pinned_height_follows_from_the_request_alone(self, driver: Driver) -> None:
        request = await driver.requested()
        pinned = await driver.adapter.pinned(request)
        await driver.advance(3)
        head = await driver.adapter.head(Confidence.LATEST)
        other = driver.fresh_adapter()
        await other.connect()
        assert await other.pinned(request) == pinned == await driver.adapter.pinned(request)
        assert pinned.number == request.block_number
        assert re.fullmatch(r"0x[0-9a-f]{64}", pinned.hash), pinned.hash
        assert pinned.number < head.number and 0 < pinned.timestamp <= head.timestamp
        features = await driver.adapter.read_features(request.subject, pinned)
        assert (features["as_of_block"], features["as_of_block_hash"], features["as_of_timestamp"]) == (
            pinned.number, pinned.hash, pinned.timestamp)

    async def test_request_status_of_pending_and_unknown_requests(self, driver: Driver) -> None:
        request = await driver.requested()
        assert await driver.adapter.request_status(request) is RequestStatus.PENDING
        assert await driver.adapter.request_status(driver.absent(request)) is RequestStatus.NONE

    async def test_request_fulfilled_by_someone_else_is_fulfilled(self, driver: Driver) -> None:
        adapter = driver.adapter
        request = await driver.requested()
        signed = await driver.sign(request)
        await driver.fulfil_elsewhere(request)
        assert await adapter.request_status(request) is RequestStatus.FULFILLED
        with pytest.raises(ChainError) as refused:
            await adapter.prepare([(request, signed)])
        assert not isinstance(refused.value, RetryLater)
        assert str(refused.value) == driver.already_fulfilled

    async def test_cancelled_request_is_cancelled(self, driver: Driver) -> None:
        request = await driver.requested()
        await driver.cancel(request)
        assert await driver.adapter.request_status(request) is RequestStatus.CANCELLED

    # ------------------------------------------------------------------------------ private assessments
    async def test_a_request_is_polled_with_the_privacy_it_asked_for(self, driver: Driver) -> None:
        public, private = await driver.requested(), await driver.requested(private=True)
        assert (public.private, private.private) == (False, True)

    async def test_a_private_request_is_fulfilled_by_its_private_payload(self, driver: Driver) -> None:
        adapter = driver.adapter
        request = await driver.requested(private=True)
        sub = await adapter.prepare([(request, await driver.sign(request))])
        await adapter.broadcast(sub)
        await driver.finalize()
        status = await adapter.status(sub)
        assert (status.state, status.outcomes) == (TxState.FINAL, {request.key: ItemOutcome(True)})
        assert await adapter.request_status(request) is RequestStatus.FULFILLED

    async def test_a_payload_of_the_other_privacy_is_refused(self, driver: Driver) -> None:
        adapter = driver.adapter
        private, public = await driver.requested(private=True), await driver.requested()
        with pytest.raises(ChainError) as shown:
            await adapter.prepare([(private, await driver.sign(private, private=False))])
        with pytest.raises(ChainError) as hidden:
            await adapter.prepare([(public, await driver.sign(public, private=True))])
        assert not isinstance(shown.value, RetryLater) and not isinstance(hidden.value, RetryLater)
        assert (str(shown.value), str(hidden.value)) == (driver.privacy_mismatch, driver.privacy_mismatch)
        for request in (private, public):
            assert await adapter.request_status(request) is RequestStatus.PENDING

    # ---------------------------------------------------------------------------- off-chain assessments
    async def test_an_offchain_request_pins_a_final_height_under_the_enclaves_own_id(self, driver: Driver) -> None:
        adapter = driver.adapter
        subject = (await driver.requested()).subject
        await driver.finalize()
        request, at = await adapter.offchain_request(subject)
        final = await adapter.head(Confidence.FINALIZED)
        assert 0 < at.number <= final.number and len(at.hash) == 66
        assert (request.subject, request.block_number, request.block_hash, request.fee) == (subject, at.number,
                                                                                              at.hash, 0)
        family, bound = parse_request(adapter.enclave_request(request))
        assert bound.request_id == offchain_request_id(family, bound.chain_id, bound.subject, at.number,
                                                       bytes.fromhex(at.hash[2:]))
        features = await adapter.read_features(subject, at)
        assert (features["as_of_block"], features["as_of_block_hash"]) == (at.number, at.hash)

    # ---------------------------------------------------------------------------------- operator updates
    async def test_an_operator_update_lands_once_with_no_request_and_no_fee(self, driver: Driver) -> None:
        adapter = driver.adapter
        subject = (await driver.requested()).subject
        await driver.finalize()
        at = await driver.update_pin(subject)
        if not driver.updates:
            with pytest.raises(NotSupported) as refused:
                await adapter.update_request(subject, at)
            assert str(refused.value) == f"family {driver.cfg.family!r} does not support operator updates"
            return
        request = await adapter.update_request(subject, at)
        assert request.operator_update and request.expires_at == at.timestamp + driver.update_window_s
        assert (request.subject, request.block_number, request.block_hash, request.fee) == (subject, at.number,
                                                                                              at.hash, 0)
        family, bound = parse_request(adapter.enclave_request(request))
        FAMILIES[family].codec.check_update(bound, at.timestamp)  # the enclave derives the same id
        with pytest.raises(InvalidParams):
            FAMILIES[family].codec.check_update(bound, at.timestamp + 1)
        assert await adapter.request_status(request) is RequestStatus.PENDING
        signed = await driver.sign_update(request, at)
        sub = await adapter.prepare([(request, signed)])
        await adapter.broadcast(sub)
        await driver.finalize()
        status = await adapter.status(sub)
        assert (status.state, status.outcomes) == (TxState.FINAL, {request.key: ItemOutcome(True)})
        assert await adapter.request_status(request) is RequestStatus.FULFILLED
        restarted = driver.fresh_adapter()  # a restarted node asks before it sends again
        await restarted.connect()
        assert await restarted.request_status(request) is RequestStatus.FULFILLED
        with pytest.raises(ChainError) as again:
            await adapter.prepare([(request, signed)])
        assert str(again.value) == (driver.update_replayed or driver.already_fulfilled)

    async def test_an_update_signed_for_another_time_is_refused(self, driver: Driver) -> None:
        """The update's id binds its assessment's time: one signed for another time does not land."""
        if not driver.updates:
            pytest.skip("the family's contract takes no operator updates (the test above shows it refuses)")
        adapter = driver.adapter
        subject = (await driver.requested()).subject
        await driver.finalize()
        at = await driver.update_pin(subject)
        request = await adapter.update_request(subject, at)
        signed = await driver.sign_update(request, Height(at.number, at.timestamp - 1, at.hash))
        with pytest.raises(ChainError) as refused:
            await adapter.prepare([(request, signed)])
        assert str(refused.value) == driver.update_mismatch

    # ---------------------------------------------------------------------------------- fulfilments
    async def test_broadcasting_the_same_fulfilment_twice_is_harmless(self, driver: Driver) -> None:
        adapter = driver.adapter
        request, sub = await driver.prepared()
        await adapter.broadcast(sub)
        await adapter.broadcast(sub)
        await driver.finalize()
        await adapter.broadcast(sub)
        status = await adapter.status(sub)
        assert status.state is TxState.FINAL
        assert status.outcomes == {request.key: ItemOutcome(True)}
        assert await adapter.request_status(request) is RequestStatus.FULFILLED

    async def test_fulfilment_is_pending_until_included(self, driver: Driver) -> None:
        adapter = driver.adapter
        _, sub = await driver.prepared()
        await driver.pause()
        assert (await adapter.status(sub)).state is TxState.PENDING
        await adapter.broadcast(sub)
        assert (await adapter.status(sub)).state is TxState.PENDING

    async def test_fulfilment_goes_pending_included_final(self, driver: Driver) -> None:
        adapter = driver.adapter
        request, sub = await driver.prepared()
        await driver.pause()
        await adapter.broadcast(sub)
        assert (await adapter.status(sub)).state is TxState.PENDING
        await driver.advance(1)
        included = await adapter.status(sub)
        assert included.state is TxState.INCLUDED
        assert included.block_number is not None and not included.reverted
        assert included.outcomes == {request.key: ItemOutcome(True)}
        await driver.finalize()
        final = await adapter.status(sub)
        assert final.state is TxState.FINAL
        assert (final.block_number, final.outcomes) == (included.block_number, included.outcomes)

    async def test_final_fulfilment_reports_its_cost(self, driver: Driver) -> None:
        adapter = driver.adapter
        assert adapter.cost_unit in KNOWN_COST_UNITS
        _, sub = await driver.prepared()
        await adapter.broadcast(sub)
        await driver.finalize()
        status = await adapter.status(sub)
        assert status.state is TxState.FINAL
        assert isinstance(status.cost, int) and status.cost > 0

    async def test_dropped_only_when_the_fulfilment_can_never_land(self, driver: Driver) -> None:
        adapter = driver.adapter
        request, sub = await driver.prepared()
        await driver.pause()
        assert (await adapter.status(sub)).state is TxState.PENDING
        await driver.advance(3)
        assert (await adapter.status(sub)).state is TxState.PENDING  # never sent, a little older: may still land
        await driver.kill(sub)
        await driver.finalize()
        assert (await adapter.status(sub)).state is TxState.DROPPED
        assert await adapter.request_status(request) is RequestStatus.PENDING

    async def test_a_sequence_taken_in_a_height_not_yet_final_is_not_dropped(self, driver: Driver) -> None:
        """What took the fulfilment's sequence can be taken back by a reorganisation, and then the fulfilment can
        land: it is lost (sent again at once), not dropped, until what took it is final. A sequence given up too
        soon is a gap no later fulfilment of the transmitter passes."""
        if not driver.reorganises:
            pytest.skip(f"the {driver.cfg.family} test chain cannot reorganise")
        adapter = driver.adapter
        request, sub = await driver.prepared()
        await driver.kill(sub)
        taken = await adapter.status(sub)
        assert (taken.state, taken.lost) == (TxState.PENDING, True)
        await driver.reorg(1, keep=False)
        await adapter.broadcast(sub)
        await driver.advance(1)
        landed = await adapter.status(sub)
        assert (landed.state, landed.reverted, landed.outcomes) == (TxState.INCLUDED, False,
                                                                     {request.key: ItemOutcome(True)})

    # ---------------------------------------------------------------------------------- signer and transmitter
    async def test_the_registered_enclave_signer_is_active(self, driver: Driver) -> None:
        adapter, signer, measurement = driver.adapter, driver.enclave.address, "0x" + driver.measurement.hex()
        assert await adapter.signer_status(signer, measurement) is SignerStatus.ACTIVE
        assert await adapter.signer_status(signer.lower(), "0x" + driver.measurement.hex().upper()) \
            is SignerStatus.ACTIVE

    async def test_a_signer_nobody_registered_is_unregistered(self, driver: Driver) -> None:
        status = await driver.adapter.signer_status(STRANGER.address, "0x" + driver.measurement.hex())
        assert status is SignerStatus.UNREGISTERED

    async def test_the_enclave_signer_with_another_measurement_is_other_measurement(self, driver: Driver) -> None:
        status = await driver.adapter.signer_status(driver.enclave.address, OTHER_MEASUREMENT)
        assert status is SignerStatus.OTHER_MEASUREMENT

    async def test_a_revoked_signer_is_revoked_whatever_the_measurement(self, driver: Driver) -> None:
        adapter, signer, measurement = driver.adapter, driver.enclave.address, "0x" + driver.measurement.hex()
        assert await adapter.signer_status(signer, measurement) is SignerStatus.ACTIVE
        await driver.revoke(signer)
        assert await adapter.signer_status(signer, measurement) is SignerStatus.REVOKED
        assert await adapter.signer_status(signer, OTHER_MEASUREMENT) is SignerStatus.REVOKED
        other = driver.fresh_adapter()
        await other.connect()
        assert await other.signer_status(signer, measurement) is SignerStatus.REVOKED

    async def test_the_transmitter_balance_is_what_the_chain_says(self, driver: Driver) -> None:
        balance = await driver.adapter.transmitter_balance()
        assert balance == await driver.transmitter_balance()
        assert isinstance(balance, int) and balance > 0

    # ---------------------------------------------------------------------------------- capabilities
    async def test_prepare_takes_at_most_max_batch_items(self, driver: Driver) -> None:
        adapter = driver.adapter
        most = adapter.capabilities.max_batch
        assert most >= 1
        requests = [await driver.requested() for _ in range(most)]
        items = [(request, await driver.sign(request)) for request in requests]
        sub = await adapter.prepare(items)
        assert (sub.chain, sub.request_keys) == (adapter.name, tuple(r.key for r in requests))
        with pytest.raises(ValueError) as refused:
            await adapter.prepare(items + items[:1])
        assert str(refused.value) == driver.too_many(most + 1)

    async def test_replace_follows_replaces_fees(self, driver: Driver) -> None:
        adapter = driver.adapter
        _, sub = await driver.prepared()
        if not adapter.capabilities.replaces_fees:
            with pytest.raises(NotSupported) as refused:
                await adapter.replace(sub, 20)
            assert str(refused.value) == f"family {adapter.family!r} does not support fee replacement"
            return
        await driver.pause()
        await adapter.broadcast(sub)
        replacement = await adapter.replace(sub, 20)
        assert replacement is not None
        assert (replacement.sequence, replacement.request_keys) == (sub.sequence, sub.request_keys)
        assert replacement.tx_hash != sub.tx_hash
        await adapter.broadcast(replacement)
        await driver.advance(1)
        assert (await adapter.status(replacement)).state is TxState.INCLUDED
        await driver.finalize()
        assert (await adapter.status(sub)).state is TxState.DROPPED

    async def test_void_takes_a_stale_fulfilments_sequence_and_fulfils_nothing(self, driver: Driver) -> None:
        adapter = driver.adapter
        request, sub = await driver.prepared()
        if not adapter.capabilities.replaces_fees:
            with pytest.raises(NotSupported) as refused:
                await adapter.void(sub, 20)
            assert str(refused.value) == f"family {adapter.family!r} does not support void transactions"
            return
        await driver.pause()
        await adapter.broadcast(sub)
        void = await adapter.void(sub, 20)
        assert void is not None
        assert (void.chain, void.sequence, void.request_keys) == (adapter.name, sub.sequence, ())
        await adapter.broadcast(void)
        await driver.advance(1)
        mined = await adapter.status(void)
        assert (mined.state, mined.reverted, mined.outcomes) == (TxState.INCLUDED, False, {})
        await driver.finalize()
        assert (await adapter.status(sub)).state is TxState.DROPPED
        assert await adapter.request_status(request) is RequestStatus.PENDING

    # ---------------------------------------------------------------------------------- quorum
    async def test_k_signatures_fulfil_under_a_threshold_of_k(self, driver: Driver) -> None:
        adapter = driver.adapter
        assert adapter.capabilities.max_signatures >= 3
        assert await adapter.threshold() == 1
        for key in QUORUM[:2]:
            await driver.add_signer(key)
        await driver.set_threshold(2)
        assert await adapter.threshold() == 2
        count = min(2, adapter.capabilities.max_batch)
        requests = [await driver.requested() for _ in range(count)]
        items = [(requests[0], await driver.cosign(requests[0], QUORUM[1:2]))]
        items += [(request, await driver.cosign(request, QUORUM[:2])) for request in requests[1:]]
        sub = await adapter.prepare(items)
        assert sub.request_keys == tuple(r.key for r in requests)
        await adapter.broadcast(sub)
        await driver.advance(1)
        st = await adapter.status(sub)
        assert (st.state, st.reverted) == (TxState.INCLUDED, False)
        assert {key: o.fulfilled for key, o in st.outcomes.items()} == {r.key: True for r in requests}
        for request in requests:
            assert await adapter.request_status(request) is RequestStatus.FULFILLED

    async def test_fewer_signatures_than_the_threshold_are_refused(self, driver: Driver) -> None:
        adapter = driver.adapter
        for key in QUORUM[:2]:
            await driver.add_signer(key)
        await driver.set_threshold(3)
        request = await driver.requested()
        with pytest.raises(ChainError) as alone:
            await adapter.prepare([(request, await driver.sign(request))])
        with pytest.raises(ChainError) as two:
            await adapter.prepare([(request, await driver.cosign(request, QUORUM[:1]))])
        assert (str(alone.value), str(two.value)) == (driver.quorum_not_met(1, 3), driver.quorum_not_met(2, 3))
        assert await adapter.request_status(request) is RequestStatus.PENDING

    async def test_a_revoked_cosigner_is_refused(self, driver: Driver) -> None:
        adapter = driver.adapter
        await driver.add_signer(QUORUM[0])
        await driver.set_threshold(2)
        request = await driver.requested()
        signed = await driver.cosign(request, QUORUM[:1])
        await driver.revoke(QUORUM[0].address)
        with pytest.raises(ChainError) as refused:
            await adapter.prepare([(request, signed)])
        assert str(refused.value) == driver.revoked_cosigner(QUORUM[0].address)
        assert await adapter.request_status(request) is RequestStatus.PENDING

    async def test_prepare_takes_at_most_max_signatures(self, driver: Driver) -> None:
        adapter = driver.adapter
        most = adapter.capabilities.max_signatures
        request = await driver.requested()
        with pytest.raises(ValueError) as refused:
            await adapter.prepare([(request, await driver.cosign(request, QUORUM[:most]))])
        assert str(refused.value) == driver.too_many_signatures(most + 1)
