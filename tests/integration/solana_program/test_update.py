"""Operator updates (docs/solana.md, "Operator updates"): `update` stores an assessment of a subject that no request
asked for, under an id the program derives (sha256 of the tag, oracle, subject and timestamp), with no request
account and no fee, checked as a fulfilment is. Every check has its attack next to the happy path; failures assert
the exact error."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_metadata import TransactionMetadata

from chains.solana.update_id import update_request_id

SCORE_LEN, QUORUM_BASE = 314, 319


def register(sol, n: int) -> list[Any]:
    """`n` more enclaves (conftest's EnclaveKey) with the harness's payee, in ascending order of address."""
    keys = [sol.EnclaveKey.random() for _ in range(n)]
    for key in keys:
        sol.ok(sol.register_ix(key))
    return sorted(keys, key=lambda k: bytes(k.address))


def set_threshold_ix(sol, k: int) -> Instruction:
    return sol.instruction("set_threshold", {"threshold": k}, {"oracle": sol.oracle.pubkey(),
                                                               "admin": sol.admin.pubkey(),
                                                               "system_program": sol.SYSTEM_PROGRAM})


def values_line(sol, ix: Instruction) -> str:
    """The line an error with values logs just before Anchor's error line: `Name(value, ...)`."""
    result = sol.send(ix)
    assert not isinstance(result, TransactionMetadata), "the transaction succeeded"
    logs = list(result.meta().logs())
    at = next(i for i, line in enumerate(logs) if "AnchorError occurred." in line)
    return logs[at - 1].removeprefix("Program log: ")


def update_id(sol, timestamp: int, subject: Pubkey | None = None) -> Pubkey:
    """The id the program derives, as chains/solana/update_id.py derives it."""
    return Pubkey.from_bytes(update_request_id(bytes(sol.oracle.pubkey()), bytes(subject or sol.subject), timestamp))


def assessment(sol, **kw: Any):
    """A fresh public assessment at the clock's time, pinned at the newest slot SlotHashes holds."""
    slot = sol.slot - 1
    a = sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400, slot=slot, slot_hash=sol.slot_hash(slot))
    return replace(a, **kw)


def sign_update(sol, a, key=None, *, subject: Pubkey | None = None, request: Pubkey | None = None) -> bytes:
    """`key`'s (default: the registered enclave's) signature over the payload of the update of `a`, naming
    `request` in place of the update id when given."""
    return sol.sign(request or update_id(sol, a.timestamp, subject), a, enclave=key, subject=subject)


def update_ix(sol, a=None, keys: Sequence[Any] | None = None, *, signatures: Sequence[bytes] | None = None,
              subject: Pubkey | None = None, enclaves: Sequence[Pubkey] | None = None,
              accounts: dict[str, Pubkey] | None = None, **kw: Any) -> Instruction:
    """`update` of `a` (default: a fresh assessment) signed by `keys` (default: the registered enclave) in the
    order given, each followed by its enclave account (or `enclaves`)."""
    a = a or assessment(sol)
    keys = [sol.enclave] if keys is None else list(keys)
    if signatures is None:
        signatures = [sign_update(sol, a, key, subject=subject) for key in keys]
    args = {k: v for k, v in a.args(bytes(65)).items() if k != "signature"}
    args["signatures"] = [list(sig) for sig in signatures]
    acc = {"oracle": sol.oracle.pubkey(), "subject": subject or sol.subject, "score": sol.score_pda(subject),
           "transmitter": sol.transmitter.pubkey(), "system_program": sol.SYSTEM_PROGRAM,
           "slot_hashes": sol.SLOT_HASHES}
    acc.update(accounts or {})
    ix = sol.instruction("update", args, acc, **kw)
    found = enclaves if enclaves is not None else [sol.enclave_pda(key) for key in keys]
    extra = [AccountMeta(e, is_signer=False, is_writable=False) for e in found]
    return Instruction(ix.program_id, ix.data, list(ix.accounts) + extra)


def balances(sol, *extra: Pubkey) -> dict[Pubkey, int]:
    """Every actor's lamports but the fee payer's (it pays the transactions' fees)."""
    keys = [sol.admin.pubkey(), sol.requester.pubkey(), sol.transmitter.pubkey(),
            sol.stranger.pubkey(), sol.payee.pubkey(), sol.oracle.pubkey(), sol.subject, *extra]
    return {k: sol.balance(k) for k in keys}


def later(sol, seconds: int = 60, slots: int = 1) -> None:
    sol.set_time(sol.now + seconds, sol.slot + slots)


# ------------------------------------------------------------------------------------------------ happy paths

def test_an_update_creates_the_score_with_no_request_and_no_fee(ready, record_property):
    sol = ready
    a = assessment(sol)
    before = balances(sol)
    result = sol.ok(update_ix(sol, a))
    record_property("update_cu_creating", result.compute_units_consumed())

    uid = update_id(sol, a.timestamp)
    score = sol.decode(sol.score_pda())
    assert (score.score, score.tier, score.pd_bps, score.flags) == (a.score, a.tier, a.pd_bps, a.flags)
    assert (bytes(score.commitment), score.slot, bytes(score.slot_hash)) == (a.commitment, a.slot, a.slot_hash)
    assert (score.assessed_at, score.expiry, score.version) == (a.timestamp, a.expiry, 1)
    assert bytes(score.request) == bytes(uid) and bytes(score.signer) == sol.enclave.address
    assert len(sol.account(sol.score_pda()).data) == SCORE_LEN

    # no fee: only the score account's rent moved, from the transmitter (the payer paid the transaction fee)
    after = balances(sol)
    assert after[sol.transmitter.pubkey()] == before[sol.transmitter.pubkey()] - sol.rent(SCORE_LEN)
    assert sol.balance(sol.score_pda()) == sol.rent(SCORE_LEN)
    for key in (sol.admin.pubkey(), sol.requester.pubkey(), sol.stranger.pubkey(), sol.payee.pubkey(),
                sol.oracle.pubkey(), sol.subject):
        assert after[key] == before[key], key

    (event,) = sol.events(result)
    d = event.data
    assert event.name == "AssessmentFulfilled"
    assert (bytes(d.request), bytes(d.oracle), bytes(d.subject), bytes(d.transmitter)) == (
        bytes(uid), bytes(sol.oracle.pubkey()), bytes(sol.subject), bytes(sol.transmitter.pubkey()))
    assert (d.score, d.tier, d.pd_bps, d.flags, bytes(d.signer), d.replaced) == (
        a.score, a.tier, a.pd_bps, a.flags, sol.enclave.address, False)


def test_an_update_replaces_an_older_fulfilment_and_moves_no_lamports(ready, record_property):
    sol = ready
    sol.fulfil(sol.request())
    later(sol)
    before = balances(sol, sol.score_pda())
    a = assessment(sol, score=901, tier=2)
    result = sol.ok(update_ix(sol, a))
    record_property("update_cu", result.compute_units_consumed())
    print(f"update compute units: {result.compute_units_consumed()} updating the score")
    assert balances(sol, sol.score_pda()) == before
    score = sol.decode(sol.score_pda())
    assert (score.score, score.tier, score.version, score.assessed_at) == (901, 2, 2, a.timestamp)
    assert bytes(score.request) == bytes(update_id(sol, a.timestamp))
    (event,) = sol.events(result)
    assert event.data.replaced is True


def test_update_compute_units(ready, record_property):
    """One recovery (25,000 units) and the checks `fulfil` makes, without a request; each further signature one
    more recovery and its checks, as in `fulfil_quorum`."""
    sol = ready
    subject = sol.subject_with_bump_attempts(1)  # the units of creating its score hang on its bump
    created = sol.ok(update_ix(sol, subject=subject)).compute_units_consumed()
    later(sol)
    updated = sol.ok(update_ix(sol, subject=subject)).compute_units_consumed()
    sol.ok(set_threshold_ix(sol, 2))
    signers = register(sol, 2)
    later(sol)
    growing = sol.ok(update_ix(sol, keys=signers, subject=subject)).compute_units_consumed()  # its quorum tail
    later(sol)
    quorum = sol.ok(update_ix(sol, keys=signers, subject=subject)).compute_units_consumed()
    record_property("update_cu_k2", quorum)
    print(f"update compute units: {created} creating the score, {updated} updating it; with 2 signatures "
          f"{growing} growing the score, {quorum} after")
    assert updated < 30_000 and created < 34_000 and quorum - updated < 27_000 and growing > quorum


def test_a_two_of_three_update_stores_its_signers(ready):
    sol = ready
    signers = register(sol, 3)
    sol.ok(set_threshold_ix(sol, 2))
    a = assessment(sol)
    pair = [signers[0], signers[2]]
    payee = sol.balance(sol.payee.pubkey())
    result = sol.ok(update_ix(sol, a, pair))
    data = bytes(sol.account(sol.score_pda()).data)
    assert len(data) == QUORUM_BASE + 20 * 2
    assert (data[314], struct.unpack_from("<I", data, 315)[0]) == (2, 2)
    assert [data[319:339], data[339:359]] == [bytes(k.address) for k in pair]
    assert sol.balance(sol.payee.pubkey()) == payee  # no payee is paid
    names = [e.name for e in sol.events(result)]
    assert names == ["AssessmentFulfilled", "QuorumSigned"]
    signed = sol.events(result)[1].data
    assert bytes(signed.request) == bytes(update_id(sol, a.timestamp))
    assert (signed.threshold, [bytes(s) for s in signed.signers]) == (2, [bytes(k.address) for k in pair])
    # a later single-signature update at threshold 1 truncates the tail back to `fulfil`'s layout
    sol.ok(set_threshold_ix(sol, 1))
    later(sol)
    sol.ok(update_ix(sol))
    assert len(sol.account(sol.score_pda()).data) == SCORE_LEN


def test_a_fulfilment_after_an_update_still_lands(ready):
    sol = ready
    request = sol.request()
    sol.ok(update_ix(sol))
    later(sol)
    sol.fulfil(request)  # newer: replaces the update
    assert bytes(sol.decode(sol.score_pda()).request) == bytes(request)


# ------------------------------------------------------------------------------------------------ at most once

def test_a_replayed_update_is_refused(ready):
    sol = ready
    ix = update_ix(sol)
    sol.ok(ix)
    later(sol)
    sol.fails("UpdateNotNewer", ix)
    sol.fails("UpdateNotNewer", update_ix(sol), update_ix(sol))  # twice in one transaction


def test_an_older_update_never_replaces_a_newer_record(ready):
    sol = ready
    old_ix = update_ix(sol, assessment(sol))
    later(sol)
    sol.ok(update_ix(sol, assessment(sol, score=1)))
    stored = bytes(sol.account(sol.score_pda()).data)
    sol.fails("UpdateNotNewer", old_ix)
    assert bytes(sol.account(sol.score_pda()).data) == stored
    # nor one of the same time as a stored fulfilment's
    later(sol)
    sol.fulfil(sol.request())
    assessed_at = sol.decode(sol.score_pda()).assessed_at
    sol.fails("UpdateNotNewer", update_ix(sol, assessment(sol, timestamp=assessed_at)))
    later(sol)
    sol.ok(update_ix(sol))


# ------------------------------------------------------------------------------------------------ the id

def test_a_signature_under_another_id_is_refused(ready):
    sol = ready
    a = assessment(sol)
    other_time = sign_update(sol, replace(a, timestamp=a.timestamp - 1))  # the id of another time, and its time
    other_subject = sign_update(sol, a, subject=Keypair().pubkey())  # another subject's update
    another_id = sign_update(sol, a, request=Keypair().pubkey())  # any other id
    for signature in (other_time, other_subject, another_id):
        sol.fails("UnknownSigner", update_ix(sol, a, signatures=[signature]))
    # the update's id with another signed time: the program derives the id from the signed time
    mixed = sol.sign(update_id(sol, a.timestamp), replace(a, timestamp=a.timestamp - 1))
    sol.fails("UnknownSigner", update_ix(sol, replace(a, timestamp=a.timestamp - 1), signatures=[mixed]))
    sol.ok(update_ix(sol, a))


def test_an_update_of_another_subject_is_refused(ready):
    sol = ready
    other = Keypair().pubkey()
    a = assessment(sol)
    signed_for_other = sign_update(sol, a, subject=other)
    # the signature names `other`, the accounts `subject`
    sol.fails("UnknownSigner", update_ix(sol, a, signatures=[signed_for_other]))
    # another subject's Score account
    sol.ok(update_ix(sol, a, subject=other))
    later(sol)
    sol.fails("WrongPda", update_ix(sol, accounts={"score": sol.score_pda(other)}))
    sol.fails("ZeroSubject", update_ix(sol, subject=Pubkey.default(),
                                       accounts={"score": sol.score_pda(Pubkey.default())}))


def test_a_fulfilment_signature_is_no_update_and_the_reverse(ready):
    sol = ready
    request = sol.request()
    a = assessment(sol, slot=sol.pinned_slot(request), slot_hash=sol.slot_hash(sol.pinned_slot(request)))
    fulfilment = sol.sign(request, a)
    sol.fails("UnknownSigner", update_ix(sol, a, signatures=[fulfilment]))
    update = sign_update(sol, a)
    sol.fails("UnknownSigner", sol.fulfil_ix(request, a, signature=update))
    sol.fulfil(request, a)  # each is good for its own instruction
    later(sol)
    b = assessment(sol)
    sol.ok(update_ix(sol, b))


# ------------------------------------------------------------------------------------------------ signers

def test_threshold_not_met(ready):
    sol = ready
    signers = register(sol, 2)
    sol.ok(set_threshold_ix(sol, 2))
    sol.fails("QuorumNotMet", update_ix(sol))
    assert values_line(sol, update_ix(sol)) == "QuorumNotMet(1, 2)"
    assert values_line(sol, update_ix(sol, keys=[])) == "QuorumNotMet(0, 2)"
    sol.ok(update_ix(sol, keys=signers))


def test_no_signature_at_threshold_one(ready):
    ready.fails("QuorumNotMet", update_ix(ready, keys=[]))


def test_signers_out_of_order_or_twice(ready):
    sol = ready
    signers = register(sol, 2)
    sol.ok(set_threshold_ix(sol, 2))
    sol.fails("SignersNotAscending", update_ix(sol, keys=[signers[1], signers[0]]))
    sol.fails("SignersNotAscending", update_ix(sol, keys=[signers[0], signers[0]]))


def test_unknown_and_revoked_signers(ready):
    sol = ready
    stranger = sol.EnclaveKey.random()
    # signed by a key nobody registered, given with the registered enclave's account
    sol.fails("UnknownSigner", update_ix(sol, signatures=[sign_update(sol, assessment(sol), stranger)]))
    # given with its own (never created) enclave address
    sol.fails("WrongOwner", update_ix(sol, keys=[stranger]))
    sol.ok(sol.revoke_ix())
    sol.fails("EnclaveRevoked", update_ix(sol))


def test_measurement_mismatch(ready):
    ready.fails("MeasurementMismatch", update_ix(ready, assessment(ready, measurement=bytes([7]) * 32)))


def test_signature_forms(ready):
    sol = ready
    a = assessment(sol)
    good = sign_update(sol, a)
    sol.fails("InvalidSignatureS", update_ix(sol, a, signatures=[sol.high_s(good)]))
    sol.fails("InvalidRecoveryId", update_ix(sol, a, signatures=[good[:64] + b"\x02"]))
    sol.fails("InvalidSignatureS", update_ix(sol, a, signatures=[bytes(32) + good[32:]]))
    sol.ok(update_ix(sol, a, signatures=[good]))


# ------------------------------------------------------------------------------------------------ the pinned slot

def test_a_slot_not_in_slot_hashes(ready):
    sol = ready
    sol.fails("SlotHashUnknown", update_ix(sol, assessment(sol, slot=sol.slot, slot_hash=sol.slot_hash(sol.slot))))
    old = sol.slot - 1
    sol.next_slot(sol.SLOT_HASHES_MAX + 1)
    sol.fails("SlotHashUnknown", update_ix(sol, assessment(sol, slot=old, slot_hash=sol.slot_hash(old))))
    kept = sol.slot - sol.SLOT_HASHES_MAX  # the oldest entry
    sol.ok(update_ix(sol, assessment(sol, slot=kept, slot_hash=sol.slot_hash(kept))))


def test_a_slot_with_another_hash(ready):
    sol = ready
    sol.fails("SlotHashMismatch", update_ix(sol, assessment(sol, slot_hash=bytes(32))))


# ------------------------------------------------------------------------------------------------ the assessment

def test_an_update_is_public(ready):
    sol = ready
    sol.fails("PrivacyMismatch", update_ix(sol, assessment(sol).private()))
    sol.fulfil(sol.request(private=True), sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400).private())
    later(sol)
    # over a subject whose stored score is private
    sol.fails("PrivacyMismatch", update_ix(sol))
    # a public fulfilment makes it public again; then updates land
    later(sol)
    sol.fulfil(sol.request())
    later(sol)
    sol.ok(update_ix(sol))


@pytest.mark.parametrize(("field", "value", "error"), [
    ("score", 1001, "ScoreOutOfRange"), ("tier", 3, "TierOutOfRange"), ("pd_bps", 10_001, "PdOutOfRange")])
def test_ranges(ready, field, value, error):
    ready.fails(error, update_ix(ready, assessment(ready, **{field: value})))


def test_times(ready):
    sol = ready
    sol.fails("AssessmentFromFuture", update_ix(sol, assessment(sol, timestamp=sol.now + 1)))
    sol.fails("AssessmentExpired", update_ix(sol, assessment(sol, timestamp=sol.now - 10, expiry=sol.now - 1)))


# ------------------------------------------------------------------------------------------------ accounts and data

def test_accounts_and_flags(ready):
    sol = ready
    sol.fails("MissingSignature", update_ix(sol, not_signer=["transmitter"]))
    sol.fails("NotWritable", update_ix(sol, not_writable=["score"]))
    sol.fails("NotWritable", update_ix(sol, not_writable=["transmitter"]))
    sol.fails("WrongSysvar", update_ix(sol, accounts={"slot_hashes": sol.SYSTEM_PROGRAM}))
    sol.fails("WrongSystemProgram", update_ix(sol, accounts={"system_program": sol.SLOT_HASHES}))
    sol.fails("WrongOwner", update_ix(sol, accounts={"oracle": sol.admin.pubkey()}))
    sol.fails("NotEnoughAccounts", update_ix(sol, enclaves=[]))


def test_instruction_data(ready):
    sol = ready
    ix = update_ix(sol)
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, bytes(ix.data)[:-1], ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, bytes(ix.data) + b"\x00", ix.accounts))
    data = bytearray(ix.data)
    struct.pack_into("<I", data, 8 + 161, 9)
    sol.fails("TooManySignatures", Instruction(ix.program_id, bytes(data), ix.accounts))


def test_an_enclave_of_another_oracle(ready):
    sol = ready
    other = sol.keypair(0)
    sol.ok(sol.initialize_ix(oracle=other))
    sol.ok(sol.register_ix(accounts={"oracle": other.pubkey(), "enclave": sol.enclave_pda(oracle=other.pubkey())}))
    sol.fails("WrongOracle", update_ix(sol, enclaves=[sol.enclave_pda(oracle=other.pubkey())]))


def test_the_id_is_sha256_of_tag_oracle_subject_and_time():
    """The derivation, as docs/solana.md states it: 89 bytes hashed, no request PDA's 101."""
    oracle, subject = bytes(range(32)), bytes(range(32, 64))
    assert update_request_id(oracle, subject, 1_750_000_000) == hashlib.sha256(
        b"AuraOracle.update" + oracle + subject + struct.pack("<q", 1_750_000_000)).digest()
    with pytest.raises(ValueError):
        update_request_id(oracle, subject, -1)
    with pytest.raises(ValueError):
        update_request_id(oracle[:31], subject, 0)

