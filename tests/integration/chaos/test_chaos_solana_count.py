"""The chaos suite's Solana count, on the local endpoint with the aura_oracle program built from source and the
real node: a request nobody serves is lost, a second fulfilment the transmitter paid for is wasted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from solana.rpc.api import Client
from solana.rpc.commitment import Commitment
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus

from chains.solana import program as prog
from node.workshop.chaos.solana_count import SolanaCount
from node.workshop.devnet.anvil import free_port
from node.workshop.devnet.nodeproc import NodeProcess
from node.workshop.devnet.solana_ledger import with_blockhash
from node.workshop.devnet.solana_proc import SolanaEndpoint, program_so
from node.workshop.devnet.solana_setup import SolanaDevnet, new_fulfilments, send, setup_solana_node


@dataclass
class World:
    endpoint: SolanaEndpoint
    dev: SolanaDevnet
    config: Path
    root: Path
    api_port: int

    @property
    def client(self) -> Client:
        return Client(self.endpoint.url, commitment=Commitment("confirmed"))

    def request(self) -> tuple[str, int]:
        """A request made and confirmed: its address and slot."""
        program, oracle = Pubkey.from_string(self.dev.program), Pubkey.from_string(self.dev.oracle)
        requester = self.dev.keypair("requester")
        counter = self.client.get_account_info(prog.counter_pda(program, oracle, requester.pubkey())[0]).value
        ix, request = prog.next_request_ix(program, oracle, requester.pubkey(), Keypair().pubkey(), counter)
        sig = send(self.client, [requester], [ix])
        # the slot from the transaction, not the request account: a running node may fulfil the request, which
        # closes its account, before the account is read
        status = self.client.get_signature_statuses([sig], search_transaction_history=True).value[0]
        assert status is not None, f"request transaction {sig} has no status after it was confirmed"
        return str(request), int(status.slot)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    endpoint = SolanaEndpoint({str(prog.idl_address()): program_so()}, log_path=tmp_path / "endpoint.log").start()
    try:
        port = free_port()
        dev, config = setup_solana_node(tmp_path / "node", endpoint.url, api_port=port, poll_interval_s=0.2)
        yield World(endpoint, dev, config, tmp_path / "node", port)
    finally:
        endpoint.stop()


def test_a_request_nobody_serves_is_lost(world: World) -> None:
    address, slot = world.request()
    tally = SolanaCount(world.endpoint.url, world.dev).count()
    assert (tally.requests, tally.lost) == (1, [{"request_id": address, "block": slot, "status": "pending",
                                                 "expired": False}])
    assert (tally.duplicated, tally.wasted, tally.wrong, dict(tally.reverted)) == ([], [], [], {})


def test_a_second_fulfilment_the_transmitter_paid_for_is_wasted(world: World) -> None:
    counter = SolanaCount(world.endpoint.url, world.dev)
    node = NodeProcess(world.config, world.root / "node.log").start()
    try:
        node.wait_healthy(world.api_port)
        address, _ = world.request()
        deadline = time.monotonic() + 60
        while address not in counter.fulfilled_ids():
            assert time.monotonic() < deadline, f"not fulfilled in 60 s:\n{node.tail()}"
            node.check_alive()
            time.sleep(0.2)
    finally:
        node.stop()
    client = world.client
    transmitter = world.dev.keypair("transmitter")
    (first,) = new_fulfilments(client, transmitter.pubkey(), set())
    sent = client.get_transaction(Signature.from_string(first.signature), encoding="base64",
                                  max_supported_transaction_version=0).value
    original = sent.transaction.transaction
    assert isinstance(original, VersionedTransaction)
    blockhash = client.get_latest_blockhash().value.blockhash
    again = VersionedTransaction(with_blockhash(original, blockhash).message, [transmitter])
    second = client.send_raw_transaction(bytes(again), opts=TxOpts(skip_preflight=True)).value
    for _ in range(100):
        status = client.get_signature_statuses([second], search_transaction_history=True).value[0]
        if status is not None and status.confirmation_status != TransactionConfirmationStatus.Processed:
            break
        time.sleep(0.1)
    assert status is not None and status.err is not None
    tally = counter.count()
    assert tally.wasted == [str(second)]
    assert (tally.requests, tally.lost, tally.duplicated, tally.wrong, dict(tally.reverted)) == (1, [], [], [], {})
