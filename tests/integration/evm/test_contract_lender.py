"""ExampleLender: applies through the oracle, decides on the callback, quotes only fresh assessments."""

from __future__ import annotations

import pytest

NONE, APPROVED, MANUAL_REVIEW, REJECTED = range(4)
LOAN = 5 * 10**18


def _tier(score):
    return 0 if score < 600 else 1 if score < 800 else 2


def _apply(chain, surplus=0):
    receipt = chain.send(chain.lender.functions.applyForLoan(LOAN), chain.REQUESTER_KEY, chain.FEE + surplus)
    return chain.request_from(receipt), receipt


def test_apply_forwards_the_fee_and_refunds_the_surplus(chain):
    borrower_before = chain.balance(chain.requester)
    oracle_before = chain.balance(chain.oracle.address)
    req, receipt = _apply(chain, surplus=12345)
    assert (req.requester, req.subject, req.fee) == (chain.lender.address, chain.requester, chain.FEE)
    assert chain.balance(chain.requester) == borrower_before - chain.FEE - chain.cost(receipt)
    assert chain.balance(chain.oracle.address) == oracle_before + chain.FEE
    assert chain.balance(chain.lender.address) == 0
    (ev,) = chain.events(receipt, "LoanRequested", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["borrower"], ev["amount"]) == (req.id, chain.requester, LOAN)
    assert chain.lender.functions.applications(req.id).call() == [chain.requester, LOAN]


def test_apply_refusals(chain):
    f = chain.lender.functions
    assert chain.expect_revert(f.applyForLoan(LOAN), chain.REQUESTER_KEY, chain.FEE - 1) == (
        "InsufficientFee", chain.FEE - 1, chain.FEE)
    assert chain.expect_revert(f.applyForLoan(0), chain.REQUESTER_KEY, chain.FEE) == ("ZeroAmount",)


@pytest.mark.parametrize(("score", "decision", "ltv"), [
    (1000, APPROVED, 8000), (800, APPROVED, 8000), (799, APPROVED, 7985), (700, APPROVED, 6500),
    (600, APPROVED, 5000), (599, MANUAL_REVIEW, 0), (450, MANUAL_REVIEW, 0), (449, REJECTED, 0), (0, REJECTED, 0),
])
def test_decision_on_callback(chain, score, decision, ltv):
    req, _ = _apply(chain)
    a = chain.assessment(score=score, tier=_tier(score))
    receipt = chain.fulfil(req, a)
    (fulfilled,) = chain.events(receipt, "AssessmentFulfilled")
    assert fulfilled["callback"] == chain.CALLBACK_SUCCEEDED
    (ev,) = chain.events(receipt, "LoanDecision", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["borrower"], ev["decision"], ev["maxLtvBps"], ev["score"]) == (
        req.id, chain.requester, decision, ltv, score)
    block = chain.w3.eth.get_block(receipt["blockNumber"])
    assert chain.lender.functions.decisionOf(chain.requester).call() == (
        req.id, decision, ltv, score, block["timestamp"], LOAN)
    assert chain.lender.functions.applications(req.id).call() == ["0x" + "00" * 20, 0]
    assert chain.lender.functions.quote(chain.requester).call() == [decision, ltv]


def test_quote_needs_a_fresh_assessment(chain):
    f = chain.lender.functions
    assert chain.call_revert(f.quote(chain.requester)) == ("NoAssessment",)
    req, _ = _apply(chain)
    a = chain.assessment(score=760, tier=1, expiry=chain.now() + 7200)
    chain.fulfil(req, a)
    chain.mine_at(a.timestamp + 3600)
    assert f.quote(chain.requester).call() == [APPROVED, 7400]
    chain.mine_at(a.timestamp + 3601)
    assert chain.call_revert(f.quote(chain.requester)) == ("StaleAssessment", a.timestamp)
    assert chain.oracle.functions.isFresh(chain.requester, 3600).call() is False
    assert chain.oracle.functions.isFresh(chain.requester, 3601).call() is True


def test_quote_refuses_an_assessment_past_its_expiry(chain):
    req, _ = _apply(chain)
    a = chain.assessment(score=760, tier=1)  # valid for 10 minutes
    chain.fulfil(req, a)
    chain.mine_at(a.expiry)
    assert chain.lender.functions.quote(chain.requester).call() == [APPROVED, 7400]
    chain.mine_at(a.expiry + 1)
    assert chain.call_revert(chain.lender.functions.quote(chain.requester)) == ("ExpiredAssessment", a.expiry)


def test_quote_goes_stale_as_time_passes(chain):
    req, _ = _apply(chain)
    chain.fulfil(req, chain.assessment(score=440, tier=0))
    assert chain.lender.functions.quote(chain.requester).call() == [REJECTED, 0]
    chain.rpc("evm_increaseTime", 3700)
    chain.rpc("evm_mine")
    stored = chain.latest(chain.requester)
    assert chain.call_revert(chain.lender.functions.quote(chain.requester)) == ("StaleAssessment", stored["timestamp"])


def test_only_the_oracle_may_call_back(chain):
    req, _ = _apply(chain)
    fn = chain.lender.functions.onAssessment(req.id, chain.requester, 900, 2, 10, 0)
    assert chain.expect_revert(fn, chain.STRANGER_KEY) == ("NotOracle",)
    assert chain.lender.functions.decisionOf(chain.requester).call()[1] == NONE


def test_cancel_an_expired_application(chain):
    f = chain.lender.functions
    req, _ = _apply(chain)
    chain.set_next_timestamp(req.expires_at + 1)
    assert chain.expect_revert(f.cancelApplication(req.tuple()), chain.STRANGER_KEY) == (
        "NotBorrower", chain.stranger)
    before = chain.balance(chain.requester)
    receipt = chain.send(f.cancelApplication(req.tuple()), chain.REQUESTER_KEY)
    assert chain.balance(chain.requester) == before + chain.FEE - chain.cost(receipt)
    assert chain.status(req) == 3
    (ev,) = chain.events(receipt, "ApplicationCancelled", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["borrower"], ev["refund"]) == (req.id, chain.requester, chain.FEE)
    assert chain.expect_revert(f.cancelApplication(req.tuple()), chain.REQUESTER_KEY) == (
        "UnknownApplication", req.id)
