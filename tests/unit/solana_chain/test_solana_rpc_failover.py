"""SolanaRpc against real loopback endpoints in front of a real local Solana endpoint: which endpoint serves each
call, failover within the call and within the deadline, error answers that are not faults, sends to every live
endpoint, lagging slots, probes, and endpoints of another cluster."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from solana.rpc.commitment import Commitment
from solana.rpc.core import RPCException
from solana.rpc.types import TxOpts
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from chains.core.errors import ChainError, RetryLater
from chains.solana.rpc import SolanaClient, SolanaRpc
from node.workshop.devnet.solana_rpc import SolanaDevnet

from .solana_upstream import MARGIN_S, TIMEOUT_S, Upstream, devnet, entry, provider, verified

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"),
              pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")]

CONFIRMED = Commitment("confirmed")
NOBODY = Pubkey.from_string("Aura111111111111111111111111111111111111111")


def _client(p: SolanaRpc) -> SolanaClient:
    return SolanaClient(p, CONFIRMED)


def _transfer(dev: SolanaDevnet, blockhash: Hash | None = None) -> bytes:
    payer = Keypair()
    dev.airdrop(payer.pubkey(), 10**9)
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1000))
    recent = blockhash or dev.ledger.blockhash(dev.slot)
    return bytes(Transaction([payer], Message([ix], payer.pubkey()), recent))


async def test_reads_go_to_the_first_endpoint_among_equal_slots() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b)) as p:
            assert (a.calls, b.calls) == (["getGenesisHash", "getSlot"], ["getGenesisHash", "getSlot"])
            for _ in range(3):
                await _client(p).get_account_info(NOBODY)
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (3, 0)


async def test_reads_go_to_the_endpoint_with_the_highest_slot() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        dev.advance_slots(20)
        a.lag = 3
        async with verified(provider(a, b, max_lag=5)) as p:
            slot = entry(p, b)["head"]
            assert entry(p, a)["head"] == slot - 3
            await _client(p).get_account_info(NOBODY)
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (0, 1)


async def test_a_failover_goes_to_the_best_endpoint_left() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b, Upstream(dev.url) as c:
        dev.advance_slots(30)
        b.lag, c.lag = 10, 20
        async with verified(provider(a, b, c, max_lag=5)) as p:
            a.mode = "503"
            assert (await _client(p).get_account_info(NOBODY)).value is None
            assert (a.served("getAccountInfo"), b.served("getAccountInfo"), c.served("getAccountInfo")) == (1, 1, 0)
            b.mode = "503"  # c was too far behind b; with a and b down it is the best left
            assert (await _client(p).get_account_info(NOBODY)).value is None
            assert (a.served("getAccountInfo"), b.served("getAccountInfo"), c.served("getAccountInfo")) == (1, 2, 1)


async def test_the_best_gone_the_one_behind_is_read() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        dev.advance_slots(30)
        a.lag = 10
        async with verified(provider(a, b, max_lag=5)) as p:
            head = entry(p, b)["head"]
            await b.close_port()
            assert (await _client(p).get_slot(commitment=CONFIRMED)).value == head - 10
            assert a.served("getSlot") == 2
            assert entry(p, a)["head"] == head - 10


async def test_a_refused_connection_fails_over_within_the_call() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b)) as p:
            await a.close_port()
            started = time.monotonic()
            assert (await _client(p).get_account_info(NOBODY)).value is None
            assert time.monotonic() - started < MARGIN_S
            assert b.served("getAccountInfo") == 1
            row = entry(p, a)
            assert (row["up"], row["last_error"], row["errors"]) == (
                False, "connection failed: ConnectionRefusedError", {"connection": 1})
            await _client(p).get_account_info(NOBODY)  # a is cooling off: not asked again
            assert entry(p, a)["errors"] == {"connection": 1}
            assert b.served("getAccountInfo") == 2


async def test_a_black_hole_costs_one_deadline_then_is_skipped() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b)) as p:
            a.mode = "blackhole"
            started = time.monotonic()
            await _client(p).get_account_info(NOBODY)
            took = time.monotonic() - started
            assert TIMEOUT_S <= took < MARGIN_S
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (1, 1)
            started = time.monotonic()
            await _client(p).get_account_info(NOBODY)
            assert time.monotonic() - started < TIMEOUT_S
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (1, 2)
            row = entry(p, a)
            assert (row["up"], row["last_error"], row["errors"]) == (
                False, "timeout: no answer within 0.5 s", {"timeout": 1})


@pytest.mark.parametrize(("mode", "error", "kind", "message"), [
    ("429", {}, "http_429", "HTTP 429 Too Many Requests"),
    ("503", {}, "http_5xx", "HTTP 503 Service Unavailable"),
    ("error", {"code": -32005, "message": "Node is behind by 42 slots", "data": {"numSlotsBehind": 42}},
     "rpc_behind", "JSON-RPC -32005: Node is behind by 42 slots"),
    ("error", {"code": -32004, "message": "Block not available for slot 7"},
     "rpc_behind", "JSON-RPC -32004: Block not available for slot 7"),
    ("error", {"code": -32016, "message": "Minimum context slot has not been reached"},
     "rpc_behind", "JSON-RPC -32016: Minimum context slot has not been reached"),
    ("error", {"code": -32011, "message": "Transaction history is not available from this node"},
     "rpc_unserved", "JSON-RPC -32011: Transaction history is not available from this node"),
    ("error", {"code": -32603, "message": "Internal error"}, "rpc_internal", "JSON-RPC -32603: Internal error"),
    ("error", {"code": -32000, "message": "Too many requests for a specific RPC call"},
     "rpc_limit", "JSON-RPC -32000: Too many requests for a specific RPC call"),
])
async def test_a_fault_of_the_endpoint_fails_over(mode: Any, error: dict[str, Any], kind: str, message: str) -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b)) as p:
            a.mode, a.error = mode, error
            assert (await _client(p).get_account_info(NOBODY)).value is None
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (1, 1)
            row = entry(p, a)
            assert (row["up"], row["last_error"], row["errors"]) == (False, message, {kind: 1})
            assert entry(p, b)["up"] is True


@pytest.mark.parametrize("error", [
    {"code": -32007, "message": "Slot 7 was skipped, or missing due to ledger jump to recent snapshot"},
    {"code": -32009, "message": "Slot 7 was skipped, or missing in long-term storage"},
    {"code": -32602, "message": "Invalid param: WrongSize"},
])
async def test_an_error_about_the_call_is_the_answer(error: dict[str, Any]) -> None:
    """The endpoint is not at fault: the error reaches the caller, no other endpoint is asked, the endpoint stays
    up."""
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b)) as p:
            a.mode, a.error = "error", error
            with pytest.raises(RPCException) as e:
                await _client(p).get_block_time(7)
            assert e.value.args[0].message == error["message"]
            assert (a.served("getBlockTime"), b.served("getBlockTime")) == (1, 0)
            row = entry(p, a)
            assert (row["up"], row["last_error"], row["errors"]) == (True, "", {})


async def test_every_endpoint_failing_raises_retry_later_naming_each() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b)) as p:
            a.mode = "429"
            await b.close_port()
            with pytest.raises(RetryLater) as e:
                await _client(p).get_account_info(NOBODY)
            assert type(e.value) is RetryLater
            assert str(e.value) == (f"sol: getAccountInfo failed on every RPC endpoint: {a.url}: HTTP 429 Too Many "
                                    f"Requests; {b.url}: connection failed: ConnectionRefusedError")


async def test_a_silent_endpoint_costs_the_deadline_and_is_asked_again_when_it_is_the_only_one() -> None:
    async with devnet() as dev, Upstream(dev.url) as a:
        async with verified(provider(a)) as p:
            a.mode = "blackhole"
            for _ in range(2):  # the second time every endpoint is down: it is tried anyway
                started = time.monotonic()
                with pytest.raises(RetryLater) as e:
                    await _client(p).get_account_info(NOBODY)
                assert TIMEOUT_S <= time.monotonic() - started < MARGIN_S
                assert str(e.value) == (f"sol: getAccountInfo failed on every RPC endpoint: {a.url}: timeout: no "
                                        "answer within 0.5 s")
            a.mode = "ok"
            assert (await _client(p).get_account_info(NOBODY)).value is None


async def test_a_transaction_goes_to_every_live_endpoint_read_and_send_only() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b, Upstream(dev.url) as relay, \
            Upstream(dev.url) as gone:
        async with verified(provider(a, b, gone, sends=(relay,))) as p:
            await gone.close_port()
            raw = _transfer(dev)
            sent = await _client(p).send_raw_transaction(raw, opts=TxOpts(skip_preflight=True))
            assert str(sent.value) == str(Transaction.from_bytes(raw).signatures[0])
            assert [u.served("sendTransaction") for u in (a, b, relay)] == [1, 1, 1]
            assert entry(p, gone)["last_error"] == "connection failed: ConnectionRefusedError"
            raw = _transfer(dev)
            await _client(p).send_raw_transaction(raw, opts=TxOpts(skip_preflight=True))
            assert [u.served("sendTransaction") for u in (a, b, relay)] == [2, 2, 2]
            assert entry(p, gone)["errors"] == {"connection": 1}  # down: not sent to again


async def test_a_refusal_by_every_endpoint_is_the_answer() -> None:
    """A transaction no endpoint takes ("Blockhash not found" in its simulation) reaches the caller as the
    endpoints' answer; none of them is marked down for it."""
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as relay:
        async with verified(provider(a, sends=(relay,))) as p:
            raw = _transfer(dev, blockhash=Hash.new_unique())
            with pytest.raises(RPCException) as e:
                await _client(p).send_raw_transaction(raw, opts=TxOpts(skip_preflight=False,
                                                                        preflight_commitment=CONFIRMED))
            assert e.value.args[0].message == "Transaction simulation failed: Blockhash not found"
            assert [entry(p, u)["up"] for u in (a, relay)] == [True, True]


async def test_one_success_among_refusals_is_the_answer() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as relay:
        async with verified(provider(a, sends=(relay,))) as p:
            a.mode, a.error = "error", {"code": -32002, "message": "Transaction simulation failed: Blockhash not found"}
            raw = _transfer(dev)
            sent = await _client(p).send_raw_transaction(raw, opts=TxOpts(skip_preflight=True))
            assert str(sent.value) == str(Transaction.from_bytes(raw).signatures[0])


async def test_the_background_probe_brings_an_endpoint_back() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        async with verified(provider(a, b, cooloff_s=(0.2, 1.0), probe_every_s=0.05)) as p:
            await a.close_port()
            await _client(p).get_account_info(NOBODY)
            assert entry(p, a)["up"] is False
            await a.open_port()
            started = time.monotonic()
            while not entry(p, a)["up"]:
                assert time.monotonic() - started < MARGIN_S
                await asyncio.sleep(0.05)
            await _client(p).get_account_info(NOBODY)
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (1, 1)


async def test_probes_refresh_slots_so_a_lag_that_starts_later_is_seen() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        dev.advance_slots(5)
        async with verified(provider(a, b, head_refresh_s=0.0, max_lag=5)) as p:
            await _client(p).get_account_info(NOBODY)
            assert a.served("getAccountInfo") == 1
            a.lag = 10
            dev.advance_slots(20)
            await p.endpoints.probe()
            assert entry(p, a)["head"] == entry(p, b)["head"] - 10
            await _client(p).get_account_info(NOBODY)
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (1, 1)


async def test_endpoints_of_different_clusters_are_refused_at_verify() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        b.genesis = "4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn"
        p = provider(a, b)
        with pytest.raises(ChainError) as e:
            await p.verify()
        await p.close()
        theirs = (await a.forward("getGenesisHash", None))["result"]
        assert str(e.value) == (f"sol: the RPC endpoints serve different clusters: {a.url} has genesis hash "
                                f"{theirs}; {b.url} has genesis hash 4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn")


async def test_an_endpoint_first_heard_from_later_is_used_only_on_the_same_cluster() -> None:
    async with devnet() as dev, Upstream(dev.url) as a, Upstream(dev.url) as b:
        await b.close_port()
        async with verified(provider(a, b)) as p:
            theirs = p.genesis
            b.genesis = "4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn"
            await b.open_port()
            await a.close_port()
            with pytest.raises(RetryLater) as e:
                await _client(p).get_account_info(NOBODY)
            assert str(e.value) == (f"sol: getAccountInfo failed on every RPC endpoint: {a.url}: connection failed: "
                                    f"ConnectionRefusedError; {b.url}: genesis hash "
                                    f"4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn, expected {theirs}")
            assert b.calls == ["getGenesisHash"]  # asked nothing else
            assert entry(p, b)["errors"] == {"connection": 1, "wrong_chain": 1}
