"""Pinned state: a request's pinned slot, `fulfil`'s check of the signed slot and its hash against the SlotHashes
sysvar, `repin` once the pinned slot has left SlotHashes, and the cluster id every payload is signed for."""

from __future__ import annotations

from dataclasses import replace

import pytest
from solders.pubkey import Pubkey


@pytest.fixture
def pending(ready):
    return ready, ready.request()


def assessment(sol, **kw):
    return replace(sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400), **kw)


def test_a_request_is_pinned_at_the_slot_it_was_made_in(ready):
    sol = ready
    sol.set_time(sol.T0 + 5, slot=1_234)
    request = sol.request()
    stored = sol.decode(request)
    assert (stored.created_slot, stored.pinned_slot) == (1_234, 1_234)
    assert sol.slot == 1_235


def test_fulfil_checks_the_signed_slot_and_its_hash(pending):
    sol, request = pending
    pinned = sol.decode(request).pinned_slot
    # attack: a signature over another slot (one SlotHashes knows, with its true hash)
    other = assessment(sol, slot=pinned - 1)
    sol.fails("SlotMismatch", sol.fulfil_ix(request, other))
    # attack: the pinned slot with a hash that is not the cluster's
    forged = assessment(sol, slot=pinned, slot_hash=sol.slot_hash(pinned + 7))
    sol.fails("SlotHashMismatch", sol.fulfil_ix(request, forged))
    sol.fulfil(request, assessment(sol, slot=pinned, slot_hash=sol.slot_hash(pinned)))
    assert sol.decode(sol.score_pda()).slot == pinned


def test_the_pinned_slot_must_be_in_slot_hashes(ready):
    sol = ready
    nonce = sol.next_nonce()
    sol.ok(sol.request_ix(nonce=nonce))
    request = sol.request_pda(nonce)
    # the slot the request was made in has no hash yet
    sol.fails("SlotHashUnknown", sol.fulfil_ix(request))
    sol.next_slot()
    sol.fulfil(request)


def test_a_request_older_than_slot_hashes_is_repinned(pending):
    sol, request = pending
    pinned = sol.decode(request).pinned_slot
    stale = sol.resolve(request, assessment(sol))  # pinned slot and hash filled in now
    stale_signature = sol.sign(request, stale)
    sol.fails("PinStillRecent", sol.repin_ix(request))
    sol.next_slot(sol.SLOT_HASHES_MAX - 1)  # the pinned slot is SlotHashes' oldest entry
    sol.fails("PinStillRecent", sol.repin_ix(request))
    sol.next_slot()  # and now it has left
    sol.fails("SlotHashUnknown", sol.fulfil_ix(request, stale, stale_signature))

    # anyone may repin: the transaction's only signer is the harness's fee payer
    result = sol.ok(sol.repin_ix(request))
    assert all(not meta.is_signer for meta in sol.repin_ix(request).accounts)
    now = sol.slot
    assert sol.decode(request).pinned_slot == now
    (event,) = sol.events(result)
    assert event.name == "RequestRepinned"
    assert (bytes(event.data.request), event.data.old_slot, event.data.pinned_slot) == (bytes(request), pinned, now)
    sol.fails("PinStillRecent", sol.repin_ix(request))

    sol.next_slot()
    # the old signature names the old slot
    sol.fails("SlotMismatch", sol.fulfil_ix(request, stale, stale_signature))
    sol.fulfil(request, assessment(sol))
    assert sol.decode(sol.score_pda()).slot == now


def test_repin_refusals(pending):
    sol, request = pending
    sol.next_slot(sol.SLOT_HASHES_MAX + 1)
    clock = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
    sol.fails("WrongSysvar", sol.repin_ix(request, accounts={"slot_hashes": clock}))
    sol.fails("NotWritable", sol.repin_ix(request, not_writable=["request"]))
    sol.fails("RequestNotFound", sol.repin_ix(sol.request_pda(9)))
    sol.fails("WrongAccountType", sol.repin_ix(sol.enclave_pda()))
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.fails("RequestExpired", sol.repin_ix(request))


def test_a_signature_for_another_cluster_is_refused(sol, program_bytes: bytes):
    """Attack: the same program id, oracle keypair, admin, enclave key and requester on two clusters, so the
    request on each is at the same address with the same subject. Only the cluster id told them apart: the
    enclave's signature for one cluster does not fulfil the other's request."""
    a, b = sol, type(sol)(program_bytes)
    for name in ("admin", "requester", "transmitter", "oracle", "payee"):
        setattr(b, name, getattr(a, name))
    b.keys.update(a.keys)
    for kp in (a.admin, a.requester, a.transmitter):
        b.svm.airdrop(kp.pubkey(), 10**11)
    b.subject, b.enclave = a.subject, a.enclave
    a.initialize(cluster_id=103)
    b.initialize(cluster_id=101)
    for chain in (a, b):
        chain.register()
    request_a, request_b = a.request(), b.request()
    assert request_a == request_b
    signed_for_a = assessment(a)
    signature = a.sign(request_a, signed_for_a, cluster_id=103)
    b.fails("UnknownSigner", b.fulfil_ix(request_b, signed_for_a, signature))
    a.ok(a.fulfil_ix(request_a, signed_for_a, signature))
    b.ok(b.fulfil_ix(request_b, signed_for_a, b.sign(request_b, signed_for_a, cluster_id=101)))
