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
    assert sol.balance(sol.requester.pubkey()) == requester_before - sol.rent(space) - sol.FEE
    assert sol.decode(sol.oracle.pubkey()).next_nonce == 1
    (event,) = sol.events(result)
    assert event.name == "AssessmentRequested"
    d = event.data
    assert (bytes(d.request), bytes(d.oracle), bytes(d.requester), bytes(d.subject)) == (
        bytes(address), bytes(sol.oracle.pubkey()), bytes(sol.requester.pubkey()), bytes(sol.subject))
    assert (d.nonce, d.fee, d.expires_at, d.params) == (0, sol.FEE, sol.T0 + 10 + sol.TTL, PARAMS_V1)


def test_requests_take_consecutive_nonces(ready):
    sol = ready
    first = sol.request()
    second = sol.request(params=b"")
    assert (first, second) == (sol.request_pda(0), sol.request_pda(1))
    assert sol.decode(second).nonce == 1 and sol.decode(second).params == b""
    assert sol.account(second).lamports == sol.rent(sol.REQUEST_BASE_LEN) + sol.FEE
    assert sol.decode(sol.oracle.pubkey()).next_nonce == 2


def test_request_with_no_fee(sol):
    sol.initialize(fee=0)
    before = sol.balance(sol.requester.pubkey())
    address = sol.request()
    assert sol.account(address).lamports == sol.rent(sol.REQUEST_BASE_LEN)
    assert sol.balance(sol.requester.pubkey()) == before - sol.rent(sol.REQUEST_BASE_LEN)


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
    assert sol.balance(sol.requester.pubkey()) == before - (sol.rent(sol.REQUEST_BASE_LEN) - 700) - sol.FEE


def test_request_at_a_pda_funded_beyond_its_rent_still_pays_the_fee(ready):
    sol = ready
    pda = sol.request_pda(0)
    extra = sol.rent(sol.REQUEST_BASE_LEN) + 99
    sol.set_account(pda, extra)
    before = sol.balance(sol.requester.pubkey())
    sol.request()
    assert sol.account(pda).lamports == extra + sol.FEE
    assert sol.balance(sol.requester.pubkey()) == before - sol.FEE


def test_request_signers_and_writability(ready):
    sol = ready
    sol.fails("MissingSignature", sol.request_ix(not_signer=["requester"]))
    sol.fails("NotWritable", sol.request_ix(not_writable=["oracle"]))
    sol.fails("NotWritable", sol.request_ix(not_writable=["request"]))
    sol.fails("NotWritable", sol.request_ix(not_writable=["requester"]))
    sol.fails("WrongSystemProgram", sol.request_ix(accounts={"system_program": sol.stranger.pubkey()}))
    sol.fails("NotEnoughAccounts", _truncated(sol.request_ix(), 3))


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
