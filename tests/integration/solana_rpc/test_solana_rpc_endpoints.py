"""The Solana adapter over several endpoints: loopback endpoints (tests/unit/solana_chain/solana_upstream.py) in
front of the local Solana endpoint (its own process, with the aura_oracle program and an oracle account). Connect
checks every endpoint's cluster, health shows each endpoint, reads fail over when one black-holes mid-run, a
fulfilment goes to every live endpoint (send-only ones too), and no session outlives close()."""

from __future__ import annotations

import asyncio
import base64
import gc
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from chains.base import Confidence, Submission, TxState
from chains.core.errors import ChainError, RetryLater
from chains.core.secp256k1 import keccak256
from chains.solana import program as prog
from chains.solana.adapter import SolanaAdapter
from chains.solana.config import SolanaChain
from node.enclave.keys import EnclaveKey
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import CLUSTER_ID, SolanaDevnet, setup_solana
from tests.unit.solana_chain.solana_upstream import MARGIN_S, TIMEOUT_S, Upstream, closed_port

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"),
              pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")]

ENCLAVE = EnclaveKey(keccak256(b"aura solana endpoints enclave"))
MEASUREMENT = keccak256(b"aura solana endpoints measurement")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SolanaEndpoint]:
    log = tmp_path_factory.mktemp("solana-endpoint") / "endpoint.log"
    node = SolanaEndpoint({str(prog.idl_address()): program_so()}, slot_ms=50, log_path=log).start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
def oracle(endpoint: SolanaEndpoint, tmp_path_factory: pytest.TempPathFactory) -> SolanaDevnet:
    document = {"public_key": "0x" + ENCLAVE.public_key.hex(), "measurement": "0x" + MEASUREMENT.hex()}
    with warnings.catch_warnings():  # setup_solana leaves its HTTP client to the collector: not what is checked here
        warnings.simplefilter("ignore", ResourceWarning)
        dev = setup_solana(tmp_path_factory.mktemp("oracle"), endpoint.url, document)
        gc.collect()
    return dev


def _adapter(dev: SolanaDevnet, rpc_url: str, *more: str, sends: tuple[str, ...] = ()) -> SolanaAdapter:
    cfg = SolanaChain.model_validate({
        "family": "solana", "name": "solana-x", "chain_id": CLUSTER_ID, "rpc_url": rpc_url, "rpc_urls": list(more),
        "send_urls": list(sends), "program_id": dev.program, "oracle": dev.oracle, "rpc_timeout_s": TIMEOUT_S,
        "transmitter_keypair": str(Path(dev.keys_dir) / "solana-transmitter.json")})
    return SolanaAdapter(cfg, dev.keypair("transmitter"))


def _without_latency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in ("latency_ms", "head")} for row in rows]


async def test_connect_over_a_dead_and_a_live_endpoint_health_and_close(endpoint: SolanaEndpoint,
                                                                        oracle: SolanaDevnet) -> None:
    dead = closed_port()
    async with Upstream(endpoint.url) as live:
        adapter = _adapter(oracle, dead, live.url)
        assert adapter.health()["rpc"] == []
        await adapter.connect()
        try:
            rpc = adapter.health()["rpc"]
            assert _without_latency(rpc) == [
                {"endpoint": dead, "role": "read", "up": False, "last_error": "connection failed: "
                 "ConnectionRefusedError", "errors": {"connection": 1}},
                {"endpoint": live.url, "role": "read", "up": True, "last_error": "", "errors": {}},
            ]
            assert (rpc[0]["head"], rpc[0]["latency_ms"]) == (None, None)
            assert isinstance(rpc[1]["head"], int) and isinstance(rpc[1]["latency_ms"], float)
            head = await adapter.head(Confidence.SAFE)
            assert head.number >= rpc[1]["head"]
        finally:
            await adapter.close()
        await adapter.connect()  # again after close: the same endpoints, their counts kept
        await adapter.close()
        assert adapter.health()["rpc"][0]["errors"] == {"connection": 2}


async def test_no_endpoint_at_connect_is_retried_later_naming_each(oracle: SolanaDevnet) -> None:
    dead = [closed_port(), closed_port()]
    adapter = _adapter(oracle, *dead)
    with pytest.raises(RetryLater) as e:
        await adapter.connect()
    assert str(e.value) == (f"solana-x: RPC unreachable: {dead[0]}: connection failed: ConnectionRefusedError; "
                            f"{dead[1]}: connection failed: ConnectionRefusedError")
    await adapter.close()


async def test_connect_refuses_endpoints_of_another_cluster(endpoint: SolanaEndpoint, oracle: SolanaDevnet) -> None:
    async with Upstream(endpoint.url) as a, Upstream(endpoint.url) as b:
        b.genesis = "4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn"
        adapter = _adapter(oracle, a.url, b.url)
        with pytest.raises(ChainError) as e:
            await adapter.connect()
        ours = endpoint.call("getGenesisHash")
        assert str(e.value) == (f"solana-x: the RPC endpoints serve different clusters: {a.url} has genesis hash "
                                f"{ours}; {b.url} has genesis hash 4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn")
        assert "getAccountInfo" not in a.calls + b.calls  # refused before the program is even read
        await adapter.close()


async def test_reads_fail_over_when_an_endpoint_black_holes_mid_run(endpoint: SolanaEndpoint,
                                                                    oracle: SolanaDevnet) -> None:
    async with Upstream(endpoint.url) as a, Upstream(endpoint.url) as b:
        b.lag = 3  # a has the highest slot: reads go to it first
        adapter = _adapter(oracle, a.url, b.url)
        await adapter.connect()
        try:
            first = await adapter.head(Confidence.SAFE)
            assert (a.served("getAccountInfo"), b.served("getAccountInfo")) == (3, 0)  # program, oracle, clock
            a.mode = "blackhole"
            started = time.monotonic()
            head = await adapter.head(Confidence.SAFE)
            assert TIMEOUT_S <= time.monotonic() - started < TIMEOUT_S + MARGIN_S
            started = time.monotonic()
            batch = await adapter.poll_requests(str(first.number), head)
            assert time.monotonic() - started < TIMEOUT_S  # a is cooling off: not waited for again
            assert batch.items == []
            rows = {row["endpoint"]: row for row in adapter.health()["rpc"]}
            assert (rows[a.url]["up"], rows[a.url]["last_error"]) == (False, "timeout: no answer within 0.5 s")
            assert rows[b.url]["up"] is True
            assert (a.served("getProgramAccounts"), b.served("getProgramAccounts")) == (0, 1)
        finally:
            await adapter.close()


async def test_a_fulfilment_goes_to_every_live_endpoint_send_only_ones_too(endpoint: SolanaEndpoint,
                                                                           oracle: SolanaDevnet) -> None:
    async with Upstream(endpoint.url) as a, Upstream(endpoint.url) as b, Upstream(endpoint.url) as relay:
        adapter = _adapter(oracle, a.url, b.url, sends=(relay.url,))
        await adapter.connect()
        try:
            payer = oracle.keypair("transmitter")
            blockhash = (await adapter.client.get_latest_blockhash()).value.blockhash
            ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=10**6))
            tx = Transaction([payer], Message.new_with_blockhash([ix], payer.pubkey(), blockhash), blockhash)
            submission = Submission(chain="solana-x", tx_hash=str(tx.signatures[0]), sequence=0,
                                    raw=base64.b64encode(bytes(tx)).decode(), request_keys=("solana-x:nothing",))
            await adapter.broadcast(submission)
            assert [u.served("sendTransaction") for u in (a, b, relay)] == [1, 1, 1]
            deadline = time.monotonic() + 10
            while (await adapter.status(submission)).state not in (TxState.INCLUDED, TxState.FINAL):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
        finally:
            await adapter.close()
