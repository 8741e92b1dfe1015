"""The quorum (docs/solana.md, "Quorum"): `set_threshold`, `fulfil_quorum` with k of n enclave signatures over
one payload, `fulfil` refused while k > 1, the signers kept in the Score account and `score_status`. Every check
has its attack next to the happy path; an error with values is asserted with its values' log line too."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pytest
from solders.account import Account
from solders.address_lookup_table_account import AddressLookupTable, AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import TransactionMetadata

MAX_SIGNERS = 8
ORACLE_LEN, SCORE_LEN, QUORUM_BASE = 65, 314, 319
PACKET = 1232  # the most bytes a transaction may have
LOOKUP_TABLE_PROGRAM = Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")


@dataclass(frozen=True)
class Signer:
    """A registered enclave: its key and the payee it was registered with."""

    key: Any  # conftest's EnclaveKey
    payee: Pubkey

    @property
    def address(self) -> bytes:
        return bytes(self.key.address)


def register(sol, n: int, measurement: bytes | None = None) -> list[Signer]:
    """`n` more enclaves, each with its own payee, in ascending order of address."""
    out = []
    for _ in range(n):
        key, payee = sol.EnclaveKey.random(), sol.keypair(10**9).pubkey()
        sol.ok(sol.register_ix(key, measurement or sol.MEASUREMENT, payee=payee))
        out.append(Signer(key, payee))
    return sorted(out, key=lambda s: s.address)


@pytest.fixture
def trio(ready):
    """The ready oracle (its default enclave left aside), three more enclaves and one pending request."""
    return ready, register(ready, 3), ready.request()


def assessment(sol, **kw):
    return replace(sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400), **kw)


def set_threshold_ix(sol, k: int, *, admin: Keypair | None = None, accounts: dict[str, Pubkey] | None = None,
                     **kw: Any) -> Instruction:
    acc = {"oracle": sol.oracle.pubkey(), "admin": (admin or sol.admin).pubkey(), "system_program": sol.SYSTEM_PROGRAM}
    acc.update(accounts or {})
    return sol.instruction("set_threshold", {"threshold": k}, acc, **kw)


def quorum_ix(sol, request: Pubkey, signers: Sequence[Signer], a=None, *, signatures: Sequence[bytes] | None = None,
              payees: Sequence[Pubkey] | None = None, subject: Pubkey | None = None,
              accounts: dict[str, Pubkey] | None = None, **kw: Any) -> Instruction:
    """`fulfil_quorum` of `a` (default: a fresh assessment) signed by `signers` in the order given, each followed by
    its enclave account and payee (or `payees`)."""
    a = sol.resolve(request, a or assessment(sol))
    if signatures is None:
        signatures = [sol.sign(request, a, enclave=s.key, subject=subject) for s in signers]
    args = {k: v for k, v in a.args(bytes(65)).items() if k != "signature"}
    args["signatures"] = [list(sig) for sig in signatures]
    acc = {"oracle": sol.oracle.pubkey(), "request": request, "score": sol.score_pda(subject),
           "requester": sol.requester.pubkey(), "transmitter": sol.transmitter.pubkey(),
           "system_program": sol.SYSTEM_PROGRAM, "slot_hashes": sol.SLOT_HASHES}
    acc.update(accounts or {})
    ix = sol.instruction("fulfil_quorum", args, acc, **kw)
    extra = []
    for i, s in enumerate(signers):
        extra += [AccountMeta(sol.enclave_pda(s.key), is_signer=False, is_writable=False),
                  AccountMeta(payees[i] if payees else s.payee, is_signer=False, is_writable=True)]
    return Instruction(ix.program_id, ix.data, list(ix.accounts) + extra)


def enclave_at(sol, address: bytes) -> Pubkey:
    return Pubkey.find_program_address([b"enclave", bytes(sol.oracle.pubkey()), address], sol.PROGRAM_ID)[0]


def status_ix(sol, addresses: Sequence[bytes], subject: Pubkey | None = None) -> Instruction:
    ix = sol.instruction("score_status", {}, {"oracle": sol.oracle.pubkey(), "score": sol.score_pda(subject)})
    extra = [AccountMeta(enclave_at(sol, a), is_signer=False, is_writable=False) for a in addresses]
    return Instruction(ix.program_id, ix.data, list(ix.accounts) + extra)


def counts(sol, addresses: Sequence[bytes], subject: Pubkey | None = None) -> bool:
    """`score_status`'s answer: its return data, one byte."""
    result = sol.ok(status_ix(sol, addresses, subject))
    returned = result.return_data()
    assert returned is not None and returned.program_id == sol.PROGRAM_ID
    assert bytes(returned.data) in (b"\x00", b"\x01")
    return bytes(returned.data) == b"\x01"


def values_line(sol, *instructions: Instruction) -> str:
    """The line an error with values logs just before Anchor's error line: `Name(value, ...)`."""
    result = sol.send(*instructions)
    assert not isinstance(result, TransactionMetadata), "the transaction succeeded"
    logs = list(result.meta().logs())
    at = next(i for i, line in enumerate(logs) if "AnchorError occurred." in line)
    return logs[at - 1].removeprefix("Program log: ")


def score_tail(sol, subject: Pubkey | None = None) -> tuple[int, list[bytes]]:
    """The Score account's quorum tail at its documented offsets: threshold (314), signer count (u32 LE, 315),
    the signers' addresses (319, 20 bytes each); the account ends there."""
    data = bytes(sol.account(sol.score_pda(subject)).data)
    threshold, count = data[SCORE_LEN], int.from_bytes(data[SCORE_LEN + 1:QUORUM_BASE], "little")
    assert len(data) == QUORUM_BASE + 20 * count
    return threshold, [data[QUORUM_BASE + 20 * i:QUORUM_BASE + 20 * (i + 1)] for i in range(count)]


# ---------------------------------------------------------------------------------------------- set_threshold

def test_set_threshold_grows_the_oracle_once(ready):
    sol = ready
    admin_before = sol.balance(sol.admin.pubkey())
    result = sol.ok(set_threshold_ix(sol, 2))
    account = sol.account(sol.oracle.pubkey())
    assert len(account.data) == ORACLE_LEN + 1 and account.data[ORACLE_LEN] == 2
    assert account.lamports == sol.rent(ORACLE_LEN + 1)
    assert sol.balance(sol.admin.pubkey()) == admin_before - (sol.rent(ORACLE_LEN + 1) - sol.rent(ORACLE_LEN))
    (event,) = sol.events(result)
    assert (event.name, bytes(event.data.oracle), event.data.previous, event.data.threshold) == (
        "ThresholdSet", bytes(sol.oracle.pubkey()), 1, 2)
    # the Oracle fields read as before
    assert sol.decode(sol.oracle.pubkey()).cluster_id == sol.CLUSTER_ID
    sol.ok(set_threshold_ix(sol, MAX_SIGNERS))
    sol.ok(set_threshold_ix(sol, 1))
    assert sol.balance(sol.admin.pubkey()) == admin_before - (sol.rent(ORACLE_LEN + 1) - sol.rent(ORACLE_LEN))
    assert bytes(sol.account(sol.oracle.pubkey()).data)[ORACLE_LEN:] == b"\x01"


def test_set_threshold_bounds(ready):
    sol = ready
    for k in (0, MAX_SIGNERS + 1, 255):
        sol.fails("InvalidThreshold", set_threshold_ix(sol, k))
        assert values_line(sol, set_threshold_ix(sol, k)) == f"InvalidThreshold({k})"
    assert len(sol.account(sol.oracle.pubkey()).data) == ORACLE_LEN


def test_set_threshold_admin_only(ready):
    sol = ready
    sol.fails("Unauthorized", set_threshold_ix(sol, 2, admin=sol.stranger))
    sol.fails("MissingSignature", set_threshold_ix(sol, 2, not_signer=["admin"]))
    sol.fails("NotWritable", set_threshold_ix(sol, 2, not_writable=["admin"]))
    sol.fails("NotWritable", set_threshold_ix(sol, 2, not_writable=["oracle"]))
    sol.fails("WrongSystemProgram", set_threshold_ix(sol, 2, accounts={"system_program": sol.stranger.pubkey()}))
    sol.fails("WrongAccountType", set_threshold_ix(sol, 2, accounts={"oracle": sol.enclave_pda()}))
    ix = set_threshold_ix(sol, 2)
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data + b"\x00", ix.accounts))
    sol.fails("NotEnoughAccounts", Instruction(ix.program_id, ix.data, ix.accounts[:2]))


# ------------------------------------------------------------------------------------------ fulfil and k > 1

def test_fulfil_is_refused_while_the_threshold_is_above_one(ready):
    sol = ready
    request = sol.request()
    sol.ok(set_threshold_ix(sol, 2))
    sol.fails("QuorumNotMet", sol.fulfil_ix(request))
    assert values_line(sol, sol.fulfil_ix(request)) == "QuorumNotMet(1, 2)"
    sol.ok(set_threshold_ix(sol, 1))
    sol.fulfil(request)
    assert len(sol.account(sol.score_pda()).data) == SCORE_LEN


# ---------------------------------------------------------------------------------------------- fulfil_quorum

def test_two_of_three_stores_the_signers_and_splits_the_fee(trio):
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    sol.set_time(sol.T0 + 100, slot=1_300)
    a = assessment(sol, timestamp=sol.T0 + 90)
    two = signers[:2]
    before = {key: sol.balance(key) for key in (sol.requester.pubkey(), sol.transmitter.pubkey(),
                                                *(s.payee for s in signers))}
    result = sol.ok(quorum_ix(sol, request, two, a))

    score = sol.decode(sol.score_pda())
    assert (score.score, score.tier, score.pd_bps, score.flags) == (a.score, a.tier, a.pd_bps, a.flags)
    assert bytes(score.commitment) == a.commitment and bytes(score.features_hash) == a.features_hash
    assert bytes(score.signer) == two[0].address and bytes(score.request) == bytes(request)
    assert (score.assessed_at, score.version, score.updated_slot) == (sol.T0 + 90, 1, 1_300)
    assert score_tail(sol) == (2, [s.address for s in two])
    size = QUORUM_BASE + 20 * 2
    assert len(sol.account(sol.score_pda()).data) == size
    assert sol.account(sol.score_pda()).lamports == sol.rent(size)

    # the fee halved between the two payees; the transmitter paid the score's rent and got nothing else
    assert sol.balance(two[0].payee) == before[two[0].payee] + sol.FEE // 2
    assert sol.balance(two[1].payee) == before[two[1].payee] + sol.FEE // 2
    assert sol.balance(signers[2].payee) == before[signers[2].payee]
    assert sol.balance(sol.transmitter.pubkey()) == before[sol.transmitter.pubkey()] - sol.rent(size)
    assert sol.balance(sol.requester.pubkey()) == before[sol.requester.pubkey()] + sol.rent(sol.REQUEST_BASE_LEN)
    assert sol.account(request) is None

    fulfilled, signed = sol.events(result)
    assert (fulfilled.name, bytes(fulfilled.data.signer), fulfilled.data.replaced) == (
        "AssessmentFulfilled", two[0].address, False)  # the subject's first score
    assert (signed.name, bytes(signed.data.request), bytes(signed.data.oracle), signed.data.threshold) == (
        "QuorumSigned", bytes(request), bytes(sol.oracle.pubkey()), 2)
    assert [bytes(x) for x in signed.data.signers] == [s.address for s in two]
    # a second quorum of two: the account is already that size, the transmitter pays nothing more
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    second = sol.ok(quorum_ix(sol, sol.request(), two))
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before
    assert sol.decode(sol.score_pda()).version == 2
    assert sol.events(second)[0].data.replaced is True


def test_more_signatures_than_the_threshold_all_count_and_share_the_fee(trio):
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    before = [sol.balance(s.payee) for s in signers]
    sol.ok(quorum_ix(sol, request, signers))
    share = sol.FEE // 3
    assert sol.FEE % 3 == 1
    assert [sol.balance(s.payee) - b for s, b in zip(signers, before)] == [
        share + 1, share, share]  # the remainder to the first (lowest address)
    assert score_tail(sol) == (2, [s.address for s in signers])


def test_the_quorum_entry_at_threshold_one(trio):
    sol, signers, request = trio
    sol.ok(quorum_ix(sol, request, signers[1:2]))
    assert score_tail(sol) == (1, [signers[1].address])


def test_fewer_signatures_than_the_threshold(trio):
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 3))
    sol.fails("QuorumNotMet", quorum_ix(sol, request, signers[:2]))
    assert values_line(sol, quorum_ix(sol, request, signers[:2])) == "QuorumNotMet(2, 3)"
    assert values_line(sol, quorum_ix(sol, request, [])) == "QuorumNotMet(0, 3)"
    sol.ok(quorum_ix(sol, request, signers))


def test_threshold_raised_between_signing_and_fulfilment(trio):
    """The threshold is not in the payload: two signatures made at k = 2 fall short once the admin sets k = 3."""
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    ix = quorum_ix(sol, request, signers[:2])
    sol.ok(set_threshold_ix(sol, 3))
    assert values_line(sol, ix) == "QuorumNotMet(2, 3)"


def test_one_signature_twice(trio):
    """Attack: the same signer's signature (and enclave) given twice to make up the threshold."""
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    twice = [signers[0], signers[0]]
    sol.fails("SignersNotAscending", quorum_ix(sol, request, twice))
    address = "0x" + signers[0].address.hex()
    assert values_line(sol, quorum_ix(sol, request, twice)) == f"SignersNotAscending({address}, {address})"


def test_signers_out_of_order(trio):
    sol, signers, request = trio
    descending = [signers[1], signers[0]]
    first, second = ("0x" + s.address.hex() for s in descending)
    assert values_line(sol, quorum_ix(sol, request, descending)) == f"SignersNotAscending({first}, {second})"
    sol.fails("SignersNotAscending", quorum_ix(sol, request, [signers[0], signers[2], signers[1]]))
    sol.ok(quorum_ix(sol, request, [signers[0], signers[2]]))


def test_too_many_signatures(trio):
    sol, signers, request = trio
    ix = quorum_ix(sol, request, signers[:1], signatures=[bytes(65)] * (MAX_SIGNERS + 1))
    sol.fails("TooManySignatures", ix)
    assert values_line(sol, ix) == f"TooManySignatures({MAX_SIGNERS + 1}, {MAX_SIGNERS})"
    # the count is read first: a count above the most is refused however short the data
    short = Instruction(ix.program_id, ix.data[:8 + 161 + 4], ix.accounts)
    assert values_line(sol, short) == f"TooManySignatures({MAX_SIGNERS + 1}, {MAX_SIGNERS})"


def test_revoked_signer(trio):
    sol, signers, request = trio
    sol.ok(sol.revoke_ix(signers[1].key))
    sol.fails("EnclaveRevoked", quorum_ix(sol, request, signers[:2]))
    sol.ok(quorum_ix(sol, request, [signers[0], signers[2]]))


def test_signature_over_another_payload(trio):
    """A signer that signed another score recovers another key: the unknown-signer error, not a vote."""
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    a = assessment(sol)
    a = sol.resolve(request, a)
    liar = sol.sign(request, replace(a, score=a.score + 1), enclave=signers[1].key)
    honest = sol.sign(request, a, enclave=signers[0].key)
    sol.fails("UnknownSigner", quorum_ix(sol, request, signers[:2], a, signatures=[honest, liar]))
    other_request = sol.sign(sol.request_pda(5), a, enclave=signers[1].key)
    sol.fails("UnknownSigner", quorum_ix(sol, request, signers[:2], a, signatures=[honest, other_request]))


def test_unregistered_signer(trio):
    """A key never registered: its signature under a registered enclave's account, or its own (absent) one."""
    sol, signers, request = trio
    stranger = Signer(sol.EnclaveKey.random(), sol.stranger.pubkey())
    a = sol.resolve(request, assessment(sol))
    forged = [sol.sign(request, a, enclave=signers[0].key), sol.sign(request, a, enclave=stranger.key)]
    sol.fails("UnknownSigner", quorum_ix(sol, request, signers[:2], a, signatures=forged))
    pair = sorted([signers[0], stranger], key=lambda s: s.address)
    sol.fails("WrongOwner", quorum_ix(sol, request, pair, a))


def test_signer_of_another_measurement(trio):
    sol, signers, request = trio
    (other,) = register(sol, 1, measurement=bytes(range(32)))
    pair = sorted([signers[0], other], key=lambda s: s.address)
    sol.fails("MeasurementMismatch", quorum_ix(sol, request, pair))


def test_enclave_of_another_oracle(trio):
    sol, signers, request = trio
    first = sol.oracle
    sol.oracle = sol.keypair(0)
    sol.initialize()
    sol.ok(sol.register_ix(signers[1].key, payee=signers[1].payee))
    foreign = sol.enclave_pda(signers[1].key)
    sol.oracle = first
    ix = quorum_ix(sol, request, signers[:2])
    metas = list(ix.accounts)
    metas[7 + 2] = AccountMeta(foreign, is_signer=False, is_writable=False)
    sol.fails("WrongOracle", Instruction(ix.program_id, ix.data, metas))


def test_high_s_and_recovery_id(trio):
    sol, signers, request = trio
    a = sol.resolve(request, assessment(sol))
    good = [sol.sign(request, a, enclave=s.key) for s in signers[:2]]
    sol.fails("InvalidSignatureS", quorum_ix(sol, request, signers[:2], a, signatures=[good[0], sol.high_s(good[1])]))
    sol.fails("InvalidRecoveryId", quorum_ix(sol, request, signers[:2], a,
                                             signatures=[good[0], good[1][:64] + b"\x02"]))
    sol.fails("InvalidSignature", quorum_ix(sol, request, signers[:2], a,
                                            signatures=[good[0], b"\xff" * 32 + (1).to_bytes(32, "big") + b"\x00"]))
    sol.ok(quorum_ix(sol, request, signers[:2], a, signatures=good))


def test_payees_come_from_the_registry(trio):
    """Attack: a copier sends the same signatures naming itself as a payee, or as the transmitter."""
    sol, signers, request = trio
    copier = sol.stranger.pubkey()
    sol.fails("PayeeMismatch", quorum_ix(sol, request, signers[:2], payees=[signers[0].payee, copier]))
    sol.fails("PayeeMismatch", quorum_ix(sol, request, signers[:2], payees=[signers[1].payee, signers[0].payee]))
    a = assessment(sol)
    honest = quorum_ix(sol, request, signers[:2], a)
    copied = quorum_ix(sol, request, signers[:2], a, accounts={"transmitter": copier})
    assert copied.data == honest.data
    payees_before = [sol.balance(s.payee) for s in signers[:2]]
    copier_before = sol.balance(copier)
    sol.ok(copied)
    assert [sol.balance(s.payee) - b for s, b in zip(signers[:2], payees_before)] == [sol.FEE // 2] * 2
    assert sol.balance(copier) == copier_before - sol.rent(QUORUM_BASE + 40)  # the score's rent, no fee


def test_accounts_and_data(trio):
    sol, signers, request = trio
    ix = quorum_ix(sol, request, signers[:2])
    sol.fails("NotEnoughAccounts", Instruction(ix.program_id, ix.data, ix.accounts[:-1]))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data[:-1], ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data + b"\x00", ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data[:8 + 160], ix.accounts))
    metas = list(ix.accounts)
    metas[8] = AccountMeta(metas[8].pubkey, is_signer=False, is_writable=False)
    sol.fails("NotWritable", Instruction(ix.program_id, ix.data, metas))
    sol.fails("MissingSignature", quorum_ix(sol, request, signers[:2], not_signer=["transmitter"]))
    for name in ("request", "score", "requester", "transmitter"):
        sol.fails("NotWritable", quorum_ix(sol, request, signers[:2], not_writable=[name]))
    sol.fails("WrongSysvar", quorum_ix(sol, request, signers[:2], accounts={"slot_hashes": sol.stranger.pubkey()}))
    sol.fails("WrongSystemProgram", quorum_ix(sol, request, signers[:2],
                                              accounts={"system_program": sol.stranger.pubkey()}))
    sol.fails("RequesterMismatch", quorum_ix(sol, request, signers[:2], accounts={"requester": sol.stranger.pubkey()}))
    sol.fails("WrongPda", quorum_ix(sol, request, signers[:2], accounts={"score": Keypair().pubkey()}))
    sol.ok(ix)
    sol.fails("RequestNotFound", ix)


def test_assessment_checks_are_fulfils(trio):
    sol, signers, request = trio
    sol.fails("ScoreOutOfRange", quorum_ix(sol, request, signers[:2], assessment(sol, score=1001)))
    sol.fails("SlotMismatch", quorum_ix(sol, request, signers[:2], assessment(sol, slot=sol.slot - 2)))
    sol.fails("SlotHashMismatch", quorum_ix(sol, request, signers[:2], assessment(sol, slot_hash=bytes(32))))
    sol.fails("AssessmentFromFuture", quorum_ix(sol, request, signers[:2], assessment(sol, timestamp=sol.now + 1)))


def test_a_private_request_takes_only_the_private_form(trio):
    """As with `fulfil` (test_private.py): the quorum stores what its signers signed, the private form."""
    sol, signers, _ = trio
    sol.ok(set_threshold_ix(sol, 2))
    private = sol.request(private=True)
    sol.fails("PrivacyMismatch", quorum_ix(sol, private, signers[:2], assessment(sol)))
    sol.fails("PrivacyMismatch", quorum_ix(sol, private, signers[:2], replace(assessment(sol).private(), score=1)))
    a = assessment(sol, flags=4).private()
    sol.ok(quorum_ix(sol, private, signers[:2], a))
    score = sol.decode(sol.score_pda())
    assert (score.score, score.tier, score.pd_bps, score.flags, bytes(score.commitment)) == (0, 255, 0, 4, a.commitment)
    assert score_tail(sol) == (2, [s.address for s in signers[:2]])


def test_a_public_request_refuses_the_private_form(trio):
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    sol.fails("PrivacyMismatch", quorum_ix(sol, request, signers[:2], assessment(sol).private()))
    sol.ok(quorum_ix(sol, request, signers[:2], assessment(sol)))


# ------------------------------------------------------------------------------------ the score and its tail

def test_fulfil_after_a_quorum_truncates_the_signers(trio):
    sol, signers, request = trio
    sol.ok(quorum_ix(sol, request, signers))
    lamports = sol.account(sol.score_pda()).lamports
    sol.fulfil(sol.request())
    score = sol.account(sol.score_pda())
    assert len(score.data) == SCORE_LEN and score.lamports == lamports  # the rent paid for the tail stays
    assert bytes(sol.decode(sol.score_pda()).signer) == sol.enclave.address
    assert counts(sol, [sol.enclave.address])
    # and a quorum after it grows the account again, without another transfer
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    sol.ok(quorum_ix(sol, sol.request(), signers[:2]))
    assert len(sol.account(sol.score_pda()).data) == QUORUM_BASE + 40
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before


def test_quorum_after_fulfil_grows_the_score(ready):
    sol = ready
    signers = register(sol, 2)
    sol.fulfil(sol.request())
    transmitter_before = sol.balance(sol.transmitter.pubkey())
    sol.ok(quorum_ix(sol, sol.request(), signers))
    assert sol.account(sol.score_pda()).lamports == sol.rent(QUORUM_BASE + 40)
    assert sol.balance(sol.transmitter.pubkey()) == transmitter_before - (sol.rent(QUORUM_BASE + 40) - sol.rent(SCORE_LEN))
    assert sol.decode(sol.score_pda()).version == 2


def test_older_quorum_assessment_fulfils_but_does_not_replace(trio):
    sol, signers, request = trio
    sol.set_time(sol.T0 + 1_000)
    sol.ok(quorum_ix(sol, request, signers, assessment(sol, timestamp=sol.T0 + 900)))
    stored = bytes(sol.account(sol.score_pda()).data)
    result = sol.ok(quorum_ix(sol, sol.request(), signers[:1], assessment(sol, timestamp=sol.T0 + 800)))
    assert bytes(sol.account(sol.score_pda()).data) == stored
    assert sol.events(result)[0].data.replaced is False


# ------------------------------------------------------------------------------------------------ score_status

def test_two_of_three_signed_by_two_stops_counting_when_one_is_revoked(trio):
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    sol.ok(quorum_ix(sol, request, signers[:2]))
    addresses = [s.address for s in signers[:2]]
    assert counts(sol, addresses)
    sol.ok(sol.revoke_ix(signers[2].key))  # not one of its signers
    assert counts(sol, addresses)
    sol.ok(sol.revoke_ix(signers[1].key))
    assert not counts(sol, addresses)


def test_signed_by_three_at_two_survives_one_revocation(trio):
    sol, signers, request = trio
    sol.ok(set_threshold_ix(sol, 2))
    sol.ok(quorum_ix(sol, request, signers))
    addresses = [s.address for s in signers]
    sol.ok(sol.revoke_ix(signers[0].key))
    assert counts(sol, addresses)
    # the threshold stored is the one in force then: lowering the oracle's later changes nothing
    sol.ok(set_threshold_ix(sol, 1))
    sol.ok(sol.revoke_ix(signers[2].key))
    assert not counts(sol, addresses)


def test_single_signer_score_counts_while_its_signer_is_active(ready):
    sol = ready
    sol.fulfil(sol.request())
    assert counts(sol, [sol.enclave.address])
    sol.ok(sol.revoke_ix())
    assert not counts(sol, [sol.enclave.address])


def test_score_status_takes_the_score_signers_enclaves(trio):
    sol, signers, request = trio
    sol.ok(quorum_ix(sol, request, signers[:2]))
    addresses = [s.address for s in signers[:2]]
    sol.fails("WrongPda", status_ix(sol, [addresses[1], addresses[0]]))
    sol.fails("WrongPda", status_ix(sol, [addresses[0], signers[2].address]))
    sol.fails("NotEnoughAccounts", status_ix(sol, addresses[:1]))
    ix = status_ix(sol, addresses)
    metas = list(ix.accounts)
    metas[1] = AccountMeta(sol.enclave_pda(), is_signer=False, is_writable=False)
    sol.fails("WrongAccountType", Instruction(ix.program_id, ix.data, metas))
    sol.fails("WrongOwner", status_ix(sol, addresses, subject=Keypair().pubkey()))


# ------------------------------------------------------------------------------------------ compute and size

def subject_at_first_bump(sol) -> Pubkey:
    while True:
        subject = Keypair().pubkey()
        if Pubkey.find_program_address([b"score", bytes(sol.oracle.pubkey()), bytes(subject)], sol.PROGRAM_ID)[1] == 255:
            return subject


def test_compute_units_per_signature(ready, record_property):
    """Each further signature costs one recovery (25,000 units) and its checks: at most 27,000."""
    sol = ready
    signers = register(sol, 3)
    subject = subject_at_first_bump(sol)
    sol.fulfil(sol.request(subject=subject), subject=subject)  # the score account exists: updates only below
    k1 = sol.fulfil(sol.request(subject=subject), subject=subject).compute_units_consumed()
    units = []
    for n in (1, 2, 3):  # the second of each, on a score already the size n signers take
        sol.ok(quorum_ix(sol, sol.request(subject=subject), signers[:n], subject=subject))
        result = sol.ok(quorum_ix(sol, sol.request(subject=subject), signers[:n], subject=subject))
        units.append(result.compute_units_consumed())
    record_property("fulfil_cu_k1", k1)
    record_property("fulfil_cu_k2", units[1])
    print(f"fulfil: {k1} units; fulfil_quorum with 1, 2, 3 signatures: {units}")
    assert units[1] - units[0] <= 27_000 and units[2] - units[1] <= 27_000
    assert units[1] - k1 <= 27_000  # fulfil_cu_k2 - fulfil_cu_k1


def lookup_table(sol, addresses: Sequence[Pubkey]) -> Pubkey:
    """An active address lookup table holding `addresses`, written in place: its 56-byte meta (a lookup table,
    never deactivated, last extended the slot before, no authority), then the keys."""
    key = Keypair().pubkey()
    meta = struct.pack("<IQQBB", 1, 2**64 - 1, sol.slot - 1, 0, 0).ljust(56, b"\x00")
    data = meta + b"".join(bytes(a) for a in addresses)
    assert AddressLookupTable.deserialize(data).addresses == list(addresses)
    sol.svm.set_account(key, Account(lamports=sol.rent(len(data)), data=data, owner=LOOKUP_TABLE_PROGRAM,
                                     executable=False, rent_epoch=0))
    return key


def test_the_most_signatures_fit_one_transaction(ready):
    """Eight signatures fit a v0 transaction whose lookup table holds the enclaves and payees (with a compute
    budget instruction, the transmitter paying the fee); nine would not: the 1232-byte packet is the limit."""
    sol = ready
    signers = register(sol, MAX_SIGNERS + 1)
    sol.ok(set_threshold_ix(sol, MAX_SIGNERS))

    def transaction(n: int) -> VersionedTransaction:
        ix = quorum_ix(sol, request, signers[:n])
        table = [m.pubkey for m in ix.accounts[7:]]
        alt = AddressLookupTableAccount(lookup_table(sol, table), table)
        sol.svm.expire_blockhash()
        message = MessageV0.try_compile(sol.transmitter.pubkey(), [set_compute_unit_limit(400_000), ix], [alt],
                                        sol.svm.latest_blockhash())
        return VersionedTransaction(message, [sol.transmitter])

    request = sol.request()
    assert len(bytes(transaction(MAX_SIGNERS + 1))) > PACKET
    tx = transaction(MAX_SIGNERS)
    assert len(bytes(tx)) <= PACKET
    result = sol.svm.send_transaction(tx)
    assert isinstance(result, TransactionMetadata), "\n".join(result.meta().logs())
    assert score_tail(sol) == (MAX_SIGNERS, [s.address for s in signers[:MAX_SIGNERS]])
    print(f"{MAX_SIGNERS} signatures: {len(bytes(tx))} bytes, {result.compute_units_consumed()} units")
