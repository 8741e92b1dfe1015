"""Several operators of one quorum on one in-memory ledger: each a node of harness.py with its own enclave key,
store, transmitter and API (the node's real API server on a loopback port, serving its signed assessments to
the others), and a Quorum (node/quorum/collector.py) that fetches from the others over HTTP with the real
client. An operator can be stopped (its API gone, as a killed node's is), started again, or made to lie: its host
hands its enclave invented features."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chains.core.secp256k1 import keccak256
from node.api import ApiServer
from node.config import PeerSection
from node.enclave.keys import EnclaveKey
from node.quorum.agreement import Disagreements
from node.quorum.collector import Quorum
from node.quorum.leader import operator_order
from node.quorum.peer_api import store_answers
from node.quorum.peer_client import PeerClient
from node.quorum.update_intake import UpdateIntake
from node.scoring.flags import Flag
from tests.adapter_suite.signing import assessment_wire
from tests.fakechain.adapter import FakeAdapter
from tests.fakechain.config import FakeChain
from tests.fakechain.ledger import FakeLedger
from tests.unit.pipeline.harness import CHAIN, Node, StubAssessor


class LyingAdapter(FakeAdapter):
    """A compromised host: it reports a subject's transaction count ten times over."""

    async def read_features(self, subject: str, at: Any) -> dict[str, Any]:
        features = await super().read_features(subject, at)
        return {**features, "tx_count": features["tx_count"] * 10}


class MachineBoundReader(StubAssessor):
    """An enclave whose questionnaire reader answers differently on each machine: with a questionnaire its score
    moves by the operator's index (and the questionnaire flag is set), so no two operators sign the same payload."""

    def __init__(self, key: EnclaveKey, index: int) -> None:
        super().__init__(key)
        self.index = index
        self.read: list[bool] = []

    async def assess(self, request: dict[str, Any], features: dict[str, Any],
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        with_questionnaire = bool(extra and "questionnaire" in extra)
        self.read.append(with_questionnaire)
        if not with_questionnaire:
            return await super().assess(request, features, extra)
        facts = replace(self.facts(request, features), score=700 + self.index, flags=int(Flag.QUESTIONNAIRE))
        return assessment_wire(request, facts, self.key)


PEER_DEADLINE_S = 5.0
"""How long a leader waits for a peer here. A peer that is down refuses at once, so no test waits it out; the
operators share one event loop, so under load an answer can take longer than a production deadline's share."""


def operator_key(index: int) -> EnclaveKey:
    return EnclaveKey(keccak256(b"aura pipeline quorum operator " + bytes([index])))


@dataclass
class Operator(Node):
    """One operator's node. `peers` are filled in once every operator's API listens (`Quorum.link`)."""

    index: int = 0
    threshold: int = 2
    takeover_after_s: float = 3600.0
    lying: bool = False
    reader_differs: bool = False
    peers: list[PeerSection] = field(default_factory=list)
    disagreements: Disagreements = field(default_factory=Disagreements)
    api: ApiServer | None = None
    intake: UpdateIntake | None = None
    port: int = 0
    client: PeerClient = field(default_factory=lambda: PeerClient(deadline_s=PEER_DEADLINE_S))

    @property
    def key(self) -> EnclaveKey:
        return operator_key(self.index)

    @property
    def name(self) -> str:
        return f"op{self.index}"

    def _adapter(self, cfg: FakeChain) -> FakeAdapter:
        cls = LyingAdapter if self.lying else FakeAdapter
        return cls(cfg, sequence_floor=lambda: self.store.max_sequence(cfg.name))

    def _assessor(self) -> StubAssessor:
        return MachineBoundReader(self.key, self.index) if self.reader_differs else StubAssessor(self.key)

    def _quorum(self) -> Quorum | None:
        return Quorum("fake", self.key.address, self.peers, threshold=self.threshold,
                      takeover_after_s=self.takeover_after_s, client=self.client, disagreements=self.disagreements,
                      clock=self.clock)

    async def serve(self) -> None:
        """Its API listens (on the port it had before, once it had one), taking its peers' operator updates."""
        self.intake = UpdateIntake([p.signer for p in self.peers], self.store.add_updates, [CHAIN])
        self.intake.adapters[CHAIN] = self.service.adapter
        self.api = ApiServer("127.0.0.1", self.port, lambda: {"ok": True}, peer_answers=store_answers(self.store),
                             peer_updates=self.intake)
        await self.api.start()
        self.port = self.api.port

    async def down(self) -> None:
        """The node is killed: its API no longer answers (its store stays on disk)."""
        if self.api is not None:
            await self.api.stop()
            self.api = None

    async def up(self) -> None:
        """A new process on the same store: recovery, then its API again."""
        await self.restart()
        await self.serve()

    async def close(self) -> None:
        await self.down()
        await self.client.close()
        self.store.close()


def link(operators: list[Operator]) -> None:
    """Every operator knows the others as peers (URL and signer), and its service's quorum is rebuilt with them."""
    for op in operators:
        op.peers[:] = [PeerSection.model_validate({"url": f"http://127.0.0.1:{other.port}",
                                                   "signer": other.key.address, "name": other.name})
                       for other in operators if other is not op]
        op.service.quorum = op._quorum()
        if op.intake is not None:
            op.intake.peer_signers = frozenset(p.signer.lower() for p in op.peers)


def in_order(operators: list[Operator], request_id: str) -> list[Operator]:
    """The operators in the request's order (node/quorum/leader.py): the first leads."""
    order = operator_order(request_id.encode(), [op.key.address for op in operators])
    return sorted(operators, key=lambda op: order.index(op.key.address))


async def rounds(ops: list[Operator], ledger: FakeLedger, count: int = 6) -> None:
    """Passes of every running operator, a block apart."""
    for _ in range(count):
        for op in ops:
            await op.tick()
        ledger.mine()
        ops[0].clock.advance(5)
