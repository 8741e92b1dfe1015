"""AuraOracle's storage after the one-slot change: request ids from one counter, a request's slot that keeps
its score commitment once fulfilled (top bit cleared), and a subject's latest assessment in one slot that
names the request and keeps the commitment's top bit."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak

from chains.evm.artifacts import contract, deploy, load_artifact

NONE, PENDING, FULFILLED, CANCELLED = range(4)
TOP = 1 << 255
MAX_TIME = 2**40 - 1
REQUESTS_SLOT = 2  # the storage slot of the `_requests` mapping (slot 0: settings, slot 1: owner, requestCount)


def with_top_bit(raw: bytes, bit: int) -> bytes:
    value = int.from_bytes(raw, "big") & (TOP - 1) | bit << 255
    return value.to_bytes(32, "big")


def slot_of(chain, request_id: bytes) -> int:
    """The raw word of `_requests[request_id]`."""
    key = keccak(request_id + REQUESTS_SLOT.to_bytes(32, "big"))
    return int.from_bytes(chain.w3.eth.get_storage_at(chain.oracle.address, key), "big")


def pending_word(req, callback: bool = False, private: bool = False) -> int:
    """What `requestAssessment` (`requestPrivateAssessment` when `private`) stores for `req`: the commitment to its
    fields, the callback bit as its lowest bit, the private bit as the next and the pending bit as its top bit."""
    commitment = int.from_bytes(keccak(abi_encode(
        ["address", "address", "uint96", "uint64", "uint64"],
        [req.requester, req.subject, req.fee, req.expires_at, req.block_number])), "big")
    return commitment & ~3 | int(callback) | int(private) << 1 | TOP


# ------------------------------------------------------------------------------------------------ status

def test_request_status_takes_the_id_alone(artefacts):
    inputs = next(i["inputs"] for i in load_artifact("AuraOracle").abi if i.get("name") == "requestStatus")
    assert [i["type"] for i in inputs] == ["bytes32"]


def test_status_of_each_state(chain):
    f = chain.oracle.functions
    assert chain.status(secrets.token_bytes(32)) == NONE
    assert chain.status(chain.request_id_of(chain.oracle.address, f.requestCount().call())) == NONE  # next one
    pending, fulfilled, cancelled = chain.request(), chain.request(), chain.request()
    chain.fulfil(fulfilled)
    chain.set_next_timestamp(cancelled.expires_at + 1)
    chain.send(f.cancel(cancelled.tuple()), chain.REQUESTER_KEY)
    assert [chain.status(r) for r in (pending, fulfilled, cancelled)] == [PENDING, FULFILLED, CANCELLED]
    # the same from another caller: the status needs no requester
    ok, data = chain.try_call(f.requestStatus(fulfilled.id), chain.STRANGER_KEY)
    assert ok and int.from_bytes(data, "big") == FULFILLED


def test_slots_hold_the_pending_mark_then_the_commitment(chain):
    req = chain.request()
    assert slot_of(chain, req.id) == pending_word(req)
    via = chain.request_via("RecordingConsumer")
    assert slot_of(chain, via.id) == pending_word(via, callback=True)
    hidden = chain.request(private=True)
    assert slot_of(chain, hidden.id) == pending_word(hidden, private=True)
    a = chain.assessment(commitment=with_top_bit(secrets.token_bytes(32), 1))
    chain.fulfil(req, a)
    assert slot_of(chain, req.id) == int.from_bytes(a.commitment, "big") - TOP


# ------------------------------------------------------------------------------------------------ commitments

@pytest.mark.parametrize("bit", [0, 1])
def test_latest_returns_the_full_commitment(chain, bit):
    commitment = with_top_bit(secrets.token_bytes(32), bit)
    req = chain.request()
    chain.fulfil(req, chain.assessment(commitment=commitment))
    assert chain.latest(chain.subject)["commitment"] == commitment
    assert chain.status(req) == FULFILLED


@pytest.mark.parametrize("first_bit, second_bit", [(1, 0), (0, 1), (1, 1)])
def test_an_overwrite_brings_its_own_top_bit(chain, first_bit, second_bit):
    first, second = chain.request(), chain.request()
    one = with_top_bit(secrets.token_bytes(32), first_bit)
    two = with_top_bit(secrets.token_bytes(32), second_bit)
    now = chain.now()
    chain.fulfil(first, chain.assessment(commitment=one, timestamp=now - 10))
    assert chain.latest(chain.subject)["commitment"] == one
    chain.fulfil(second, chain.assessment(commitment=two, timestamp=now))
    assert chain.latest(chain.subject)["commitment"] == two


def test_every_field_reads_back_from_the_one_slot(chain):
    """The slot is written as one word: each field at its own bits, the largest values included."""
    for _ in range(3):
        chain.request(chain.STRANGER_KEY)  # the request's number is not zero
    other = Account.create().address
    req = chain.request(subject=other)
    assert int.from_bytes(req.id[24:], "big") >= 3
    now = chain.now()
    commitment = with_top_bit(b"\xff" * 32, 1)
    a = chain.assessment(score=1000, tier=2, pd_bps=10_000, flags=2**32 - 1, timestamp=now, expiry=now + 7 * 86400,
                         commitment=commitment)
    chain.fulfil(req, a)
    assert chain.latest(other) == {
        "exists": True, "score": 1000, "tier": 2, "pdBps": 10_000, "flags": 2**32 - 1, "timestamp": now,
        "expiry": now + 7 * 86400, "signer": chain.enclave, "measurement": chain.MEASUREMENT,
        "commitment": commitment,
    }
    assert chain.oracle.functions.isFresh(other, 3600).call() is True


@pytest.mark.parametrize("low", [0, 1, 2])
@pytest.mark.parametrize("bit", [0, 1])
def test_a_commitment_that_would_read_as_unknown_or_cancelled_is_refused(chain, low, bit):
    req = chain.request()
    commitment = (bit << 255 | low).to_bytes(32, "big")
    assert chain.fulfil_revert(req, chain.assessment(commitment=commitment)) == ("UnstorableCommitment", commitment)
    assert chain.status(req) == PENDING
    chain.fulfil(req, chain.assessment(commitment=(bit << 255 | 3).to_bytes(32, "big")))
    assert chain.status(req) == FULFILLED


def test_batch_skips_an_unstorable_commitment(chain):
    good, bad = chain.request(), chain.request()
    a_good = chain.pin(good, chain.assessment())
    a_bad = chain.pin(bad, chain.assessment(commitment=(2).to_bytes(32, "big")))
    fn = chain.oracle.functions.fulfilBatch(
        [good.tuple(), bad.tuple()], [a_good.tuple(), a_bad.tuple()],
        [chain.sig_arg(chain.sign(good, a_good)), chain.sig_arg(chain.sign(bad, a_bad))])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY)
    (skipped,) = chain.events(receipt, "FulfilmentSkipped")
    assert (bytes(skipped["requestId"]), bytes(skipped["reason"])) == (bad.id, chain.selector("UnstorableCommitment"))
    assert (chain.status(good), chain.status(bad)) == (FULFILLED, PENDING)


# ------------------------------------------------------------------------------------------------ second fulfilment

@pytest.mark.parametrize("bit", [0, 1])
def test_a_second_fulfilment_is_already_fulfilled(chain, bit):
    req = chain.request()
    a = chain.assessment(commitment=with_top_bit(secrets.token_bytes(32), bit))
    sig = chain.sign(req, a)
    chain.fulfil(req, a, sig)
    assert chain.fulfil_revert(req, a, sig) == ("AlreadyFulfilled", req.id)
    assert chain.fulfil_revert(req, chain.assessment()) == ("AlreadyFulfilled", req.id)
    chain.mine_at(req.expires_at + 1)
    assert chain.expect_revert(chain.oracle.functions.cancel(req.tuple()), chain.REQUESTER_KEY) == (
        "AlreadyFulfilled", req.id)


def test_the_same_request_twice_in_one_batch(chain):
    req = chain.request()
    first, second = chain.pin(req, chain.assessment()), chain.pin(req, chain.assessment(score=100, tier=0))
    fn = chain.oracle.functions.fulfilBatch(
        [req.tuple(), req.tuple()], [first.tuple(), second.tuple()],
        [chain.sig_arg(chain.sign(req, first)), chain.sig_arg(chain.sign(req, second))])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY)
    assert len(chain.events(receipt, "AssessmentFulfilled")) == 1
    (skipped,) = chain.events(receipt, "FulfilmentSkipped")
    assert bytes(skipped["reason"]) == chain.selector("AlreadyFulfilled")
    assert chain.latest(chain.subject)["commitment"] == first.commitment
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == req.fee  # credited once


# ------------------------------------------------------------------------------------------------ attacks

def test_a_commitment_crafted_as_the_pending_word_does_not_keep_the_request_pending(chain):
    """A signer that signs the request's own pending word as its score commitment: the slot takes it with the
    top bit cleared, so the request is fulfilled, once, and cannot be cancelled for a second fee."""
    req = chain.request()
    word = pending_word(req)
    assert slot_of(chain, req.id) == word
    a = chain.assessment(commitment=word.to_bytes(32, "big"))
    chain.fulfil(req, a)
    assert slot_of(chain, req.id) == word - TOP
    assert chain.status(req) == FULFILLED
    assert chain.latest(chain.subject)["commitment"] == word.to_bytes(32, "big")
    assert chain.fulfil_revert(req, a) == ("AlreadyFulfilled", req.id)
    chain.mine_at(req.expires_at + 1)
    assert chain.expect_revert(chain.oracle.functions.cancel(req.tuple()), chain.REQUESTER_KEY) == (
        "AlreadyFulfilled", req.id)


def test_a_request_made_in_another_oracle_cannot_be_fulfilled_here(chain):
    """Two oracles on one chain give their n-th requests ids with the same low 64 bits and different high
    ones: a request of the other one, even one whose number is pending here, is unknown here."""
    f = chain.oracle.functions
    other = contract(chain.w3, "AuraOracle", deploy(chain.w3, "AuraOracle", [chain.FEE, chain.REQUEST_TTL, 0],
                                                    chain.OWNER_KEY))
    chain.send(other.functions.registerSigner(chain.enclave, chain.MEASUREMENT, chain.payee), chain.OWNER_KEY)
    seq = f.requestCount().call()
    for _ in range(seq):
        chain.send(other.functions.requestAssessment(chain.subject, b""), chain.REQUESTER_KEY, chain.FEE)
    here = chain.request()
    receipt = chain.send(other.functions.requestAssessment(chain.subject, b""), chain.REQUESTER_KEY, chain.FEE)
    (ev,) = [dict(e["args"]) for e in other.events.AssessmentRequested().process_receipt(receipt)]
    there = replace(here, id=bytes(ev["requestId"]), expires_at=ev["expiresAt"],
                    block_number=int(receipt["blockNumber"]))
    assert there.id[24:] == here.id[24:] and there.id != here.id
    assert there.id == chain.request_id_of(other.address, seq)

    # signed for this oracle (the strongest case: only the request is foreign)
    assert chain.fulfil_revert(there) == ("UnknownRequest", there.id)
    # signed for the other oracle's domain, sent here
    a = chain.pin(there, chain.assessment())
    sig = chain.sig_arg(chain.sign(there, a, verifying_contract=other.address))
    fn = f.fulfil(there.tuple(), a.tuple(), sig)
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("UnknownRequest", there.id)
    assert chain.status(there.id) == NONE and chain.status(here) == PENDING
    # it stays fulfillable where it was made
    chain.send(other.functions.fulfil(there.tuple(), a.tuple(), sig), chain.TRANSMITTER_KEY)
    assert int(other.functions.requestStatus(there.id).call()) == FULFILLED


def test_a_request_id_of_another_chain_is_unknown_here(chain):
    """The id of this oracle's next request as a chain with another id would give it: not this chain's."""
    seq = chain.oracle.functions.requestCount().call()
    req = chain.request()
    assert req.id == chain.request_id_of(chain.oracle.address, seq)
    foreign = chain.request_id_of(chain.oracle.address, seq, chain_id=1)
    assert foreign != req.id and foreign[24:] == req.id[24:]
    assert chain.status(foreign) == NONE
    assert chain.fulfil_revert(replace(req, id=foreign)) == ("UnknownRequest", foreign)
    sig = chain.sign(replace(req, id=foreign), chain.assessment(), chain_id=1)
    assert chain.fulfil_revert(replace(req, id=foreign), chain.assessment(), sig) == ("UnknownRequest", foreign)
    chain.fulfil(req)


# ------------------------------------------------------------------------------------------------ 40-bit times

def test_a_timestamp_beyond_40_bits_is_refused(chain):
    at = 2**40 + 1000
    chain.set_next_timestamp(at)
    req = chain.request()
    a = chain.assessment(timestamp=at, expiry=at + 600)
    assert chain.fulfil_revert(req, a) == ("AssessmentTimeOutOfRange", at, at + 600)
    assert chain.status(req) == PENDING


def test_an_expiry_beyond_40_bits_is_refused_and_the_last_second_is_kept(chain):
    at = MAX_TIME - 100
    chain.set_next_timestamp(at)
    req = chain.request()
    crossing = chain.assessment(timestamp=at, expiry=MAX_TIME + 1)
    assert chain.fulfil_revert(req, crossing) == ("AssessmentTimeOutOfRange", at, MAX_TIME + 1)
    last = chain.assessment(timestamp=at, expiry=MAX_TIME)
    chain.fulfil(req, last)
    stored = chain.latest(chain.subject)
    assert (stored["timestamp"], stored["expiry"], stored["commitment"]) == (at, MAX_TIME, last.commitment)


# ------------------------------------------------------------------------------------------------ out of order

def test_an_older_assessment_fulfils_its_request_but_leaves_the_newer_one(chain):
    newer_req, older_req = chain.request(), chain.request()
    now = chain.now()
    newer = chain.assessment(score=880, tier=2, timestamp=now, commitment=with_top_bit(secrets.token_bytes(32), 1))
    older = chain.assessment(score=300, tier=0, timestamp=now - 60,
                             commitment=with_top_bit(secrets.token_bytes(32), 0))
    chain.fulfil(newer_req, newer)
    chain.fulfil(older_req, older)
    stored = chain.latest(chain.subject)
    assert (stored["score"], stored["timestamp"], stored["commitment"]) == (880, now, newer.commitment)
    # the older request is fulfilled and its slot holds its own commitment
    assert chain.status(older_req) == FULFILLED
    assert slot_of(chain, older_req.id) == int.from_bytes(older.commitment, "big")
    assert chain.fulfil_revert(older_req, older) == ("AlreadyFulfilled", older_req.id)


def test_an_equal_timestamp_replaces(chain):
    first, second = chain.request(), chain.request()
    now = chain.now()
    chain.fulfil(first, chain.assessment(score=500, tier=0, timestamp=now))
    a = chain.assessment(score=700, timestamp=now, commitment=with_top_bit(secrets.token_bytes(32), 1))
    chain.fulfil(second, a)
    assert (chain.latest(chain.subject)["score"], chain.latest(chain.subject)["commitment"]) == (700, a.commitment)


def test_an_older_assessment_replaces_a_revoked_signers_with_its_own_commitment(chain):
    f = chain.oracle.functions
    second = Account.create()
    measurement = b"\x07" * 32
    chain.send(f.registerSigner(second.address, measurement, chain.payee), chain.OWNER_KEY)
    newer_req, older_req = chain.request(), chain.request()
    now = chain.now()
    chain.fulfil(newer_req, chain.assessment(timestamp=now, commitment=with_top_bit(secrets.token_bytes(32), 1)))
    chain.send(f.revokeSigner(chain.enclave), chain.OWNER_KEY)
    older = chain.assessment(score=420, tier=0, timestamp=now - 30, measurement=measurement,
                             commitment=with_top_bit(secrets.token_bytes(32), 0))
    chain.fulfil(older_req, older, chain.sign(older_req, older, key=second.key.to_0x_hex()))
    stored = chain.latest(chain.subject)
    assert (stored["score"], stored["signer"], stored["commitment"]) == (420, second.address, older.commitment)
