"""A request the chain shows fulfilled, read back from its fulfilment transaction (a chain adapter's
`read_fulfilment`, as `aura verify` reads it): how the API's checks vouch for a request this node never read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from chains.base import Fulfilled
from chains.core.assessment import AssessmentFacts
from chains.core.errors import ChainError, NotSupported, RetryLater

Fulfilments = Callable[[str], Awaitable[Fulfilled | None]]
"""A chain adapter's `read_fulfilment`."""


@dataclass(frozen=True)
class ReadBack:
    """`request`: the `assess` request object as the chain recorded the request; `facts`: what its fulfilment's
    signed assessment says (its commitment among them)."""

    request: dict[str, Any]
    facts: AssessmentFacts


async def read_back(read: Fulfilments, request_id: str) -> ReadBack | None:
    """Request `request_id` and its fulfilment as `read` reads them; None when the chain shows it unfulfilled, the
    id is not one the chain reads, or the family cannot read fulfilments back.

    Raises:
        RetryLater: the chain could not be read.
    """
    from node.zk.prove_cli import stored_request  # noqa: PLC0415 - the request object as the enclave took it

    try:
        found = await read(request_id)
    except RetryLater:
        raise
    except (NotSupported, ChainError, ValueError):
        return None
    return None if found is None else ReadBack(stored_request(asdict(found.request)), found.facts)


__all__ = ["Fulfilments", "ReadBack", "read_back"]
