"""Threshold proofs served by the node (docs/api.md, "Proofs"): the text a subject signs to open one of its stored
assessments' commitment, and, given the signed text, the enclave's opening proven with snarkjs, as `aura prove`
does from the command line (node/zk/prove_cli.py). The enclave checks that the signature is the subject's; the
node never holds the opening beyond the one proof.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from chains.core.errors import AuraError
from node.fulfilled import Fulfilments, read_back
from node.zk import prove_cli, snarkjs
from node.zk.proof_check import SIGNED_HERE, Verdict, check_proof


class Opener(Protocol):
    async def open_commitment(self, params: dict[str, Any]) -> dict[str, Any]: ...


class StoredAssessments(Protocol):
    def request(self, key: str) -> dict[str, Any] | None: ...

    def assessment(self, key: str) -> dict[str, Any] | None: ...


class ProofRefused(AuraError, LookupError):
    """No such request (`code` unknown_request), or no signed assessment for it yet (no_assessment)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


ON_CHAIN = "the commitment of the request's fulfilment on the chain"


class ProofDesk:
    """Opening texts and proofs for the stored assessments of `store`, opened by `enclave`; checks of proofs of
    those, and of requests the chain shows fulfilled (read with `fulfilments`, chain name -> an adapter's
    `read_fulfilment`)."""

    def __init__(self, store: StoredAssessments, enclave: Opener, clock: Callable[[], float] = time.time,
                 build: Callable[[], snarkjs.ZkBuild] = snarkjs.locate,
                 fulfilments: Mapping[str, Fulfilments] | None = None) -> None:
        self.store, self.enclave, self.clock, self.build = store, enclave, clock, build
        self.fulfilments = fulfilments or {}
        self._vkey: dict[str, Any] | None = None

    def _stored(self, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
        row = self.store.request(key)
        if row is None:
            chain, request_id = key.split(":", 1)
            raise ProofRefused("unknown_request", f"no request {request_id} on {chain}")
        assessment = self.store.assessment(key)
        if assessment is None:
            raise ProofRefused("no_assessment", f"request {key} has no signed assessment yet (state {row['state']})")
        return prove_cli.stored_request(row), assessment

    def message(self, key: str, sign_in_domain: str | None = None) -> str:
        """The text the subject signs (a fresh nonce, 5 minutes to sign it).

        Raises:
            ProofRefused: no such request or assessment. InvalidParams: a sign-in for a family without one.
        """
        request, _ = self._stored(key)
        return prove_cli.fresh_message(request, int(self.clock()), sign_in_domain=sign_in_domain)

    async def prove(self, key: str, threshold: int, scope: int, message: str, signature: str) -> dict[str, Any]:
        """A proof that the assessment's committed score is at least `threshold`, for `scope`.

        Raises:
            ProofRefused: no such request or assessment. EnclaveError: the enclave refused to open (the text or
            signature is not the subject's, expired or replayed). AuraError: the score is below the threshold, or
            snarkjs failed. snarkjs.ZkError: the circuit's build is missing.
        """
        request, assessment = self._stored(key)
        build = self.build()
        opening = await self.enclave.open_commitment(prove_cli.open_params(request, assessment, message, signature))
        return await asyncio.to_thread(prove_cli.proof_of_opening, build, request, opening, threshold, scope)

    def _verification_key(self) -> dict[str, Any]:
        """The circuit's verification key, read once (`make zk` writes it; the node never changes it)."""
        if self._vkey is None:
            key_file = self.build().verification_key
            try:
                self._vkey = json.loads(key_file.read_text())
            except (OSError, ValueError) as exc:
                raise snarkjs.ZkError(f"cannot read the verification key {key_file.name}: {exc}") from None
        return self._vkey

    async def opening(self, key: str, message: str, signature: str) -> dict[str, Any]:
        """The stored assessment in full, for its subject, who signed the opening text: the score, tier, PD and
        what explains them, and the enclave's opening of the commitment (`blinding`, with which the subject can
        make threshold proofs without this node). The enclave checks the signature, nonce and expiry first.

        Raises:
            ProofRefused: no such request or assessment. EnclaveError: the enclave refused to open (not the
            subject's signature, an expired or used text).
        """
        request, assessment = self._stored(key)
        opened = await self.enclave.open_commitment(prove_cli.open_params(request, assessment, message, signature))
        return {**assessment, "request_id": request["request_id"], "subject": request["subject"],
                "blinding": opened["blinding"], "commitment": opened["commitment"]}

    async def check(self, key: str, threshold: int, scope: int, proof: dict[str, Any],
                    public_signals: list[Any]) -> Verdict:
        """Whether `proof` proves that the assessment's committed score is at least `threshold` for `scope`: every
        check of node/zk/proof_check.py, the pairing under the circuit's verification key last. A request this node
        has no assessment of is checked against the commitment its fulfilment on the chain carries.

        Raises:
            ProofRefused: no such request or assessment here or on the chain. proof_check.BadSignals: malformed
            public signals. snarkjs.ZkError: the circuit's build is missing. RetryLater: the chain could not be read.
        """
        request, assessment, signed_by = await self._checkable(key)
        verification_key = self._verification_key()

        def pairing(signals: list[str], groth16: dict[str, Any]) -> bool:
            return snarkjs.verify(verification_key, signals, groth16)

        return await asyncio.to_thread(check_proof, request, assessment, threshold, scope, proof, public_signals,
                                       pairing, signed_by)

    async def _checkable(self, key: str) -> tuple[dict[str, Any], dict[str, Any], str]:
        """The request, an assessment with its commitment, and whose commitment that is: the stored assessment's,
        else (a request this node never read or holds no assessment of) its fulfilment's on the chain."""
        try:
            request, assessment = self._stored(key)
            return request, assessment, SIGNED_HERE
        except ProofRefused as refused:
            chain, request_id = key.split(":", 1)
            read = self.fulfilments.get(chain)
            if read is None:
                raise
            found = await read_back(read, request_id)
            if found is None:
                raise ProofRefused(refused.code, f"{refused}, and the chain shows no fulfilment of it") from None
            return found.request, {"commitment": "0x" + found.facts.commitment.hex()}, ON_CHAIN


__all__ = ["ProofDesk", "ProofRefused"]
