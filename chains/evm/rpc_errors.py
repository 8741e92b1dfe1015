"""What a JSON-RPC error answer means: an answer about the call itself (a revert, bad params, a nonce already
used), which any endpoint would give and the caller handles; a fault of the endpoint that answered (rate
limited, overloaded, behind the chain), which another endpoint or a later try may not have; or an eth_getLogs
window refused for its size, which a smaller window avoids.

Messages are matched before codes: providers put many different answers under -32000 and -32603.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["answer", "transient", "range"]

RANGE_WORDS = re.compile(
    r"query returned more than|block range|range (?:is )?too (?:large|big|wide)|too (?:large|big|wide) (?:a )?range"
    r"|too many (?:blocks|logs|results)|response size|limited to .*range|max(?:imum)? (?:block )?range"
    r"|exceed(?:s|ed)? .*range", re.IGNORECASE)
ANSWER_WORDS = re.compile(
    r"revert|invalid|nonce too|already known|already imported|known transaction|insufficient funds"
    r"|gas required exceeds|out of gas|underpriced|replacement transaction|intrinsic gas|exceeds block gas limit"
    r"|fee cap|less than block base fee|missing trie node|not supported|unsupported", re.IGNORECASE)
LIMIT_WORDS = re.compile(r"rate limit|too many requests|limit exceeded|exceeded .*(?:capacity|quota|limit)"
                         r"|capacity|quota", re.IGNORECASE)
BEHIND_WORDS = re.compile(r"header not found|blockoutofrange|block height is \d+ but requested|not synced|syncing",
                          re.IGNORECASE)
BUSY_WORDS = re.compile(r"timed? ?out|timeout|temporar|try again|busy|overload|unavailable", re.IGNORECASE)
CODE_LIMIT = -32005  # EIP-1474 "limit exceeded"
CODE_INTERNAL = -32603
CODE_UNAVAILABLE = -32002  # EIP-1474 "resource unavailable"
CODE_REVERT = 3


@dataclass(frozen=True)
class Classed:
    verdict: Verdict
    kind: str
    """The error's kind for counts: `rpc_limit`, `rpc_behind`, `rpc_internal`, `rpc` or `range`; empty for an
    answer."""


ANSWER = Classed("answer", "")


def classify(method: str, error: dict[str, Any]) -> Classed:
    """The meaning of a JSON-RPC `error` object answered to `method`."""
    code = error.get("code")
    message = str(error.get("message", ""))
    if method == "eth_getLogs" and (RANGE_WORDS.search(message) or (code == CODE_LIMIT and "range" in message)):
        return Classed("range", "range")
    if code == CODE_REVERT or ANSWER_WORDS.search(message):
        return ANSWER
    if code == CODE_LIMIT or LIMIT_WORDS.search(message):
        return Classed("transient", "rpc_limit")
    if BEHIND_WORDS.search(message):
        return Classed("transient", "rpc_behind")
    if code == CODE_INTERNAL:
        return Classed("transient", "rpc_internal")
    if code == CODE_UNAVAILABLE or BUSY_WORDS.search(message):
        return Classed("transient", "rpc")
    return ANSWER


def describe(error: dict[str, Any]) -> str:
    """A JSON-RPC error in one line: its code and message, cut to 200 characters."""
    return f"JSON-RPC {error.get('code')}: {str(error.get('message', ''))[:200]}"
