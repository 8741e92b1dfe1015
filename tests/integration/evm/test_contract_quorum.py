"""A k-of-n quorum in AuraOracle: the owner's threshold, `fulfilQuorum` with k or more signatures over one
digest (the first any counted signer's, the others by ascending address), and every way a quorum is refused
(fewer than k, duplicate, out of order, revoked, another measurement, another payload, k changed between signing
and fulfilling)."""

from __future__ import annotations

from dataclasses import replace

from eth_account import Account

from chains.core.secp256k1 import recover_address

PENDING, FULFILLED = 1, 2
MAX_QUORUM_SIGNERS = 15
SIGNER_COUNT_SLOT = 0  # slot 0: fee (96 bits), requestTtl (64), callbackGasLimit (32), then the signer count (16)
SIGNER_COUNT_SHIFT = 192


def _register(chain, key=None, measurement=None):
    key = key or Account.create().key.to_0x_hex()
    chain.send(chain.oracle.functions.registerSigner(chain.address_of(key), measurement or chain.MEASUREMENT,
                                                     chain.payee), chain.OWNER_KEY)
    return key


def _revoke(chain, key):
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(key)), chain.OWNER_KEY)


# ------------------------------------------------------------------------------------------------ threshold

def test_threshold_defaults_to_one_and_the_deployment_says_so(chain):
    f = chain.oracle.functions
    assert f.threshold().call() == 1 and f.activeSignerCount().call() == 1
    logs = chain.oracle.events.ThresholdSet().get_logs(from_block=0, to_block="latest")
    assert [e["args"]["threshold"] for e in logs] == [1]


def test_threshold_bounds(chain, trio):
    f = chain.oracle.functions
    assert chain.expect_revert(f.setThreshold(2), chain.STRANGER_KEY) == ("NotOwner",)
    assert chain.expect_revert(f.setThreshold(0), chain.OWNER_KEY) == ("InvalidThreshold", 0)
    assert chain.expect_revert(f.setThreshold(MAX_QUORUM_SIGNERS + 1), chain.OWNER_KEY) == ("InvalidThreshold", 16)
    assert chain.expect_revert(f.setThreshold(4), chain.OWNER_KEY) == ("ThresholdAboveActiveSigners", 4, 3)
    (ev,) = chain.events(chain.set_threshold(3), "ThresholdSet")
    assert ev["threshold"] == 3 and f.threshold().call() == 3


def test_revocation_is_never_refused_for_the_threshold(chain, trio):
    """Revoking below k is allowed (a key may be compromised); nothing is fulfilled until the owner lowers k."""
    f = chain.oracle.functions
    chain.set_threshold(3)
    _revoke(chain, trio[2])
    assert f.activeSignerCount().call() == 2 and f.threshold().call() == 3
    req = chain.request()
    a = chain.assessment()
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio[:2])),
                               chain.TRANSMITTER_KEY) == ("QuorumNotMet", 2, 3)
    assert chain.expect_revert(f.setThreshold(3), chain.OWNER_KEY) == ("ThresholdAboveActiveSigners", 3, 2)
    chain.set_threshold(2)
    chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio[:2])), chain.TRANSMITTER_KEY)
    assert chain.status(req) == FULFILLED


def test_signer_count_keeps_its_abi_and_the_registry_is_bounded(chain):
    """`signerCount()` still returns a uint32; the count is kept in 16 bits (a quorum word holds 16-bit
    indexes), so the 65,536th registration is refused."""
    abi = next(i for i in chain.oracle.abi if i.get("name") == "signerCount")
    assert [o["type"] for o in abi["outputs"]] == ["uint32"]
    word = int.from_bytes(chain.w3.eth.get_storage_at(chain.oracle.address, SIGNER_COUNT_SLOT), "big")
    assert (word >> SIGNER_COUNT_SHIFT) & 0xFFFF == 1
    full = word & ~(0xFFFF << SIGNER_COUNT_SHIFT) | 0xFFFF << SIGNER_COUNT_SHIFT
    chain.rpc("anvil_setStorageAt", chain.oracle.address, hex(SIGNER_COUNT_SLOT), "0x" + full.to_bytes(32, "big").hex())
    assert chain.oracle.functions.signerCount().call() == 65535
    assert chain.oracle.functions.threshold().call() == 1  # the neighbouring fields are untouched
    new = Account.create().address
    assert chain.expect_revert(chain.oracle.functions.registerSigner(new, chain.MEASUREMENT, chain.payee),
                               chain.OWNER_KEY) == ("SignerRegistryFull",)


# ------------------------------------------------------------------------------------------------ fulfilQuorum

def test_two_of_three(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment(score=815, tier=2)
    receipt = chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio[:2])), chain.TRANSMITTER_KEY)
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert (bytes(ev["requestId"]), ev["score"], ev["signer"], ev["signerCount"]) == (
        req.id, 815, chain.address_of(trio[0]), 2)  # the first signer, and how many signed
    assert chain.status(req) == FULFILLED
    stored = chain.latest(chain.subject)
    assert (stored["exists"], stored["score"], stored["signer"], stored["measurement"]) == (
        True, 815, chain.address_of(trio[0]), chain.MEASUREMENT)
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio[:2]], 2, 2)
    assert chain.oracle.functions.isFresh(chain.subject, 3600).call() is True
    assert chain.fulfil_revert(req, a, chain.sign(req, a, key=trio[0])) == ("AlreadyFulfilled", req.id)


def test_more_signatures_than_the_threshold_are_all_checked_and_kept(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio)), chain.TRANSMITTER_KEY)
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio], 2, 3)


def test_a_lone_signature_is_refused_while_k_is_above_one(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    assert chain.fulfil_revert(req, a, chain.sign(req, a, key=trio[0])) == ("QuorumNotMet", 1, 2)
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio[:1])),
                               chain.TRANSMITTER_KEY) == ("QuorumNotMet", 1, 2)
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, []), chain.TRANSMITTER_KEY) == ("QuorumNotMet", 0, 2)
    assert chain.status(req) == PENDING


def test_the_threshold_reaches_signers_registered_after_it(chain, trio):
    chain.set_threshold(2)
    late = _register(chain)
    req = chain.request()
    a = chain.assessment()
    assert chain.fulfil_revert(req, a, chain.sign(req, a, key=late)) == ("QuorumNotMet", 1, 2)
    chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, [late, trio[0]])), chain.TRANSMITTER_KEY)
    assert chain.status(req) == FULFILLED


def test_a_duplicate_signature_does_not_count_twice(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    (sig,) = chain.signatures(req, a, trio[:1])
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, [sig, sig]), chain.TRANSMITTER_KEY) == (
        "SignersNotAscending", chain.address_of(trio[0]), chain.address_of(trio[0]))


def test_signatures_after_the_first_out_of_order(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    first, second, third = chain.signatures(req, a, trio)
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, [first, third, second]), chain.TRANSMITTER_KEY) == (
        "SignersNotAscending", chain.address_of(trio[2]), chain.address_of(trio[1]))
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, [third, second, first]), chain.TRANSMITTER_KEY) == (
        "SignersNotAscending", chain.address_of(trio[1]), chain.address_of(trio[0]))
    assert chain.status(req) == PENDING


def test_the_first_signer_may_be_any_and_counts_once(chain, trio):
    """The first signature is the transmitting node's own, whatever its address; its signer may not come again
    among the others."""
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    first, second, third = chain.signatures(req, a, trio)
    for sigs, again in (([second, first, second], trio[1]), ([third, first, third], trio[2])):
        assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
            "SignersNotAscending", chain.address_of(again), chain.address_of(again))
    receipt = chain.send(chain.fulfil_quorum_fn(req, a, [third, first, second]), chain.TRANSMITTER_KEY)
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert (ev["signer"], ev["signerCount"]) == (chain.address_of(trio[2]), 3)
    assert chain.latest(chain.subject)["signer"] == chain.address_of(trio[2])
    assert chain.latest_signers() == ([chain.address_of(k) for k in (trio[2], trio[0], trio[1])], 2, 3)


def test_a_revoked_signer_does_not_count(chain, trio):
    """Signed while active, revoked before the fulfilment is mined."""
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    sigs = chain.signatures(req, a, trio[:2])
    _revoke(chain, trio[1])
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
        "RevokedSigner", chain.address_of(trio[1]))
    _revoke(chain, trio[0])
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
        "RevokedSigner", chain.address_of(trio[0]))


def test_a_signer_of_another_measurement(chain, trio):
    chain.set_threshold(2)
    other = b"\x42" * 32
    elsewhere = _register(chain, measurement=other)
    req = chain.request()
    a = chain.assessment()
    sigs = chain.signatures(req, a, [trio[0], elsewhere])
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
        "MeasurementMismatch", other, chain.MEASUREMENT)
    # nor can registered signers of this measurement vouch for an assessment claiming the other one
    a_other = replace(a, measurement=other)
    sigs = chain.signatures(req, a_other, trio[:2])
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a_other, sigs), chain.TRANSMITTER_KEY) == (
        "MeasurementMismatch", chain.MEASUREMENT, other)


def test_a_signature_over_another_payload_recovers_a_stranger(chain, trio):
    """A signer that signed other features (or another score) does not count: its signature, checked against
    the submitted assessment's digest, recovers an address nobody registered."""
    chain.set_threshold(2)
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    liar = chain.pin(req, replace(a, score=999, tier=2))
    honest = chain.sign(req, a, key=trio[0])
    lie = chain.sign(req, liar, key=trio[1])
    stranger = recover_address(chain.digest_of(req, a, chain.oracle.address), lie)
    assert stranger not in {chain.address_of(k) for k in trio}
    for sigs in ([honest, lie], [lie, honest]):
        assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
            "UnknownSigner", stranger)


def test_a_high_s_signature_in_the_quorum(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    first, second = chain.signatures(req, a, trio[:2])
    high = (chain.HALF_N + 1).to_bytes(32, "big")
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, [first, (second[:32], high)]),
                               chain.TRANSMITTER_KEY) == ("InvalidSignatureS", high)


def test_too_many_signatures(chain, trio):
    req = chain.request()
    a = chain.assessment()
    (sig,) = chain.signatures(req, a, trio[:1])
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, [sig] * 16), chain.TRANSMITTER_KEY) == (
        "TooManySignatures", 16, MAX_QUORUM_SIGNERS)


def test_the_request_is_checked_before_the_signatures(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    sigs = chain.signatures(req, a, trio[:2])
    chain.send(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY)
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
        "AlreadyFulfilled", req.id)
    tampered = chain.request()
    assert chain.expect_revert(chain.fulfil_quorum_fn(replace(tampered, fee=1), a, sigs), chain.TRANSMITTER_KEY) == (
        "RequestMismatch", tampered.id)


# ------------------------------------------------------------------------------------------------ k changes

def test_k_raised_between_signing_and_fulfilling(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    sigs = chain.signatures(req, a, trio[:2])
    chain.set_threshold(3)
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == ("QuorumNotMet", 2, 3)
    chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio)), chain.TRANSMITTER_KEY)
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio], 3, 3)


def test_k_lowered_between_signing_and_fulfilling(chain, trio):
    chain.set_threshold(2)
    req, lone = chain.request(), chain.request()
    a = chain.assessment()
    sigs = chain.signatures(req, a, trio[:2])
    chain.set_threshold(1)
    chain.send(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY)
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio[:2]], 1, 2)  # the threshold in force
    chain.fulfil(lone, a, chain.sign(lone, a, key=trio[2]))  # one signature is enough again
    assert chain.status(lone) == FULFILLED


def test_one_signature_at_k_one_is_a_plain_fulfilment(chain):
    req = chain.request()
    a = chain.assessment()
    receipt = chain.send(chain.fulfil_quorum_fn(req, a, [chain.sign(req, a)]), chain.TRANSMITTER_KEY)
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert ev["signer"] == chain.enclave
    assert chain.latest_signers() == ([chain.enclave], 1, 1)
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == req.fee
