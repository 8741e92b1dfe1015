"""`/v1` threshold proofs (docs/api.md, "Proofs"): the text a subject signs to open a stored assessment's
commitment, and the proof that its score is at least a threshold, made once the enclave has checked the subject's
signature (node/zk/proof_desk.py). Only the subject can get one; the score itself is never answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Query

from chains.core.errors import AuraError, EnclaveError, InvalidParams, RetryLater
from node.api.errors import Problem
from node.api.models import (
    ErrorBody,
    Opening,
    OpeningAsk,
    OpeningMessage,
    ProofAsk,
    ProofCheck,
    ProofCheckAsk,
    ProofCheckItem,
    ThresholdProof,
)
from node.api.v1.ids import canonical_id
from node.scoring.flags import flag_names
from node.zk.proof_check import BadSignals, Verdict
from node.zk.proof_desk import ProofRefused
from node.zk.snarkjs import ZkError

RETRY_AFTER_S = 5


class ProofSource(Protocol):
    def message(self, key: str, sign_in_domain: str | None = None) -> str: ...

    async def prove(self, key: str, threshold: int, scope: int, message: str, signature: str) -> dict[str, Any]: ...

    async def opening(self, key: str, message: str, signature: str) -> dict[str, Any]: ...

    async def check(self, key: str, threshold: int, scope: int, proof: dict[str, Any],
                    public_signals: list[Any]) -> Verdict: ...


def proofs_router(source: ProofSource, chains: Mapping[str, str]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["v1"])
    errors: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (400, 403, 404, 422, 500, 503)}

    def key_of(chain: str, request_id: str) -> str:
        family = chains.get(chain)
        if family is None:
            raise Problem(404, "unknown_chain", f"no chain named {chain!r} on this node")
        try:
            return f"{chain}:{canonical_id(family, 'request_id', request_id)}"
        except ValueError as exc:
            raise Problem(400, "bad_request_id", str(exc)) from None

    @router.get("/chains/{chain}/requests/{request_id}/opening-message", response_model=OpeningMessage,
                responses=errors)
    async def opening_message(
        chain: str, request_id: str,
        sign_in: Annotated[str | None, Query(max_length=255, pattern=r"^[A-Za-z0-9.:-]+$",
                                             description="a site's domain: the text as a Sign-In with Ethereum "
                                                         "message for it (EVM)")] = None,
    ) -> OpeningMessage:
        """The text the request's subject signs to get a threshold proof of its assessment."""
        key = key_of(chain, request_id)
        try:
            return OpeningMessage(message=source.message(key, sign_in))
        except ProofRefused as exc:
            raise Problem(404, exc.code, str(exc)) from None
        except InvalidParams as exc:
            raise Problem(400, "invalid_params", str(exc)) from None

    @router.post("/chains/{chain}/requests/{request_id}/proofs", status_code=201, response_model=ThresholdProof,
                 responses=errors)
    async def prove(chain: str, request_id: str, ask: ProofAsk) -> ThresholdProof:
        """A proof that the request's committed score is at least `threshold`, for its subject, who signed the
        opening message (about a second: snarkjs)."""
        key = key_of(chain, request_id)
        try:
            out = await source.prove(key, ask.threshold, int(ask.scope), ask.message, ask.signature)
        except ProofRefused as exc:
            raise Problem(404, exc.code, str(exc)) from None
        except ZkError as exc:
            raise Problem(503, "zk_unavailable", str(exc)) from None
        except EnclaveError as exc:
            raise _enclave_problem(exc) from None
        except AuraError as exc:
            raise Problem(422, "no_proof", str(exc)) from None
        return ThresholdProof(**out)

    @router.post("/chains/{chain}/requests/{request_id}/opening", response_model=Opening, responses=errors)
    async def opening(chain: str, request_id: str, ask: OpeningAsk) -> Opening:
        """The request's assessment in full for its subject, who signed the opening message (a private one's score
        too), with the opening of its commitment. Each signed text opens once."""
        key = key_of(chain, request_id)
        try:
            out = await source.opening(key, ask.message, ask.signature)
        except ProofRefused as exc:
            raise Problem(404, exc.code, str(exc)) from None
        except EnclaveError as exc:
            raise _enclave_problem(exc) from None
        return Opening(request_id=out["request_id"], subject=out["subject"], private=out.get("private") is True,
                       score=out["score"], tier=out["tier"], pd_bps=out["pd_bps"], flags=out["flags"],
                       flag_names=flag_names(out["flags"]), dimensions=out.get("dimensions"),
                       reasons=out.get("reasons"), terms=out.get("terms"), commitment=out["commitment"],
                       blinding=out["blinding"])

    @router.post("/chains/{chain}/requests/{request_id}/proofs/check", response_model=ProofCheck, responses=errors)
    async def check(chain: str, request_id: str, ask: ProofCheckAsk) -> ProofCheck:
        """Whether a threshold proof someone was shown proves that this request's committed score is at least
        `threshold` for `scope`: its public signals against what this node signed (or, for a request it never
        read, the request's fulfilment on the chain), then the Groth16 pairing. Anyone may ask; the answer says which
        check failed (about half a second: snarkjs)."""
        key = key_of(chain, request_id)
        try:
            verdict = await source.check(key, ask.threshold, int(ask.scope), ask.proof, ask.public_signals)
        except ProofRefused as exc:
            raise Problem(404, exc.code, str(exc)) from None
        except BadSignals as exc:
            raise Problem(422, "bad_public_signals", str(exc)) from None
        except RetryLater as exc:
            raise Problem(503, "chain_unavailable", str(exc), {"Retry-After": str(RETRY_AFTER_S)}) from None
        except ZkError as exc:
            raise Problem(503, "zk_unavailable", str(exc)) from None
        return ProofCheck(valid=verdict.valid, request_id=verdict.request_id, subject=verdict.subject,
                          threshold=ask.threshold, scope=ask.scope, nullifier=str(verdict.nullifier),
                          checks=[ProofCheckItem(check=c.name, ok=c.ok, detail=c.detail) for c in verdict.checks])

    return router


def _enclave_problem(exc: EnclaveError) -> Problem:
    """The enclave's refusal to open as the API answers it: the subject's mistake (403, 422) or a wait (503)."""
    code = getattr(exc, "code", "")
    if code == "refused":
        return Problem(403, "open_refused", getattr(exc, "message", str(exc)))
    if code == "invalid_params":
        return Problem(422, "invalid_params", getattr(exc, "message", str(exc)))
    return Problem(503, "enclave_unavailable", str(exc), {"Retry-After": str(RETRY_AFTER_S)})


__all__ = ["ProofSource", "proofs_router"]
