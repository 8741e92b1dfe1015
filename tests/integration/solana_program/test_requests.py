"""`request_assessment` and `cancel`."""

from __future__ import annotations

import struct

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

PARAMS_V1 = bytes(range(128))


def test_request_creates_the_request_and_takes_rent_and_fee(ready):
    sol = ready
    sol.set_time(sol.T0 + 10, slot=2_000)
    requester_before = sol.balance(sol.requester.pubkey())
    result = sol.ok(sol.request_ix(params=PARAMS_V1))
    address = sol.request_pda(0)
    request = sol.decode(address)
    assert bytes(request.oracle) == bytes(sol.oracle.pubkey())
    assert bytes(request.requester) == bytes(sol.requester.pubkey())
    assert bytes(request.subject) == bytes(sol.subject)
    assert (request.nonce, request.fee, request.created_slot, request.created_at, request.expires_at) == (
        0, sol.FEE, 2_000, sol.T0 + 10, sol.T0 + 10 + sol.TTL)
    assert (request.status, request.params) == (0, PARAMS_V1)
    space = sol.REQUEST_BASE_LEN + len(PARAMS_V1)
    account = sol.account(address)
    assert len(account.data) == space
    assert account.lamports == sol.rent(space) + sol.FEE
    # the first request also creates the requester's counter, whose rent it pays once
    counter = sol.counter_pda()
    assert len(sol.account(counter).data) == sol.COUNTER_LEN
    assert sol.account(counter).lamports == sol.rent(sol.COUNTER_LEN)
    assert sol.balance(sol.requester.pubkey()) == (
        requester_before - sol.rent(space) - sol.FEE - sol.rent(sol.COUNTER_LEN))
    state = sol.decode(counter)
    assert (bytes(state.oracle), bytes(state.requester), state.next_nonce) == (
        bytes(sol.oracle.pubkey()), bytes(sol.requester.pubkey()), 1)
    (event,) = sol.events(result)
    assert event.name == "AssessmentRequested"
    d = event.data
    assert (bytes(d.request), bytes(d.oracle), bytes(d.requester), bytes(d.subject)) == (
        bytes(address), bytes(sol.oracle.pubkey()), bytes(sol.requester.pubkey()), bytes(sol.subject))
    assert (d.nonce, d.fee, d.expires_at, d.params) == (0, sol.FEE, sol.T0 + 10 + sol.TTL, PARAMS_V1)


def test_requests_take_consecutive_nonces(ready):
    sol = ready
    first = sol.request()
    before = sol.balance(sol.requester.pubkey())
    second = sol.request(params=b"")
    assert (first, second) == (sol.request_pda(0), sol.request_pda(1))
    assert sol.decode(second).nonce == 1 and sol.decode(second).params == b""
    assert sol.account(second).lamports == sol.rent(sol.REQUEST_BASE_LEN) + sol.FEE
    assert sol.balance(sol.requester.pubkey()) == before - sol.rent(sol.REQUEST_BASE_LEN) - sol.FEE  # no counter rent
    assert sol.decode(sol.counter_pda()).next_nonce == 2


def test_each_requester_numbers_its_own_requests_and_no_request_writes_the_oracle(ready):
    """Requests of two requesters share no writable account: each has its own counter and addresses, and the
    oracle account, read only, is byte for byte what it was."""
    sol = ready
    oracle_before = bytes(sol.account(sol.oracle.pubkey()).data)
    mine = sol.request()
    ix = sol.request_ix(requester=sol.stranger)
    assert [m.pubkey for m in ix.accounts if m.is_writable] == [
        sol.counter_pda(sol.stranger.pubkey()), sol.request_pda(0, sol.stranger.pubkey()), sol.stranger.pubkey()]
    sol.ok(ix)
    theirs = sol.request_pda(0, sol.stranger.pubkey())
    assert mine != theirs
    assert (sol.decode(mine).nonce, sol.decode(theirs).nonce) == (0, 0)
    assert bytes(sol.decode(theirs).requester) == bytes(sol.stranger.pubkey())
    assert (sol.next_nonce(), sol.next_nonce(sol.stranger.pubkey())) == (1, 1)
    assert bytes(sol.account(sol.oracle.pubkey()).data) == oracle_before


def test_a_closed_request_s_address_is_never_taken_again(ready):
    """The counter only goes up: once a request is fulfilled or cancelled (its account closed), its nonce's address
    is refused, so no later request can sit where an answered one did."""
    sol = ready
    address = sol.request()
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.ok(sol.cancel_ix(address))
    assert sol.account(address) is None
    sol.fails("WrongPda", sol.request_ix(nonce=0))
    sol.ok(sol.request_ix())
    assert sol.account(sol.request_pda(1)) is not None


def test_request_with_a_counter_that_is_not_the_requester_s(ready):
    sol = ready
    sol.request()  # the requester's counter exists
    # the stranger names the requester's counter (and the request its number would give)
    sol.fails("RequesterMismatch", sol.request_ix(requester=sol.stranger, accounts={
        "counter": sol.counter_pda(), "request": sol.request_pda(1, sol.stranger.pubkey())}))
    # a counter not yet made, at an address that is not the requester's counter PDA
    sol.fails("WrongPda", sol.request_ix(requester=sol.stranger, accounts={"counter": Keypair().pubkey()}))


def test_request_with_a_counter_of_another_oracle(ready):
    sol = ready
    other = sol.keypair(0)
    sol.ok(sol.initialize_ix(oracle=other))
    sol.ok(sol.request_ix(accounts={"oracle": other.pubkey(), "counter": sol.counter_pda(oracle=other.pubkey()),
                                    "request": sol.request_pda(0, oracle=other.pubkey())}))
    sol.fails("WrongOracle", sol.request_ix(accounts={"counter": sol.counter_pda(oracle=other.pubkey())}))


def test_request_with_a_counter_of_another_owner_or_kind(ready):
    sol = ready
    sol.request()
    fake = Keypair().pubkey()
    sol.set_account(fake, 10**9, bytes(sol.account(sol.counter_pda()).data), owner=Keypair().pubkey())
    sol.fails("WrongOwner", sol.request_ix(accounts={"counter": fake}))
    sol.fails("WrongAccountType", sol.request_ix(accounts={"counter": sol.enclave_pda()}))
    sol.fails("WrongAccountType", sol.request_ix(accounts={"counter": sol.oracle.pubkey()}))


def test_first_request_at_a_pre_funded_counter(ready):
    sol = ready
    sol.set_account(sol.counter_pda(), 500)
    before = sol.balance(sol.requester.pubkey())
    sol.request()
    assert sol.account(sol.counter_pda()).lamports == sol.rent(sol.COUNTER_LEN)
    assert sol.decode(sol.counter_pda()).next_nonce == 1
    assert sol.balance(sol.requester.pubkey()) == (
        before - (sol.rent(sol.COUNTER_LEN) - 500) - sol.rent(sol.REQUEST_BASE_LEN) - sol.FEE)


def test_request_with_no_fee(sol):
    sol.initialize(fee=0)
    before = sol.balance(sol.requester.pubkey())
    address = sol.request()
    assert sol.account(address).lamports == sol.rent(sol.REQUEST_BASE_LEN)
    assert sol.balance(sol.requester.pubkey()) == before - sol.rent(sol.REQUEST_BASE_LEN) - sol.rent(sol.COUNTER_LEN)


def test_request_params_limit(ready):
    sol = ready
    sol.request(params=bytes(256))
    sol.fails("ParamsTooLong", sol.request_ix(params=bytes(257)))


def test_request_zero_subject(ready):
    ready.fails("ZeroSubject", ready.request_ix(subject=Pubkey.default()))


def test_request_at_the_wrong_pda(ready):
    sol = ready
    sol.fails("WrongPda", sol.request_ix(nonce=1))
    sol.fails("WrongPda", sol.request_ix(accounts={"request": Keypair().pubkey()}))


def test_request_at_a_pre_funded_pda(ready):
    sol = ready
    pda = sol.request_pda(0)
    sol.set_account(pda, 700)
    before = sol.balance(sol.requester.pubkey())
    sol.request()
    assert sol.account(pda).lamports == sol.rent(sol.REQUEST_BASE_LEN) + sol.FEE
    assert sol.balance(sol.requester.pubkey()) == (
        before - (sol.rent(sol.REQUEST_BASE_LEN) - 700) - sol.FEE - sol.rent(sol.COUNTER_LEN))


def test_request_at_a_pda_funded_beyond_its_rent_still_pays_the_fee(ready):
    sol = ready
    pda = sol.request_pda(0)
    extra = sol.rent(sol.REQUEST_BASE_LEN) + 99
    sol.set_account(pda, extra)
    before = sol.balance(sol.requester.pubkey())
    sol.request()
    assert sol.account(pda).lamports == extra + sol.FEE
    assert sol.balance(sol.requester.pubkey()) == before - sol.FEE - sol.rent(sol.COUNTER_LEN)


def test_request_signers_and_writability(ready):
    sol = ready
    sol.fails("MissingSignature", sol.request_ix(not_signer=["requester"]))
    sol.fails("NotWritable", sol.request_ix(not_writable=["counter"]))
    sol.fails("NotWritable", sol.request_ix(not_writable=["request"]))
    sol.fails("NotWritable", sol.request_ix(not_writable=["requester"]))
    sol.fails("WrongSystemProgram", sol.request_ix(accounts={"system_program": sol.stranger.pubkey()}))
    sol.fails("NotEnoughAccounts", _truncated(sol.request_ix(), 4))


def test_request_with_an_oracle_of_another_owner(ready):
    sol = ready
    fake = Keypair().pubkey()
    sol.set_account(fake, 10**9, bytes(sol.account(sol.oracle.pubkey()).data), owner=Keypair().pubkey())
    sol.fails("WrongOwner", sol.request_ix(nonce=0, accounts={"oracle": fake}))
    sol.fails("WrongAccountType", sol.request_ix(nonce=0, accounts={"oracle": sol.enclave_pda()}))


def test_request_malformed_params(ready):
    sol = ready
    ix = sol.request_ix(params=b"\x01\x02\x03")
    body = ix.data
    # the Vec's length past the end of the data, and trailing bytes after it
    past_end = body[:40] + struct.pack("<I", 4) + body[44:]
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, past_end, ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, body + b"\x00", ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, body[:43], ix.accounts))
    huge = body[:40] + struct.pack("<I", 0xFFFFFFFF) + body[44:]
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, huge, ix.accounts))


# ---------------------------------------------------------------------------------------------------- cancel

def test_cancel_after_expiry_returns_everything(ready):
    sol = ready
    address = sol.request(params=PARAMS_V1)
    held = sol.account(address).lamports
    before = sol.balance(sol.requester.pubkey())
    sol.set_time(sol.T0 + sol.TTL + 1)
    result = sol.ok(sol.cancel_ix(address))
    assert sol.account(address) is None
    assert sol.balance(sol.requester.pubkey()) == before + held
    assert held == sol.rent(sol.REQUEST_BASE_LEN + 128) + sol.FEE
    (event,) = sol.events(result)
    assert event.name == "AssessmentCancelled"
    assert (bytes(event.data.request), bytes(event.data.oracle), bytes(event.data.requester)) == (
        bytes(address), bytes(sol.oracle.pubkey()), bytes(sol.requester.pubkey()))


def test_cancel_before_expiry(ready):
    sol = ready
    address = sol.request()
    sol.fails("NotExpired", sol.cancel_ix(address))
    sol.set_time(sol.T0 + sol.TTL)  # at expires_at the request is still live
    sol.fails("NotExpired", sol.cancel_ix(address))
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.ok(sol.cancel_ix(address))


def test_cancel_by_a_stranger(ready):
    sol = ready
    address = sol.request()
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.fails("NotRequester", sol.cancel_ix(address, requester=sol.stranger))
    sol.fails("MissingSignature", sol.cancel_ix(address, not_signer=["requester"]))
    sol.fails("NotWritable", sol.cancel_ix(address, not_writable=["request"]))
    sol.fails("NotWritable", sol.cancel_ix(address, not_writable=["requester"]))


def test_cancelled_request_is_gone(ready):
    sol = ready
    address = sol.request()
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.ok(sol.cancel_ix(address))
    sol.fails("RequestNotFound", sol.cancel_ix(address))
    sol.fails("RequestNotFound", sol.fulfil_ix(address))


def test_cancel_a_request_never_made(ready):
    ready.fails("RequestNotFound", ready.cancel_ix(ready.request_pda(5)))


def test_cancel_with_the_wrong_accounts(ready):
    sol = ready
    address = sol.request()
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.fails("WrongAccountType", sol.cancel_ix(sol.enclave_pda()))
    foreign = Keypair().pubkey()
    sol.set_account(foreign, 10**9, bytes(sol.account(address).data), owner=Keypair().pubkey())
    sol.fails("WrongOwner", sol.cancel_ix(foreign))
    other_oracle = sol.keypair(0)
    sol.ok(sol.initialize_ix(oracle=other_oracle))
    sol.fails("WrongOracle", sol.cancel_ix(address, accounts={"oracle": other_oracle.pubkey()}))
    sol.ok(sol.cancel_ix(address))


def _truncated(ix: Instruction, n: int) -> Instruction:
    return Instruction(ix.program_id, ix.data, ix.accounts[:n])


def test_request_fee_overflow(sol):
    sol.initialize(fee=2**64 - 1)
    sol.register()
    sol.fails("ArithmeticOverflow", sol.request_ix())


def test_request_expiry_overflow(ready):
    sol = ready
    sol.set_time(2**63 - sol.TTL)
    sol.fails("ArithmeticOverflow", sol.request_ix())
    sol.set_time(2**63 - 1 - sol.TTL)
    sol.request()
    assert sol.decode(sol.request_pda(0)).expires_at == 2**63 - 1


def test_request_not_pending(ready):
    """A request whose status is not pending (no instruction leaves one so: closing comes with the status
    change) is refused by fulfil and cancel."""
    sol = ready
    address = sol.request()
    account = sol.account(address)
    data = bytearray(account.data)
    data[152] = 1  # status
    sol.set_account(address, account.lamports, bytes(data), owner=sol.PROGRAM_ID)
    sol.fails("RequestNotPending", sol.fulfil_ix(address))
    sol.set_time(sol.T0 + sol.TTL + 1)
    sol.fails("RequestNotPending", sol.cancel_ix(address))


def test_an_oracle_of_the_earlier_layout_is_refused(ready):
    """Layout 2 held `next_nonce` at 56 and was 73 bytes: read as layout 3 its cluster id would be wrong."""
    sol = ready
    data = bytes(sol.account(sol.oracle.pubkey()).data)
    old = data[:56] + struct.pack("<Q", 3) + bytes([2]) + data[57:65]
    assert len(old) == 73
    sol.set_account(sol.oracle.pubkey(), sol.rent(73), old, owner=sol.PROGRAM_ID)
    sol.fails("WrongAccountType", sol.request_ix())
    # the current length with another version byte
    sol.set_account(sol.oracle.pubkey(), sol.rent(65), data[:56] + bytes([2]) + data[57:], owner=sol.PROGRAM_ID)
    sol.fails("WrongAccountType", sol.request_ix())
