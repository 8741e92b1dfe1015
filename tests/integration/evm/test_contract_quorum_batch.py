"""fulfilBatchQuorum: good items fulfilled, bad ones skipped with the selector of the error `fulfilQuorum` would
raise, each fee to its item's first signer; and `fulfilBatch`'s lone signatures skipped while k is above one."""

from __future__ import annotations

from dataclasses import replace

from eth_account import Account

from chains.core.secp256k1 import recover_address

PENDING, FULFILLED = 1, 2


def _batch_fn(chain, items):
    """`items`: (request, assessment, signatures) triples."""
    return chain.oracle.functions.fulfilBatchQuorum(
        [r.tuple() for r, _, _ in items], [chain.pin(r, a).tuple() for r, a, _ in items],
        [[chain.sig_arg(s) for s in sigs] for _, _, sigs in items])


def _item(chain, req, keys, a=None):
    a = chain.pin(req, a or chain.assessment())
    return req, a, chain.signatures(req, a, keys)


def _skipped(chain, receipt):
    return [(bytes(e["requestId"]), bytes(e["reason"])) for e in chain.events(receipt, "FulfilmentSkipped")]


def _fulfilled(chain, receipt):
    return [bytes(e["requestId"]) for e in chain.events(receipt, "AssessmentFulfilled")]


def test_mixed_quorum_batch(chain, trio):
    revoked = Account.create().key.to_0x_hex()
    chain.send(chain.oracle.functions.registerSigner(chain.address_of(revoked), chain.MEASUREMENT, chain.payee),
               chain.OWNER_KEY)
    chain.set_threshold(2)
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(revoked)), chain.OWNER_KEY)
    reqs = [chain.request() for _ in range(9)]
    good, lone, dup, unordered, with_revoked, lying, crowded, empty, good3 = reqs

    _, a_dup, (sig,) = _item(chain, dup, trio[:1])
    _, a_un, (low, mid, high) = _item(chain, unordered, trio)
    _, a_good3, (one3, two3, three3) = _item(chain, good3, trio)
    a_lying = chain.pin(lying, chain.assessment())
    lie = chain.sign(lying, replace(a_lying, score=999), key=trio[1])
    stranger = recover_address(chain.digest_of(lying, a_lying, chain.oracle.address), lie)
    _, a_crowded, (one,) = _item(chain, crowded, trio[:1])
    items = [
        _item(chain, good, trio[:2]),
        _item(chain, lone, trio[:1]),
        (dup, a_dup, [sig, sig]),
        (unordered, a_un, [low, high, mid]),
        _item(chain, with_revoked, [trio[0], revoked]),
        (lying, a_lying, [chain.sign(lying, a_lying, key=trio[0]), lie]),
        (crowded, a_crowded, [one] * 16),
        (empty, chain.pin(empty, chain.assessment()), []),
        (good3, a_good3, [three3, one3, two3]),  # its fee to the highest, its first
        _item(chain, good, trio[:2]),  # the same request again, in the same batch
    ]
    before = chain.balance(chain.transmitter)
    receipt = chain.send(_batch_fn(chain, items), chain.TRANSMITTER_KEY)
    assert chain.balance(chain.transmitter) == before - chain.cost(receipt)

    assert _fulfilled(chain, receipt) == [good.id, good3.id]
    assert _skipped(chain, receipt) == [
        (lone.id, chain.selector("QuorumNotMet")),
        (dup.id, chain.selector("SignersNotAscending")),
        (unordered.id, chain.selector("SignersNotAscending")),
        (with_revoked.id, chain.selector("RevokedSigner")),
        (lying.id, chain.selector("UnknownSigner")),
        (crowded.id, chain.selector("TooManySignatures")),
        (empty.id, chain.selector("QuorumNotMet")),
        (good.id, chain.selector("AlreadyFulfilled")),
    ]
    # what fulfilQuorum says of each skipped item, in full
    for req, a, sigs, error in [
        (lone, items[1][1], items[1][2], ("QuorumNotMet", 1, 2)),
        (with_revoked, items[4][1], items[4][2], ("RevokedSigner", chain.address_of(revoked))),
        (lying, a_lying, items[5][2], ("UnknownSigner", stranger)),
        (crowded, a_crowded, [one] * 16, ("TooManySignatures", 16, 15)),
        (empty, items[7][1], [], ("QuorumNotMet", 0, 2)),
    ]:
        assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == error

    assert [chain.oracle.functions.feesOwed(chain.address_of(k)).call() for k in trio] == [good.fee, 0, good3.fee]
    assert chain.oracle.functions.feesOwed(chain.address_of(revoked)).call() == 0
    assert [chain.status(r) for r in reqs] == [FULFILLED] + [PENDING] * 7 + [FULFILLED]


def test_fulfil_batch_skips_lone_signatures_while_k_is_above_one(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    fn = chain.oracle.functions.fulfilBatch([req.tuple()], [a.tuple()], [chain.sig_arg(chain.sign(req, a))])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY)
    assert _skipped(chain, receipt) == [(req.id, chain.selector("QuorumNotMet"))]
    assert chain.status(req) == PENDING


def test_k_raised_between_signing_and_the_batch(chain, trio):
    chain.set_threshold(2)
    req = chain.request()
    items = [_item(chain, req, trio[:2])]
    chain.set_threshold(3)
    receipt = chain.send(_batch_fn(chain, items), chain.TRANSMITTER_KEY)
    assert _skipped(chain, receipt) == [(req.id, chain.selector("QuorumNotMet"))]
    chain.set_threshold(2)
    receipt = chain.send(_batch_fn(chain, items), chain.TRANSMITTER_KEY)
    assert _fulfilled(chain, receipt) == [req.id]


def test_length_mismatch(chain, trio):
    req = chain.request()
    _, a, sigs = _item(chain, req, trio[:1])
    fn = chain.oracle.functions.fulfilBatchQuorum([req.tuple()], [a.tuple()], [])
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("LengthMismatch", 1, 1, 0)
    fn = chain.oracle.functions.fulfilBatchQuorum([req.tuple()], [a.tuple(), a.tuple()],
                                                  [[chain.sig_arg(s) for s in sigs]])
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("LengthMismatch", 1, 2, 1)


def test_too_little_gas_for_the_signatures_reverts_the_whole_batch(chain, trio):
    """The gas set aside up front grows with each item's signatures: 90,000 per item, plus 30,000 and 15,000
    per signature after the first for an item of two or more."""
    chain.set_threshold(2)
    reqs = [chain.request(), chain.request()]
    fn = _batch_fn(chain, [_item(chain, r, trio) for r in reqs])
    reserve = 2 * (90_000 + 30_000 + 2 * 15_000)
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY, gas=reserve) == ("InsufficientGas",)
    assert [chain.status(r) for r in reqs] == [PENDING, PENDING]
    chain.send(fn, chain.TRANSMITTER_KEY)
    assert [chain.status(r) for r in reqs] == [FULFILLED, FULFILLED]


def test_the_estimate_lands_every_quorum_item_on_the_costliest_path(chain, trio):
    """Fresh subjects (first writes of both slots), block hashes from the EIP-2935 contract, callbacks, three
    signatures each: sent with exactly the estimated gas, no item is skipped for want of gas."""
    chain.set_threshold(2)
    reqs = []
    for _ in range(3):
        reqs += [chain.request(subject=Account.create().address),
                 chain.request_via("RecordingConsumer", subject=Account.create().address)]
    chain.rpc("anvil_mine", hex(300), hex(1))
    fn = _batch_fn(chain, [_item(chain, r, trio) for r in reqs])
    estimate = fn.estimate_gas({"from": chain.transmitter}, "pending")
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=estimate)
    assert _skipped(chain, receipt) == []
    assert _fulfilled(chain, receipt) == [r.id for r in reqs]
