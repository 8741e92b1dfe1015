"""`/v1` checks of a signed assessment for anyone shown one (docs/api.md, "Checking a signed assessment"): read back
from its own payload, its signature, its binding to this chain's request, and whether the chain counts its signer
(node/signed_check.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import APIRouter

from chains.core.errors import RetryLater
from node.api.errors import Problem
from node.api.models import ErrorBody, ProofCheckItem, SignedCheck, SignedCheckAsk
from node.signed_check import BadEnvelope, SignedVerdict

RETRY_AFTER_S = 5


class SignedSource(Protocol):
    async def check(self, chain: str, envelope: Mapping[str, Any]) -> SignedVerdict: ...


def signed_router(source: SignedSource, chains: Mapping[str, str]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["v1"])
    errors: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (404, 422, 500, 503)}

    @router.post("/chains/{chain}/assessments/check", response_model=SignedCheck, responses=errors)
    async def check(chain: str, ask: SignedCheckAsk) -> SignedCheck:
        """Whether a signed assessment is what an enclave the chain's contract counts signed for one of the chain's
        requests (or off-chain for the chain), read from its own payload; each check with what it found."""
        if chain not in chains:
            raise Problem(404, "unknown_chain", f"no chain named {chain!r} on this node")
        try:
            verdict = await source.check(chain, ask.signed)
        except BadEnvelope as exc:
            raise Problem(422, "bad_envelope", str(exc)) from None
        except RetryLater as exc:
            raise Problem(503, "chain_unavailable", str(exc), {"Retry-After": str(RETRY_AFTER_S)}) from None
        return SignedCheck(valid=verdict.valid, offchain=verdict.offchain, request_id=verdict.request_id,
                           subject=verdict.subject, signer=verdict.signer, signer_status=verdict.signer_status,
                           facts=verdict.facts,
                           checks=[ProofCheckItem(check=c.name, ok=c.ok, detail=c.detail) for c in verdict.checks])

    return router


__all__ = ["SignedSource", "signed_router"]
