"""A signed assessment the way the enclave makes one, from given facts: the request read and the payload signed
by the family's codec from the registry (node/enclave/params.py, chains/registry.py), with a real enclave key.
The facts are the caller's, so a test controls exactly what a chain will check."""

from __future__ import annotations

from typing import Any

from chains.base import SignedAssessment
from chains.core.assessment import AssessmentFacts
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from node.enclave.params import parse_request


def assessment_wire(request: dict[str, Any], facts: AssessmentFacts, key: EnclaveKey) -> dict[str, Any]:
    """The enclave's `assess` answer (its signed fields) for `request`, the adapter's `enclave_request`."""
    family, bound = parse_request(request)
    envelope = FAMILIES[family].codec.sign(bound, facts, key)
    return {"score": facts.score, "tier": facts.tier, "pd_bps": facts.pd_bps, "flags": facts.flags,
            "measurement": "0x" + facts.measurement.hex(), "commitment": "0x" + facts.commitment.hex(),
            "block_number": facts.block_number, "block_hash": "0x" + facts.block_hash.hex(),
            "features_hash": "0x" + facts.features_hash.hex(), "timestamp": facts.timestamp, "expiry": facts.expiry, "signer": key.address, **envelope}


def signed_assessment(request: dict[str, Any], facts: AssessmentFacts, key: EnclaveKey) -> SignedAssessment:
    return SignedAssessment.from_wire(assessment_wire(request, facts, key))
