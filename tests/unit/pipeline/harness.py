"""What the pipeline tests drive: one node (a real Store on a file, a ChainService over the fake family, a stub
assessor signing with a real key) on an in-memory ledger, and the clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from chains.core import offchain
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.features import features_hash
from chains.core.secp256k1 import keccak256
from chains.registry import FAMILIES
from node import failpoints
from node.enclave.client import EnclaveRemoteError
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams, parse_request
from node.pipeline import ChainService
from node.quorum.collector import Quorum
from node.store import OPEN_STATES, Store
from tests.adapter_suite.signing import assessment_wire
from tests.fakechain.adapter import FakeAdapter
from tests.fakechain.config import FakeChain
from tests.fakechain.ledger import FakeLedger, Fulfilment

CHAIN = "fake"
MEASUREMENT = keccak256(b"aura pipeline stub measurement")
ENCLAVE = EnclaveKey(keccak256(b"aura pipeline stub enclave"))


class Clock:
    """The node's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class StubAssessor:
    """A stub of the enclave: no scoring, the same facts for every request (in the private form, as the enclave signs
    them, when the host asks for a private assessment), signed through the fake family's registered codec with a
    real key (tests/adapter_suite/signing.py)."""

    def __init__(self, key: EnclaveKey = ENCLAVE) -> None:
        self.key = key
        self.assessed: list[str] = []
        self.private: list[str] = []
        self.extras: list[dict[str, Any]] = []
        self.score, self.tier = 700, 2

    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        self.assessed.append(request["request_id"])
        self.extras.append(dict(extra or {}))
        facts = replace(self.facts(request, features), score=self.score, tier=self.tier)
        if (extra or {}).get("update"):  # as the enclave does: the update's id must be its own derivation
            family, bound = parse_request(request)
            try:
                FAMILIES[family].codec.check_update(bound, facts.timestamp)
            except InvalidParams as e:
                raise EnclaveRemoteError("invalid_params", str(e)) from None
        if (extra or {}).get("private"):
            facts = replace(facts, score=0, tier=PRIVATE_TIER, pd_bps=0)
            self.private.append(request["request_id"])
        if (extra or {}).get("offchain"):
            family, bound = parse_request(request)
            envelope = offchain.sign(family, bound.chain_id, bound.subject, facts, self.key)
            explained = {"dimensions": {"activity": 60, "maturity": 70, "diversity": 50, "risk": 80, "intent": 50},
                         "reasons": {"risks": [], "strengths": []}, "terms": None}
            return {**assessment_wire(request, facts, self.key), **envelope, **explained, "offchain": True}
        return assessment_wire(request, facts, self.key)

    @staticmethod
    def facts(request: dict[str, Any], features: dict[str, Any]) -> AssessmentFacts:
        now = features["as_of_timestamp"]
        return AssessmentFacts(score=700, tier=2, pd_bps=300, flags=0, measurement=MEASUREMENT,
                               commitment=keccak256(request["request_id"].encode()),
                               block_number=features["as_of_block"],
                               block_hash=bytes.fromhex(features["as_of_block_hash"][2:]),
                               features_hash=features_hash(features), timestamp=now, expiry=now + 3600)


class Killed(BaseException):
    """The process died at a failpoint (a BaseException, so that nothing on the way handles it)."""


def crash_once_at(monkeypatch: pytest.MonkeyPatch, point: str | None) -> list[str]:
    """The first `failpoints.hit(point)` kills the pass (Killed); the list returned holds the name once it did."""
    hits: list[str] = []

    def hit(name: str) -> None:
        if name == point and not hits:
            hits.append(name)
            raise Killed(name)

    monkeypatch.setattr(failpoints, "hit", hit)
    return hits


@dataclass
class Node:
    """One node process's worth of state: the store file it opens and the service it runs, on `ledger`."""

    ledger: FakeLedger
    path: Path
    clock: Clock
    settings: dict[str, Any] = field(default_factory=dict)
    store: Store = field(init=False)
    service: ChainService = field(init=False)
    assessor: StubAssessor = field(init=False)

    def __post_init__(self) -> None:
        self._open()

    def _open(self) -> None:
        self.store = Store(self.path, clock=self.clock)
        cfg = self.ledger.config(CHAIN, **self.settings)
        adapter = self._adapter(cfg)
        self.assessor = self._assessor()
        self.service = ChainService(
            adapter, self.store, self.assessor, poll_interval_s=cfg.poll_interval_s, batch_size=cfg.batch_size,
            resubmit_after_s=cfg.resubmit_after_s, bump_after_s=cfg.bump_after_s, bump_pct=cfg.bump_pct,
            quorum=self._quorum(), clock=self.clock)

    def _adapter(self, cfg: FakeChain) -> FakeAdapter:
        return FakeAdapter(cfg, sequence_floor=lambda: self.store.max_sequence(CHAIN))

    def _assessor(self) -> StubAssessor:
        return StubAssessor()

    def _quorum(self) -> Quorum | None:
        return None

    async def start(self) -> None:
        """What `ChainService.run` does before its first pass."""
        await self.service.adapter.connect()
        await self.service.recover()

    async def restart(self) -> None:
        """A new process on the same store file and chain."""
        await self.service.adapter.close()
        self.store.close()
        self._open()
        await self.start()

    async def tick(self) -> None:
        await self.service.tick()

    async def settle(self, passes: int = 12) -> None:
        """Passes, a block and a few seconds apart, until no request is open."""
        for _ in range(passes):
            await self.tick()
            if not self.store.requests_in(CHAIN, *OPEN_STATES):
                return
            self.ledger.mine()
            self.clock.advance(5)
        raise AssertionError(f"requests still open after {passes} passes: {self.states()}")

    async def settle_through_a_crash(self) -> None:
        """`settle`; a pass a failpoint killed (`crash_once_at`) is followed by a restart, as a supervisor does."""
        try:
            await self.settle()
        except Killed:
            await self.restart()
            await self.settle()

    def state(self, request_id: str) -> tuple[str, str]:
        row = self.store.request(f"{CHAIN}:{request_id}")
        assert row is not None, f"no request {request_id}"
        return row["state"], row["reason"]

    def states(self) -> dict[str, tuple[str, str]]:
        return {r["key"]: (r["state"], r["reason"]) for r in self.store.all_requests(1000)}

    def path_of(self, request_id: str) -> list[str]:
        return [t["dst"] for t in self.store.history(f"{CHAIN}:{request_id}")]

    def submissions(self) -> list[tuple[int, str, str]]:
        """(sequence, state, tx hash) of every stored fulfilment, in the order they were made."""
        return [(r["sequence"], r["state"], r["tx_hash"]) for r in
                self.store.db.query("SELECT sequence, state, tx_hash FROM submissions ORDER BY rowid")]


def sender_nonce(node: Node, tx_hash: str) -> tuple[str, int]:
    row = node.store.submission_row(tx_hash)
    assert row is not None
    tx = Fulfilment.decode(row["raw"])
    return tx.sender, tx.nonce
