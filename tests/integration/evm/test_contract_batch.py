"""fulfilBatch: good items are fulfilled, bad ones skipped with the error `fulfil` would raise, fees paid once."""

from __future__ import annotations

import secrets
from dataclasses import replace

from eth_account import Account

PENDING, FULFILLED = 1, 2


def _batch_fn(chain, items):
    reqs = [r.tuple() for r, _, _ in items]
    assessments = [a.tuple() for _, a, _ in items]
    sigs = [s for _, _, s in items]
    return chain.oracle.functions.fulfilBatch(reqs, assessments, sigs)


def _item(chain, req, a=None, sig=None):
    a = a or chain.assessment()
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

    fulfilled = chain.events(receipt, "AssessmentFulfilled")
    assert [bytes(e["requestId"]) for e in fulfilled] == [good.id, callback.id]
    assert [e["callbackSucceeded"] for e in fulfilled] == [False, True]
    skipped = [(bytes(e["requestId"]), bytes(e["reason"])) for e in chain.events(receipt, "FulfilmentSkipped")]
    assert skipped == [
        (stranger_signed.id, chain.selector("UnknownSigner")),
        (done.id, chain.selector("AlreadyFulfilled")),
        (tampered.id, chain.selector("RequestMismatch")),
        (items[4][0].id, chain.selector("UnknownRequest")),
        (expired.id, chain.selector("AssessmentExpired")),
        (good.id, chain.selector("AlreadyFulfilled")),
    ]
    assert chain.balance(chain.transmitter) == before + good.fee + callback.fee - chain.cost(receipt)
    assert [chain.status(r.id) for r in (good, callback, tampered, stranger_signed, expired)] == [
        FULFILLED, FULFILLED, PENDING, PENDING, PENDING]
    assert chain.c["RecordingConsumer"].functions.calls().call() == 1


def test_all_skipped_pays_nothing(chain):
    req = chain.request()
    a = chain.assessment()
    before = chain.balance(chain.transmitter)
    receipt = chain.send(_batch_fn(chain, [(req, a, b"\x00" * 65)]), chain.TRANSMITTER_KEY)
    (ev,) = chain.events(receipt, "FulfilmentSkipped")
    assert bytes(ev["reason"]) == chain.selector("InvalidSignatureV")
    assert chain.balance(chain.transmitter) == before - chain.cost(receipt)
    assert chain.status(req.id) == PENDING


def test_empty_batch(chain):
    receipt = chain.send(_batch_fn(chain, []), chain.TRANSMITTER_KEY)
    assert receipt["logs"] == []


def test_length_mismatch(chain):
    req = chain.request()
    _, a, sig = _item(chain, req)
    fn = chain.oracle.functions.fulfilBatch([req.tuple()], [a.tuple(), a.tuple()], [sig])
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("LengthMismatch", 1, 2, 1)
    fn = chain.oracle.functions.fulfilBatch([req.tuple()], [a.tuple()], [])
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY) == ("LengthMismatch", 1, 1, 0)


def test_insufficient_gas_reverts_the_whole_batch(chain):
    plain, callback = chain.request(), chain.request_via("RecordingConsumer")
    items = [_item(chain, plain), _item(chain, callback)]
    fn = _batch_fn(chain, items)
    # enough for the plain item, not for the callback's limit
    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY, gas=150_000 + chain.CALLBACK_GAS_LIMIT // 2) == (
        "InsufficientGas",)
    assert chain.status(plain.id) == PENDING and chain.status(callback.id) == PENDING
    chain.send(fn, chain.TRANSMITTER_KEY)
    assert chain.status(plain.id) == FULFILLED and chain.status(callback.id) == FULFILLED
