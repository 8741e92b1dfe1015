"""Fees go to the payee registered with the signer, never to whoever sends the fulfilment: copying a
fulfilment's calldata and being mined first earns nothing."""

from __future__ import annotations

from eth_account import Account

FULFILLED = 2
ZERO = "0x" + "00" * 20


def _owed(chain, signer=None):
    return chain.oracle.functions.feesOwed(signer or chain.enclave).call()


def test_copier_mined_first_gains_nothing(chain):
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    fn = chain.fulfil_fn(req, a, chain.sign(req, a))  # the transmitter's calldata, seen in the mempool
    copier_before = chain.balance(chain.stranger)
    copied = chain.send(fn, chain.STRANGER_KEY)  # the copier is mined first
    assert chain.status(req) == FULFILLED
    (ev,) = chain.events(copied, "AssessmentFulfilled")
    assert chain.w3.eth.get_transaction(copied["transactionHash"])["from"] == chain.stranger
    assert chain.balance(chain.stranger) == copier_before - chain.cost(copied)  # paid gas, got nothing
    assert _owed(chain) == req.fee  # credited to the signer, for its payee

    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("AlreadyFulfilled", req.id)

    payee_before = chain.balance(chain.payee)
    receipt = chain.send(chain.oracle.functions.withdrawFees(chain.enclave), chain.STRANGER_KEY)  # anyone triggers
    (ev,) = chain.events(receipt, "FeesWithdrawn")
    assert (ev["signer"], ev["payee"], ev["amount"]) == (chain.enclave, chain.payee, req.fee)
    assert chain.balance(chain.payee) == payee_before + req.fee
    assert _owed(chain) == 0


def test_fees_accrue_across_fulfilments_and_batches(chain):
    first, second, third = chain.request(), chain.request(), chain.request()
    chain.fulfil(first)
    items = [(r, chain.pin(r, chain.assessment())) for r in (second, third)]
    fn = chain.oracle.functions.fulfilBatch([r.tuple() for r, _ in items], [a.tuple() for _, a in items],
                                            [chain.sig_arg(chain.sign(r, a)) for r, a in items])
    chain.send(fn, chain.TRANSMITTER_KEY)
    assert _owed(chain) == first.fee + second.fee + third.fee
    oracle_before = chain.balance(chain.oracle.address)
    chain.send(chain.oracle.functions.withdrawFees(chain.enclave), chain.PAYEE_KEY)
    assert chain.balance(chain.oracle.address) == oracle_before - 3 * chain.FEE


def test_withdraw_with_nothing_owed(chain):
    receipt = chain.send(chain.oracle.functions.withdrawFees(chain.enclave), chain.STRANGER_KEY)
    assert chain.events(receipt, "FeesWithdrawn") == []
    stranger = Account.create().address
    assert chain.expect_revert(chain.oracle.functions.withdrawFees(stranger), chain.STRANGER_KEY) == (
        "UnknownSigner", stranger)


def test_revoked_signers_fees_stay_withdrawable(chain):
    req = chain.request()
    chain.fulfil(req)
    chain.send(chain.oracle.functions.revokeSigner(chain.enclave), chain.OWNER_KEY)
    assert _owed(chain) == req.fee
    before = chain.balance(chain.payee)
    chain.send(chain.oracle.functions.withdrawFees(chain.enclave), chain.STRANGER_KEY)
    assert chain.balance(chain.payee) == before + req.fee


def test_set_payee_rules(chain):
    f = chain.oracle.functions
    assert chain.expect_revert(f.setSignerPayee(chain.enclave, chain.stranger), chain.STRANGER_KEY) == (
        "NotOwnerOrPayee", chain.stranger)
    assert chain.expect_revert(f.setSignerPayee(chain.enclave, ZERO), chain.OWNER_KEY) == ("ZeroAddress",)
    unknown = Account.create().address
    assert chain.expect_revert(f.setSignerPayee(unknown, chain.stranger), chain.OWNER_KEY) == (
        "UnknownSigner", unknown)

    # the payee itself may move the fees elsewhere ...
    receipt = chain.send(f.setSignerPayee(chain.enclave, chain.requester), chain.PAYEE_KEY)
    (ev,) = chain.events(receipt, "SignerPayeeSet")
    assert (ev["signer"], ev["payee"]) == (chain.enclave, chain.requester)
    assert f.signers(chain.enclave).call()[5] == chain.requester
    # ... and is then no longer the payee
    assert chain.expect_revert(f.setSignerPayee(chain.enclave, chain.payee), chain.PAYEE_KEY) == (
        "NotOwnerOrPayee", chain.payee)
    chain.send(f.setSignerPayee(chain.enclave, chain.payee), chain.OWNER_KEY)

    req = chain.request()
    chain.fulfil(req)
    before = chain.balance(chain.payee)
    chain.send(f.withdrawFees(chain.enclave), chain.STRANGER_KEY)
    assert chain.balance(chain.payee) == before + req.fee


def test_payee_that_refuses_payment(chain):
    f = chain.oracle.functions
    rejecting = chain.c["RejectingTransmitter"].address  # a contract without a receive function
    chain.send(f.setSignerPayee(chain.enclave, rejecting), chain.OWNER_KEY)
    req = chain.request()
    chain.fulfil(req)  # fulfilment does not depend on the payee
    assert chain.expect_revert(f.withdrawFees(chain.enclave), chain.STRANGER_KEY) == (
        "TransferFailed", rejecting, req.fee)
    assert _owed(chain) == req.fee
