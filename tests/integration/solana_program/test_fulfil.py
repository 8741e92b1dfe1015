"""`fulfil`: the score it stores, where the fee and the rent go, and every way a fulfilment is refused."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey


@pytest.fixture
def pending(ready):
    """The ready oracle with one pending request (params: none); returns (sol, request address)."""
    return ready, ready.request()


def assessment(sol, **kw):
    base = sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400)
    return replace(base, **kw)


# ------------------------------------------------------------------------------------------------ success

def test_fulfil_stores_the_score_pays_the_fee_and_closes_the_request(pending):
    sol, request = pending
    sol.set_time(sol.T0 + 100, slot=1_300)
    a = assessment(sol, timestamp=sol.T0 + 90, flags=0x8001)
    held = sol.account(request).lamports
    assert held == sol.rent(sol.REQUEST_BASE_LEN) + sol.FEE
    requester_before = sol.balance(sol.requester.pubkey())
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    payee_before = sol.balance(sol.payee.pubkey())

    result = sol.fulfil(request, a)

    score = sol.decode(sol.score_pda())
    assert bytes(score.oracle) == bytes(sol.oracle.pubkey()) and bytes(score.subject) == bytes(sol.subject)
    assert (score.score, score.tier, score.pd_bps, score.flags) == (a.score, a.tier, a.pd_bps, a.flags)
    assert bytes(score.measurement) == a.measurement and bytes(score.commitment) == a.commitment
    assert bytes(score.signer) == sol.enclave.address and bytes(score.request) == bytes(request)
    assert (score.assessed_at, score.expiry) == (a.timestamp, a.expiry)
    pinned = 1_000  # the slot the request was made in (conftest's SLOT0)
    assert (score.slot, bytes(score.slot_hash), bytes(score.features_hash)) == (
        pinned, sol.slot_hash(pinned), a.features_hash)
    assert (score.created_at, score.updated_at, score.updated_slot, score.version) == (
        sol.T0 + 100, sol.T0 + 100, 1_300, 1)
    assert sol.score_pda() == Pubkey.create_program_address(
        [b"score", bytes(sol.oracle.pubkey()), bytes(sol.subject), bytes([score.bump])], sol.PROGRAM_ID)
    assert len(sol.account(sol.score_pda()).data) == 314

    # the fee to the enclave's payee; the transmitter paid the score account's rent; the request's rent back
    assert sol.account(sol.score_pda()).lamports == sol.rent(314)
    assert sol.balance(sol.payee.pubkey()) == payee_before + sol.FEE
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before - sol.rent(314)
    assert sol.balance(sol.requester.pubkey()) == requester_before + sol.rent(sol.REQUEST_BASE_LEN)
    assert sol.account(request) is None
    closed = sol.svm.get_account(request)
    assert closed is None or (closed.lamports == 0 and not closed.data and closed.owner == sol.SYSTEM_PROGRAM)

    (event,) = sol.events(result)
    assert event.name == "AssessmentFulfilled"
    d = event.data
    assert (bytes(d.request), bytes(d.oracle), bytes(d.subject), bytes(d.transmitter)) == (
        bytes(request), bytes(sol.oracle.pubkey()), bytes(sol.subject), bytes(sol.transmitter.pubkey()))
    # the subject's first score: stored (the Score names this request), nothing replaced
    assert (d.score, d.tier, d.pd_bps, d.flags, bytes(d.signer), d.replaced) == (
        a.score, a.tier, a.pd_bps, a.flags, sol.enclave.address, False)
    assert bytes(sol.decode(sol.score_pda()).request) == bytes(d.request)


@pytest.mark.parametrize("attempts", [1, 4])
def test_fulfil_compute_units(ready, attempts, record_property):
    """Under 40,000 units: 25,000 are sol_secp256k1_recover; creating the score account adds the System
    Program call and 1,500 per bump `find_program_address` tries (1 attempt half the time, 2 a quarter...)."""
    sol = ready
    subject = sol.subject_with_bump_attempts(attempts)
    creating = sol.fulfil(sol.request(subject=subject), subject=subject).compute_units_consumed()
    updating = sol.fulfil(sol.request(subject=subject), subject=subject).compute_units_consumed()
    record_property(f"fulfil_cu_creating_{attempts}", creating)
    record_property(f"fulfil_cu_updating_{attempts}", updating)
    print(f"fulfil compute units: {creating} creating the score account (bump found at attempt {attempts}), "
          f"{updating} updating it")
    assert creating < sol.FULFIL_CU_LIMIT and updating < sol.FULFIL_CU_LIMIT


def test_second_fulfilment_updates_the_score(pending):
    sol, request = pending
    sol.fulfil(request, assessment(sol, score=500))
    created_at = sol.decode(sol.score_pda()).created_at
    second = sol.request()
    sol.set_time(sol.T0 + 500, slot=1_400)
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    payee_before = sol.balance(sol.payee.pubkey())
    result = sol.fulfil(second, assessment(sol, score=900, tier=2))
    score = sol.decode(sol.score_pda())
    assert (score.score, score.tier, score.version, score.created_at, score.updated_at, score.updated_slot) == (
        900, 2, 2, created_at, sol.T0 + 500, 1_400)
    assert bytes(score.request) == bytes(second)
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before  # no rent the second time
    assert sol.balance(sol.payee.pubkey()) == payee_before + sol.FEE
    assert sol.events(result)[0].data.replaced is True


def test_older_assessment_fulfils_but_does_not_replace(pending):
    sol, request = pending
    sol.set_time(sol.T0 + 1_000)
    newer = assessment(sol, score=800, timestamp=sol.T0 + 900)
    sol.fulfil(request, newer)
    before = bytes(sol.account(sol.score_pda()).data)
    older_request = sol.request()
    requester_before = sol.balance(sol.requester.pubkey())
    payee_before = sol.balance(sol.payee.pubkey())
    result = sol.fulfil(older_request, assessment(sol, score=100, timestamp=sol.T0 + 800))
    assert bytes(sol.account(sol.score_pda()).data) == before  # untouched, version included
    assert sol.account(older_request) is None
    assert sol.balance(sol.payee.pubkey()) == payee_before + sol.FEE
    assert sol.balance(sol.requester.pubkey()) == requester_before + sol.rent(sol.REQUEST_BASE_LEN)
    (event,) = sol.events(result)
    assert (event.data.score, event.data.replaced) == (100, False)


def test_equal_timestamp_replaces(pending):
    sol, request = pending
    sol.fulfil(request, assessment(sol, score=10))
    second = sol.request()
    result = sol.fulfil(second, assessment(sol, score=20))
    assert sol.decode(sol.score_pda()).score == 20
    assert sol.events(result)[0].data.replaced is True


def test_score_pda_pre_funded(pending):
    sol, request = pending
    pda = sol.score_pda()
    sol.set_account(pda, 12_345)
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    sol.fulfil(request)
    assert sol.decode(pda).version == 1
    assert sol.account(pda).lamports == sol.rent(314)
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before - (sol.rent(314) - 12_345)


def test_score_pda_pre_funded_beyond_its_rent(pending):
    sol, request = pending
    pda = sol.score_pda()
    sol.set_account(pda, sol.rent(314) + 1)
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    sol.fulfil(request)
    assert sol.account(pda).lamports == sol.rent(314) + 1
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before


def test_requester_as_transmitter(pending):
    sol, request = pending
    before = sol.balance(sol.requester.pubkey())
    sol.ok(sol.fulfil_ix(request, accounts={"transmitter": sol.requester.pubkey()}))
    assert sol.balance(sol.requester.pubkey()) == before + sol.rent(sol.REQUEST_BASE_LEN) - sol.rent(314)


def test_copied_fulfilment_pays_the_fee_to_the_payee_not_the_copier(pending):
    """Attack: someone copies a fulfil instruction (say, from a transaction that failed or was seen in flight)
    and sends it as the transmitter. The signature does not name the transmitter, so the copy lands, but the
    fee goes to the payee registered with the enclave, never to whoever sent it."""
    sol, request = pending
    copier = sol.stranger
    a = assessment(sol)
    signature = sol.sign(request, a)
    honest = sol.fulfil_ix(request, a, signature)
    copied = sol.fulfil_ix(request, a, signature, accounts={"transmitter": copier.pubkey()})
    assert copied.data == honest.data
    copier_before, payee_before = sol.balance(copier.pubkey()), sol.balance(sol.payee.pubkey())
    sol.ok(copied)
    assert sol.balance(sol.payee.pubkey()) == payee_before + sol.FEE
    assert sol.balance(copier.pubkey()) == copier_before - sol.rent(314)  # paid the score's rent, got no fee
    # naming himself as the payee is refused
    second = sol.request()
    sol.fails("PayeeMismatch", sol.fulfil_ix(second, accounts={"transmitter": copier.pubkey(),
                                                               "payee": copier.pubkey()}))
    sol.fails("PayeeMismatch", sol.fulfil_ix(second, accounts={"payee": sol.transmitter.pubkey()}))
    sol.fulfil(second)


def test_fulfil_at_the_last_second(pending):
    sol, request = pending
    sol.set_time(sol.T0 + sol.TTL)
    sol.fulfil(request)


# ---------------------------------------------------------------------------------------------- signatures

def test_replayed_fulfilment(pending):
    sol, request = pending
    ix = sol.fulfil_ix(request)
    sol.ok(ix)
    sol.fails("RequestNotFound", ix)


def test_replay_in_the_same_transaction(pending):
    sol, request = pending
    ix = sol.fulfil_ix(request)
    sol.fails("RequestNotFound", ix, ix)
    assert sol.account(request) is not None  # the whole transaction was rolled back


def test_bad_signature(pending):
    sol, request = pending
    a = assessment(sol)
    signature = bytearray(sol.sign(request, a))
    signature[5] ^= 0x01  # another r: another key recovers, or none
    assert sol.error_name(sol.fulfil_ix(request, a, bytes(signature))) in ("UnknownSigner", "InvalidSignature")
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(request, replace(a, score=a.score + 1))))


def test_signature_of_another_key(pending):
    sol, request = pending
    a = assessment(sol)
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(request, a, enclave=sol.EnclaveKey.random())))


def test_signature_of_another_registered_enclave(pending):
    sol, request = pending
    other = sol.EnclaveKey.random()
    sol.register(other)
    a = assessment(sol)
    # signed by the other enclave, presented with the first one
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(request, a, enclave=other)))
    # and with its own enclave account it is accepted
    sol.ok(sol.fulfil_ix(request, a, sol.sign(request, a, enclave=other), enclave=other))
    assert bytes(sol.decode(sol.score_pda()).signer) == other.address


def test_payload_of_another_program(pending):
    sol, request = pending
    a = assessment(sol)
    other_program = Keypair().pubkey()
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(request, a, program_id=other_program)))


def test_payload_of_another_oracle(pending):
    sol, request = pending
    a = assessment(sol)
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(request, a, oracle=Keypair().pubkey())))


def test_payload_of_another_request_or_subject(pending):
    sol, request = pending
    a = assessment(sol)
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(sol.request_pda(1), a)))
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, sol.sign(request, a, subject=Keypair().pubkey())))


def test_request_of_another_oracle(pending):
    """A request made on a second oracle (same admin and enclave key) cannot be fulfilled through the first."""
    sol, request = pending
    first_oracle = sol.oracle
    second_oracle = sol.keypair(0)
    sol.oracle = second_oracle
    sol.initialize()
    sol.register()
    foreign_request = sol.request()
    sol.oracle = first_oracle
    a = assessment(sol)
    sig = sol.sign(foreign_request, a, oracle=second_oracle.pubkey())
    sol.fails("WrongOracle", sol.fulfil_ix(foreign_request, a, sig))
    # the second oracle's enclave account with the first oracle's request
    sol.fails("WrongOracle", sol.fulfil_ix(request, a, accounts={"enclave": sol.enclave_pda(
        oracle=second_oracle.pubkey())}))


def test_high_s(pending):
    sol, request = pending
    a = assessment(sol)
    sol.fails("InvalidSignatureS", sol.fulfil_ix(request, a, sol.high_s(sol.sign(request, a))))


def test_zero_r_or_s(pending):
    sol, request = pending
    a = assessment(sol)
    signature = sol.sign(request, a)
    sol.fails("InvalidSignatureS", sol.fulfil_ix(request, a, bytes(32) + signature[32:]))
    sol.fails("InvalidSignatureS", sol.fulfil_ix(request, a, signature[:32] + bytes(32) + signature[64:]))


def test_s_at_the_half_order_boundary(pending):
    sol, request = pending
    half_n = sol.HALF_N
    a = assessment(sol)
    signature = sol.sign(request, a)
    at_half = signature[:32] + half_n.to_bytes(32, "big") + signature[64:]
    above_half = signature[:32] + (half_n + 1).to_bytes(32, "big") + signature[64:]
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, at_half))  # allowed s, wrong signature
    sol.fails("InvalidSignatureS", sol.fulfil_ix(request, a, above_half))


def test_recovery_id(pending):
    sol, request = pending
    a = assessment(sol)
    signature = sol.sign(request, a)
    for v in (2, 3, 27, 28, 255):
        sol.fails("InvalidRecoveryId", sol.fulfil_ix(request, a, signature[:64] + bytes([v])))
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, signature[:64] + bytes([signature[64] ^ 1])))


def test_unrecoverable_signature(pending):
    sol, request = pending
    a = assessment(sol)
    # r at or past the group order: no key can be recovered
    sol.fails("InvalidSignature", sol.fulfil_ix(request, a, b"\xff" * 32 + (1).to_bytes(32, "big") + b"\x00"))


# --------------------------------------------------------------------------------------- enclaves and values

def test_revoked_enclave(pending):
    sol, request = pending
    sol.ok(sol.revoke_ix())
    sol.fails("EnclaveRevoked", sol.fulfil_ix(request))


def test_measurement_mismatch(pending):
    sol, request = pending
    sol.fails("MeasurementMismatch", sol.fulfil_ix(request, assessment(sol, measurement=secrets.token_bytes(32))))


def test_values_out_of_range(pending):
    sol, request = pending
    sol.fails("ScoreOutOfRange", sol.fulfil_ix(request, assessment(sol, score=1001)))
    sol.fails("TierOutOfRange", sol.fulfil_ix(request, assessment(sol, tier=3)))
    sol.fails("PdOutOfRange", sol.fulfil_ix(request, assessment(sol, pd_bps=10_001)))
    sol.fulfil(request, assessment(sol, score=1000, tier=2, pd_bps=10_000, flags=0xFFFFFFFF))
    score = sol.decode(sol.score_pda())
    assert (score.score, score.tier, score.pd_bps, score.flags) == (1000, 2, 10_000, 0xFFFFFFFF)


def test_assessment_times(pending):
    sol, request = pending
    sol.set_time(sol.T0 + 100)
    sol.fails("AssessmentFromFuture", sol.fulfil_ix(request, assessment(sol, timestamp=sol.T0 + 101)))
    sol.fails("AssessmentExpired", sol.fulfil_ix(request, assessment(sol, timestamp=sol.T0, expiry=sol.T0 + 99)))
    sol.fulfil(request, assessment(sol, timestamp=sol.T0 + 100, expiry=sol.T0 + 100))


def test_expired_request(pending):
    sol, request = pending
    a = assessment(sol)
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.fails("RequestExpired", sol.fulfil_ix(request, replace(a, expiry=sol.T0 + 10 * sol.TTL)))


def test_cancelled_request(pending):
    sol, request = pending
    a = assessment(sol, expiry=sol.T0 + 10 * sol.TTL)
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.ok(sol.cancel_ix(request))
    sol.fails("RequestNotFound", sol.fulfil_ix(request, a))


# ------------------------------------------------------------------------------------------------ accounts

def test_requester_mismatch(pending):
    sol, request = pending
    sol.fails("RequesterMismatch", sol.fulfil_ix(request, accounts={"requester": sol.stranger.pubkey()}))


def test_request_never_made(pending):
    sol, _ = pending
    sol.fails("RequestNotFound", sol.fulfil_ix(sol.request_pda(7)))


def test_wrong_score_pda(pending):
    sol, request = pending
    other_subject = Keypair().pubkey()
    # a score account that does not exist yet, at another subject's PDA
    sol.fails("WrongPda", sol.fulfil_ix(request, accounts={"score": sol.score_pda(other_subject)}))
    sol.fails("WrongPda", sol.fulfil_ix(request, accounts={"score": Keypair().pubkey()}))
    # an existing score account of another subject
    other_request = sol.request(subject=other_subject)
    sol.fulfil(other_request, subject=other_subject)
    sol.fails("WrongPda", sol.fulfil_ix(request, accounts={"score": sol.score_pda(other_subject)}))
    sol.fulfil(request)


def test_wrong_account_owners(pending):
    sol, request = pending
    foreign_program = Keypair().pubkey()
    for name in ("request", "enclave"):
        real = sol.account(request if name == "request" else sol.enclave_pda())
        fake = Keypair().pubkey()
        sol.set_account(fake, real.lamports, bytes(real.data), owner=foreign_program)
        sol.fails("WrongOwner", sol.fulfil_ix(request, accounts={name: fake}))
    fake_oracle = Keypair().pubkey()
    sol.set_account(fake_oracle, 10**9, bytes(sol.account(sol.oracle.pubkey()).data), owner=foreign_program)
    sol.fails("WrongOwner", sol.fulfil_ix(request, accounts={"oracle": fake_oracle}))
    # the score PDA held by another program
    sol.set_account(sol.score_pda(), 10**9, bytes(314), owner=foreign_program)
    sol.fails("WrongOwner", sol.fulfil_ix(request))


def test_wrong_account_types(pending):
    sol, request = pending
    sol.fails("WrongAccountType", sol.fulfil_ix(request, accounts={"enclave": sol.oracle.pubkey()}))
    sol.fails("WrongAccountType", sol.fulfil_ix(request, accounts={"oracle": sol.enclave_pda()}))
    sol.fails("WrongAccountType", sol.fulfil_ix(sol.enclave_pda()))
    sol.fails("WrongAccountType", sol.fulfil_ix(request, accounts={"score": sol.enclave_pda()}))


def test_fulfil_signers_and_writability(pending):
    sol, request = pending
    sol.fails("MissingSignature", sol.fulfil_ix(request, not_signer=["transmitter"]))
    for name in ("request", "score", "requester", "transmitter", "payee"):
        sol.fails("NotWritable", sol.fulfil_ix(request, not_writable=[name]))
    sol.fails("WrongSystemProgram", sol.fulfil_ix(request, accounts={"system_program": sol.stranger.pubkey()}))
    clock = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
    sol.fails("WrongSysvar", sol.fulfil_ix(request, accounts={"slot_hashes": clock}))
    ix = sol.fulfil_ix(request)
    sol.fails("NotEnoughAccounts", Instruction(ix.program_id, ix.data, ix.accounts[:8]))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data[:-1], ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data + b"\x00", ix.accounts))
    sol.ok(ix)
