"""AuraOracle's owner-only administration and its signer registry."""

from __future__ import annotations

import pytest
from eth_account import Account

ZERO = "0x" + "00" * 20


def _admin_calls(chain):
    f = chain.oracle.functions
    return [f.transferOwnership(chain.stranger), f.setFee(1), f.setRequestTtl(60), f.setCallbackGasLimit(1),
            f.registerSigner(chain.stranger, b"\x01" * 32, chain.stranger), f.revokeSigner(chain.enclave)]


def test_constructor_state(chain):
    f = chain.oracle.functions
    assert f.owner().call() == chain.owner
    assert (f.fee().call(), f.requestTtl().call(), f.callbackGasLimit().call()) == (
        chain.FEE, chain.REQUEST_TTL, chain.CALLBACK_GAS_LIMIT)
    assert f.signerCount().call() == 1 and f.signerAt(1).call() == chain.enclave


@pytest.mark.parametrize("index", range(6))
def test_admin_is_owner_only(chain, index):
    fn = _admin_calls(chain)[index]
    assert chain.expect_revert(fn, chain.STRANGER_KEY) == ("NotOwner",)


def test_setters_and_events(chain):
    f = chain.oracle.functions
    (ev,) = chain.events(chain.send(f.setFee(5), chain.OWNER_KEY), "FeeSet")
    assert ev["fee"] == 5 and f.fee().call() == 5
    (ev,) = chain.events(chain.send(f.setRequestTtl(120), chain.OWNER_KEY), "RequestTtlSet")
    assert ev["requestTtl"] == 120
    (ev,) = chain.events(chain.send(f.setCallbackGasLimit(50_000), chain.OWNER_KEY), "CallbackGasLimitSet")
    assert ev["callbackGasLimit"] == 50_000 and f.callbackGasLimit().call() == 50_000

    req = chain.request(value=5)
    block = chain.w3.eth.get_block("latest")
    assert req.fee == 5 and req.expires_at == block["timestamp"] + 120


def test_setter_bounds(chain):
    f = chain.oracle.functions
    assert chain.expect_revert(f.setRequestTtl(0), chain.OWNER_KEY) == ("InvalidRequestTtl", 0)
    assert chain.expect_revert(f.setRequestTtl(30 * 86400 + 1), chain.OWNER_KEY) == (
        "InvalidRequestTtl", 30 * 86400 + 1)
    assert chain.expect_revert(f.setCallbackGasLimit(5_000_001), chain.OWNER_KEY) == (
        "InvalidCallbackGasLimit", 5_000_001)
    chain.send(f.setRequestTtl(30 * 86400), chain.OWNER_KEY)
    chain.send(f.setCallbackGasLimit(5_000_000), chain.OWNER_KEY)


def test_transfer_ownership(chain):
    f = chain.oracle.functions
    assert chain.expect_revert(f.transferOwnership(ZERO), chain.OWNER_KEY) == ("ZeroAddress",)
    (ev,) = chain.events(chain.send(f.transferOwnership(chain.stranger), chain.OWNER_KEY), "OwnershipTransferred")
    assert (ev["previousOwner"], ev["newOwner"]) == (chain.owner, chain.stranger)
    assert chain.expect_revert(f.setFee(0), chain.OWNER_KEY) == ("NotOwner",)
    chain.send(f.setFee(0), chain.STRANGER_KEY)
    assert f.fee().call() == 0


def test_register_and_revoke_signers(chain):
    f = chain.oracle.functions
    new = Account.create().address
    measurement = b"\x07" * 32
    payee = chain.payee
    assert chain.expect_revert(f.registerSigner(ZERO, measurement, payee), chain.OWNER_KEY) == ("ZeroAddress",)
    assert chain.expect_revert(f.registerSigner(new, measurement, ZERO), chain.OWNER_KEY) == ("ZeroAddress",)
    assert chain.expect_revert(f.registerSigner(new, b"\x00" * 32, payee), chain.OWNER_KEY) == ("ZeroMeasurement",)
    assert chain.expect_revert(f.registerSigner(chain.enclave, measurement, payee), chain.OWNER_KEY) == (
        "SignerAlreadyRegistered", chain.enclave)
    assert chain.expect_revert(f.revokeSigner(new), chain.OWNER_KEY) == ("SignerNotActive", new)

    receipt = chain.send(f.registerSigner(new, measurement, payee), chain.OWNER_KEY)
    (ev,) = chain.events(receipt, "SignerRegistered")
    assert (ev["signer"], ev["index"], bytes(ev["measurement"])) == (new, 2, measurement)
    (ev,) = chain.events(receipt, "SignerPayeeSet")
    assert (ev["signer"], ev["payee"]) == (new, payee)
    registered_at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert f.signers(new).call() == (2, True, registered_at, 0, measurement, payee)
    assert f.signerAt(2).call() == new and f.signerCount().call() == 2

    receipt = chain.send(f.revokeSigner(new), chain.OWNER_KEY)
    (ev,) = chain.events(receipt, "SignerRevoked")
    assert (ev["signer"], ev["index"]) == (new, 2)
    revoked_at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert f.signers(new).call() == (2, False, registered_at, revoked_at, measurement, payee)
    assert chain.expect_revert(f.revokeSigner(new), chain.OWNER_KEY) == ("SignerNotActive", new)
    # an address is registered once: a revoked key never comes back
    assert chain.expect_revert(f.registerSigner(new, measurement, payee), chain.OWNER_KEY) == (
        "SignerAlreadyRegistered", new)
    assert f.signers(Account.create().address).call() == (0, False, 0, 0, b"\x00" * 32, ZERO)


def test_revoked_signer_stays_readable_behind_stored_assessments(chain):
    req = chain.request()
    chain.fulfil(req)
    chain.send(chain.oracle.functions.revokeSigner(chain.enclave), chain.OWNER_KEY)
    stored = chain.latest(chain.subject)
    assert (stored["signer"], stored["measurement"]) == (chain.enclave, chain.MEASUREMENT)


def test_second_signer_with_its_own_measurement(chain):
    f = chain.oracle.functions
    second = Account.create()
    measurement = b"\x09" * 32
    chain.send(f.registerSigner(second.address, measurement, chain.stranger), chain.OWNER_KEY)
    req = chain.request()
    a = chain.assessment(measurement=measurement)
    sig = chain.sign(req, a, key=second.key.to_0x_hex())
    chain.fulfil(req, a, sig)
    stored = chain.latest(chain.subject)
    assert (stored["signer"], stored["measurement"]) == (second.address, measurement)
    # the first signer cannot claim the second one's measurement
    other = chain.request()
    assert chain.fulfil_revert(other, chain.assessment(measurement=measurement)) == (
        "MeasurementMismatch", chain.MEASUREMENT, measurement)
