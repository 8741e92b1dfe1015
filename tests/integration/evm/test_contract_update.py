"""Operator updates on AuraOracle: a watched wallet's re-score pushed with no request and no fee, through the
fulfilment calls with the update form of `Request` (requester zero, id `updateId(subject, timestamp)`), checked as
strictly as a fulfilment (signatures, threshold, measurement, revocation, pinned block), taken once per id, never
over a private assessment, never mistaken for a request's fulfilment or the other way round."""

from __future__ import annotations

from dataclasses import replace

from eth_account import Account

from chains.evm.update_id import UPDATE_SEQ, is_update_id, update_request_id

ZERO = "0x" + "00" * 20
NONE, PENDING, FULFILLED = 0, 1, 2


def _update(chain, a, subject=None, fee=0):
    return chain.update(a, subject, fee)


def test_the_update_id_is_the_codecs_and_no_request_has_its_form(chain):
    a = chain.assessment()
    req, _ = _update(chain, a)
    assert req.id == update_request_id(chain.w3.eth.chain_id, bytes.fromhex(chain.oracle.address[2:]),
                                       bytes.fromhex(chain.subject[2:]), a.timestamp)
    assert int.from_bytes(req.id[-8:], "big") == UPDATE_SEQ and is_update_id(req.id)
    assert not is_update_id(chain.request().id)
    other = bytes(chain.oracle.functions.updateId(chain.subject, a.timestamp + 1).call())
    assert other != req.id


def test_an_update_stores_the_latest_assessment_with_no_request_and_no_fee(chain):
    count = chain.oracle.functions.requestCount().call()
    owed = chain.oracle.functions.feesOwed(chain.address_of(chain.ENCLAVE_KEY)).call()
    req, a = _update(chain, chain.assessment(score=901, tier=2))
    receipt = chain.fulfil(req, a)
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert (bytes(ev["requestId"]), ev["subject"], ev["score"], ev["signerCount"]) == (req.id, chain.subject, 901, 1)
    assert chain.status(req) == FULFILLED
    stored = chain.latest(chain.subject)
    assert (stored["exists"], stored["score"], stored["tier"], stored["commitment"]) == (True, 901, 2, a.commitment)
    assert chain.oracle.functions.requestCount().call() == count  # no request was made
    assert chain.oracle.functions.feesOwed(chain.address_of(chain.ENCLAVE_KEY)).call() == owed


def test_an_update_is_taken_once(chain):
    req, a = _update(chain, chain.assessment())
    chain.fulfil(req, a)
    assert chain.fulfil_revert(req, a) == ("AlreadyFulfilled", req.id)
    assert chain.expect_revert(chain.oracle.functions.cancel(req.tuple()), chain.TRANSMITTER_KEY) == (
        "AlreadyFulfilled", req.id)


def test_an_update_carries_no_fee_and_its_own_id(chain):
    a = chain.assessment()
    req, pinned = _update(chain, a, fee=1)
    assert chain.fulfil_revert(req, pinned) == ("RequestMismatch", req.id)
    req, pinned = _update(chain, a)
    for wrong in (bytes(chain.oracle.functions.updateId(chain.subject, a.timestamp - 1).call()),
                  bytes(chain.oracle.functions.updateId(chain.address_of(chain.STRANGER_KEY), a.timestamp).call()),
                  req.id[:-1] + b"\x00"):
        bad = replace(req, id=wrong)
        assert chain.fulfil_revert(bad, pinned, chain.sign(bad, pinned)) == ("RequestMismatch", wrong)


def test_a_request_id_cannot_pass_as_an_update(chain):
    """A pending request's fields with the requester zeroed: its id is no update id."""
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    forged = replace(req, requester=ZERO, fee=0)
    assert chain.fulfil_revert(forged, a, chain.sign(forged, a)) == ("RequestMismatch", req.id)
    assert chain.status(req) == PENDING


def test_a_fulfilments_signature_is_no_update_and_an_updates_no_fulfilment(chain):
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    fulfilment_sig = chain.sign(req, a)
    up, up_a = _update(chain, replace(a, block_number=None, block_hash=None))
    err = chain.fulfil_revert(up, up_a, fulfilment_sig)
    assert err[0] == "UnknownSigner" and err[1] != chain.address_of(chain.ENCLAVE_KEY)
    update_sig = chain.sign(up, up_a)
    err = chain.fulfil_revert(req, a, update_sig)
    assert err[0] == "UnknownSigner" and err[1] != chain.address_of(chain.ENCLAVE_KEY)
    assert chain.status(req) == PENDING and chain.status(up) == NONE


def test_an_update_meets_the_threshold_as_a_fulfilment_does(chain, trio):
    chain.set_threshold(2)
    req, a = _update(chain, chain.assessment(score=640))
    assert chain.fulfil_revert(req, a, chain.sign(req, a, key=trio[0])) == ("QuorumNotMet", 1, 2)
    chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio[:2])), chain.TRANSMITTER_KEY)
    assert chain.latest(chain.subject)["score"] == 640
    ordered = sorted(trio[:2], key=lambda k: int(chain.address_of(k), 16))
    assert chain.latest_signers() == ([chain.address_of(k) for k in ordered], 2, 2)


def test_a_revoked_or_unknown_signers_update_is_refused(chain):
    req, a = _update(chain, chain.assessment())
    stranger = Account.create().key.to_0x_hex()
    assert chain.fulfil_revert(req, a, chain.sign(req, a, key=stranger)) == (
        "UnknownSigner", chain.address_of(stranger))
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(chain.ENCLAVE_KEY)), chain.OWNER_KEY)
    assert chain.fulfil_revert(req, a) == ("RevokedSigner", chain.address_of(chain.ENCLAVE_KEY))


def test_an_update_pins_a_canonical_block_of_its_own(chain):
    a = chain.assessment()
    req, pinned = _update(chain, a)
    lying = replace(pinned, block_hash=b"\x11" * 32)
    assert chain.fulfil_revert(req, lying, chain.sign(req, lying)) == (
        "NonCanonicalBlockHash", pinned.block_number, pinned.block_hash, b"\x11" * 32)
    other = replace(pinned, block_number=pinned.block_number - 1, block_hash=chain.block_hash(pinned.block_number - 1))
    assert chain.fulfil_revert(req, other, chain.sign(req, other)) == (
        "BlockNumberMismatch", pinned.block_number, pinned.block_number - 1)


def test_an_update_never_makes_a_private_assessment_public(chain):
    private = chain.request(private=True)
    chain.fulfil(private, chain.private_assessment())
    req, a = _update(chain, chain.assessment())
    assert chain.fulfil_revert(req, a) == ("PrivacyMismatch", req.id)
    assert chain.latest(chain.subject)["tier"] == 255


def test_an_older_update_never_replaces_a_newer_assessment(chain):
    now = chain.now()
    req = chain.request()
    chain.fulfil(req, chain.assessment(score=700, timestamp=now))
    old, a = _update(chain, chain.assessment(score=300, timestamp=now - 60))
    chain.fulfil(old, a)
    assert chain.status(old) == FULFILLED  # taken, and so never sent again
    assert chain.latest(chain.subject)["score"] == 700


def test_a_newer_update_replaces_a_fulfilment_and_reads_back_its_commitment(chain):
    req = chain.request()
    chain.fulfil(req, chain.assessment(score=700))
    chain.mine_at(chain.now() + 30)
    up, a = _update(chain, chain.assessment(score=710))
    chain.fulfil(up, a)
    stored = chain.latest(chain.subject)
    assert (stored["score"], stored["commitment"]) == (710, a.commitment)
    record, counts = chain.oracle.functions.latestAssessmentStatus(chain.subject).call()
    assert counts is True and record[9] == a.commitment


def test_a_batch_takes_updates_beside_fulfilments(chain):
    req = chain.request(subject=chain.address_of(chain.STRANGER_KEY))
    ra = chain.pin(req, chain.assessment(score=500))
    up, ua = _update(chain, chain.assessment(score=800))
    fn = chain.oracle.functions.fulfilBatch([req.tuple(), up.tuple()], [ra.tuple(), ua.tuple()],
                                            [chain.sig_arg(chain.sign(req, ra)), chain.sig_arg(chain.sign(up, ua))])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY)
    assert [e["score"] for e in chain.events(receipt, "AssessmentFulfilled")] == [500, 800]
    assert chain.events(receipt, "FulfilmentSkipped") == []
    assert chain.latest(chain.subject)["score"] == 800
