"""Reorganisations with `anvil_reorg` (depth N: the last N blocks replaced by N new ones holding only the
transactions given) around requests a requester of the scenario's own makes, at depths below the node's
confirmations, above them, and past its finality; and random ones under load in the long run.

Mining is paused while a case is set up, so the depths are exact; the load is paused with it and reads its
nonces again afterwards (a reorg drops the transactions of the blocks it replaces). The oracle numbers requests
from one counter in mining order, so a request mined again after others vanished may come back under another
id, and the next request mined after a reorg takes the id of the first one that vanished.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes

from chains.evm.adapter import FULFILLED, REQUESTED
from node.workshop.chaos.env import CONFIRMATIONS, FINALITY_DEPTH, ChaosError
from node.workshop.chaos.load import signed_request
from node.workshop.chaos.scenario import Mark, Stage
from node.workshop.devnet.anvil import DEFAULT_KEYS

REORG_REQUESTER = DEFAULT_KEYS[3]
SEEN_S = 1.0  # the node polls every 0.2 s: long enough for it to have read a request
FULFILLED_WITHIN_S = 30.0


@dataclass(frozen=True)
class Landed:
    """A request as mined: its raw transaction, id, block and expiry."""

    raw: bytes
    request_id: str
    block: int
    expires_at: int


def _subject(stage: Stage) -> str:
    return to_checksum_address(stage.random.randbytes(20))


def send_request(stage: Stage, *, mine: bool = False, raw: bytes | None = None) -> Landed:
    """Send a request of the scenario's requester (or `raw` again) and wait until it is mined (mine it
    with `mine`, while mining is paused)."""
    w3 = stage.env.w3
    if raw is None:
        raw = signed_request(w3, REORG_REQUESTER, stage.env.devnet.oracle, _subject(stage))
    w3.eth.send_raw_transaction(raw)
    if mine:
        stage.env.mine(1)
    return landed(stage, raw)


def landed(stage: Stage, raw: bytes) -> Landed:
    """The request `raw` carries, as mined now (waiting for it to be)."""
    w3 = stage.env.w3
    tx_hash = HexBytes(keccak(raw))
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)
    for log in receipt["logs"]:
        if log["topics"] and "0x" + bytes(log["topics"][0]).hex() == REQUESTED:
            _, expires_at, _ = abi_decode(["uint96", "uint64", "bytes"], bytes(log["data"]))
            return Landed(raw, "0x" + bytes(log["topics"][1]).hex(), int(receipt["blockNumber"]), int(expires_at))
    raise ChaosError(f"request transaction 0x{tx_hash.hex()} logged no AssessmentRequested")


def fulfilment_block(stage: Stage, request_id: str) -> int:
    """The block of the request's fulfilment, once the node has made it."""
    if not stage.wait_fulfilled(request_id, FULFILLED_WITHIN_S):
        raise ChaosError(f"request {request_id} was not fulfilled within {FULFILLED_WITHIN_S:g} s before the reorg")
    logs = stage.env.w3.eth.get_logs({"address": to_checksum_address(stage.env.devnet.oracle), "fromBlock": 0,
                                      "topics": [FULFILLED, request_id]})  # type: ignore[list-item]
    return int(logs[-1]["blockNumber"])


def wait_head(stage: Stage, block: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while stage.env.head() < block:
        if time.monotonic() > deadline:
            raise ChaosError(f"the chain did not reach block {block} within {timeout:g} s")
        stage.sleep(0.1)


def mined_again(stage: Stage) -> list[Mark]:
    """A request reorged out at depth 2 (below the confirmations) and mined again in the new branch."""
    env = stage.env
    stage.sleep(2.0)
    with stage.load.paused(), env.mining_paused():
        env.mine(1)  # what the load had sent goes in first: the request is alone in its block
        first = send_request(stage, mine=True)
        stage.sleep(SEEN_S)
        env.mine(1)
        start = time.monotonic()
        env.reorg(2, [(first.raw, 1)])
        again = landed(stage, first.raw)
    if again.block == first.block:
        raise ChaosError(f"the reorg did not move request {first.request_id} (still in block {first.block})")
    return [stage.mark("reorg depth 2, request mined again", start, ids=(again.request_id,),
                       note=f"block {first.block} -> {again.block}, id {first.request_id} -> {again.request_id}, "
                            f"confirmations {CONFIRMATIONS}")]


def reused_id(stage: Stage) -> list[Mark]:
    """A request reorged out, and the same requester's next request taking its id (the oracle numbers requests
    from one counter in mining order: the next request mined after the reorg, here the same requester's, gets
    the vanished one's id)."""
    env = stage.env
    stage.sleep(2.0)
    with stage.load.paused(), env.mining_paused():
        env.mine(1)  # what the load had sent goes in first: the next request mined after the reorg is ours
        gone = send_request(stage, mine=True)
        stage.sleep(SEEN_S)
        env.mine(1)
        start = time.monotonic()
        env.reorg(2, [])
        taker = send_request(stage, mine=True)
    if taker.request_id != gone.request_id:
        raise ChaosError(f"the next request took id {taker.request_id}, not {gone.request_id}")
    return [stage.mark("reorg depth 2, id reused", start, ids=(taker.request_id,),
                       note=f"id {taker.request_id} now a new request in block {taker.block}")]


def refulfil(stage: Stage) -> list[Mark]:
    """A request and its fulfilment reorged out together (deeper than the confirmations), the request mined
    again a little later with a new expiresAt."""
    env = stage.env
    stage.sleep(2.0)
    first = send_request(stage)
    fulfilled_in = fulfilment_block(stage, first.request_id)
    with stage.load.paused(), env.mining_paused():
        depth = env.head() - first.block + 1
        start = time.monotonic()
        env.reorg(depth, [])
    stage.sleep(1.5)
    again = send_request(stage, raw=first.raw)
    if again.expires_at == first.expires_at:
        raise ChaosError(f"request {first.request_id} came back with the same expiresAt {first.expires_at}")
    return [stage.mark("reorg of request and fulfilment, request mined again", start, ids=(again.request_id,),
                       note=f"depth {depth} (request {first.block}, fulfilment {fulfilled_in}); id "
                            f"{first.request_id} -> {again.request_id}, expiresAt {first.expires_at} -> "
                            f"{again.expires_at}")]


def past_finality(stage: Stage) -> list[Mark]:
    """A fulfilment reorged out deeper than the finality depth (the request stays)."""
    env = stage.env
    stage.sleep(2.0)
    request = send_request(stage)
    fulfilled_in = fulfilment_block(stage, request.request_id)
    wait_head(stage, fulfilled_in + FINALITY_DEPTH + 2)
    with stage.load.paused(), env.mining_paused():
        depth = env.head() - fulfilled_in + 1
        start = time.monotonic()
        env.reorg(depth, [])
    return [stage.mark("reorg of a final fulfilment", start, ids=(request.request_id,),
                       note=f"depth {depth} > finality {FINALITY_DEPTH} (request {request.block}, "
                            f"fulfilment {fulfilled_in})")]


def random_reorgs(stage: Stage) -> list[Mark]:
    """Reorgs at random moments under load, 6 to 12 s apart: one in four deeper than the finality depth (up to
    twice it), the others within it."""
    env = stage.env
    marks = []
    for _ in range(stage.options.pick(3, 20)):
        stage.sleep(stage.random.uniform(6.0, 12.0))
        deep = stage.random.random() < 0.25
        depth = stage.random.randint(FINALITY_DEPTH + 1, 2 * FINALITY_DEPTH) if deep else \
            stage.random.randint(1, FINALITY_DEPTH)
        with stage.load.paused(), env.mining_paused():
            start = time.monotonic()
            env.reorg(depth, [])
        marks.append(stage.mark(f"reorg depth {depth}", start))
        stage.say(f"reorg depth {depth}")
    return marks


