"""What a Solana JSON-RPC error answer means: an answer about the call itself, which any endpoint would give and
the caller handles (a failed simulation, "Blockhash not found", a slot that was skipped, bad params); or a fault of
the endpoint that answered (behind the cluster, without the block or the history asked for yet, overloaded, rate
limited), which another endpoint or a later try may not have.

The codes are the validator's own (`rpc-client-api`, custom_error.rs). Slot skipped (-32007) and missing in
long-term storage (-32009) are answers about that slot: every endpoint gives the same, and the endpoint is not at
fault. Block cleaned up (-32001), history or index not kept (-32010, -32011) are about what this endpoint keeps:
another may have it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["answer", "transient"]

BLOCK_CLEANED_UP = -32001
BLOCK_NOT_AVAILABLE = -32004
NODE_UNHEALTHY = -32005  # "Node is behind by N slots", "Node is unhealthy"
KEY_EXCLUDED_FROM_SECONDARY_INDEX = -32010
TRANSACTION_HISTORY_NOT_AVAILABLE = -32011
SCAN_ERROR = -32012
BLOCK_STATUS_NOT_AVAILABLE_YET = -32014
MIN_CONTEXT_SLOT_NOT_REACHED = -32016
LONG_TERM_STORAGE_UNREACHABLE = -32019
INTERNAL = -32603

KINDS = {
    NODE_UNHEALTHY: "rpc_behind",
    MIN_CONTEXT_SLOT_NOT_REACHED: "rpc_behind",
    BLOCK_STATUS_NOT_AVAILABLE_YET: "rpc_behind",
    BLOCK_NOT_AVAILABLE: "rpc_behind",
    BLOCK_CLEANED_UP: "rpc_unserved",
    KEY_EXCLUDED_FROM_SECONDARY_INDEX: "rpc_unserved",
    TRANSACTION_HISTORY_NOT_AVAILABLE: "rpc_unserved",
    SCAN_ERROR: "rpc",
    LONG_TERM_STORAGE_UNREACHABLE: "rpc",
    INTERNAL: "rpc_internal",
}
LIMIT_WORDS = re.compile(r"rate limit|too many requests|limit exceeded|exceeded .*(?:capacity|quota)", re.IGNORECASE)


@dataclass(frozen=True)
class Classed:
    verdict: Verdict
    kind: str
    """The error's kind for counts: `rpc_limit`, `rpc_behind`, `rpc_unserved`, `rpc_internal` or `rpc`; empty
    for an answer."""


ANSWER = Classed("answer", "")


def classify(error: dict[str, Any]) -> Classed:
    """The meaning of a JSON-RPC `error` object."""
    code = error.get("code")
    if code in KINDS:
        return Classed("transient", KINDS[code])
    if code in (429, -32429) or LIMIT_WORDS.search(str(error.get("message", ""))):
        return Classed("transient", "rpc_limit")
    return ANSWER


def describe(error: dict[str, Any]) -> str:
    """A JSON-RPC error in one line: its code and message, cut to 200 characters."""
    return f"JSON-RPC {error.get('code')}: {str(error.get('message', ''))[:200]}"
