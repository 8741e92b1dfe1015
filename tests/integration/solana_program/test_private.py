"""Private assessments (docs/solana.md, "Private assessments"): `request_private_assessment` keeps the privacy with
the request and says it in its event; `fulfil` takes a private request's assessment only in the private form
(tier 255, score 0, pd_bps 0) and a public request's only in any other tier, each refusal next to the happy path.
`fulfil_quorum`'s checks are in test_quorum.py, a threshold proof against a private Score in test_zk.py."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest

PARAMS_V1 = bytes(range(128))


def assessment(sol, **kw):
    return replace(sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400), **kw)


# ------------------------------------------------------------------------------------------------ requests

@pytest.mark.parametrize("private", [False, True])
def test_the_request_keeps_its_privacy_and_its_event_says_it(ready, private):
    sol = ready
    result = sol.ok(sol.request_ix(params=PARAMS_V1, private=private))
    address = sol.request_pda(0)
    data = bytes(sol.account(address).data)
    # docs/solana.md, "Request": private at 154, then params (u32 length, bytes) at 155
    assert len(data) == sol.REQUEST_BASE_LEN + len(PARAMS_V1) == 159 + 128
    assert data[154:159 + 128] == bytes([private]) + struct.pack("<I", 128) + PARAMS_V1
    request = sol.decode(address)
    assert (request.private, request.params, request.status) == (private, PARAMS_V1, 0)
    assert sol.account(address).lamports == sol.rent(sol.REQUEST_BASE_LEN + 128) + sol.FEE
    (event,) = sol.events(result)
    assert (event.name, event.data.private, event.data.params, bytes(event.data.request)) == (
        "AssessmentRequested", private, PARAMS_V1, bytes(address))
    name = "RequestPrivateAssessment" if private else "RequestAssessment"
    assert f"Program log: Instruction: {name}" in list(result.logs())


def test_a_private_request_is_checked_as_a_public_one(ready):
    """The same checks as `request_assessment`: the all-zero subject, oversized params, a stale nonce."""
    sol = ready
    sol.fails("ZeroSubject", sol.request_ix(subject=sol.SYSTEM_PROGRAM, private=True))
    sol.fails("ParamsTooLong", sol.request_ix(params=bytes(257), private=True))
    sol.fails("WrongPda", sol.request_ix(nonce=1, private=True))
    sol.request(private=True)
    assert sol.next_nonce() == 1


# ------------------------------------------------------------------------------------------------ fulfil

def test_a_private_request_is_fulfilled_by_the_private_form(ready):
    sol = ready
    request = sol.request(private=True)
    payee_before = sol.balance(sol.payee.pubkey())
    a = assessment(sol, flags=0x8001).private()
    result = sol.fulfil(request, a)
    score = sol.decode(sol.score_pda())
    # what was signed, stored as it is: no score, the commitment to it, the flags
    assert (score.score, score.tier, score.pd_bps, score.flags, bytes(score.commitment), bytes(score.request)) == (
        0, 255, 0, 0x8001, a.commitment, bytes(request))
    assert sol.balance(sol.payee.pubkey()) == payee_before + sol.FEE
    assert sol.account(request) is None
    (event,) = sol.events(result)
    assert (event.name, event.data.score, event.data.tier, event.data.pd_bps, event.data.flags) == (
        "AssessmentFulfilled", 0, 255, 0, 0x8001)


@pytest.mark.parametrize("fields", [
    {},  # the public form
    {"score": 0, "tier": 0, "pd_bps": 0},  # a real tier 0 with no score is still the public form
    {"score": 1, "tier": 255, "pd_bps": 0},
    {"score": 0, "tier": 255, "pd_bps": 1},
    {"score": 1000, "tier": 255, "pd_bps": 10_000},
])
def test_a_private_request_refuses_any_other_form(ready, fields):
    sol = ready
    request = sol.request(private=True)
    sol.fails("PrivacyMismatch", sol.fulfil_ix(request, assessment(sol, **fields)))
    assert sol.decode(request).private is True  # still pending
    sol.fulfil(request, assessment(sol).private())


@pytest.mark.parametrize("fields", [
    {"score": 0, "tier": 255, "pd_bps": 0},  # the private form
    {"score": 742, "tier": 255, "pd_bps": 350},  # tier 255 is refused as a privacy mismatch, not as out of range
    {"score": 1001, "tier": 255, "pd_bps": 10_001},
])
def test_a_public_request_refuses_the_private_tier(ready, fields):
    sol = ready
    request = sol.request()
    sol.fails("PrivacyMismatch", sol.fulfil_ix(request, assessment(sol, **fields)))
    sol.fulfil(request, assessment(sol))
    assert sol.decode(sol.score_pda()).tier == 1


def test_a_public_request_keeps_its_range_checks(ready):
    sol = ready
    request = sol.request()
    sol.fails("ScoreOutOfRange", sol.fulfil_ix(request, assessment(sol, score=1001)))
    sol.fails("TierOutOfRange", sol.fulfil_ix(request, assessment(sol, tier=3)))
    sol.fails("TierOutOfRange", sol.fulfil_ix(request, assessment(sol, tier=254)))
    sol.fails("PdOutOfRange", sol.fulfil_ix(request, assessment(sol, pd_bps=10_001)))


def test_the_expiry_is_checked_before_the_privacy(ready):
    sol = ready
    request = sol.request(private=True)
    sol.set_time(sol.now + sol.TTL + 1)
    sol.fails("RequestExpired", sol.fulfil_ix(request, assessment(sol)))


def test_a_private_score_replaces_a_public_one_and_back(ready):
    """One Score per subject: the newest assessment is stored whichever form it has."""
    sol = ready
    sol.fulfil(sol.request(), assessment(sol, score=800, tier=2))
    sol.set_time(sol.now + 10)
    sol.fulfil(sol.request(private=True), assessment(sol).private())
    assert (sol.decode(sol.score_pda()).score, sol.decode(sol.score_pda()).tier) == (0, 255)
    sol.set_time(sol.now + 10)
    sol.fulfil(sol.request(), assessment(sol, score=640, tier=1))
    assert (sol.decode(sol.score_pda()).score, sol.decode(sol.score_pda()).tier, sol.decode(sol.score_pda()).version) \
        == (640, 1, 3)


def test_private_fulfil_compute_units(ready, record_property):
    """A private fulfilment costs what a public one does: the same work, one branch."""
    sol = ready
    sol.fulfil(sol.request(), assessment(sol))  # the score account exists from here on
    public = sol.fulfil(sol.request(), assessment(sol)).compute_units_consumed()
    private = sol.fulfil(sol.request(private=True), assessment(sol).private()).compute_units_consumed()
    record_property("fulfil_cu_updating_private", private)
    print(f"fulfil compute units updating the score: {public} public, {private} private")
    assert abs(private - public) <= 10
