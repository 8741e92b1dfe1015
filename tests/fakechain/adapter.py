"""The fake family's adapter: the whole ChainAdapter interface over a ledger of tests/fakechain/ledger.py.

Heights are block numbers; the cursor is the last block polled, number and hash (chains/trail.py). A fulfilment carries up to
`batch_size` requests and is a JSON transaction (`ledger.Fulfilment`) built and "signed" by `prepare`, so a
restart re-sends the very same bytes. It is pending until mined, dropped once another transaction used its
nonce, and final `finality_depth` blocks after the block that holds it. The signer status and the transmitter's
balance are the ledger's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace as replaced
from typing import Any

from chains.base import (
    UPDATE_WINDOW_S,
    Capabilities,
    ChainAdapter,
    Confidence,
    CreditEvent,
    Fulfilled,
    Height,
    OracleRequest,
    RequestBatch,
    RequestStatus,
    SignedAssessment,
    SignerStatus,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.errors import ChainError, CosignerRefused, PinLost, Reorged, RetryLater, WaitFor
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import recover_address
from chains.trail import Cursor, Trail
from tests.fakechain import codec
from tests.fakechain.config import FakeChain
from tests.fakechain.ledger import NETWORK, FakeLedger, Fulfilment, Item, Recorded, Refused

DAY = 86_400
MAX_SIGNATURES = 15
"""The most signatures one fulfilment carries, as on EVM."""
SIGNER_WAITS = frozenset({"UnknownSigner", "RevokedSigner", "MeasurementMismatch"})
"""Refusals that pass once the enclave's signer is registered (again) with its measurement: the request waits."""


class FakeAdapter(ChainAdapter):
    family = "fake"
    cost_unit = "gas"

    def __init__(self, cfg: FakeChain, sequence_floor: Callable[[], int | None] | None = None) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self._nonce_floor = sequence_floor or (lambda: None)
        self._next_nonce: int | None = None
        self._ledger: FakeLedger | None = None
        self.trail = Trail()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_batch=self.cfg.batch_size, replaces_fees=self.cfg.replaces_fees,
                            max_signatures=MAX_SIGNATURES)

    @property
    def ledger(self) -> FakeLedger:
        if self._ledger is None:
            raise ChainError(f"{self.name}: not connected")
        if self._ledger.down:
            raise RetryLater(f"{self.name}: RPC unreachable")
        return self._ledger

    async def connect(self) -> None:
        if self._ledger is not None:
            return
        ledger = NETWORK.get(self.cfg.url)
        if ledger is None or ledger.down:
            raise RetryLater(f"{self.name}: RPC unreachable")
        if ledger.chain_id != self.cfg.chain_id:
            raise ChainError(f"{self.name}: RPC reports chain id {ledger.chain_id}, config says {self.cfg.chain_id}")
        if ledger.contract != self.cfg.contract:
            raise ChainError(f"{self.name}: no oracle contract at {self.cfg.contract}")
        self._ledger = ledger

    async def close(self) -> None:
        self._ledger = None

    async def head(self, level: Confidence) -> Height:
        ledger = self.ledger
        latest = ledger.latest.number
        number = {Confidence.LATEST: latest, Confidence.SAFE: latest - self.cfg.confirmations + 1,
                  Confidence.FINALIZED: latest - self.cfg.finality_depth}[level]
        block = ledger.blocks[max(0, number)]
        return Height(number=block.number, timestamp=block.timestamp, hash=block.hash)

    async def _hash_at(self, number: int) -> str | None:
        block = self.ledger.block(number)
        return None if block is None else block.hash

    async def poll_requests(self, cursor: str | None, until: Height) -> RequestBatch:
        ledger = self.ledger
        after = self.cfg.start_height - 1
        rewound = False
        if cursor is not None:
            floor = max(after, ledger.latest.number - self.cfg.finality_depth)

            async def finalized() -> int:
                return floor

            after = await self.trail.resume_after(Cursor.parse(cursor), self._hash_at, finalized)
            rewound = after < Cursor.parse(cursor).number
        start = after + 1
        end = min(until.number, ledger.latest.number, start + self.cfg.max_poll_range - 1)
        if end < start:
            if cursor is not None and Cursor.parse(cursor).number == after:
                return RequestBatch(items=[], next_cursor=cursor, reached=after)
            here = Cursor(after, (await self._hash_at(after) or "") if after >= 0 else "")
            return RequestBatch(items=[], next_cursor=str(here), reached=after, rewound=rewound)
        items = [self._request(r) for r in ledger.requests_in(start - 1, end)]
        reached = Cursor(end, ledger.blocks[end].hash)
        self.trail.mark(reached)
        return RequestBatch(items=items, next_cursor=str(reached), reached=end, rewound=rewound)

    def _request(self, recorded: Recorded) -> OracleRequest:
        r = recorded.request
        return OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.cfg.contract,
            request_id=r.request_id, requester=r.requester, subject=r.subject, fee=r.fee, expires_at=r.expires_at,
            params=r.params, block_number=recorded.block.number, block_hash=recorded.block.hash, tx_hash=r.tx_hash,
            ordinal=r.nonce, private=r.private,
        )  # fmt: skip

    async def is_canonical(self, request: OracleRequest) -> bool:
        block = self.ledger.block(request.block_number)
        return block is not None and block.hash == request.block_hash

    async def stored_status(self, request: OracleRequest) -> RequestStatus:
        return self.ledger.status(request.request_id)

    async def update_request(self, subject: str, at: Height) -> OracleRequest:
        request_id = codec.update_request_id(self.cfg.chain_id, bytes.fromhex(self.cfg.contract[2:]),
                                             bytes.fromhex(subject[2:]), at.timestamp)
        return OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.cfg.contract,
            request_id="0x" + request_id.hex(), requester="0x" + "00" * 32, subject=subject, fee=0,
            expires_at=at.timestamp + UPDATE_WINDOW_S, params="", block_number=at.number, block_hash=at.hash,
            tx_hash="", ordinal=0, operator_update=True,
        )  # fmt: skip

    async def read_fulfilment(self, request_id: str) -> Fulfilled | None:
        ledger = self.ledger
        found, by = ledger.requests.get(request_id), ledger.fulfilled_by.get(request_id)
        if found is None or by is None:
            return None
        tx, item = by
        return Fulfilled(request=self._request(found), facts=item.facts, signature=item.signature,
                         signer=recover_address(codec.digest(ledger.chain_id, bytes.fromhex(ledger.contract[2:]),
                                                             bytes.fromhex(request_id[2:]),
                                                             bytes.fromhex(found.request.subject[2:]), item.facts),
                                                item.signature),
                         tx_hash=tx.hash)

    async def pinned(self, request: OracleRequest) -> Height:
        """The request's own block, or where `repin` moved it."""
        block = self.ledger.block(request.block_number)
        if block is None or block.hash != request.block_hash:
            raise Reorged(f"{self.name}: block {request.block_number} {request.block_hash} is not canonical")
        found = self.ledger.requests.get(request.request_id)
        pin = self.ledger.block(found.pinned_block) if found is not None else None
        block = pin or block
        return Height(number=block.number, timestamp=block.timestamp, hash=block.hash)

    async def offchain_request(self, subject: str) -> tuple[OracleRequest, Height]:
        at = await self.head(Confidence.FINALIZED)
        request_id = offchain_request_id(self.family, self.cfg.chain_id, bytes.fromhex(subject[2:]), at.number,
                                         bytes.fromhex(at.hash[2:]))
        request = OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.cfg.contract,
            request_id="0x" + request_id.hex(), requester="0x" + "00" * 32, subject=subject, fee=0,
            expires_at=at.timestamp, params="", block_number=at.number, block_hash=at.hash, tx_hash="", ordinal=0,
        )  # fmt: skip
        return request, at

    def check_credit_events(self) -> None:
        return None  # the fake ledger's pool is always read

    async def read_credit_events(self, subjects: Collection[str], after: int, until: int) -> tuple[list[CreditEvent],
                                                                                                     int]:
        wanted = set(subjects)
        return [CreditEvent(subject, kind, "fake-pool", block, "0x" + f"{block:064x}")
                for subject, kind, block in self.ledger.credit_log if after < block <= until and subject in wanted], until

    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        left = self.ledger.unreadable.get(subject, 0)
        if left:
            self.ledger.unreadable[subject] = left - 1
            raise RetryLater(f"{self.name}: state of {subject} not readable now")
        return {"as_of_block": at.number, "as_of_block_hash": at.hash, "as_of_timestamp": at.timestamp,
                "tx_count": 42,
                "balance_wei": str(3 * 10**18), "first_seen_timestamp": at.timestamp - 400 * DAY}

    async def prepare(self, items: list[tuple[OracleRequest, SignedAssessment]]) -> Submission:
        if not items:
            raise ValueError("nothing to fulfil")
        if len(items) > self.cfg.batch_size:
            raise ValueError(f"{len(items)} fulfilments in one transaction; batch_size is {self.cfg.batch_size}")
        if len({bool(a.cosigners) for _, a in items}) > 1:
            raise ValueError("items with and without cosigners in one fulfilment")
        most = max(len(a.signers()) for _, a in items)
        if most > MAX_SIGNATURES:
            raise ValueError(f"{most} signatures on one assessment; the contract takes at most {MAX_SIGNATURES}")
        ledger = self.ledger
        tx = Fulfilment(self.cfg.transmitter, 0, self.cfg.fee, tuple(_item(request, a) for request, a in items))
        if not ledger.funded:
            raise WaitFor("funds", f"{self.name}: insufficient funds for gas")
        if len(items) == 1:
            (outcome,) = ledger.simulate(tx)
            if outcome.rescore:
                raise PinLost(f"{self.name}: fulfilment would revert: {outcome.reason}")
            if outcome.reorged:
                raise Reorged(f"{self.name}: fulfilment would revert: {outcome.reason}")
            refusal, _, signer = outcome.reason.rstrip(")").partition("(")
            if refusal in SIGNER_WAITS and signer and signer.lower() != items[0][1].signer.lower():
                raise CosignerRefused(signer, f"{self.name}: fulfilment would revert: {outcome.reason}")
            if refusal in SIGNER_WAITS:
                raise WaitFor("signer", f"{self.name}: fulfilment would revert: {outcome.reason}")
            if not outcome.fulfilled:
                raise ChainError(f"{self.name}: fulfilment would revert: {outcome.reason}")
        tx = replaced(tx, nonce=self._take_nonce(ledger))
        return Submission(chain=self.name, tx_hash=tx.hash, sequence=tx.nonce, raw=tx.encode(),
                          request_keys=tuple(request.key for request, _ in items))

    def _take_nonce(self, ledger: FakeLedger) -> int:
        if self._next_nonce is None:
            floor = self._nonce_floor()
            self._next_nonce = max(ledger.next_nonce(self.cfg.transmitter), (floor + 1) if floor is not None else 0)
        nonce = self._next_nonce
        self._next_nonce += 1
        return nonce

    async def broadcast(self, submission: Submission) -> None:
        try:
            self.ledger.submit(Fulfilment.decode(submission.raw))
        except Refused as e:
            raise ChainError(f"{self.name}: node refused transaction {submission.tx_hash}: {e}") from None

    async def replace(self, submission: Submission, bump_pct: int) -> Submission | None:
        if not self.cfg.replaces_fees:
            return await super().replace(submission, bump_pct)
        return self._raised(submission, bump_pct, submission.request_keys)

    async def void(self, submission: Submission, bump_pct: int) -> Submission | None:
        if not self.cfg.replaces_fees:
            return await super().void(submission, bump_pct)
        return self._raised(submission, bump_pct, ())

    def _raised(self, submission: Submission, bump_pct: int, keys: tuple[str, ...]) -> Submission | None:
        """`submission` at a fee raised by `bump_pct`%, keeping its items only when it keeps `keys`; None past
        the fee cap."""
        old = Fulfilment.decode(submission.raw)
        fee = old.fee * (100 + bump_pct) // 100 + 1
        if fee > self.cfg.max_fee:
            return None
        tx = replaced(old, fee=fee) if keys else replaced(old, fee=fee, items=())
        return Submission(chain=self.name, tx_hash=tx.hash, sequence=submission.sequence, raw=tx.encode(),
                          request_keys=keys)

    async def status(self, submission: Submission) -> SubmissionStatus:
        ledger = self.ledger
        receipt = ledger.receipt(submission.tx_hash)
        if receipt is None:
            tx = Fulfilment.decode(submission.raw)
            used = ledger.nonce_user(tx.sender, tx.nonce)  # dropped once what took the nonce is final, as on EVM
            if used is not None and ledger.latest.number - used[1] >= self.cfg.finality_depth:
                return SubmissionStatus(state=TxState.DROPPED)
            return SubmissionStatus(state=TxState.PENDING, lost=submission.tx_hash not in ledger.mempool)
        final = ledger.latest.number - receipt.block >= self.cfg.finality_depth
        return SubmissionStatus(state=TxState.FINAL if final else TxState.INCLUDED, block_number=receipt.block,
                                cost=receipt.cost, reverted=receipt.reverted,
                                outcomes={f"{self.name}:{rid}": o for rid, o in receipt.outcomes.items()})

    async def signer_status(self, signer: str, measurement: str,
                            public_key: bytes | None = None) -> SignerStatus | None:
        return self.ledger.signer_status(signer, measurement)

    async def transmitter_balance(self) -> int | None:
        return self.ledger.balance(self.cfg.transmitter)

    async def threshold(self) -> int | None:
        return self.ledger.threshold


def _item(request: OracleRequest, assessment: SignedAssessment) -> Item:
    """The request's item: one signature, or a quorum's in ascending signer order as the contract demands."""
    subject = request.subject if request.operator_update else ""
    if not assessment.cosigners:
        return Item(request.request_id, assessment.facts, assessment.signature, subject=subject)
    ordered = sorted(assessment.signers(), key=lambda a: a.signer.lower())
    return Item(request.request_id, assessment.facts, ordered[0].signature, tuple(a.signature for a in ordered[1:]),
                subject)
