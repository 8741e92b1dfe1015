"""fulfilBatch: good items are fulfilled, bad ones skipped with the error `fulfil` would raise, fees paid once."""

from __future__ import annotations

import secrets
from dataclasses import replace

from eth_account import Account

PENDING, FULFILLED = 1, 2


def _batch_fn(chain, items):
    reqs = [r.tuple() for r, _, _ in items]
    assessments = [a.tuple() for _, a, _ in items]
    sigs = [chain.sig_arg(s) for _, _, s in items]
    return chain.oracle.functions.fulfilBatch(reqs, assessments, sigs)


def _item(chain, req, a=None, sig=None):
    a = chain.pin(req, a or chain.assessment())
    return req, a, chain.sign(req, a) if sig is None else sig


def test_mixed_batch(chain):
    good = chain.request()
    callback = chain.request_via("RecordingConsumer")
    done = chain.request()
    chain.fulfil(done)
    tampered = chain.request()
    stranger_signed = chain.request()
    expired = chain.request()
    now = chain.now()
    by_stranger = chain.assessment()
    stranger_sig = chain.sign(stranger_signed, by_stranger, key=Account.create().key.to_0x_hex())

    items = [
        _item(chain, good),
        _item(chain, stranger_signed, by_stranger, stranger_sig),
        _item(chain, done),
        _item(chain, replace(tampered, fee=1)),
        _item(chain, replace(good, id=secrets.token_bytes(32))),
        _item(chain, expired, chain.assessment(timestamp=now - 700, expiry=now - 100)),
        _item(chain, good),  # the same request again, in the same batch
        _item(chain, callback),
    ]

    before = chain.balance(chain.transmitter)
    receipt = chain.send(_batch_fn(chain, items), chain.TRANSMITTER_KEY)
    assert chain.balance(chain.transmitter) == before - chain.cost(receipt)

    fulfilled = chain.events(receipt, "AssessmentFulfilled")
    assert [bytes(e["requestId"]) for e in fulfilled] == [good.id, callback.id]
    assert [e["callback"] for e in fulfilled] == [chain.CALLBACK_NONE, chain.CALLBACK_SUCCEEDED]
    skipped = [(bytes(e["requestId"]), bytes(e["reason"])) for e in chain.events(receipt, "FulfilmentSkipped")]
    assert skipped == [
        (stranger_signed.id, chain.selector("UnknownSigner")),
        (done.id, chain.selector("AlreadyFulfilled")),
        (tampered.id, chain.selector("RequestMismatch")),
        (items[4][0].id, chain.selector("UnknownRequest")),
        (expired.id, chain.selector("AssessmentExpired")),
        (good.id, chain.selector("AlreadyFulfilled")),
    ]
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == done.fee + good.fee + callback.fee
    assert [chain.status(r) for r in (good, callback, tampered, stranger_signed, expired)] == [
        FULFILLED, FULFILLED, PENDING, PENDING, PENDING]
    assert chain.c["RecordingConsumer"].functions.calls().call() == 1


def test_all_skipped_credits_nothing(chain):
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    receipt = chain.send(_batch_fn(chain, [(req, a, (b"\x00" * 32, b"\x00" * 32))]), chain.TRANSMITTER_KEY)
    (ev,) = chain.events(receipt, "FulfilmentSkipped")
    assert bytes(ev["reason"]) == chain.selector("InvalidSignature")
    assert chain.oracle.functions.feesOwed(chain.enclave).call() == 0
    assert chain.status(req) == PENDING


def test_empty_batch(chain):
    receipt = chain.send(_batch_fn(chain, []), chain.TRANSMITTER_KEY)
    assert receipt["logs"] == []


def test_length_mismatch(chain):
    req = chain.request()
    _, a, sig = _item(chain, req)
    fn = chain.oracle.functions.fulfilBatch([req.tuple()], [a.tuple(), a.tuple()], [chain.sig_arg(sig)])
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("LengthMismatch", 1, 2, 1)
    fn = chain.oracle.functions.fulfilBatch([req.tuple()], [a.tuple()], [])
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("LengthMismatch", 1, 1, 0)


def test_too_little_gas_for_the_reserve_reverts_the_whole_batch(chain):
    plain, callback = chain.request(), chain.request_via("RecordingConsumer")
    items = [_item(chain, plain), _item(chain, callback)]
    fn = _batch_fn(chain, items)
    item_gas = chain.oracle.functions.BATCH_ITEM_GAS().call()
    share = chain.CALLBACK_GAS_LIMIT + chain.CALLBACK_GAS_LIMIT // 63 + 20_000
    # enough to do both items' work, not to set aside the callback's full share up front
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY, gas=60_000 + 2 * item_gas + share - 30_000) == (
        "InsufficientGas",)
    assert chain.status(plain) == PENDING and chain.status(callback) == PENDING
    chain.send(fn, chain.TRANSMITTER_KEY)
    assert chain.status(plain) == FULFILLED and chain.status(callback) == FULFILLED


def test_a_consumer_turned_gas_burner_after_estimation_blocks_nothing(chain):
    """The transmitter estimates a batch while a consumer's callback is cheap; the consumer then burns all
    the gas it is given. Every item still lands: each callback's full share was set aside up front."""
    burner = chain.c["SwitchableBurner"]
    recording = chain.c["RecordingConsumer"]
    burning = chain.request_via("SwitchableBurner")
    honest = [chain.request_via("RecordingConsumer"), chain.request(), chain.request_via("RecordingConsumer")]
    fn = _batch_fn(chain, [_item(chain, r) for r in [burning, *honest]])
    estimate = fn.estimate_gas({"from": chain.transmitter}, "pending")

    chain.send(burner.functions.setBurning(True), chain.OWNER_KEY)
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=estimate)  # not a unit more than estimated

    assert chain.events(receipt, "FulfilmentSkipped") == []
    fulfilled = chain.events(receipt, "AssessmentFulfilled")
    assert [bytes(e["requestId"]) for e in fulfilled] == [r.id for r in [burning, *honest]]
    assert [e["callback"] for e in fulfilled] == [chain.CALLBACK_REVERTED, chain.CALLBACK_SUCCEEDED,
                                                chain.CALLBACK_NONE, chain.CALLBACK_SUCCEEDED]
    assert all(chain.status(r) == FULFILLED for r in [burning, *honest])
    assert recording.functions.calls().call() == 2 and burner.functions.calls().call() == 0
    assert receipt["gasUsed"] > chain.CALLBACK_GAS_LIMIT  # the burner did burn its whole share


def test_a_requester_that_asked_from_its_constructor_has_its_callback_gas_set_aside(chain):
    """Whether a request calls back is fixed when it is made (the commitment's callback bit): a contract that
    asked from its constructor had no code yet, but its share is set aside all the same, and it is called back
    when it has code by its turn (an earlier callback deployed it again)."""
    factory = chain.c["LateCodeFactory"]
    late = chain.request_from(chain.send(factory.functions.requestFromEmptyAddress(chain.oracle.address,
                                                                                  chain.subject),
                                         chain.REQUESTER_KEY, chain.FEE))
    assert chain.w3.eth.get_code(late.requester) == b""
    deployer = chain.request_from(chain.send(factory.functions.request(chain.oracle.address, chain.subject),
                                             chain.REQUESTER_KEY, chain.FEE))
    plain = chain.request()
    fn = _batch_fn(chain, [_item(chain, r) for r in (deployer, late, plain)])
    item_gas = chain.oracle.functions.BATCH_ITEM_GAS().call()
    share = chain.CALLBACK_GAS_LIMIT + chain.CALLBACK_GAS_LIMIT // 63 + 20_000
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY, gas=3 * item_gas + share + 80_000) == ("InsufficientGas",)

    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=3 * item_gas + 2 * share + 80_000)
    assert len(chain.w3.eth.get_code(late.requester)) > 0  # the factory's callback deployed it
    assert chain.events(receipt, "FulfilmentSkipped") == []
    fulfilled = chain.events(receipt, "AssessmentFulfilled")
    assert [bytes(e["requestId"]) for e in fulfilled] == [deployer.id, late.id, plain.id]
    assert [e["callback"] for e in fulfilled] == [chain.CALLBACK_SUCCEEDED, chain.CALLBACK_SUCCEEDED,
                                                chain.CALLBACK_NONE]
    assert [chain.status(r) for r in (deployer, late, plain)] == [FULFILLED] * 3


def test_the_estimate_lands_every_item_on_the_costliest_path(chain):
    """First writes for fresh subjects, block hashes from the EIP-2935 contract, callbacks: sent with exactly
    the gas the node's estimate gives, no item is skipped for want of gas."""
    reqs = []
    for _ in range(3):
        reqs += [chain.request(subject=Account.create().address), chain.request_via("RecordingConsumer",
                                                                                     subject=Account.create().address)]
    chain.rpc("anvil_mine", hex(300), hex(1))
    fn = _batch_fn(chain, [_item(chain, r) for r in reqs])
    estimate = fn.estimate_gas({"from": chain.transmitter}, "pending")
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=estimate)
    assert chain.events(receipt, "FulfilmentSkipped") == []
    assert [bytes(e["requestId"]) for e in chain.events(receipt, "AssessmentFulfilled")] == [r.id for r in reqs]
