"""What a quorum fulfilment leaves behind: the whole fee in its first signer's own account (never the
transmitter's, nor a non-signer's), and a stored assessment that counts only while as many of its signers as the
threshold it met stay active (`latestAssessmentStatus`, `isFresh`, `latestSigners`, and which assessment an older
one may replace)."""

from __future__ import annotations

FULFILLED = 2


def _owed(chain, key):
    return chain.oracle.functions.feesOwed(chain.address_of(key)).call()


def _counts(chain):
    _, counts = chain.oracle.functions.latestAssessmentStatus(chain.subject).call()
    return counts


def _fresh(chain):
    return chain.oracle.functions.isFresh(chain.subject, 3600).call()


def _fulfil_quorum(chain, req, a, keys, sender=None):
    fn = chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, keys))
    return chain.send(fn, sender or chain.TRANSMITTER_KEY)


def _revoke(chain, key):
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(key)), chain.OWNER_KEY)


# ------------------------------------------------------------------------------------------------ fees

def test_the_whole_fee_goes_to_the_first_signer_and_only_it(chain, trio):
    """A copier mined first pays the gas and earns nothing; the signers after the first and the one that did not
    sign earn nothing."""
    chain.set_threshold(2)
    req = chain.request(value=chain.FEE + 1)
    a = chain.assessment()
    low, high = chain.signatures(req, a, trio[:2])
    fn = chain.fulfil_quorum_fn(req, a, [high, low])
    copier_before, oracle_before = chain.balance(chain.stranger), chain.balance(chain.oracle.address)
    receipt = chain.send(fn, chain.STRANGER_KEY)
    assert chain.balance(chain.stranger) == copier_before - chain.cost(receipt)
    assert chain.balance(chain.oracle.address) == oracle_before
    assert [_owed(chain, k) for k in trio] == [0, chain.FEE + 1, 0]
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("AlreadyFulfilled", req.id)

    payee_before = chain.balance(chain.payee)
    chain.send(chain.oracle.functions.withdrawFees(chain.address_of(trio[1])), chain.STRANGER_KEY)
    assert chain.balance(chain.payee) == payee_before + chain.FEE + 1
    assert [_owed(chain, k) for k in trio] == [0, 0, 0]


def test_a_copier_can_only_reorder_the_fee_to_another_signer(chain, trio):
    """Copied calldata whose signatures are reordered pays another of the signers that signed: who earns the fee
    is always one of them, never the copier, nor a signer that did not sign (its signature is not there)."""
    chain.set_threshold(2)
    req = chain.request()
    a = chain.assessment()
    low, high = chain.signatures(req, a, trio[:2])
    chain.send(chain.fulfil_quorum_fn(req, a, [low, high]), chain.STRANGER_KEY)
    assert [_owed(chain, k) for k in trio] == [req.fee, 0, 0]
    assert _owed(chain, chain.STRANGER_KEY) == 0


def test_each_fulfilment_pays_its_own_first_signer(chain, trio):
    """Leaders rotate: three requests, each transmitted with another signer first, pay one fee to each."""
    chain.set_threshold(3)
    for key in trio:
        req = chain.request()
        a = chain.assessment()
        sigs = chain.signatures(req, a, trio)
        own = chain.sign(req, a, key=key)
        chain.send(chain.fulfil_quorum_fn(req, a, [own, *(s for s in sigs if s != own)]), chain.TRANSMITTER_KEY)
    assert [_owed(chain, k) for k in trio] == [chain.FEE] * 3


def test_no_fee_credits_nothing(chain, trio):
    chain.send(chain.oracle.functions.setFee(0), chain.OWNER_KEY)
    chain.set_threshold(2)
    free = chain.request(value=0)
    _fulfil_quorum(chain, free, chain.assessment(), trio)
    assert [_owed(chain, k) for k in trio] == [0, 0, 0]
    assert chain.status(free) == FULFILLED


# ------------------------------------------------------------------------------------------------ counting

def test_a_revoked_signer_makes_a_two_of_three_assessment_with_two_signers_stop_counting(chain, trio):
    chain.set_threshold(2)
    _fulfil_quorum(chain, chain.request(), chain.assessment(score=815, tier=2), trio[:2])
    assert (_counts(chain), _fresh(chain)) == (True, True)

    _revoke(chain, trio[2])  # not one of its signers: nothing changes
    assert (_counts(chain), _fresh(chain)) == (True, True)
    _revoke(chain, trio[1])
    assert (_counts(chain), _fresh(chain)) == (False, False)
    assert chain.oracle.functions.isFresh(chain.subject, 2**64 - 1).call() is False
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio[:2]], 2, 1)
    assert chain.latest(chain.subject)["score"] == 815  # still readable, no longer counts


def test_an_assessment_with_more_signers_than_k_survives_one_revocation(chain, trio):
    chain.set_threshold(2)
    _fulfil_quorum(chain, chain.request(), chain.assessment(), trio)
    _revoke(chain, trio[0])
    assert (_counts(chain), _fresh(chain)) == (True, True)
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio], 2, 2)
    _revoke(chain, trio[2])
    assert (_counts(chain), _fresh(chain)) == (False, False)


def test_the_stored_threshold_is_the_one_it_met(chain, trio):
    """Lowering k later does not make an assessment that lost its quorum count again."""
    chain.set_threshold(2)
    _fulfil_quorum(chain, chain.request(), chain.assessment(), trio[:2])
    _revoke(chain, trio[0])
    chain.set_threshold(1)
    assert (_counts(chain), _fresh(chain)) == (False, False)
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio[:2]], 2, 1)


def test_nothing_stored(chain):
    assert chain.latest_signers() == ([], 0, 0)
    assert (_counts(chain), _fresh(chain)) == (False, False)


# ------------------------------------------------------------------------------------------------ replacement

def test_an_older_assessment_replaces_a_quorum_only_once_it_stops_counting(chain, trio):
    chain.set_threshold(2)
    newer_req, older_req = chain.request(), chain.request()
    now = chain.now()
    _fulfil_quorum(chain, newer_req, chain.assessment(score=990, tier=2, timestamp=now), trio[:2])
    older = chain.assessment(score=420, tier=0, timestamp=now - 30)

    snapshot = chain.rpc("evm_snapshot")
    _fulfil_quorum(chain, older_req, older, trio[1:])
    assert chain.latest(chain.subject)["score"] == 990  # the newer one still counts
    assert chain.rpc("evm_revert", snapshot) is True

    _revoke(chain, trio[0])
    _fulfil_quorum(chain, older_req, older, trio[1:])
    assert chain.latest(chain.subject)["score"] == 420
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio[1:]], 2, 2)
    assert (_counts(chain), _fresh(chain)) == (True, True)


def test_a_single_signers_assessment_replaces_a_quorum_record(chain, trio):
    """Back at k = 1, a lone signature's newer assessment replaces the quorum record; the subject's quorum word
    is then stale and unread."""
    chain.set_threshold(2)
    _fulfil_quorum(chain, chain.request(), chain.assessment(score=700), trio)
    chain.set_threshold(1)
    req = chain.request()
    a = chain.assessment(score=650)
    chain.fulfil(req, a, chain.sign(req, a, key=trio[1]))
    assert chain.latest(chain.subject)["score"] == 650
    assert chain.latest_signers() == ([chain.address_of(trio[1])], 1, 1)
    _revoke(chain, trio[0])  # a signer of the replaced quorum only
    assert (_counts(chain), _fresh(chain)) == (True, True)
    _revoke(chain, trio[1])
    assert (_counts(chain), _fresh(chain)) == (False, False)


def test_an_older_quorum_assessment_fulfils_its_request_without_replacing(chain, trio):
    chain.set_threshold(2)
    first, second = chain.request(), chain.request()
    now = chain.now()
    _fulfil_quorum(chain, first, chain.assessment(score=900, timestamp=now), trio[:2])
    older = chain.assessment(score=300, timestamp=now - 60)
    _fulfil_quorum(chain, second, older, trio[1:])
    assert chain.status(second) == FULFILLED
    assert chain.latest(chain.subject)["score"] == 900
    assert chain.latest_signers() == ([chain.address_of(k) for k in trio[:2]], 2, 2)
