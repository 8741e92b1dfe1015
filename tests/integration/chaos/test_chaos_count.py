"""The chaos suite's count from the chain, on a real anvil with the real contracts and node: what it calls lost,
wasted and wrong, each made to happen for real."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from web3 import Web3

from chains.evm.adapter import BATCH_SELECTOR, BATCH_TYPES, FULFIL_TYPES, FULFILLED
from chains.evm.keystore import load_keystore
from node.workshop.chaos.count import ChainCount, verify_sample
from node.workshop.chaos.load import signed_request
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil, free_port
from node.workshop.devnet.deploy import Devnet, send, setup_devnet
from node.workshop.devnet.nodeproc import NodeProcess

REQUESTER = DEFAULT_KEYS[5]
SUBJECT = "0x00000000000000000000000000000000000000a1"


@dataclasses.dataclass
class World:
    anvil: Anvil
    dev: Devnet
    root: Path
    api_port: int

    @property
    def w3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.anvil.url))

    def counter(self) -> ChainCount:
        return ChainCount(self.anvil.url, self.dev.oracle, self.dev.transmitter, self.dev.deploy_block)

    def request(self) -> tuple[str, int]:
        """A request mined: its id and block."""
        receipt = self.w3.eth.wait_for_transaction_receipt(
            self.w3.eth.send_raw_transaction(signed_request(self.w3, REQUESTER, self.dev.oracle, SUBJECT)))
        return "0x" + bytes(receipt["logs"][0]["topics"][1]).hex(), int(receipt["blockNumber"])


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with Anvil(log_path=tmp_path / "anvil.log") as anvil:
        port = free_port()
        dev = setup_devnet(tmp_path / "devnet", anvil.url, api_port=port, poll_interval_s=0.2, kdf_light=True)
        yield World(anvil, dev, tmp_path / "devnet", port)


def fulfilled_by_the_node(world: World) -> tuple[str, str]:
    """A request the node fulfilled, and the fulfilment's transaction."""
    node = NodeProcess(Path(world.dev.config_path), world.root / "node.log").start()
    try:
        node.wait_healthy(world.api_port)
        rid, _ = world.request()
        deadline = time.monotonic() + 60
        while rid not in world.counter().fulfilled_ids():
            assert time.monotonic() < deadline, f"not fulfilled in 60 s:\n{node.tail()}"
            node.check_alive()
            time.sleep(0.2)
    finally:
        node.stop()
    fulfilment = world.w3.eth.get_logs({"address": world.dev.oracle, "fromBlock": 0,
                                        "topics": [FULFILLED, rid]})  # type: ignore[list-item]
    return rid, "0x" + bytes(fulfilment[-1]["transactionHash"]).hex()


def test_a_request_nobody_serves_is_lost(world: World) -> None:
    rid, block = world.request()
    tally = world.counter().count()
    assert (tally.requests, tally.lost) == (1, [{"request_id": rid, "block": block, "status": "pending",
                                                 "expired": False}])
    assert (tally.duplicated, tally.wasted, tally.wrong) == ([], [], [])


def test_second_fulfilments_the_transmitter_paid_for_are_wasted(world: World) -> None:
    rid, tx_hash = fulfilled_by_the_node(world)
    calldata = bytes(world.w3.eth.get_transaction(tx_hash)["input"])  # type: ignore[arg-type]
    request, assessment, signature = abi_decode(FULFIL_TYPES, calldata[4:])
    batch = BATCH_SELECTOR + abi_encode(BATCH_TYPES, [[request], [assessment], [signature]])
    transmitter = load_keystore(world.root / "keys" / "transmitter.json", world.root / "secrets" / "transmitter.pass")
    again = [send(world.w3, transmitter.key.hex(), {"to": world.dev.oracle, "data": batch, "gas": 400_000})]
    with pytest.raises(Exception, match="reverted"):
        send(world.w3, transmitter.key.hex(), {"to": world.dev.oracle, "data": calldata, "gas": 400_000})
    reverted = world.w3.eth.get_block("latest", full_transactions=True)["transactions"][0]
    tally = world.counter().count()
    assert tally.wasted == ["0x" + bytes(again[0]["transactionHash"]).hex(),
                            "0x" + bytes(reverted["hash"]).hex()]  # type: ignore[index]
    assert (tally.requests, tally.lost, tally.duplicated, tally.wrong) == (1, [], [], [])
    assert (dict(tally.reverted), dict(tally.skipped)) == ({}, {})


def test_a_fulfilment_pinned_to_another_block_is_wrong(world: World) -> None:
    rid, tx_hash = fulfilled_by_the_node(world)
    counter = world.counter()
    canonical = next(r for r in counter.requested(world.w3.eth.block_number) if r.request_id == rid)
    assert counter.mismatch(canonical, rid, tx_hash) == ""
    moved = dataclasses.replace(canonical, block_number=canonical.block_number + 1)
    signed = (canonical.requester, canonical.subject, canonical.fee, canonical.expires_at, canonical.block_number)
    assert counter.mismatch(moved, rid, tx_hash) == (
        f"signed request {signed} is not the canonical {signed[:4] + (canonical.block_number + 1,)}")
    other_hash = dataclasses.replace(canonical, block_hash="0x" + "11" * 32)
    assert counter.mismatch(other_hash, rid, tx_hash) == (
        f"pinned block {canonical.block_number} {canonical.block_hash} is not the request's "
        f"{canonical.block_number} 0x{'11' * 32}")
    assert counter.mismatch(None, rid, tx_hash) == "no canonical AssessmentRequested for this id"


def test_fulfilments_recompute_unless_the_enclave_code_changed(world: World) -> None:
    rid, _ = fulfilled_by_the_node(world)
    counter = world.counter()
    tally = counter.count()
    config = Path(world.dev.config_path)
    verify_sample(config, world.anvil.url, world.dev.measurement, [rid], -1, 0, tally)
    assert (tally.verified, tally.wrong, tally.verify_errors) == (1, [], [])
    other = "0x" + "22" * 32
    verify_sample(config, world.anvil.url, other, [rid], -1, 0, tally)
    assert tally.verify_errors[0].startswith(f"the enclave's code changed during the run (measurement {other} -> ")
    assert tally.verified == 1
