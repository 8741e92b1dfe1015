"""The suite over the fake family (tests/fakechain), registered for the test as a fourth family would be, in
two shapes: batches of three with fee replacement, and single fulfilments without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from chains.base import ChainAdapter, OracleRequest, Submission
from chains.core.assessment import AssessmentFacts
from chains.core.errors import RetryLater, WaitFor
from chains.core.secp256k1 import keccak256
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey
from tests.fakechain import FAMILY
from tests.fakechain.ledger import FakeLedger, Fulfilment, served

from .driver import Driver
from .suite import OTHER_MEASUREMENT, ChainAdapterSuite

SHAPES = {"batch3-replacing": {"batch_size": 3, "replaces_fees": True},
          "single": {"batch_size": 1, "replaces_fees": False}}
MEASUREMENT = keccak256(b"aura fake suite measurement")
TRANSMITTER_BALANCE = 3 * 10**17 + 7


class FakeDriver(Driver):
    finality = 2
    enclave = EnclaveKey(keccak256(b"aura fake suite enclave"))
    measurement = MEASUREMENT
    already_fulfilled = "fake: fulfilment would revert: AlreadyFulfilled"
    updates = True
    update_mismatch = "fake: fulfilment would revert: RequestMismatch"
    privacy_mismatch = "fake: fulfilment would revert: PrivacyMismatch"

    def __init__(self, ledger: FakeLedger, shape: dict[str, Any], data_dir: Path) -> None:
        self.ledger = ledger
        self.shape = shape
        ledger.register(self.enclave.address, "0x" + MEASUREMENT.hex())
        self.transmitter = ledger.config().transmitter
        ledger.fund(self.transmitter, TRANSMITTER_BALANCE)
        super().__init__(ledger.config(**shape), data_dir)

    reorganises = True
    lends = True

    async def lending(self) -> tuple[ChainAdapter, tuple[str, str]]:
        return self.adapter, ("0x" + "b1" * 32, "0x" + "b2" * 32)

    async def lend(self, wallet: str, kind: str) -> None:
        self.ledger.lend(wallet, kind)
        self.ledger.mine()

    async def reorg(self, depth: int, keep: bool = True) -> None:
        self.ledger.reorg(depth, lose_requests=not keep, lose_transactions=not keep)
        self.ledger.mine(depth)

    async def make_request(self, private: bool = False) -> str:
        request_id = self.ledger.request(private=private)
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

    async def revoke(self, signer: str) -> None:
        self.ledger.revoke(signer)

    async def add_signer(self, key: EnclaveKey) -> None:
        self.ledger.register(key.address, "0x" + MEASUREMENT.hex())

    async def set_threshold(self, threshold: int) -> None:
        self.ledger.threshold = threshold

    def quorum_not_met(self, got: int, needed: int) -> str:
        return f"fake: fulfilment would revert: QuorumNotMet({got}, {needed})"

    def revoked_cosigner(self, signer: str) -> str:
        return f"fake: fulfilment would revert: RevokedSigner({signer})"

    def too_many_signatures(self, count: int) -> str:
        return f"{count} signatures on one assessment; the contract takes at most 15"

    async def transmitter_balance(self) -> int:
        return self.ledger.balance(self.transmitter)

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

    async def test_signer_status_and_balance_wait_while_the_rpc_is_down(self, driver: Driver) -> None:
        """Fake only: the reads go through the ledger's RPC like every other; down, they are RetryLater."""
        assert isinstance(driver, FakeDriver)
        driver.ledger.down = True
        with pytest.raises(RetryLater) as signer:
            await driver.adapter.signer_status(driver.enclave.address, "0x" + MEASUREMENT.hex())
        with pytest.raises(RetryLater) as balance:
            await driver.adapter.transmitter_balance()
        assert (str(signer.value), str(balance.value)) == ("fake: RPC unreachable", "fake: RPC unreachable")

    async def test_a_fulfilment_by_a_revoked_signer_or_of_another_measurement_waits(self, driver: Driver) -> None:
        """Fake only: the ledger refuses what the contracts refuse, and the adapter makes the request wait."""
        assert isinstance(driver, FakeDriver)
        request = await driver.requested()
        signed = await driver.sign(request)
        driver.ledger.register(driver.enclave.address, OTHER_MEASUREMENT)
        with pytest.raises(WaitFor) as other:
            await driver.adapter.prepare([(request, signed)])
        driver.ledger.register(driver.enclave.address, "0x" + MEASUREMENT.hex())
        await driver.revoke(driver.enclave.address)
        with pytest.raises(WaitFor) as revoked:
            await driver.adapter.prepare([(request, signed)])
        assert (other.value.cause, str(other.value)) == ("signer", "fake: fulfilment would revert: MeasurementMismatch")
        assert (revoked.value.cause, str(revoked.value)) == ("signer", "fake: fulfilment would revert: RevokedSigner")
