"""AuraOracle's fulfilment calls, both ways: encoded for `prepare`, decoded for `read_fulfilment`.

An assessment without cosigners goes through `fulfil` (one request) or `fulfilBatch` (several), one signature
an item, exactly as before quorums. One with cosigners goes through `fulfilQuorum` or `fulfilBatchQuorum`,
carrying every signature of `SignedAssessment.signers()`: the enclave's own first (its signer earns the request's
whole fee), then the cosigners' in strictly ascending order of signer address, the order the contract demands so
that no signer counts twice (docs/protocol.md, "Quorum").
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

from chains.base import OracleRequest, SignedAssessment
from chains.evm.facts import pack_facts
from chains.evm.signature import compact

REQUEST_T = "(bytes32,address,address,uint96,uint64,uint64)"
ASSESSMENT_T = "(uint256,bytes32,bytes32,uint64,bytes32,bytes32)"  # facts (chains/evm/facts.py), then the words
SIGNATURE_T = "(bytes32,bytes32)"  # EIP-2098: r, yParityAndS
FULFIL_TYPES = [REQUEST_T, ASSESSMENT_T, SIGNATURE_T]
BATCH_TYPES = [REQUEST_T + "[]", ASSESSMENT_T + "[]", SIGNATURE_T + "[]"]
QUORUM_TYPES = [REQUEST_T, ASSESSMENT_T, SIGNATURE_T + "[]"]
BATCH_QUORUM_TYPES = [REQUEST_T + "[]", ASSESSMENT_T + "[]", SIGNATURE_T + "[][]"]
FULFIL_SELECTOR = keccak(text=f"fulfil({','.join(FULFIL_TYPES)})")[:4]
BATCH_SELECTOR = keccak(text=f"fulfilBatch({','.join(BATCH_TYPES)})")[:4]
QUORUM_SELECTOR = keccak(text=f"fulfilQuorum({','.join(QUORUM_TYPES)})")[:4]
BATCH_QUORUM_SELECTOR = keccak(text=f"fulfilBatchQuorum({','.join(BATCH_QUORUM_TYPES)})")[:4]
MAX_SIGNATURES = 15
"""The contract's MAX_QUORUM_SIGNERS: the most signatures one item of a quorum fulfilment carries."""

Item = tuple[OracleRequest, SignedAssessment]
Decoded = tuple[tuple[Any, ...], tuple[Any, ...], list[tuple[bytes, bytes]]]
"""One item of a fulfilment call as eth_abi reads it: the request, the assessment, its signatures (one for
`fulfil` and `fulfilBatch`; in the contract's order for the quorum calls, the first the one the fee went to)."""


def ordered(assessment: SignedAssessment) -> tuple[SignedAssessment, ...]:
    """Every signature the assessment carries, in the contract's order: its own first, then its cosigners' in
    ascending order of signer address."""
    return (assessment, *sorted(assessment.cosigners, key=lambda s: int(s.signer, 16)))


def signature_counts(items: list[Item]) -> list[int]:
    """How many signatures each item carries, after checking they fit one call.

    Raises:
        ValueError: items with and without cosigners mixed, or an item over `MAX_SIGNATURES`.
    """
    quorum = {bool(a.cosigners) for _, a in items}
    if len(quorum) > 1:
        raise ValueError("items with and without cosigners in one fulfilment")
    counts = [len(a.signers()) for _, a in items]
    for count in counts:
        if count > MAX_SIGNATURES:
            raise ValueError(f"{count} signatures on one assessment; max_signatures is {MAX_SIGNATURES}")
    return counts


def encode(items: list[Item]) -> bytes:
    """The call fulfilling `items`: `fulfil` or `fulfilBatch` when none has cosigners, else `fulfilQuorum` or
    `fulfilBatchQuorum` with each item's signatures in the contract's order (`ordered`).

    Raises:
        ValueError: no item, items with and without cosigners mixed, or an item over `MAX_SIGNATURES`.
    """
    if not items:
        raise ValueError("nothing to fulfil")
    signature_counts(items)
    requests = [_request(r) for r, _ in items]
    bodies = [_assessment(a) for _, a in items]
    if not items[0][1].cosigners:
        signatures = [compact(a.signature) for _, a in items]
        if len(items) == 1:
            return FULFIL_SELECTOR + abi_encode(FULFIL_TYPES, [requests[0], bodies[0], signatures[0]])
        return BATCH_SELECTOR + abi_encode(BATCH_TYPES, [requests, bodies, signatures])
    lists = [[compact(s.signature) for s in ordered(a)] for _, a in items]
    if len(items) == 1:
        return QUORUM_SELECTOR + abi_encode(QUORUM_TYPES, [requests[0], bodies[0], lists[0]])
    return BATCH_QUORUM_SELECTOR + abi_encode(BATCH_QUORUM_TYPES, [requests, bodies, lists])


def decode(data: bytes) -> list[Decoded] | None:
    """The items of a fulfilment call, whichever of the four it is; None for any other call."""
    selector, body = bytes(data[:4]), bytes(data[4:])
    if selector == FULFIL_SELECTOR:
        req, a, signature = abi_decode(FULFIL_TYPES, body)
        return [(req, a, [signature])]
    if selector == QUORUM_SELECTOR:
        req, a, signatures = abi_decode(QUORUM_TYPES, body)
        return [(req, a, list(signatures))]
    if selector == BATCH_SELECTOR:
        reqs, assessments, signatures = abi_decode(BATCH_TYPES, body)
        return [(req, a, [signature]) for req, a, signature in zip(reqs, assessments, signatures, strict=True)]
    if selector == BATCH_QUORUM_SELECTOR:
        reqs, assessments, lists = abi_decode(BATCH_QUORUM_TYPES, body)
        return [(req, a, list(sigs)) for req, a, sigs in zip(reqs, assessments, lists, strict=True)]
    return None


def _request(request: OracleRequest) -> tuple[Any, ...]:
    return (bytes.fromhex(request.request_id[2:]), request.requester, request.subject, request.fee,
            request.expires_at, request.block_number)


def _assessment(a: SignedAssessment) -> tuple[Any, ...]:
    f = a.facts
    return (pack_facts(f.score, f.tier, f.pd_bps, f.flags, f.timestamp, f.expiry), f.measurement, f.commitment,
            f.block_number, f.block_hash, f.features_hash)
