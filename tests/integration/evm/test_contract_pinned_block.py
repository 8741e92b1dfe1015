"""The pinned block: a request records its block, the signed assessment names that block and its hash, and
`fulfil` checks the hash against BLOCKHASH (the last 256 blocks) or the EIP-2935 history contract (older ones)."""

from __future__ import annotations

import secrets
from dataclasses import replace

from eth_account import Account

from tests.integration.evm.conftest import Req

PENDING, FULFILLED = 1, 2
BLOCK_HASH_HISTORY = "0x0000F90827F1C53a10cb7A02335B175320002935"


def _mine(chain, blocks):
    chain.rpc("anvil_mine", hex(blocks), hex(1))


def test_request_commits_to_its_block(chain):
    req = chain.request()
    assert req.block_number == chain.w3.eth.block_number
    a = chain.pin(req, chain.assessment())
    # the request's commitment carries its block: another block number is another request
    assert chain.fulfil_revert(replace(req, block_number=req.block_number - 1), a) == ("RequestMismatch", req.id)


def test_honest_fulfilment_names_the_requests_block(chain):
    req = chain.request()
    a = chain.pin(req, chain.assessment())
    assert (a.block_number, a.block_hash) == (req.block_number, chain.block_hash(req.block_number))
    chain.fulfil(req, a)
    assert chain.status(req) == FULFILLED


def test_another_block_than_the_requests(chain):
    req = chain.request()
    earlier = req.block_number - 1
    a = chain.assessment(block_number=earlier, block_hash=chain.block_hash(earlier))
    assert chain.fulfil_revert(req, a) == ("BlockNumberMismatch", req.block_number, earlier)


def test_wrong_block_hash(chain):
    req = chain.request()
    forged = secrets.token_bytes(32)
    canonical = chain.block_hash(req.block_number)
    assert chain.fulfil_revert(req, chain.assessment(block_hash=forged)) == (
        "NonCanonicalBlockHash", req.block_number, canonical, forged)
    # the parent's hash is canonical, but not for this block
    parent = chain.block_hash(req.block_number - 1)
    assert chain.fulfil_revert(req, chain.assessment(block_hash=parent)) == (
        "NonCanonicalBlockHash", req.block_number, canonical, parent)
    chain.fulfil(req)


def test_block_older_than_256_is_checked_through_eip2935(chain):
    assert len(chain.w3.eth.get_code(BLOCK_HASH_HISTORY)) > 0
    req, other = chain.request(), chain.request()
    _mine(chain, 300)
    assert chain.w3.eth.block_number - req.block_number > 256
    forged = secrets.token_bytes(32)
    canonical = chain.block_hash(other.block_number)
    assert chain.fulfil_revert(other, chain.assessment(block_hash=forged)) == (
        "NonCanonicalBlockHash", other.block_number, canonical, forged)
    receipt = chain.fulfil(req)
    assert chain.status(req) == FULFILLED
    # BLOCKHASH alone knows nothing this old: the history contract answered
    assert receipt["blockNumber"] - req.block_number > 256


def test_unknown_block_current(chain):
    """A fulfilment mined in the request's own block: that block's hash is not known yet."""
    at = chain.now() + 1
    number = chain.w3.eth.block_number + 1
    rid = chain.request_id_of(chain.oracle.address, chain.oracle.functions.requestCount().call())
    req = Req(rid, chain.requester, chain.subject, chain.FEE, at + chain.REQUEST_TTL, number)
    a = chain.assessment(block_number=number, block_hash=secrets.token_bytes(32))
    chain.rpc("evm_setAutomine", False)
    try:
        request_tx = chain.w3.eth.send_raw_transaction(
            _signed(chain, chain.oracle.functions.requestAssessment(chain.subject, b""), chain.REQUESTER_KEY,
                    chain.FEE))
        fulfil_tx = chain.w3.eth.send_raw_transaction(_signed(chain, chain.fulfil_fn(req, a), chain.TRANSMITTER_KEY))
        chain.mine_at(at)
    finally:
        chain.rpc("evm_setAutomine", True)
    assert chain.w3.eth.get_transaction_receipt(request_tx)["blockNumber"] == number
    receipt = chain.w3.eth.get_transaction_receipt(fulfil_tx)
    assert receipt["blockNumber"] == number and receipt["status"] == 0
    assert chain.errors.decode(chain.revert_data(receipt)) == ("UnknownBlock", number)
    assert chain.status(rid) == PENDING


def test_unknown_block_the_history_contract_refuses(chain):
    """Out of its window (8191 blocks) the history contract reverts. Mining that many blocks takes anvil
    minutes, so its code is swapped for one that always reverts (PUSH0 PUSH0 REVERT)."""
    req = chain.request()
    _mine(chain, 300)
    chain.rpc("anvil_setCode", BLOCK_HASH_HISTORY, "0x5f5ffd")
    a = chain.assessment(block_hash=chain.block_hash(req.block_number))
    assert chain.fulfil_revert(req, a) == ("UnknownBlock", req.block_number)


def test_unknown_block_without_a_history_contract(chain):
    req = chain.request()
    _mine(chain, 300)
    chain.rpc("anvil_setCode", BLOCK_HASH_HISTORY, "0x")
    a = chain.assessment(block_hash=chain.block_hash(req.block_number))
    assert chain.fulfil_revert(req, a) == ("UnknownBlock", req.block_number)


def test_batch_skips_each_block_error_with_its_selector(chain):
    good, wrong_hash, wrong_number = chain.request(), chain.request(), chain.request()
    items = [
        (good, chain.pin(good, chain.assessment())),
        (wrong_hash, chain.pin(wrong_hash, chain.assessment(block_hash=secrets.token_bytes(32)))),
        (wrong_number, chain.pin(wrong_number, chain.assessment(block_number=good.block_number))),
    ]
    fn = chain.oracle.functions.fulfilBatch([r.tuple() for r, _ in items], [a.tuple() for _, a in items],
                                            [chain.sig_arg(chain.sign(r, a)) for r, a in items])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY)
    assert [bytes(e["requestId"]) for e in chain.events(receipt, "AssessmentFulfilled")] == [good.id]
    skipped = [(bytes(e["requestId"]), bytes(e["reason"])) for e in chain.events(receipt, "FulfilmentSkipped")]
    assert skipped == [(wrong_hash.id, chain.selector("NonCanonicalBlockHash")),
                       (wrong_number.id, chain.selector("BlockNumberMismatch"))]
    assert [chain.status(r) for r in (good, wrong_hash, wrong_number)] == [FULFILLED, PENDING, PENDING]


def _signed(chain, fn, key, value=0):
    acct = Account.from_key(key)
    tx = fn.build_transaction({"from": acct.address, "value": value, "chainId": 31337, "gas": 1_000_000,
                               "nonce": chain.w3.eth.get_transaction_count(acct.address, "pending"),
                               "maxFeePerGas": 100 * 10**9, "maxPriorityFeePerGas": 10**9})
    return acct.sign_transaction(tx).raw_transaction
