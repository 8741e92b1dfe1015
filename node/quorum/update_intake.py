"""`POST /peer/v1/updates`: another operator of the quorum asks this node to cosign an operator update
(docs/quorum.md, "Operator updates"): a watched wallet's moved re-score that it pushes to the chain's contract.

The body is `{"chain": <chain name>, "subject": <the wallet, in its family's text form>, "offchain": <the proposer's
off-chain assessment of it: its "typed_data" and "signature">}`. It is taken only when the off-chain assessment is
signed by a configured peer's enclave (its signature recovers to a `[[peers]]` signer), for this chain's family and
chain id and for that subject. This node then queues the update pinned at that assessment's block, as its own
pushes are: its pipeline signs it once the block is canonical and final on its own view of the chain, its own
enclave checks the block's header (and so the time the update's id is derived from), and the quorum's leader
collects the signatures as for a request. Nothing of the proposer's is trusted but who it is, which bounds who can
make this node spend work (and, as a leader, gas) on updates.

Answers: 202 with the update's key (queued), 200 (already queued); errors as JSON with a stable code: 400
`bad_update` (malformed, another family or chain, another subject), 403 `not_a_peer`, 404 `unknown_chain`, 422
`no_updates` (the chain's contract takes none), 503 `retry_later` (the chain is not served yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from chains.base import ChainAdapter, Height, OracleRequest
from chains.core.errors import ChainError, InvalidParams, NotSupported, RetryLater
from chains.core.secp256k1 import recover_address
from chains.core.signed_view import read_offchain
from chains.registry import FAMILIES
from node.http_problem import Problem

PEER_UPDATES_PATH = "/peer/v1/updates"


class UpdateIntake:
    """What the route needs: the peers' signers, where updates are queued (the store's `add_updates`), the chains the
    node is configured for, and its adapters by chain (filled once its chains are served)."""

    def __init__(self, peer_signers: Iterable[str], queue: Callable[[str, list[OracleRequest]], int],
                 chains: Iterable[str]) -> None:
        self.peer_signers = frozenset(s.lower() for s in peer_signers)
        self.queue = queue
        self.known = frozenset(chains)
        self.adapters: dict[str, ChainAdapter] = {}

    async def take(self, chain: Any, subject: Any, offchain: Any) -> tuple[OracleRequest, bool]:
        """The update queued for a peer's off-chain assessment, and whether it is new.

        Raises:
            Problem: as the module says.
        """
        adapter = self.adapters.get(chain) if isinstance(chain, str) else None
        if adapter is None:
            if isinstance(chain, str) and chain in self.known:
                raise Problem(503, "retry_later", f"chain {chain} is not being served yet (the node is starting)")
            raise Problem(404, "unknown_chain", f"this node serves no chain {str(chain)[:64]!r}")
        family = adapter.family
        if not isinstance(subject, str) or not isinstance(offchain, Mapping):
            raise Problem(400, "bad_update", "subject must be a string and offchain an object")
        try:
            view = read_offchain(offchain, family)
            signature = offchain.get("signature")
            if not isinstance(signature, str) or not signature.startswith("0x") or len(signature) != 132:
                raise ValueError("offchain.signature: must be 0x and 65 bytes in hex")
            signer = recover_address(view.digest, bytes.fromhex(signature[2:]))
            raw_subject = FAMILIES[family].codec.read_id("subject", subject, "subject")
        except (ValueError, InvalidParams) as e:
            raise Problem(400, "bad_update", str(e)) from None
        if signer.lower() not in self.peer_signers:
            raise Problem(403, "not_a_peer", f"signed by {signer}, which is no peer of this node")
        if view.bound["subject"] != raw_subject:
            raise Problem(400, "bad_update", "the off-chain assessment is of another subject")
        facts = view.facts
        at = Height(number=facts.block_number, timestamp=facts.timestamp, hash="0x" + facts.block_hash.hex())
        try:
            update = await adapter.update_request(subject, at)
        except NotSupported as e:
            raise Problem(422, "no_updates", str(e)) from None
        except RetryLater as e:
            raise Problem(503, "retry_later", str(e)) from None
        except ChainError as e:
            raise Problem(400, "bad_update", str(e)) from None
        if view.bound["chain_id"] != update.chain_id:
            raise Problem(400, "bad_update", f"the off-chain assessment is for chain id {view.bound['chain_id']}, "
                                             f"not {chain}'s {update.chain_id}")
        return update, self.queue(chain, [update]) > 0


def updates_router(intake: UpdateIntake) -> APIRouter:
    """The route over `intake` (left out of the public OpenAPI document: it is for the quorum's operators); a refusal
    is a `Problem`, which the app's handlers (node/api/errors.py) answer."""
    router = APIRouter(include_in_schema=False)

    @router.post(PEER_UPDATES_PATH)
    async def post_update(body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008 - FastAPI's own idiom
        update, new = await intake.take(body.get("chain"), body.get("subject"), body.get("offchain"))
        return JSONResponse({"key": update.key, "queued": new}, status_code=202 if new else 200)

    return router


__all__ = ["PEER_UPDATES_PATH", "UpdateIntake", "updates_router"]
