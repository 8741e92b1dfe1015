"""What the suite asks of a family's test chain. The suite reaches a chain only through a driver and the
ChainAdapter interface; each family's test module implements the driver for its chain (a local node, a replay
of recordings, an in-memory ledger)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path

from chains.base import (
    UPDATE_WINDOW_S,
    ChainAdapter,
    Confidence,
    Height,
    OracleRequest,
    SignedAssessment,
    Submission,
)
from chains.config import ChainConfig
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.family import BuildContext
from chains.registry import FAMILIES
from node.enclave.keys import EnclaveKey

from .signing import signed_assessment


class Driver(ABC):
    """A family's chain under test; `adapter` is built from `cfg` by the family's registered builder, and
    `enclave` is a key the chain's contract accepts, registered with `measurement`.

    `finality`: heights from the one that includes a transaction until it is final.
    `already_fulfilled`: the exact ChainError message of `prepare` for a request someone else fulfilled.
    `privacy_mismatch`: the exact ChainError message of `prepare` for a payload signed public for a private request
    or private for a public one (docs/protocol.md, "Private assessments").
    """

    enclave: EnclaveKey
    measurement: bytes
    finality: int
    already_fulfilled: str
    privacy_mismatch: str
    reorganises: bool = False
    """Whether the test chain can take back its latest heights (`reorg`); chains that cannot skip those tests."""
    lends: bool = False
    """Whether the family reads lending events (`credit_events`); one that does not raises NotSupported."""
    update_mismatch: str = ""
    """The exact ChainError message of `prepare` for an operator update signed for another time than its id's."""
    updates: bool = False
    """Whether the family's contract takes operator updates (`update_request`); one that does not raises
    NotSupported."""
    update_replayed: str = ""
    """The exact ChainError message of `prepare` for an operator update that already landed; empty: the same as
    `already_fulfilled`."""
    update_window_s: int = UPDATE_WINDOW_S
    """How long after its height an operator update's `expires_at` is (`update_request`)."""

    def __init__(self, cfg: ChainConfig, data_dir: Path) -> None:
        self.cfg = cfg
        self.data_dir = data_dir
        self._resources = ExitStack()
        self._adapters: list[ChainAdapter] = []
        self._seen: tuple[str | None, int] | None = None
        self._polled: dict[str, OracleRequest] = {}
        self.adapter = self.fresh_adapter()

    def fresh_adapter(self) -> ChainAdapter:
        """Another adapter on the chain, built from the config by its family's builder, not connected."""
        ctx = BuildContext(data_dir=self.data_dir, cache=None, sequence_floor=lambda: None, resources=self._resources)
        adapter = FAMILIES[self.cfg.family].build(self.cfg, ctx)
        self._adapters.append(adapter)
        return adapter

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[Driver]:
        """`adapter` connected; every adapter made closed at the end."""
        try:
            await self.adapter.connect()
            yield self
        finally:
            for adapter in self._adapters:
                await adapter.close()
            self._resources.close()

    async def update_pin(self, subject: str) -> Height:
        """Where the node pins an operator update of `subject`: a final height (by default the finalized head)."""
        return await self.adapter.head(Confidence.FINALIZED)

    # ------------------------------------------------------------------------------------ the chain

    @abstractmethod
    async def make_request(self, private: bool = False) -> str:
        """A consumer asks for an assessment (a private one when `private`); returns its `request_id`, recorded at
        the latest head."""

    @abstractmethod
    async def advance(self, heights: int = 1) -> None:
        """New heights; the first includes what was sent meanwhile."""

    @abstractmethod
    async def pause(self) -> None:
        """No new height (so nothing sent is included) until `advance`."""

    @abstractmethod
    async def facts(self, request: OracleRequest) -> AssessmentFacts:
        """What the enclave signs for the request: facts the contract accepts now."""

    @abstractmethod
    async def fulfil_elsewhere(self, request: OracleRequest) -> None:
        """Another transmitter fulfils the request, and it is included."""

    @abstractmethod
    async def cancel(self, request: OracleRequest) -> None:
        """Its requester cancels the request (after it expired, where the contract asks that), included."""

    @abstractmethod
    async def kill(self, submission: Submission) -> None:
        """Make the submission unable ever to land: its nonce used by another transaction, its blockhash or
        gas coin version gone."""

    @abstractmethod
    def absent(self, like: OracleRequest) -> OracleRequest:
        """A request like `like` that nobody made."""

    @abstractmethod
    def too_many(self, count: int) -> str:
        """The exact ValueError message of `prepare` for `count` items, one more than `max_batch`."""

    @abstractmethod
    async def transmitter_balance(self) -> int:
        """What the adapter's transmitter holds, as the chain says it (read without the adapter), in the family's
        smallest unit."""

    async def revoke(self, signer: str) -> None:
        """The contract's owner revokes the registered enclave signer `signer` (its address), included; a family
        whose test chain cannot names the suite's test in SKIPS."""
        raise NotImplementedError(f"{type(self).__name__} cannot revoke a signer")

    async def add_signer(self, key: EnclaveKey) -> None:
        """The contract's owner registers another enclave key, `key`, with `measurement` (a quorum's second or
        third operator), included; a family whose test chain cannot names the suite's quorum tests in SKIPS."""
        raise NotImplementedError(f"{type(self).__name__} cannot register a signer")

    async def set_threshold(self, threshold: int) -> None:
        """The contract's owner sets the quorum threshold, included."""
        raise NotImplementedError(f"{type(self).__name__} cannot set a threshold")

    def quorum_not_met(self, got: int, needed: int) -> str:
        """The exact ChainError message of `prepare` for an assessment carrying `got` signatures under a threshold
        of `needed`."""
        raise NotImplementedError(f"{type(self).__name__} has no quorum")

    def revoked_cosigner(self, signer: str) -> str:
        """The exact ChainError message of `prepare` for a quorum fulfilment carrying a signature of the revoked
        signer `signer` (its address)."""
        raise NotImplementedError(f"{type(self).__name__} has no quorum")

    def too_many_signatures(self, count: int) -> str:
        """The exact ValueError message of `prepare` for an assessment carrying `count` signatures, one more than
        `max_signatures`."""
        raise NotImplementedError(f"{type(self).__name__} has no quorum")

    async def lending(self) -> tuple[ChainAdapter, tuple[str, str]]:
        """An adapter, connected, that reads a lending protocol of the chain, and two wallets that can borrow and
        repay on it (`lend`)."""
        raise NotImplementedError(f"{type(self).__name__} has no lending protocol")

    async def lend(self, wallet: str, kind: str) -> None:
        """`wallet` (one of `lending`'s) borrows (`kind` borrow) or repays (repay) on the lending protocol."""
        raise NotImplementedError(f"{type(self).__name__} has no lending protocol")

    async def reorg(self, depth: int, keep: bool = True) -> None:
        """Take back the latest `depth` heights and make as many in their place, holding again what they held
        (in the same order) when `keep`, else nothing."""
        raise NotImplementedError(f"{type(self).__name__} cannot reorganise its chain")

    # ------------------------------------------------------------------------------------ built on those
    async def finalize(self) -> None:
        """Heights enough for everything sent so far to be final."""
        await self.advance(self.finality + 1)

    async def sign(self, request: OracleRequest, private: bool | None = None) -> SignedAssessment:
        """The request's assessment, signed by the enclave key through the family's registered codec: in the
        private form (score 0, PD 0, PRIVATE_TIER) when `private`, by default when the request asked for it."""
        facts = await self.facts(request)
        if request.private if private is None else private:
            facts = replace(facts, score=0, tier=PRIVATE_TIER, pd_bps=0)
        return signed_assessment(self.adapter.enclave_request(request), facts, self.enclave)

    async def sign_update(self, request: OracleRequest, at: Height) -> SignedAssessment:
        """An operator update's assessment, signed by the enclave key: of `at`'s time, as the enclave signs one
        (the update's id follows from it)."""
        facts = replace(await self.facts(request), block_number=at.number, block_hash=bytes.fromhex(at.hash[2:]),
                        timestamp=at.timestamp, expiry=at.timestamp + 86_400)
        return signed_assessment(self.adapter.enclave_request(request), facts, self.enclave)

    async def cosign(self, request: OracleRequest, keys: list[EnclaveKey]) -> SignedAssessment:
        """The request's assessment signed by the driver's enclave, carrying the same payload signed by `keys`."""
        facts, enclave_request = await self.facts(request), self.adapter.enclave_request(request)
        own = signed_assessment(enclave_request, facts, self.enclave)
        return own.with_cosigners(signed_assessment(enclave_request, facts, key) for key in keys)

    async def prepared(self) -> tuple[OracleRequest, Submission]:
        """A new request and its fulfilment, signed but not sent."""
        request = await self.requested()
        return request, await self.adapter.prepare([(request, await self.sign(request))])

    async def start_cursor(self) -> tuple[str | None, int]:
        """A cursor at the latest head (no request made after it yet) and the height it reached."""
        cursor, reached, _ = await self.catch_up(None, -1)
        return cursor, reached

    def windows(self, reached: int, head: int) -> list[int]:
        """Heights to poll up to, one after another, from a cursor at `reached` to `head`: one at a time."""
        return list(range(reached + 1, head + 1))

    async def catch_up(self, cursor: str | None, reached: int) -> tuple[str | None, int, list[OracleRequest]]:
        """Poll as the pipeline does, from `cursor` up to the latest head: the cursor and height it ends at, and
        the requests found."""
        head = await self.adapter.head(Confidence.LATEST)
        found: list[OracleRequest] = []
        while True:
            batch = await self.adapter.poll_requests(cursor, head)
            found += batch.items
            moved = batch.next_cursor != cursor
            cursor, reached = batch.next_cursor, batch.reached
            if not moved or reached >= head.number:
                return cursor, reached, found

    @property
    def seen(self) -> tuple[str | None, int]:
        """The cursor, and the height it reached, of the last poll `requested` made."""
        return self._seen or (None, -1)

    async def requested(self, private: bool = False) -> OracleRequest:
        """A new pending request (for a private assessment when `private`), as the adapter polls it."""
        if self._seen is None:
            self._seen = await self.start_cursor()
        request_id = await self.make_request(private)
        await self.advance(1)
        cursor, reached, found = await self.catch_up(*self._seen)
        self._seen = (cursor, reached)
        for request in found:
            assert request.request_id not in self._polled, f"request {request.request_id} was polled twice"
            self._polled[request.request_id] = request
        assert request_id in self._polled, f"request {request_id} was not polled"
        return self._polled[request_id]
