"""AuraOracle on a real anvil: requests, fulfilment and every way a fulfilment is refused, cancellation."""

from __future__ import annotations

import secrets
from dataclasses import replace

from eth_account import Account

NONE, PENDING, FULFILLED, CANCELLED = range(4)


# ------------------------------------------------------------------------------------------------ requests

def test_request_stores_commitment_and_emits_event(chain):
    oracle = chain.oracle
    before = chain.balance(oracle.address)
    seq = oracle.functions.requestCount().call()
    receipt = chain.send(oracle.functions.requestAssessment(chain.subject, b"\x01\x02"), chain.REQUESTER_KEY,
                         chain.FEE + 7)
    (ev,) = chain.events(receipt, "AssessmentRequested")
    block = chain.w3.eth.get_block(receipt["blockNumber"])
    expected_id = chain.request_id_of(oracle.address, seq)
    assert bytes(ev["requestId"]) == expected_id
    assert ev["requester"] == chain.requester and ev["subject"] == chain.subject
    assert ev["fee"] == chain.FEE + 7  # everything sent is the request's fee
    assert ev["expiresAt"] == block["timestamp"] + chain.REQUEST_TTL
    assert bytes(ev["params"]) == b"\x01\x02"
    assert chain.status(expected_id) == PENDING
    assert oracle.functions.requestCount().call() == seq + 1
    assert chain.balance(oracle.address) == before + chain.FEE + 7

    # one counter for every requester: the next request, whoever makes it, takes the next number
    second = chain.request(chain.STRANGER_KEY)
    assert second.id == chain.request_id_of(oracle.address, seq + 1)
    assert oracle.functions.requestCount().call() == seq + 2


def test_request_refusals(chain):
    f = chain.oracle.functions
    assert chain.expect_revert(f.requestAssessment(chain.subject, b""), chain.REQUESTER_KEY, chain.FEE - 1) == (
        "InsufficientFee", chain.FEE - 1, chain.FEE)
    zero = "0x" + "00" * 20
    assert chain.expect_revert(f.requestAssessment(zero, b""), chain.REQUESTER_KEY, chain.FEE) == ("ZeroSubject",)
    assert chain.expect_revert(f.requestAssessment(chain.subject, b"x" * 1025), chain.REQUESTER_KEY, chain.FEE) == (
        "ParamsTooLong", 1025, 1024)
    chain.send(f.requestAssessment(chain.subject, b"x" * 1024), chain.REQUESTER_KEY, chain.FEE)


def test_unknown_request_status(chain):
    assert chain.status(secrets.token_bytes(32)) == NONE


def test_a_fulfilled_request_stays_known_from_its_slot_alone(chain):
    """Fulfilment overwrites the request's slot with the score commitment: `requestStatus` needs the id only,
    a second fulfilment gets `AlreadyFulfilled`, and an id never given stays unknown."""
    req = chain.request()
    assert int.from_bytes(req.id[24:], "big") == chain.oracle.functions.requestCount().call() - 1
    chain.fulfil(req)
    assert chain.status(req) == FULFILLED
    assert chain.fulfil_revert(req) == ("AlreadyFulfilled", req.id)
    assert chain.fulfil_revert(replace(req, requester=chain.payee)) == ("AlreadyFulfilled", req.id)
    unissued = chain.request_id_of(chain.oracle.address, 2**32)  # a number not reached yet
    assert chain.status(unissued) == NONE
    assert chain.fulfil_revert(replace(req, id=unissued)) == ("UnknownRequest", unissued)


# ------------------------------------------------------------------------------------------------ fulfil

def test_digest_matches_eth_account(chain):
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    assert bytes(chain.oracle.functions.assessmentDigest(req.tuple(), a.tuple()).call()) == chain.digest_of(
        req, a, chain.oracle.address)


def test_fulfil_happy_path(chain):
    oracle = chain.oracle
    req = chain.request()
    a = chain.assessment(score=815, tier=2, pd_bps=120, flags=0b1010)
    transmitter_before = chain.balance(chain.transmitter)
    oracle_before = chain.balance(oracle.address)
    receipt = chain.fulfil(req, a)

    assert chain.status(req) == FULFILLED
    # the fee is credited to the signer, for its payee; the contract still holds it
    assert chain.balance(chain.transmitter) == transmitter_before - chain.cost(receipt)
    assert chain.balance(oracle.address) == oracle_before
    assert oracle.functions.feesOwed(chain.enclave).call() == req.fee
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert bytes(ev["requestId"]) == req.id
    assert (ev["subject"], ev["signer"], ev["signerCount"]) == (chain.subject, chain.enclave, 1)
    assert (ev["score"], ev["tier"], ev["pdBps"], ev["flags"]) == (815, 2, 120, 0b1010)
    # every value a consumer reads, in the one log
    assert (ev["timestamp"], ev["expiry"], bytes(ev["measurement"]), bytes(ev["commitment"])) == (
        a.timestamp, a.expiry, chain.MEASUREMENT, a.commitment)
    assert ev["callback"] == chain.CALLBACK_NONE  # the requester is an EOA: no callback

    stored = chain.latest(chain.subject)
    assert stored == {
        "exists": True, "score": 815, "tier": 2, "pdBps": 120, "flags": 0b1010, "timestamp": a.timestamp,
        "expiry": a.expiry, "signer": chain.enclave, "measurement": chain.MEASUREMENT,
        "commitment": a.commitment,
    }
    assert oracle.functions.isFresh(chain.subject, 3600).call() is True
    assert oracle.functions.isFresh(chain.requester, 3600).call() is False
    assert chain.latest(chain.requester)["exists"] is False


def test_fulfil_without_fee(chain):
    chain.send(chain.oracle.functions.setFee(0), chain.OWNER_KEY)
    req = chain.request(value=0)
    before = chain.balance(chain.transmitter)
    receipt = chain.fulfil(req)
    assert chain.balance(chain.transmitter) == before - chain.cost(receipt)
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == 0


def test_newer_assessment_overwrites_and_older_does_not(chain):
    first, second, third = chain.request(), chain.request(), chain.request()
    now = chain.now()
    chain.fulfil(first, chain.assessment(score=500, tier=0, timestamp=now - 100))
    assert chain.latest(chain.subject)["score"] == 500
    newer = chain.assessment(score=900, tier=2, timestamp=now - 10)
    chain.fulfil(second, newer)
    assert chain.latest(chain.subject)["score"] == 900
    receipt = chain.fulfil(third, chain.assessment(score=300, tier=0, timestamp=now - 50))
    assert chain.status(third) == FULFILLED and chain.events(receipt, "AssessmentFulfilled")[0]["score"] == 300
    stored = chain.latest(chain.subject)
    assert (stored["score"], stored["timestamp"], stored["commitment"]) == (900, newer.timestamp, newer.commitment)


def test_another_subject_is_stored_separately(chain):
    other = Account.create().address
    req = chain.request(subject=other)
    chain.fulfil(req, chain.assessment(score=610))
    assert chain.latest(other)["score"] == 610
    assert chain.latest(chain.subject)["exists"] is False


# ------------------------------------------------------------------------------------------------ refusals

def test_unknown_and_tampered_requests(chain):
    req = chain.request()
    unknown = replace(req, id=secrets.token_bytes(32))
    assert chain.fulfil_revert(unknown) == ("UnknownRequest", unknown.id)
    for tampered in (replace(req, requester=chain.stranger), replace(req, subject=chain.stranger),
                     replace(req, fee=req.fee - 1), replace(req, expires_at=req.expires_at + 1),
                     replace(req, block_number=req.block_number - 1)):
        assert chain.fulfil_revert(tampered) == ("RequestMismatch", req.id)
    chain.fulfil(req)


def test_double_fulfilment(chain):
    req = chain.request()
    a = chain.assessment()
    sig = chain.sign(req, a)
    chain.fulfil(req, a, sig)
    assert chain.fulfil_revert(req, a, sig) == ("AlreadyFulfilled", req.id)


def test_request_expiry(chain):
    req = chain.request()
    a = chain.assessment(expiry=req.expires_at + 600)
    chain.set_next_timestamp(req.expires_at + 1)
    assert chain.fulfil_revert(req, a) == ("RequestExpired", req.id, req.expires_at)


def test_request_expiry_boundary_is_inclusive(chain):
    req = chain.request()
    a = chain.assessment(expiry=req.expires_at + 600)
    chain.set_next_timestamp(req.expires_at)
    chain.fulfil(req, a)
    assert chain.status(req) == FULFILLED


def test_assessment_expired_and_from_the_future(chain):
    req = chain.request()
    now = chain.now()
    expired = chain.assessment(timestamp=now - 100, expiry=now)
    chain.set_next_timestamp(now + 1)
    assert chain.fulfil_revert(req, expired) == ("AssessmentExpired", now)
    future = chain.assessment(timestamp=now + 500, expiry=now + 1000)
    chain.set_next_timestamp(now + 2)
    assert chain.fulfil_revert(req, future) == ("AssessmentFromFuture", now + 500)


def test_values_out_of_range(chain):
    req = chain.request()
    assert chain.fulfil_revert(req, chain.assessment(score=1001)) == ("ScoreOutOfRange", 1001)
    assert chain.fulfil_revert(req, chain.assessment(tier=3)) == ("TierOutOfRange", 3)
    assert chain.fulfil_revert(req, chain.assessment(pd_bps=10_001)) == ("PdOutOfRange", 10_001)
    chain.fulfil(req, chain.assessment(score=1000, tier=2, pd_bps=10_000))


def test_facts_word_bits_above_its_fields_are_refused(chain):
    """`Assessment.facts` carries the small fields in its low 200 bits; a bit above them reads as part of an
    out-of-range score, so no two calldata words stand for one signed assessment."""
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    sig = chain.sig_arg(chain.sign(req, a))
    facts, *rest = a.tuple()
    fn = chain.oracle.functions.fulfil(req.tuple(), (facts | 1 << 200, *rest), sig)
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("ScoreOutOfRange", a.score)
    chain.send(chain.oracle.functions.fulfil(req.tuple(), (facts, *rest), sig), chain.TRANSMITTER_KEY)


def test_malformed_signatures(chain):
    req = chain.request()
    a = chain.assessment()
    sig = chain.sign(req, a)
    # compact (EIP-2098): no length and one bit of v to get wrong; s above half the order is refused
    high = (chain.HALF_N + 1).to_bytes(32, "big")
    assert chain.fulfil_revert(req, a, (sig[:32], high)) == ("InvalidSignatureS", high)
    assert chain.fulfil_revert(req, a, (b"\x00" * 32, sig[32:64])) == ("InvalidSignature",)
    r, vs = chain.sig_arg(sig)
    flipped = (r, (int.from_bytes(vs, "big") ^ (1 << 255)).to_bytes(32, "big"))  # the other recovery bit
    assert chain.fulfil_revert(req, a, flipped)[0] == "UnknownSigner"
    assert chain.fulfil_revert(req, a, b"\x00" * 32 + sig[32:]) == ("InvalidSignature",)
    assert chain.fulfil_revert(req, a, sig[:32] + b"\x00" * 32 + sig[64:]) == ("InvalidSignature",)
    chain.fulfil(req, a, sig)


def test_corrupted_signature_recovers_a_stranger(chain):
    req = chain.request()
    a = chain.assessment()
    sig = bytearray(chain.sign(req, a))
    sig[40] ^= 0x01
    code = chain.fulfil_revert(req, a, bytes(sig))
    assert code[0] == "UnknownSigner" and code[1] != chain.enclave


def test_signature_for_another_chain_contract_or_request(chain):
    req, other_req = chain.request(), chain.request()
    a = chain.assessment()
    for sig in (chain.sign(req, a, chain_id=1),
                chain.sign(req, a, verifying_contract=chain.lender.address),
                chain.sign(other_req, a)):
        code = chain.fulfil_revert(req, a, sig)
        assert code[0] == "UnknownSigner" and code[1] != chain.enclave
    chain.fulfil(req, a)


def test_unregistered_signer(chain):
    req = chain.request()
    a = chain.assessment()
    stranger = Account.create()
    sig = chain.sign(req, a, key=stranger.key.to_0x_hex())
    assert chain.fulfil_revert(req, a, sig) == ("UnknownSigner", stranger.address)


def test_revoked_signer(chain):
    req = chain.request()
    a = chain.assessment()
    chain.send(chain.oracle.functions.revokeSigner(chain.enclave), chain.OWNER_KEY)
    assert chain.fulfil_revert(req, a) == ("RevokedSigner", chain.enclave)


def test_measurement_mismatch(chain):
    req = chain.request()
    other = b"\x42" * 32
    a = chain.assessment(measurement=other)
    assert chain.fulfil_revert(req, a) == ("MeasurementMismatch", chain.MEASUREMENT, other)


def test_transmitter_that_cannot_take_payment_still_fulfils(chain):
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    transmitter = chain.c["RejectingTransmitter"]
    fn = transmitter.functions.fulfil(chain.oracle.address, req.tuple(), a.tuple(), chain.sig_arg(chain.sign(req, a)))
    chain.send(fn, chain.TRANSMITTER_KEY)
    assert chain.status(req) == FULFILLED
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == req.fee


# ------------------------------------------------------------------------------------------------ cancel

def test_cancel_rules_and_refund(chain):
    f = chain.oracle.functions
    req = chain.request()
    assert chain.expect_revert(f.cancel(req.tuple()), chain.REQUESTER_KEY) == ("NotExpired", req.expires_at)
    chain.set_next_timestamp(req.expires_at)
    assert chain.expect_revert(f.cancel(req.tuple()), chain.REQUESTER_KEY) == ("NotExpired", req.expires_at)
    chain.set_next_timestamp(req.expires_at + 1)
    assert chain.expect_revert(f.cancel(req.tuple()), chain.STRANGER_KEY) == ("NotRequester", chain.stranger)
    assert chain.expect_revert(f.cancel(replace(req, fee=req.fee + 1).tuple()), chain.REQUESTER_KEY) == (
        "RequestMismatch", req.id)

    before = chain.balance(chain.requester)
    receipt = chain.send(f.cancel(req.tuple()), chain.REQUESTER_KEY)
    assert chain.balance(chain.requester) == before + req.fee - chain.cost(receipt)
    (ev,) = chain.events(receipt, "AssessmentCancelled")
    assert bytes(ev["requestId"]) == req.id
    assert chain.status(req) == CANCELLED
    assert chain.expect_revert(f.cancel(req.tuple()), chain.REQUESTER_KEY) == ("RequestCancelled", req.id)
    a = chain.assessment(timestamp=req.expires_at - 10, expiry=req.expires_at + 600)
    assert chain.fulfil_revert(req, a) == ("RequestCancelled", req.id)


def test_cannot_cancel_fulfilled_or_unknown(chain):
    f = chain.oracle.functions
    req = chain.request()
    chain.fulfil(req)
    chain.mine_at(req.expires_at + 1)
    assert chain.expect_revert(f.cancel(req.tuple()), chain.REQUESTER_KEY) == ("AlreadyFulfilled", req.id)
    unknown = replace(req, id=b"\x01" * 32)
    assert chain.expect_revert(f.cancel(unknown.tuple()), chain.REQUESTER_KEY) == ("UnknownRequest", unknown.id)


def test_cancel_without_fee(chain):
    chain.send(chain.oracle.functions.setFee(0), chain.OWNER_KEY)
    req = chain.request(value=0)
    chain.set_next_timestamp(req.expires_at + 1)
    chain.send(chain.oracle.functions.cancel(req.tuple()), chain.REQUESTER_KEY)
    assert chain.status(req) == CANCELLED
