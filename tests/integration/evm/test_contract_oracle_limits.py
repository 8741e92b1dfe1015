"""AuraOracle: an assessment's validity is capped by an owner-set maximum, and a revoked signer's stored
assessments stop counting (`latestAssessmentStatus`, `isFresh`)."""

from __future__ import annotations

from eth_account import Account

PENDING, FULFILLED = 1, 2
DAY = 86400
DEFAULT_MAX_VALIDITY = 7 * DAY
VALIDITY_LIMIT = 30 * DAY
U64_MAX = 2**64 - 1


def _status(chain, subject):
    record, active = chain.oracle.functions.latestAssessmentStatus(subject).call()
    return record, active


# ------------------------------------------------------------------------------------------------ validity cap

def test_default_cap_and_owner_setter(chain):
    f = chain.oracle.functions
    assert f.maxAssessmentValidity().call() == DEFAULT_MAX_VALIDITY
    assert f.DEFAULT_MAX_ASSESSMENT_VALIDITY().call() == DEFAULT_MAX_VALIDITY
    assert f.ASSESSMENT_VALIDITY_LIMIT().call() == VALIDITY_LIMIT

    assert chain.expect_revert(f.setMaxAssessmentValidity(600), chain.STRANGER_KEY) == ("NotOwner",)
    assert chain.expect_revert(f.setMaxAssessmentValidity(0), chain.OWNER_KEY) == ("InvalidMaxAssessmentValidity", 0)
    assert chain.expect_revert(f.setMaxAssessmentValidity(VALIDITY_LIMIT + 1), chain.OWNER_KEY) == (
        "InvalidMaxAssessmentValidity", VALIDITY_LIMIT + 1)
    (ev,) = chain.events(chain.send(f.setMaxAssessmentValidity(VALIDITY_LIMIT), chain.OWNER_KEY),
                         "MaxAssessmentValiditySet")
    assert ev["maxAssessmentValidity"] == VALIDITY_LIMIT and f.maxAssessmentValidity().call() == VALIDITY_LIMIT
    (ev,) = chain.events(chain.send(f.setMaxAssessmentValidity(1), chain.OWNER_KEY), "MaxAssessmentValiditySet")
    assert ev["maxAssessmentValidity"] == 1 and f.maxAssessmentValidity().call() == 1


def test_deployment_emits_the_default(chain):
    logs = chain.oracle.events.MaxAssessmentValiditySet().get_logs(from_block=0, to_block="latest")
    assert [e["args"]["maxAssessmentValidity"] for e in logs] == [DEFAULT_MAX_VALIDITY]


def test_over_long_assessment_is_refused(chain):
    req = chain.request()
    now = chain.now()
    too_long = chain.assessment(timestamp=now, expiry=now + DEFAULT_MAX_VALIDITY + 1)
    assert chain.fulfil_revert(req, too_long) == (
        "AssessmentValidityTooLong", DEFAULT_MAX_VALIDITY + 1, DEFAULT_MAX_VALIDITY)
    forever = chain.assessment(timestamp=now, expiry=U64_MAX)
    assert chain.fulfil_revert(req, forever) == ("AssessmentValidityTooLong", U64_MAX - now, DEFAULT_MAX_VALIDITY)
    assert chain.status(req) == PENDING
    at_cap = chain.assessment(timestamp=now, expiry=now + DEFAULT_MAX_VALIDITY)
    chain.fulfil(req, at_cap)
    assert chain.status(req) == FULFILLED
    assert chain.latest(chain.subject)["expiry"] == now + DEFAULT_MAX_VALIDITY


def test_lowered_cap_applies_to_the_next_fulfilment(chain):
    chain.send(chain.oracle.functions.setMaxAssessmentValidity(600), chain.OWNER_KEY)
    req = chain.request()
    now = chain.now()
    assert chain.fulfil_revert(req, chain.assessment(timestamp=now, expiry=now + 601)) == (
        "AssessmentValidityTooLong", 601, 600)
    chain.fulfil(req, chain.assessment(timestamp=now, expiry=now + 600))
    assert chain.status(req) == FULFILLED


def test_the_cap_reaches_every_active_signer_and_later_registrations(chain):
    """`fulfil` reads the cap from the signer's own slot: the setter updates every active signer's copy, and a
    signer registered afterwards starts with the current cap."""
    chain.send(chain.oracle.functions.setMaxAssessmentValidity(600), chain.OWNER_KEY)
    late = Account.create()
    chain.send(chain.oracle.functions.registerSigner(late.address, chain.MEASUREMENT, chain.payee), chain.OWNER_KEY)
    req = chain.request()
    now = chain.now()
    too_long = chain.assessment(timestamp=now, expiry=now + 601)
    for key in (chain.ENCLAVE_KEY, late.key.to_0x_hex()):
        assert chain.fulfil_revert(req, too_long, chain.sign(req, too_long, key=key)) == (
            "AssessmentValidityTooLong", 601, 600)
    chain.send(chain.oracle.functions.setMaxAssessmentValidity(601), chain.OWNER_KEY)
    chain.fulfil(req, too_long, chain.sign(req, too_long, key=late.key.to_0x_hex()))
    assert chain.status(req) == FULFILLED


def test_the_cap_is_checked_once_the_signer_is_known(chain):
    """The cap lives in the signer's slot, so an over-long assessment from an unknown signer is refused as
    `UnknownSigner`, as is one whose signature is over other fields (it recovers to another address)."""
    req = chain.request()
    now = chain.now()
    too_long = chain.assessment(timestamp=now, expiry=now + DEFAULT_MAX_VALIDITY + 1)
    stranger = Account.create()
    assert chain.fulfil_revert(req, too_long, chain.sign(req, too_long, key=stranger.key.to_0x_hex())) == (
        "UnknownSigner", stranger.address)
    assert chain.fulfil_revert(req, too_long, chain.sign(req, chain.assessment()))[0] == "UnknownSigner"


def test_batch_skips_an_over_long_assessment(chain):
    good, long_lived = chain.request(), chain.request()
    now = chain.now()
    a_good = chain.pin(good, chain.assessment())
    a_long = chain.pin(long_lived, chain.assessment(timestamp=now, expiry=now + DEFAULT_MAX_VALIDITY + 1))
    fn = chain.oracle.functions.fulfilBatch(
        [good.tuple(), long_lived.tuple()], [a_good.tuple(), a_long.tuple()],
        [chain.sig_arg(chain.sign(good, a_good)), chain.sig_arg(chain.sign(long_lived, a_long))])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY)
    assert [bytes(e["requestId"]) for e in chain.events(receipt, "AssessmentFulfilled")] == [good.id]
    skipped = [(bytes(e["requestId"]), bytes(e["reason"])) for e in chain.events(receipt, "FulfilmentSkipped")]
    assert skipped == [(long_lived.id, chain.selector("AssessmentValidityTooLong"))]
    assert (chain.status(good), chain.status(long_lived)) == (FULFILLED, PENDING)
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == good.fee


# ------------------------------------------------------------------------------------------------ revoked signers

def test_revoked_signers_assessment_stops_counting(chain):
    f = chain.oracle.functions
    record, active = _status(chain, chain.subject)
    assert (record[0], active) == (False, False)  # nothing stored

    a = chain.assessment(score=815, tier=2)
    chain.fulfil(chain.request(), a)
    record, active = _status(chain, chain.subject)
    assert active is True
    assert tuple(record) == tuple(f.latestAssessment(chain.subject).call())
    assert (record[0], record[1], record[7]) == (True, 815, chain.enclave)
    assert f.isFresh(chain.subject, 3600).call() is True

    chain.send(f.revokeSigner(chain.enclave), chain.OWNER_KEY)
    record, active = _status(chain, chain.subject)
    assert active is False
    assert (record[0], record[1], record[7]) == (True, 815, chain.enclave)  # still readable, no longer counts
    assert f.isFresh(chain.subject, 3600).call() is False
    assert f.isFresh(chain.subject, 2**64 - 1).call() is False


def test_an_older_assessment_replaces_a_revoked_signers(chain):
    f = chain.oracle.functions
    second = Account.create()
    measurement = b"\x09" * 32
    chain.send(f.registerSigner(second.address, measurement, chain.payee), chain.OWNER_KEY)
    first_req, second_req = chain.request(), chain.request()
    now = chain.now()
    newer = chain.assessment(score=990, tier=2, timestamp=now)
    chain.fulfil(first_req, newer)

    older = chain.assessment(score=420, tier=0, timestamp=now - 30, measurement=measurement)
    # while the newer one's signer is active, an older assessment does not replace it ...
    with_snapshot = chain.rpc("evm_snapshot")
    chain.fulfil(second_req, older, chain.sign(second_req, older, key=second.key.to_0x_hex()))
    assert chain.latest(chain.subject)["score"] == 990
    assert chain.rpc("evm_revert", with_snapshot) is True

    # ... once it is revoked, it does
    chain.send(f.revokeSigner(chain.enclave), chain.OWNER_KEY)
    assert f.isFresh(chain.subject, 3600).call() is False
    chain.fulfil(second_req, older, chain.sign(second_req, older, key=second.key.to_0x_hex()))
    record, active = _status(chain, chain.subject)
    assert (record[1], record[5], record[7], active) == (420, now - 30, second.address, True)
    assert f.isFresh(chain.subject, 3600).call() is True
