"""FailoverProvider's classing of answers against real loopback endpoints in front of a real anvil: an error about
the call is the answer (no failover), an eth_getLogs window refused for its size, sends to read and send-only
endpoints, endpoints on another chain."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3 import AsyncWeb3
from web3.exceptions import Web3RPCError

from chains.core.errors import ChainError, RetryLater
from chains.evm.rpc import FailoverProvider, RangeTooLarge
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil

from .rpc_upstream import CHAIN_ID, Upstream, anvil, closed_port, provider, verified  # noqa: F401

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"),
              pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")]

UNFUNDED = "0x000000000000000000000000000000000000dEaD"
OUT_OF_GAS = "{'code': -32003, 'message': 'Out of gas: gas required exceeds allowance: 0'}"


async def _estimate_unfunded(w3: AsyncWeb3) -> None:
    await w3.eth.estimate_gas({"from": UNFUNDED, "to": UNFUNDED, "data": "0x12", "maxFeePerGas": 10**9})


@pytest.mark.parametrize("status", [None, 500])
async def test_an_error_about_the_call_is_raised_as_web3_would_and_fails_nothing_over(
        anvil: Anvil, status: int | None) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        a.error_status = status  # some providers send their answer under an HTTP error status
        p = provider(a, b)
        async with verified(p) as w3:
            with pytest.raises(Web3RPCError) as e:
                await _estimate_unfunded(w3)
            assert str(e.value) == OUT_OF_GAS
            assert (a.served("eth_estimateGas"), b.served("eth_estimateGas")) == (1, 0)
            assert [(s["up"], s["errors"], s["last_error"]) for s in p.state()] == [(True, {}, "")] * 2


async def test_a_window_every_endpoint_refuses_for_its_size_raises_range_too_large(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        a.max_range, b.max_range = 100, 50
        b.range_message = "Log response size exceeded. You can make eth_getLogs requests with up to a {n} block range"
        p = provider(a, b)
        async with verified(p) as w3:
            with pytest.raises(RangeTooLarge) as e:
                await w3.eth.get_logs({"fromBlock": 0, "toBlock": 500})
            assert str(e.value) == (
                f"anvil: eth_getLogs over blocks 0..500 refused for its size: {a.url}: JSON-RPC -32005: query "
                f"exceeds max block range 100; {b.url}: JSON-RPC -32005: Log response size exceeded. You can make "
                "eth_getLogs requests with up to a 50 block range")
            assert [(s["up"], s["errors"]) for s in p.state()] == [(True, {"range": 1})] * 2
            assert await w3.eth.get_logs({"fromBlock": 0, "toBlock": 49}) == []
            assert (a.served("eth_getLogs"), b.served("eth_getLogs")) == (2, 1)


async def test_a_window_one_endpoint_refuses_is_read_from_another(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        a.max_range = 100
        p = provider(a, b)
        async with verified(p) as w3:
            assert await w3.eth.get_logs({"fromBlock": 0, "toBlock": 500}) == []
            assert (a.served("eth_getLogs"), b.served("eth_getLogs")) == (1, 1)
            assert [(s["up"], s["errors"]) for s in p.state()] == [(True, {"range": 1}), (True, {})]


def _transfer(nonce: int) -> str:
    account = Account.from_key(DEFAULT_KEYS[9])
    tx = {"to": account.address, "value": 1, "gas": 21_000, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 1,
          "nonce": nonce, "chainId": CHAIN_ID, "type": 2}
    return "0x" + account.sign_transaction(tx).raw_transaction.hex()


async def test_a_transaction_goes_to_read_and_send_endpoints_and_reads_never_to_send_ones(
        anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as s:
        p = provider(a, sends=(s,))
        async with verified(p) as w3:
            nonce = await w3.eth.get_transaction_count(Account.from_key(DEFAULT_KEYS[9]).address)
            raw = _transfer(nonce)
            sent = await w3.eth.send_raw_transaction(raw)  # one of the two answers "nonce too low" or "known"
            assert (await w3.eth.wait_for_transaction_receipt(sent, timeout=10, poll_latency=0.05))["status"] == 1
            assert (a.served("eth_sendRawTransaction"), s.served("eth_sendRawTransaction")) == (1, 1)
            assert s.calls == ["eth_chainId", "eth_sendRawTransaction"]
            await a.close_port()
            with pytest.raises(RetryLater) as e:
                await w3.eth.block_number
            assert str(e.value) == (f"anvil: eth_blockNumber failed on every RPC endpoint: {a.url}: connection "
                                    "failed: ConnectionRefusedError")
            assert s.calls == ["eth_chainId", "eth_sendRawTransaction"]
            sent = await w3.eth.send_raw_transaction(_transfer(nonce + 1))  # the send-only endpoint takes it alone
            assert s.served("eth_sendRawTransaction") == 2
            await a.open_port()
            assert (await w3.eth.wait_for_transaction_receipt(sent, timeout=10, poll_latency=0.05))["status"] == 1


async def test_a_transaction_no_endpoint_takes_raises_retry_later(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as s:
        p = provider(a, sends=(s,))
        async with verified(p) as w3:
            a.mode, s.mode = "503", "429"
            with pytest.raises(RetryLater) as e:
                await w3.eth.send_raw_transaction(_transfer(0))
            assert str(e.value) == (f"anvil: eth_sendRawTransaction failed on every RPC endpoint: {a.url}: HTTP 503 "
                                    f"Service Unavailable; {s.url}: HTTP 429 Too Many Requests")


async def test_a_refused_transaction_is_the_answer_of_the_endpoints(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as s:
        p = provider(a, sends=(s,))
        async with verified(p) as w3:
            await w3.eth.send_raw_transaction(_transfer(await w3.eth.get_transaction_count(
                Account.from_key(DEFAULT_KEYS[9]).address)))
            with pytest.raises(Web3RPCError) as e:
                await w3.eth.send_raw_transaction(_transfer(0))
            assert str(e.value) == "{'code': -32003, 'message': 'nonce too low'}"
            assert [(x["up"], x["errors"]) for x in p.state()] == [(True, {})] * 2


async def test_an_endpoint_on_another_chain_refuses_the_start(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        b.chain_id = 5
        p = provider(a, b)
        with pytest.raises(ChainError) as e:
            async with verified(p):
                pass
        assert str(e.value) == f"anvil: RPC {b.url} reports chain id 5, config says {CHAIN_ID}"


async def test_an_endpoint_on_another_chain_found_later_is_never_read_from(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a, Upstream(anvil.url) as b:
        a.chain_id = 5
        p = provider(a, b)
        try:  # not verified first: each endpoint is checked before its first use
            assert await _block_number(p) >= 0
            assert (a.calls, b.calls) == (["eth_chainId"], ["eth_chainId", "eth_blockNumber"])
            assert p.state()[0]["up"] is False
            assert (p.state()[0]["last_error"], p.state()[0]["errors"]) == (
                f"chain id 5, expected {CHAIN_ID}", {"wrong_chain": 1})
            await b.close_port()
            with pytest.raises(RetryLater) as e:
                await _block_number(p)
            assert str(e.value) == (f"anvil: eth_blockNumber failed on every RPC endpoint: {a.url}: chain id 5, "
                                    f"expected {CHAIN_ID}; {b.url}: connection failed: ConnectionRefusedError")
            assert a.calls == ["eth_chainId"]
        finally:
            await p.disconnect()


async def _block_number(p: FailoverProvider) -> int:
    return int(await AsyncWeb3(p).eth.block_number)


async def test_no_read_endpoint_answering_at_the_start_is_retry_later(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as s:
        dead = closed_port()
        p = provider(dead, sends=(s,))
        with pytest.raises(RetryLater) as e:
            async with verified(p):
                pass
        assert str(e.value) == f"anvil: RPC unreachable: {dead}: connection failed: ConnectionRefusedError"
        assert [x["up"] for x in p.state()] == [False, True]


async def test_one_read_endpoint_answering_at_the_start_is_enough(anvil: Anvil) -> None:  # noqa: F811
    async with Upstream(anvil.url) as a:
        dead = closed_port()
        p = provider(dead, a)
        async with verified(p) as w3:
            assert await w3.eth.block_number >= 0
            assert [(x["endpoint"], x["role"], x["up"]) for x in p.state()] == [(dead, "read", False),
                                                                                (a.url, "read", True)]
