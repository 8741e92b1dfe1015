"""The suite over the fake family (tests/fakechain), registered for the test as a fourth family would be, in
two shapes: batches of three with fee replacement, and single fulfilments without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from chains.base import OracleRequest, Submission
from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import keccak256
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from tests.fakechain import FAMILY
from tests.fakechain.ledger import FakeLedger, Fulfilment, served

from .driver import Driver
from .suite import ChainAdapterSuite

SHAPES = {"batch3-replacing": {"batch_size": 3, "replaces_fees": True},
          "single": {"batch_size": 1, "replaces_fees": False}}
MEASUREMENT = keccak256(b"aura fake suite measurement")


class FakeDriver(Driver):
    finality = 2
    enclave = EnclaveKey(keccak256(b"aura fake suite enclave"))
    already_fulfilled = "fake: fulfilment would revert: AlreadyFulfilled"

    def __init__(self, ledger: FakeLedger, shape: dict[str, Any], data_dir: Path) -> None:
        self.ledger = ledger
        self.shape = shape
        ledger.register(self.enclave.address)
        super().__init__(ledger.config(**shape), data_dir)

    reorganises = True

    async def reorg(self, depth: int, keep: bool = True) -> None:
        self.ledger.reorg(depth, lose_requests=not keep, lose_transactions=not keep)
        self.ledger.mine(depth)

    async def make_request(self) -> str:
        request_id = self.ledger.request()
        self.ledger.mine()
        return request_id

    async def advance(self, heights: int = 1) -> None:
        self.ledger.mine(heights)

    async def pause(self) -> None:
        self.ledger.automine = False

    async def facts(self, request: OracleRequest) -> AssessmentFacts:
        at = await self.adapter.pinned(request)
        return AssessmentFacts(score=640, tier=2, pd_bps=420, flags=0, measurement=MEASUREMENT,
                               commitment=keccak256(request.request_id.encode()), block_number=at.number,
                               block_hash=bytes.fromhex(at.hash[2:]), features_hash=keccak256(b"fake suite features"),
                               timestamp=at.timestamp, expiry=at.timestamp + 600)

    async def fulfil_elsewhere(self, request: OracleRequest) -> None:
        self.ledger.settle_elsewhere(request.request_id)
        self.ledger.mine()

    async def cancel(self, request: OracleRequest) -> None:
        self.ledger.cancel(request.request_id)
        self.ledger.mine()

    async def kill(self, submission: Submission) -> None:
        tx = Fulfilment.decode(submission.raw)
        self.ledger.burn_nonce(tx.sender, tx.nonce)
        self.ledger.mine()

    def absent(self, like: OracleRequest) -> OracleRequest:
        return replace(like, request_id="0x" + keccak256(b"nobody asked").hex())

    def too_many(self, count: int) -> str:
        return f"{count} fulfilments in one transaction; batch_size is {self.shape['batch_size']}"


class TestFakeAdapter(ChainAdapterSuite):
    @pytest_asyncio.fixture(loop_scope="function", params=list(SHAPES), ids=list(SHAPES))
    async def driver(self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                     tmp_path: Path) -> AsyncIterator[Driver]:
        monkeypatch.setitem(FAMILIES, "fake", FAMILY)
        with served(FakeLedger(automine=True)) as ledger:
            async with FakeDriver(ledger, SHAPES[request.param], tmp_path).connected() as driver:
                yield driver
