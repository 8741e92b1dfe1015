"""The classing of JSON-RPC error answers (chains/evm/rpc_errors.py), on the messages real clients and providers
send."""

from __future__ import annotations

import pytest

from chains.evm.rpc_errors import classify, describe


@pytest.mark.parametrize(("method", "code", "message"), [
    ("eth_call", 3, "execution reverted"),
    ("eth_estimateGas", 3, "execution reverted: rate limit"),  # a contract's own words are about the call
    ("eth_estimateGas", -32003, "Out of gas: gas required exceeds allowance: 0"),
    ("eth_estimateGas", -32000, "insufficient funds for gas * price + value"),
    ("eth_sendRawTransaction", -32003, "nonce too low"),
    ("eth_sendRawTransaction", -32000, "already known"),
    ("eth_sendRawTransaction", -32000, "replacement transaction underpriced"),
    ("eth_sendRawTransaction", -32603, "max fee per gas less than block base fee"),
    ("eth_getBlockByNumber", -32602, 'invalid type: string "bad", expected a boolean'),
    ("eth_getTransactionCount", -32000, "missing trie node 1234 (path )"),
    ("eth_foo", -32601, "Method not found"),
    ("eth_getBlockByNumber", -39001, "unknown block"),  # no "finalized" block on this chain: the caller decides
    ("eth_call", -32000, "some message nobody classed"),
])
def test_answers_about_the_call(method: str, code: int, message: str) -> None:
    assert classify(method, {"code": code, "message": message}).verdict == "answer"


@pytest.mark.parametrize(("code", "message", "kind"), [
    (-32005, "limit exceeded", "rpc_limit"),
    (-32000, "rate limit exceeded, retry in 1s", "rpc_limit"),
    (429, "Too Many Requests", "rpc_limit"),
    (-32000, "header not found", "rpc_behind"),
    (-32602, "BlockOutOfRangeError: block height is 1 but requested was 2457", "rpc_behind"),
    (-32603, "internal error", "rpc_internal"),
    (-32002, "resource unavailable", "rpc"),
    (-32000, "request timed out", "rpc"),
])
def test_faults_of_the_endpoint(code: int, message: str, kind: str) -> None:
    classed = classify("eth_getBlockByNumber", {"code": code, "message": message})
    assert (classed.verdict, classed.kind) == ("transient", kind)


@pytest.mark.parametrize(("code", "message"), [
    (-32005, "query returned more than 10000 results"),
    (-32005, "query exceeds max block range 1000"),
    (-32600, "block range too large"),
    (-32000, "exceed maximum block range: 50000"),
    (-32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"),
    (-32000, "eth_getLogs is limited to a 10,000 range"),
    (-32005, "range limit: 2048"),
])
def test_a_log_window_refused_for_its_size(code: int, message: str) -> None:
    assert classify("eth_getLogs", {"code": code, "message": message}).verdict == "range"


def test_range_words_outside_eth_get_logs_are_no_range() -> None:
    assert classify("eth_call", {"code": -32005, "message": "query returned more than 10000 results"}).verdict == (
        "transient")


def test_describe_cuts_long_messages() -> None:
    assert describe({"code": -32000, "message": "x" * 300}) == "JSON-RPC -32000: " + "x" * 200
