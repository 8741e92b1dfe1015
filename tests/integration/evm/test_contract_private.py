"""Private assessments on AuraOracle (docs/protocol.md, "Private assessments"): `requestPrivateAssessment` logs
the request's privacy, a private request takes only the private payload (score 0, tier PRIVATE_TIER, pdBps 0) and a
public one never it, in `fulfil`, `fulfilQuorum`, `fulfilBatch` and `fulfilBatchQuorum` alike; the record stored is
what was signed, and a consumer called back gets it as such."""

from __future__ import annotations

from chains.core.assessment import PRIVATE_TIER

PENDING, FULFILLED = 1, 2
ZERO_ADDRESS = "0x" + "00" * 20


def _skipped(chain, receipt):
    return [(bytes(e["requestId"]), bytes(e["reason"])) for e in chain.events(receipt, "FulfilmentSkipped")]


def _fulfilled(chain, receipt):
    return [bytes(e["requestId"]) for e in chain.events(receipt, "AssessmentFulfilled")]


def _mismatches(chain):
    """(request, payload) pairs whose privacy does not match: a public payload for a private request, a private
    one for a public request, and private-looking payloads that show a score or a PD (or no PRIVATE_TIER)."""
    private, public = chain.request(private=True), chain.request()
    return [(private, chain.assessment()), (public, chain.private_assessment()),
            (chain.request(private=True), chain.private_assessment(score=700)),
            (chain.request(private=True), chain.private_assessment(pd_bps=120)),
            (chain.request(private=True), chain.private_assessment(tier=1))]


# ------------------------------------------------------------------------------------------------ requests

def test_the_request_logs_its_privacy(chain):
    f = chain.oracle.functions
    seq = f.requestCount().call()
    receipt = chain.send(f.requestPrivateAssessment(chain.subject, b"\x01"), chain.REQUESTER_KEY, chain.FEE)
    (ev,) = chain.events(receipt, "AssessmentRequested")
    assert (bytes(ev["requestId"]), ev["requester"], ev["subject"], ev["fee"], bytes(ev["params"]), ev["isPrivate"]) \
        == (chain.request_id_of(chain.oracle.address, seq), chain.requester, chain.subject, chain.FEE, b"\x01", True)
    receipt = chain.send(f.requestAssessment(chain.subject, b""), chain.REQUESTER_KEY, chain.FEE)
    assert [e["isPrivate"] for e in chain.events(receipt, "AssessmentRequested")] == [False]
    assert f.requestCount().call() == seq + 2  # one counter for both


def test_a_private_request_is_refused_as_a_public_one(chain):
    f = chain.oracle.functions
    assert chain.expect_revert(f.requestPrivateAssessment(chain.subject, b""), chain.REQUESTER_KEY, chain.FEE - 1) \
        == ("InsufficientFee", chain.FEE - 1, chain.FEE)
    assert chain.expect_revert(f.requestPrivateAssessment(ZERO_ADDRESS, b""), chain.REQUESTER_KEY, chain.FEE) == (
        "ZeroSubject",)
    assert chain.expect_revert(f.requestPrivateAssessment(chain.subject, b"x" * 1025), chain.REQUESTER_KEY,
                               chain.FEE) == ("ParamsTooLong", 1025, 1024)


# ------------------------------------------------------------------------------------------------ fulfil

def test_a_private_request_stores_what_was_signed(chain):
    req = chain.request(private=True)
    a = chain.private_assessment(flags=0b1001)
    receipt = chain.fulfil(req, a)
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert (ev["score"], ev["tier"], ev["pdBps"], ev["flags"], bytes(ev["commitment"])) == (
        0, PRIVATE_TIER, 0, 0b1001, a.commitment)
    latest = chain.latest(chain.subject)
    assert (latest["exists"], latest["score"], latest["tier"], latest["pdBps"], latest["flags"],
            bytes(latest["commitment"]), latest["expiry"]) == (True, 0, PRIVATE_TIER, 0, 0b1001, a.commitment,
                                                               a.expiry)
    assert chain.status(req) == FULFILLED


def test_fulfil_refuses_a_payload_of_the_other_privacy(chain):
    for req, a in _mismatches(chain):
        assert chain.fulfil_revert(req, a) == ("PrivacyMismatch", req.id)
        assert chain.status(req) == PENDING
    # A public request's tier check is as before for every other tier out of range.
    assert chain.fulfil_revert(chain.request(), chain.assessment(tier=3)) == ("TierOutOfRange", 3)


def test_a_consumer_called_back_on_a_private_request_gets_score_0_and_tier_255(chain):
    consumer = chain.c["RecordingConsumer"]
    chain.rpc("anvil_impersonateAccount", consumer.address)
    chain.rpc("anvil_setBalance", consumer.address, hex(10**18))
    try:
        tx_hash = consumer.w3.eth.send_transaction({
            "from": consumer.address, "to": chain.oracle.address, "value": chain.FEE, "gas": 200_000,
            "data": chain.oracle.encode_abi("requestPrivateAssessment", [chain.subject, b""])})
        receipt = chain.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)
    finally:
        chain.rpc("anvil_stopImpersonatingAccount", consumer.address)
    req = chain.request_from(receipt)
    assert req.requester == consumer.address
    receipt = chain.fulfil(req, chain.private_assessment(flags=8))
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    assert ev["callback"] == chain.CALLBACK_SUCCEEDED
    f = consumer.functions
    assert (bytes(f.lastRequestId().call()), f.lastScore().call(), f.lastTier().call(), f.lastPdBps().call(),
            f.lastFlags().call()) == (req.id, 0, PRIVATE_TIER, 0, 8)


# ------------------------------------------------------------------------------------------------ batches, quorums

def test_a_batch_skips_an_item_of_the_other_privacy(chain):
    good = [(chain.request(private=True), chain.private_assessment()), (chain.request(), chain.assessment())]
    bad = _mismatches(chain)
    items = [(r, chain.pin(r, a)) for r, a in [good[0], *bad, good[1]]]
    fn = chain.oracle.functions.fulfilBatch([r.tuple() for r, _ in items], [a.tuple() for _, a in items],
                                            [chain.sig_arg(chain.sign(r, a)) for r, a in items])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=6_000_000)
    mismatch = chain.selector("PrivacyMismatch")
    assert _skipped(chain, receipt) == [(r.id, mismatch) for r, _ in bad]
    assert _fulfilled(chain, receipt) == [good[0][0].id, good[1][0].id]
    assert [chain.status(r) for r, _ in bad] == [PENDING] * len(bad)


def test_fulfil_quorum_refuses_a_payload_of_the_other_privacy(chain, trio):
    chain.set_threshold(2)
    for req, a in _mismatches(chain)[:2]:
        fn = chain.fulfil_quorum_fn(req, a, chain.signatures(req, chain.pin(req, a), trio[:2]))
        assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("PrivacyMismatch", req.id)
    req, a = chain.request(private=True), chain.private_assessment()
    receipt = chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, chain.pin(req, a), trio[:2])),
                         chain.TRANSMITTER_KEY)
    assert _fulfilled(chain, receipt) == [req.id]
    assert chain.latest(chain.subject)["tier"] == PRIVATE_TIER


def test_a_quorum_batch_skips_an_item_of_the_other_privacy(chain, trio):
    chain.set_threshold(2)
    bad = _mismatches(chain)[:2]
    good = (chain.request(private=True), chain.private_assessment())
    items = [(r, chain.pin(r, a)) for r, a in [*bad, good]]
    fn = chain.oracle.functions.fulfilBatchQuorum(
        [r.tuple() for r, _ in items], [a.tuple() for _, a in items],
        [[chain.sig_arg(s) for s in chain.signatures(r, a, trio[:2])] for r, a in items])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=6_000_000)
    assert _skipped(chain, receipt) == [(r.id, chain.selector("PrivacyMismatch")) for r, _ in bad]
    assert _fulfilled(chain, receipt) == [good[0].id]

