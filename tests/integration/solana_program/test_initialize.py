"""`initialize`, and what every instruction refuses before it reads its accounts: unknown discriminators,
short and oversized instruction data, missing accounts. Also the rent sysvar the program reads."""

from __future__ import annotations

import hashlib

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.rent import Rent


def test_initialize_creates_the_oracle(sol):
    admin_before = sol.balance(sol.admin.pubkey())
    sol.initialize(fee=1234, ttl=600)
    oracle = sol.decode(sol.oracle.pubkey())
    assert bytes(oracle.admin) == bytes(sol.admin.pubkey())
    assert (oracle.fee_lamports, oracle.request_ttl_s, oracle.layout_version, oracle.cluster_id) == (
        1234, 600, 3, sol.CLUSTER_ID)
    account = sol.account(sol.oracle.pubkey())
    assert len(account.data) == 65
    assert account.lamports == sol.rent(65)
    assert sol.balance(sol.admin.pubkey()) == admin_before - sol.rent(65)  # the payer pays the fees


def test_initialize_ttl_bounds(sol):
    sol.fails("InvalidRequestTtl", sol.initialize_ix(ttl=0))
    sol.fails("InvalidRequestTtl", sol.initialize_ix(ttl=-1))
    sol.fails("InvalidRequestTtl", sol.initialize_ix(ttl=604_801))
    sol.initialize(ttl=604_800)
    other = sol.keypair(0)
    sol.ok(sol.initialize_ix(ttl=1, oracle=other))
    assert sol.decode(other.pubkey()).request_ttl_s == 1


def test_initialize_cluster_id(sol):
    """The cluster id every payload of this oracle is signed for: any nonzero u64."""
    sol.fails("InvalidClusterId", sol.initialize_ix(cluster_id=0))
    sol.initialize(cluster_id=2**64 - 1)
    assert sol.decode(sol.oracle.pubkey()).cluster_id == 2**64 - 1


def test_initialize_twice(sol):
    sol.initialize()
    sol.fails("AlreadyInitialized", sol.initialize_ix())


def test_initialize_on_an_account_holding_lamports(sol):
    sol.set_account(sol.oracle.pubkey(), 1)
    sol.fails("AlreadyInitialized", sol.initialize_ix())


def test_initialize_signers_and_writability(sol):
    sol.fails("MissingSignature", sol.initialize_ix(not_signer=["oracle"]))
    sol.fails("MissingSignature", sol.initialize_ix(not_signer=["admin"]))
    sol.fails("NotWritable", sol.initialize_ix(not_writable=["oracle"]))
    sol.fails("NotWritable", sol.initialize_ix(not_writable=["admin"]))


def test_initialize_wrong_system_program(sol):
    ix = sol.initialize_ix()
    metas = list(ix.accounts)
    metas[2] = type(metas[2])(sol.stranger.pubkey(), is_signer=False, is_writable=False)
    sol.fails("WrongSystemProgram", Instruction(ix.program_id, ix.data, metas))


def test_unknown_instruction(sol):
    accounts = list(sol.initialize_ix().accounts)
    sol.fails("UnknownInstruction", Instruction(sol.PROGRAM_ID, hashlib.sha256(b"global:nope").digest()[:8],
                                                accounts))
    sol.fails("UnknownInstruction", Instruction(sol.PROGRAM_ID, b"", accounts))
    sol.fails("UnknownInstruction", Instruction(sol.PROGRAM_ID, sol.initialize_ix().data[:7], accounts))
    # Anchor's discriminator of another program's instruction name is no instruction here either
    sol.fails("UnknownInstruction", Instruction(sol.PROGRAM_ID, hashlib.sha256(b"global:Initialize").digest()[:8]
                                                + bytes(24), accounts))


def test_short_and_oversized_instruction_data(sol):
    ix = sol.initialize_ix()
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data[:-1], ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data + b"\x00", ix.accounts))
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data[:8], ix.accounts))


def test_not_enough_accounts(sol):
    ix = sol.initialize_ix()
    sol.fails("NotEnoughAccounts", Instruction(ix.program_id, ix.data, ix.accounts[:2]))
    sol.fails("NotEnoughAccounts", Instruction(ix.program_id, ix.data, []))


def test_rent_with_a_whole_threshold_is_read_exactly(sol):
    sol.svm.set_rent(Rent(lamports_per_byte_year=1000, exemption_threshold=3.0, burn_percent=50))
    sol.initialize()
    assert sol.account(sol.oracle.pubkey()).lamports == (128 + 65) * 1000 * 3
    assert sol.rent(65) == (128 + 65) * 1000 * 3


def test_rent_with_a_fractional_threshold_is_refused(sol):
    sol.svm.set_rent(Rent(lamports_per_byte_year=3480, exemption_threshold=2.5, burn_percent=50))
    sol.fails("UnsupportedRent", sol.initialize_ix())
    sol.svm.set_rent(Rent(lamports_per_byte_year=3480, exemption_threshold=0.5, burn_percent=50))
    sol.fails("UnsupportedRent", sol.initialize_ix())


def test_extra_accounts_are_ignored(sol):
    ix = sol.initialize_ix()
    extra = type(ix.accounts[0])(Keypair().pubkey(), is_signer=False, is_writable=False)
    sol.ok(Instruction(ix.program_id, ix.data, [*ix.accounts, extra]))
    assert sol.decode(sol.oracle.pubkey()).layout_version == 3
