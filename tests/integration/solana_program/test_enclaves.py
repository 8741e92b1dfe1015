"""`register_enclave` and `revoke_enclave`."""

from __future__ import annotations

from solders.instruction import Instruction
from solders.keypair import Keypair


def test_register_creates_the_enclave_at_its_pda(sol):
    sol.initialize()
    admin_before = sol.balance(sol.admin.pubkey())
    result = sol.register()
    pda = sol.enclave_pda()
    enclave = sol.decode(pda)
    assert bytes(enclave.oracle) == bytes(sol.oracle.pubkey())
    assert bytes(enclave.public_key) == sol.enclave.public_key
    assert bytes(enclave.address) == sol.enclave.address
    assert bytes(enclave.measurement) == sol.MEASUREMENT
    assert (enclave.active, enclave.registered_at, enclave.revoked_at) == (1, sol.now, 0)
    assert pda == type(pda).create_program_address(
        [b"enclave", bytes(sol.oracle.pubkey()), sol.enclave.address, bytes([enclave.bump])], sol.PROGRAM_ID)
    assert sol.account(pda).lamports == sol.rent(206) and len(sol.account(pda).data) == 206
    assert sol.balance(sol.admin.pubkey()) == admin_before - sol.rent(206)
    (event,) = sol.events(result)
    assert event.name == "EnclaveRegistered"
    assert bytes(event.data.oracle) == bytes(sol.oracle.pubkey())
    assert bytes(event.data.address) == sol.enclave.address
    assert bytes(event.data.measurement) == sol.MEASUREMENT


def test_register_by_a_stranger(sol):
    sol.initialize()
    sol.fails("Unauthorized", sol.register_ix(admin=sol.stranger))


def test_register_admin_must_sign(sol):
    sol.initialize()
    sol.fails("MissingSignature", sol.register_ix(not_signer=["admin"]))
    sol.fails("NotWritable", sol.register_ix(not_writable=["enclave"]))


def test_register_zero_key_and_measurement(sol):
    sol.initialize()
    zero_key = sol.register_ix()
    args_start = 8
    data = bytearray(zero_key.data)
    data[args_start:args_start + 64] = bytes(64)
    sol.fails("InvalidEnclaveKey", sol.raw("register_enclave", bytes(data), _accounts(zero_key, sol)))
    sol.fails("ZeroMeasurement", sol.register_ix(measurement=bytes(32)))


def test_register_at_the_wrong_pda(sol):
    sol.initialize()
    other = sol.EnclaveKey.random()
    sol.fails("WrongPda", sol.register_ix(accounts={"enclave": sol.enclave_pda(other)}))
    sol.fails("WrongPda", sol.register_ix(accounts={"enclave": Keypair().pubkey()}))


def test_register_twice(sol):
    sol.ready()
    sol.fails("EnclaveAlreadyRegistered", sol.register_ix())
    sol.fails("EnclaveAlreadyRegistered", sol.register_ix(measurement=b"\x05" * 32))


def test_register_at_a_pre_funded_pda(sol):
    sol.initialize()
    pda = sol.enclave_pda()
    sol.set_account(pda, 1_000)
    admin_before = sol.balance(sol.admin.pubkey())
    sol.register()
    assert sol.decode(pda).active == 1
    assert sol.account(pda).lamports == sol.rent(206)
    assert sol.balance(sol.admin.pubkey()) == admin_before - (sol.rent(206) - 1_000)


def test_register_at_a_pda_funded_beyond_its_rent(sol):
    sol.initialize()
    pda = sol.enclave_pda()
    sol.set_account(pda, sol.rent(206) + 5)
    admin_before = sol.balance(sol.admin.pubkey())
    sol.register()
    assert sol.account(pda).lamports == sol.rent(206) + 5
    assert sol.balance(sol.admin.pubkey()) == admin_before


def test_register_with_an_oracle_of_another_owner(sol):
    sol.initialize()
    fake = Keypair().pubkey()
    sol.set_account(fake, 10**9, bytes(sol.account(sol.oracle.pubkey()).data), owner=Keypair().pubkey())
    sol.fails("WrongOwner", sol.register_ix(accounts={"oracle": fake}))
    sol.fails("WrongOwner", sol.register_ix(accounts={"oracle": sol.stranger.pubkey()}))


def test_register_with_an_enclave_as_oracle(sol):
    sol.ready()
    sol.fails("WrongAccountType", sol.register_ix(sol.EnclaveKey.random(), accounts={"oracle": sol.enclave_pda()}))


def test_revoke(sol):
    sol.ready()
    sol.set_time(sol.T0 + 50)
    result = sol.ok(sol.revoke_ix())
    enclave = sol.decode(sol.enclave_pda())
    assert (enclave.active, enclave.revoked_at) == (0, sol.T0 + 50)
    (event,) = sol.events(result)
    assert event.name == "EnclaveRevoked"
    assert bytes(event.data.address) == sol.enclave.address
    sol.fails("EnclaveNotActive", sol.revoke_ix())


def test_revoke_takes_no_args(sol):
    sol.ready()
    ix = sol.revoke_ix()
    sol.fails("InvalidInstructionData", Instruction(ix.program_id, ix.data + b"\x00", ix.accounts))
    sol.fails("NotEnoughAccounts", Instruction(ix.program_id, ix.data, ix.accounts[:2]))


def test_revoke_by_a_stranger(sol):
    sol.ready()
    sol.fails("Unauthorized", sol.revoke_ix(admin=sol.stranger))
    sol.fails("MissingSignature", sol.revoke_ix(not_signer=["admin"]))
    sol.fails("NotWritable", sol.revoke_ix(not_writable=["enclave"]))


def test_revoke_an_enclave_of_another_oracle(sol):
    sol.ready()
    other_oracle = sol.keypair(0)
    sol.ok(sol.initialize_ix(oracle=other_oracle))
    # the admin of the second oracle revokes, naming the first oracle's enclave
    sol.fails("WrongOracle", sol.revoke_ix(accounts={"oracle": other_oracle.pubkey()}))


def test_revoke_an_account_that_is_not_an_enclave(sol):
    sol.ready()
    sol.fails("WrongAccountType", sol.revoke_ix(accounts={"enclave": sol.oracle.pubkey()}))
    sol.fails("WrongOwner", sol.revoke_ix(accounts={"enclave": sol.stranger.pubkey()}))
    unregistered = sol.enclave_pda(sol.EnclaveKey.random())
    sol.fails("WrongOwner", sol.revoke_ix(accounts={"enclave": unregistered}))


def _accounts(ix, sol) -> dict:
    names = ["oracle", "enclave", "admin", "system_program"]
    return {name: meta.pubkey for name, meta in zip(names, ix.accounts)}
