"""What a consumer reads back of a request: `requestRecord` (the one slot the oracle keeps: status, callback bit,
privacy bit, commitment), `isRequestPending` (its rebuilt fields are the committed ones, so `cancel` takes them)
and `requestCommitment`."""

from __future__ import annotations

from dataclasses import replace

from eth_abi import encode as abi_encode
from eth_utils import keccak

NONE, PENDING, FULFILLED, CANCELLED = range(4)
TOP = 1 << 255
ZERO = b"\x00" * 32


def _commitment(req) -> bytes:
    return keccak(abi_encode(["address", "address", "uint96", "uint64", "uint64"],
                             [req.requester, req.subject, req.fee, req.expires_at, req.block_number]))


def _record(chain, request_id: bytes) -> tuple[int, bool, bool, bytes]:
    status, calls_back, is_private, commitment = chain.oracle.functions.requestRecord(request_id).call()
    return status, calls_back, is_private, bytes(commitment)


def _pending(chain, req) -> bool:
    return bool(chain.oracle.functions.isRequestPending(req.tuple()).call())


def test_a_pending_request_is_its_commitment_and_its_callback_bit(chain):
    req = chain.request()
    committed = chain.oracle.functions.requestCommitment(req.tuple()).call()
    assert bytes(committed) == _commitment(req)
    stored = int.from_bytes(_commitment(req), "big") & ~3 | TOP
    assert _record(chain, req.id) == (PENDING, False, False, stored.to_bytes(32, "big"))
    via = chain.request_via("RecordingConsumer")
    stored = int.from_bytes(_commitment(via), "big") & ~3 | 1 | TOP
    assert _record(chain, via.id) == (PENDING, True, False, stored.to_bytes(32, "big"))


def test_a_private_request_keeps_its_privacy_beside_its_commitment(chain):
    req = chain.request(private=True)
    stored = int.from_bytes(_commitment(req), "big") & ~3 | 2 | TOP
    assert _record(chain, req.id) == (PENDING, False, True, stored.to_bytes(32, "big"))
    assert bytes(chain.oracle.functions.requestCommitment(req.tuple()).call()) == _commitment(req)
    assert _pending(chain, req) is True
    chain.fulfil(req, chain.private_assessment(commitment=(TOP | 54321).to_bytes(32, "big")))
    assert _record(chain, req.id) == (FULFILLED, False, False, (54321).to_bytes(32, "big"))


def test_a_private_request_is_cancelled_as_a_public_one(chain):
    req = chain.request(private=True)
    chain.mine_at(req.expires_at + 1)
    receipt = chain.send(chain.oracle.functions.cancel(req.tuple()), chain.REQUESTER_KEY)
    assert chain.events(receipt, "AssessmentCancelled") == [{"requestId": req.id}]
    assert _record(chain, req.id) == (CANCELLED, False, False, ZERO)


def test_is_request_pending_takes_the_fields_from_the_event_and_refuses_any_other(chain):
    req = chain.request()
    assert _pending(chain, req) is True
    for wrong in (replace(req, fee=req.fee + 1), replace(req, expires_at=req.expires_at - 1),
                  replace(req, block_number=req.block_number - 1), replace(req, requester=chain.stranger),
                  replace(req, subject=chain.stranger), replace(req, id=chain.request_id_of(chain.oracle.address, 999))):
        assert _pending(chain, wrong) is False


def test_a_fulfilled_request_keeps_the_low_bits_of_its_score_commitment(chain):
    req = chain.request()
    a = chain.assessment(commitment=(TOP | 12345).to_bytes(32, "big"))
    chain.fulfil(req, a)
    assert _record(chain, req.id) == (FULFILLED, False, False, (12345).to_bytes(32, "big"))
    assert _pending(chain, req) is False


def test_unknown_and_cancelled_requests_keep_nothing(chain):
    assert _record(chain, chain.request_id_of(chain.oracle.address, 999)) == (NONE, False, False, ZERO)
    req = chain.request()
    chain.mine_at(req.expires_at + 1)
    chain.send(chain.oracle.functions.cancel(req.tuple()), chain.REQUESTER_KEY)
    assert _record(chain, req.id) == (CANCELLED, False, False, ZERO)
    assert _pending(chain, req) is False
