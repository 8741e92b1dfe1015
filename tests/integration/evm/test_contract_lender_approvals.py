"""ExampleLender: risk flags override the score, an approval is taken up once and only while it is valid, a
revoked signer's assessment counts as none, a private one is refused by name, and an application whose callback
failed can be withdrawn."""

from __future__ import annotations

import pytest

from chains.core.assessment import PRIVATE_TIER
from node.scoring.flags import Flag

NONE, APPROVED, MANUAL_REVIEW, REJECTED = range(4)
PENDING, FULFILLED = 1, 2
LOAN = 5 * 10**18
HOUR = 3600
ZERO_ADDRESS = "0x" + "00" * 20


def _apply(chain):
    receipt = chain.send(chain.lender.functions.applyForLoan(LOAN), chain.REQUESTER_KEY, chain.FEE)
    return chain.request_from(receipt)


def _approve(chain, at=None, **assessment):
    """Apply and have the oracle answer; the fulfilment is mined at `at` (default: the next second) and the
    assessment's timestamp is that same second unless given. Returns (request, decidedAt, assessment)."""
    req = _apply(chain)
    at = at or chain.now() + 1
    fields = {"score": 760, "tier": 1, "flags": 0, "timestamp": at, "expiry": at + 2 * HOUR}
    fields.update(assessment)
    a = chain.assessment(**fields)
    chain.set_next_timestamp(at)
    receipt = chain.fulfil(req, a)
    (fulfilled,) = chain.events(receipt, "AssessmentFulfilled")
    assert fulfilled["callback"] == chain.CALLBACK_SUCCEEDED
    return req, at, a


def _take(chain, key=None):
    return chain.lender.functions.takeLoan(), key or chain.REQUESTER_KEY


class _Snapshot:
    def __init__(self, chain):
        self.chain = chain

    def __enter__(self):
        self.id = self.chain.rpc("evm_snapshot")

    def __exit__(self, *exc):
        assert self.chain.rpc("evm_revert", self.id) is True


# ------------------------------------------------------------------------------------------------ risk flags

def test_flag_sets_match_the_python_bits(chain):
    f = chain.lender.functions
    assert f.REJECT_FLAGS().call() == int(Flag.LIQUIDATED | Flag.UNDISCLOSED_LIABILITY)
    assert f.REVIEW_FLAGS().call() == int(Flag.BURST_ACTIVITY | Flag.ANOMALOUS | Flag.INTENT_MISMATCH)


REJECTING = [Flag.LIQUIDATED, Flag.UNDISCLOSED_LIABILITY]
REVIEWING = [Flag.BURST_ACTIVITY, Flag.ANOMALOUS, Flag.INTENT_MISMATCH]
HARMLESS = [f for f in Flag if f is not Flag.NONE and f not in REJECTING + REVIEWING]


@pytest.mark.parametrize(("score", "flags", "expected"), [
    *[(1000, int(f), [REJECTED, 0]) for f in REJECTING],
    *[(1000, int(f), [MANUAL_REVIEW, 0]) for f in REVIEWING],
    *[(1000, int(f), [APPROVED, 8000]) for f in HARMLESS],
    (1000, int(Flag.LIQUIDATED | Flag.BURST_ACTIVITY), [REJECTED, 0]),
    (700, int(Flag.ANOMALOUS), [MANUAL_REVIEW, 0]),
    (500, int(Flag.ANOMALOUS), [MANUAL_REVIEW, 0]),  # review flags never raise a decision
    (300, int(Flag.INTENT_MISMATCH), [REJECTED, 0]),
    (700, int(sum(HARMLESS)), [APPROVED, 6500]),
])
def test_decide_honours_flags(chain, score, flags, expected):
    assert chain.lender.functions.decide(score, flags).call() == expected


def test_liquidated_wallet_with_a_high_score_is_rejected_on_the_callback(chain):
    req = _apply(chain)
    receipt = chain.fulfil(req, chain.assessment(score=950, tier=2, flags=int(Flag.LIQUIDATED | Flag.LIMITED_DATA)))
    (ev,) = chain.events(receipt, "LoanDecision", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["borrower"], ev["decision"], ev["maxLtvBps"], ev["score"]) == (
        req.id, chain.requester, REJECTED, 0, 950)
    assert chain.lender.functions.decisionOf(chain.requester).call()[1:3] == (REJECTED, 0)
    assert chain.lender.functions.quote(chain.requester).call() == [REJECTED, 0]
    assert chain.lender.functions.approvalOf(chain.requester).call() == [req.id, 0, False]
    assert chain.expect_revert(*_take(chain)) == ("NotApproved", REJECTED)


# ------------------------------------------------------------------------------------------------ take the loan

def test_an_approval_is_taken_once(chain):
    f = chain.lender.functions
    assert chain.expect_revert(*_take(chain)) == ("NotApproved", NONE)
    req, decided_at, _ = _approve(chain, score=760)
    assert f.approvalOf(chain.requester).call() == [req.id, decided_at + HOUR, False]
    ok, out = chain.try_call(f.takeLoan(), chain.REQUESTER_KEY)
    assert ok and int.from_bytes(out[:32], "big") == LOAN and int.from_bytes(out[32:64], "big") == 7400

    receipt = chain.send(f.takeLoan(), chain.REQUESTER_KEY)
    (ev,) = chain.events(receipt, "LoanTaken", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["borrower"], ev["amount"], ev["maxLtvBps"]) == (
        req.id, chain.requester, LOAN, 7400)
    assert f.approvalOf(chain.requester).call() == [req.id, decided_at + HOUR, True]
    assert chain.expect_revert(*_take(chain)) == ("ApprovalUsed", req.id)
    assert chain.expect_revert(*_take(chain, chain.STRANGER_KEY)) == ("NotApproved", NONE)
    # the decision itself is unchanged
    assert f.decisionOf(chain.requester).call() == (req.id, APPROVED, 7400, 760, decided_at, LOAN)

    # a new application gives a new approval, usable once again
    req2, _, _ = _approve(chain, score=820, tier=2)
    receipt = chain.send(f.takeLoan(), chain.REQUESTER_KEY)
    (ev,) = chain.events(receipt, "LoanTaken", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["maxLtvBps"]) == (req2.id, 8000)


def test_an_approval_expires_after_its_ttl(chain):
    req, decided_at, _ = _approve(chain)
    with _Snapshot(chain):
        chain.set_next_timestamp(decided_at + HOUR)
        chain.send(chain.lender.functions.takeLoan(), chain.REQUESTER_KEY)  # the last second still counts
    chain.set_next_timestamp(decided_at + HOUR + 1)
    assert chain.expect_revert(*_take(chain)) == ("ApprovalExpired", req.id, decided_at + HOUR)
    assert chain.lender.functions.approvalOf(chain.requester).call() == [req.id, decided_at + HOUR, False]


def test_an_approval_ends_with_the_assessments_expiry(chain):
    start = chain.now() + 1
    req, decided_at, a = _approve(chain, at=start, expiry=start + 600)
    with _Snapshot(chain):
        chain.set_next_timestamp(a.expiry)
        chain.send(chain.lender.functions.takeLoan(), chain.REQUESTER_KEY)
    chain.set_next_timestamp(a.expiry + 1)
    assert chain.expect_revert(*_take(chain)) == ("ApprovalExpired", req.id, a.expiry)


def test_manual_review_is_not_an_approval(chain):
    req, _, _ = _approve(chain, score=700, flags=int(Flag.BURST_ACTIVITY))
    assert chain.lender.functions.decisionOf(chain.requester).call()[1:3] == (MANUAL_REVIEW, 0)
    assert chain.expect_revert(*_take(chain)) == ("NotApproved", MANUAL_REVIEW)


def test_a_newer_flagged_assessment_withdraws_the_approval(chain):
    req, _, _ = _approve(chain, score=900, tier=2)
    # someone else asks about the borrower; the answer now shows a liquidation
    direct = chain.request(requester_key=chain.STRANGER_KEY, subject=chain.requester)
    chain.fulfil(direct, chain.assessment(score=900, tier=2, flags=int(Flag.LIQUIDATED)))
    assert chain.lender.functions.quote(chain.requester).call() == [REJECTED, 0]
    assert chain.expect_revert(*_take(chain)) == ("ApprovalWithdrawn", req.id, REJECTED)


def test_the_loan_to_value_is_the_lower_of_approval_and_now(chain):
    req, _, _ = _approve(chain, score=900, tier=2)
    direct = chain.request(requester_key=chain.STRANGER_KEY, subject=chain.requester)
    chain.fulfil(direct, chain.assessment(score=650, tier=1, flags=0))
    receipt = chain.send(chain.lender.functions.takeLoan(), chain.REQUESTER_KEY)
    (ev,) = chain.events(receipt, "LoanTaken", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["maxLtvBps"]) == (req.id, 5750)


# ------------------------------------------------------------------------------------------------ revoked signer

def test_a_revoked_signers_assessment_counts_as_none(chain):
    f = chain.lender.functions
    _approve(chain)
    assert f.quote(chain.requester).call() == [APPROVED, 7400]
    chain.send(chain.oracle.functions.revokeSigner(chain.enclave), chain.OWNER_KEY)
    assert chain.call_revert(f.quote(chain.requester)) == ("NoAssessment",)
    assert chain.expect_revert(*_take(chain)) == ("NoAssessment",)


def test_a_quorum_assessment_counts_while_its_threshold_of_signers_stays_active(chain, trio):
    """Two of three signed: one revoked leaves it below the threshold it met, and the lender treats it as none."""
    f = chain.lender.functions
    chain.set_threshold(2)
    req = _apply(chain)
    a = chain.assessment(score=760, tier=1, flags=0)
    receipt = chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, trio[:2])), chain.TRANSMITTER_KEY)
    (fulfilled,) = chain.events(receipt, "AssessmentFulfilled")
    assert (fulfilled["signerCount"], fulfilled["callback"]) == (2, chain.CALLBACK_SUCCEEDED)
    assert f.quote(chain.requester).call() == [APPROVED, 7400]
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(trio[2])), chain.OWNER_KEY)  # not a signer
    assert f.quote(chain.requester).call() == [APPROVED, 7400]
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(trio[1])), chain.OWNER_KEY)
    assert chain.call_revert(f.quote(chain.requester)) == ("NoAssessment",)
    assert chain.expect_revert(*_take(chain)) == ("NoAssessment",)


# ------------------------------------------------------------------------------------------------ failed callback

@pytest.mark.parametrize(("callback_gas_limit", "outcome"), [(30_000, 2), (0, 0)],
                         ids=["callback-out-of-gas", "callbacks-off"])
def test_withdraw_an_application_whose_callback_failed(chain, callback_gas_limit, outcome):
    f = chain.lender.functions
    chain.send(chain.oracle.functions.setCallbackGasLimit(callback_gas_limit), chain.OWNER_KEY)
    req = _apply(chain)
    receipt = chain.fulfil(req, chain.assessment(score=760))
    (fulfilled,) = chain.events(receipt, "AssessmentFulfilled")
    assert fulfilled["callback"] == outcome  # CallbackOutcome: 2 Reverted, 0 None
    assert chain.status(req) == FULFILLED
    assert f.applications(req.id).call() == [chain.requester, LOAN]  # stranded: no decision was taken
    assert f.decisionOf(chain.requester).call()[1] == NONE

    assert chain.expect_revert(f.cancelApplication(req.tuple()), chain.STRANGER_KEY) == ("NotBorrower", chain.stranger)
    before = chain.balance(chain.requester)
    lender_before = chain.balance(chain.lender.address)
    receipt = chain.send(f.cancelApplication(req.tuple()), chain.REQUESTER_KEY)  # before the request's expiry
    (ev,) = chain.events(receipt, "ApplicationCancelled", "ExampleLender")
    assert (bytes(ev["requestId"]), ev["borrower"], ev["refund"]) == (req.id, chain.requester, 0)
    assert chain.events(receipt, "AssessmentCancelled") == []
    assert chain.balance(chain.requester) == before - chain.cost(receipt)  # the fee paid for the answer
    assert chain.balance(chain.lender.address) == lender_before == 0
    assert f.applications(req.id).call() == [ZERO_ADDRESS, 0]
    assert chain.status(req) == FULFILLED
    assert chain.expect_revert(f.cancelApplication(req.tuple()), chain.REQUESTER_KEY) == ("UnknownApplication", req.id)


def test_a_pending_application_still_waits_for_its_expiry(chain):
    req = _apply(chain)
    fn = chain.lender.functions.cancelApplication(req.tuple())
    assert chain.expect_revert(fn, chain.REQUESTER_KEY) == ("NotExpired", req.expires_at)
    assert chain.status(req) == PENDING
    assert chain.lender.functions.applications(req.id).call() == [chain.requester, LOAN]


def test_the_public_path_refuses_a_private_assessment(chain):
    """A private assessment holds score 0 in place of a score: `quote` and `takeLoan` refuse it by name rather than
    decide on that 0 (the private path, `borrowWithProof`, lends on it with a proof)."""
    _, at, _ = _approve(chain)
    assert chain.lender.functions.quote(chain.requester).call() == [APPROVED, 7400]
    req = chain.request(chain.STRANGER_KEY, subject=chain.requester, private=True)
    chain.set_next_timestamp(at + 1)
    chain.fulfil(req, chain.private_assessment(timestamp=at + 1, expiry=at + HOUR))
    assert chain.latest(chain.requester)["tier"] == PRIVATE_TIER
    assert chain.call_revert(chain.lender.functions.quote(chain.requester)) == ("PrivateAssessment",)
    assert chain.expect_revert(*_take(chain)) == ("PrivateAssessment",)
