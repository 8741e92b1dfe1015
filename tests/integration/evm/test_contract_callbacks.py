"""Consumer callbacks: exact gas, and consumers that revert, burn all gas or return huge data cannot block a
fulfilment; a transmitter that gives too little gas is refused instead of starving the callback."""

from __future__ import annotations

FULFILLED = 2


def _fulfilled_event(chain, receipt):
    (ev,) = chain.events(receipt, "AssessmentFulfilled")
    return ev


def test_callback_gets_the_answer_and_exactly_the_gas_limit(chain):
    consumer = chain.c["RecordingConsumer"]
    req = chain.request_via("RecordingConsumer")
    assert req.requester == consumer.address
    receipt = chain.fulfil(req, chain.assessment(score=655, tier=1, pd_bps=420, flags=3))
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_SUCCEEDED
    f = consumer.functions
    assert bytes(f.lastRequestId().call()) == req.id
    assert f.lastSubject().call() == chain.subject
    assert (f.lastScore().call(), f.lastTier().call(), f.lastPdBps().call(), f.lastFlags().call()) == (655, 1, 420, 3)
    assert f.calls().call() == 1
    # the consumer reads gasleft() right after its dispatcher: a few hundred gas below the limit
    assert chain.CALLBACK_GAS_LIMIT - 1_000 < f.gasAtEntry().call() < chain.CALLBACK_GAS_LIMIT


def _min_gas(chain, fn, key, lo, hi):
    """The least gas limit with which `fn` succeeds (eth_call on the pending block: the request's own block
    hash is known from the next block on), by bisection."""
    assert chain.try_call(fn, key, gas=hi, block="pending")[0]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if chain.try_call(fn, key, gas=mid, block="pending")[0]:
            hi = mid
        else:
            lo = mid
    return hi


def test_transmitter_cannot_starve_the_callback(chain):
    consumer = chain.c["RecordingConsumer"].functions
    warmup = chain.request_via("RecordingConsumer")
    chain.fulfil(warmup)
    generous = consumer.gasAtEntry().call()

    req = chain.request_via("RecordingConsumer")
    a = chain.assessment()
    fn = chain.fulfil_fn(req, a, chain.sign(req, a))
    least = _min_gas(chain, fn, chain.TRANSMITTER_KEY, 50_000, 2_000_000)
    assert least > chain.CALLBACK_GAS_LIMIT * 64 // 63

    assert chain.expect_revert(fn, chain.TRANSMITTER_KEY, gas=least - 1) == ("InsufficientGas",)
    assert chain.status(req) == 1  # still pending
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=least)
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_SUCCEEDED
    assert consumer.gasAtEntry().call() == generous  # the full limit, even at the least gas that succeeds


def test_reverting_consumer_does_not_block_fulfilment(chain):
    req = chain.request_via("RevertingConsumer")
    a = chain.assessment(score=777)
    receipt = chain.fulfil(req, a)
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_REVERTED
    assert chain.status(req) == FULFILLED
    assert chain.latest(chain.subject)["score"] == 777


def test_gas_burning_consumer_gets_only_the_limit(chain):
    req = chain.request_via("GasBurningConsumer")
    receipt = chain.fulfil(req)
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_REVERTED
    assert chain.status(req) == FULFILLED
    assert chain.CALLBACK_GAS_LIMIT < receipt["gasUsed"] < chain.CALLBACK_GAS_LIMIT + 150_000


def test_return_bomb_is_not_copied(chain):
    baseline = chain.fulfil(chain.request_via("RecordingConsumer"))["gasUsed"]
    req = chain.request_via("ReturnBombConsumer")
    a = chain.assessment()
    fn = chain.fulfil_fn(req, a, chain.sign(req, a))
    gas = fn.estimate_gas({"from": chain.transmitter}, "pending")
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=gas)
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_SUCCEEDED
    assert chain.status(req) == FULFILLED
    # the oracle pays for the callee's gas only: copying 250 kB of returndata would cost ~140k more
    assert receipt["gasUsed"] < baseline + chain.CALLBACK_GAS_LIMIT


def test_no_callback_when_disabled(chain):
    chain.send(chain.oracle.functions.setCallbackGasLimit(0), chain.OWNER_KEY)
    req = chain.request_via("RecordingConsumer")
    receipt = chain.fulfil(req)
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_NONE
    assert chain.c["RecordingConsumer"].functions.calls().call() == 0
    assert chain.status(req) == FULFILLED


def test_whether_a_request_calls_back_is_fixed_when_it_is_made(chain):
    """A requester without code when it asked (an EOA) is never called back, even with code at fulfilment (an
    EIP-7702 delegation made later); one with code then is called back only if it still has code."""
    req = chain.request()
    chain.rpc("anvil_setCode", chain.requester, chain.w3.eth.get_code(chain.c["RecordingConsumer"].address).to_0x_hex())
    try:
        receipt = chain.fulfil(req)
    finally:
        chain.rpc("anvil_setCode", chain.requester, "0x")
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_NONE
    assert chain.status(req) == FULFILLED

    factory = chain.c["LateCodeFactory"]
    gone = chain.request_from(chain.send(factory.functions.requestFromEmptyAddress(chain.oracle.address,
                                                                                  chain.subject),
                                         chain.REQUESTER_KEY, chain.FEE))
    assert chain.w3.eth.get_code(gone.requester) == b""  # it asked from its constructor, then self-destructed
    receipt = chain.fulfil(gone)
    assert _fulfilled_event(chain, receipt)["callback"] == chain.CALLBACK_NONE
    assert chain.status(gone) == FULFILLED
