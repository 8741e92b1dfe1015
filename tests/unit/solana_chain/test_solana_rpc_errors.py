"""The classing of Solana JSON-RPC error answers (chains/solana/rpc_errors.py), on the validator's own messages:
what another endpoint or a later try may not give (a fault of the endpoint) and what every endpoint would answer
(an answer about the call)."""

from __future__ import annotations

import pytest

from chains.solana.rpc_errors import classify, describe


@pytest.mark.parametrize(("code", "message", "kind"), [
    (-32005, "Node is behind by 142 slots", "rpc_behind"),
    (-32005, "Node is unhealthy", "rpc_behind"),
    (-32004, "Block not available for slot 312", "rpc_behind"),
    (-32014, "Block status not yet available for slot 312", "rpc_behind"),
    (-32016, "Minimum context slot has not been reached", "rpc_behind"),
    (-32001, "Block 12 cleaned up, does not exist on node. First available block: 900", "rpc_unserved"),
    (-32010, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA excluded from account secondary indexes; this RPC "
             "method unavailable for key", "rpc_unserved"),
    (-32011, "Transaction history is not available from this node", "rpc_unserved"),
    (-32019, "Failed to query long-term storage; please try again", "rpc"),
    (-32012, "scan aborted", "rpc"),
    (-32603, "Internal error", "rpc_internal"),
    (429, "Too many requests from your IP", "rpc_limit"),
    (-32429, "rate limited", "rpc_limit"),
    (-32000, "Your app has exceeded its compute units per second capacity", "rpc_limit"),
])  # fmt: skip
def test_a_fault_of_the_endpoint(code: int, message: str, kind: str) -> None:
    classed = classify({"code": code, "message": message})
    assert (classed.verdict, classed.kind) == ("transient", kind)


@pytest.mark.parametrize(("code", "message"), [
    (-32007, "Slot 312 was skipped, or missing due to ledger jump to recent snapshot"),
    (-32009, "Slot 312 was skipped, or missing in long-term storage"),
    (-32002, "Transaction simulation failed: Blockhash not found"),
    (-32002, "Transaction simulation failed: Error processing Instruction 2: custom program error: 0x1771"),
    (-32002, "Transaction simulation failed: This transaction has already been processed"),
    (-32003, "Transaction signature verification failure"),
    (-32015, "Transaction version (0) is not supported by the requesting client."),
    (-32602, "Invalid param: WrongSize"),
    (-32601, "Method not found"),
    (-32600, "Invalid request"),
])  # fmt: skip
def test_an_answer_about_the_call(code: int, message: str) -> None:
    classed = classify({"code": code, "message": message})
    assert (classed.verdict, classed.kind) == ("answer", "")


def test_an_error_in_one_line() -> None:
    assert describe({"code": -32005, "message": "Node is behind by 142 slots"}) == (
        "JSON-RPC -32005: Node is behind by 142 slots")
    assert describe({"code": -32002, "message": "x" * 300}) == "JSON-RPC -32002: " + "x" * 200
