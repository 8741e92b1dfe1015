"""An in-memory chain: blocks, the oracle contract's requests and their statuses, a mempool of fulfilments,
and the controls a test moves it with (mine, drop, burn a nonce, reorg, fulfil or cancel as someone else,
move time, make the next fulfilment revert, register or revoke a signer, fund an account, take the RPC down).

A fulfilment is checked the way the contracts check one: the request is pending and not expired, the
assessment is current, and its signature recovers to a registered enclave signer, active and (where it was
registered with one) of the assessment's measurement. Like `fulfilBatch`, an item that fails is skipped with a
reason; only `revert_next` makes a whole transaction revert. Accounts hold STARTING_BALANCE until a test sets
another amount (`fund`).

Ledgers are reached by url as real chains are by RPC: `served(ledger)` puts one on the in-process network
for the duration of a test, and an adapter whose config names `fake://<name>` finds it when it connects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from chains.base import ItemOutcome, RequestStatus, SignerStatus
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.core.errors import AuraError
from chains.core.secp256k1 import keccak256, recover_address
from tests.fakechain import codec
from tests.fakechain.config import FakeChain

T0 = 1_750_000_000
BLOCK_TIME = 12
GAS_PER_TX = 21_000
GAS_PER_ITEM = 30_000
REQUESTER = "0x" + "a1" * 32
SUBJECT = "0x" + "5b" * 32
STARTING_BALANCE = 10**18


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _raw(text: str) -> bytes:
    return bytes.fromhex(text[2:])


class Refused(AuraError, RuntimeError):
    """The ledger refused a transaction (a replacement that does not raise the fee by 10%)."""


@dataclass(frozen=True)
class Request:
    """A request as the contract recorded it."""

    request_id: str
    requester: str
    subject: str
    fee: int
    expires_at: int
    params: str
    nonce: int
    tx_hash: str
    private: bool = False


@dataclass(frozen=True)
class Item:
    """One request's assessment inside a fulfilment."""

    request_id: str
    facts: AssessmentFacts
    signature: bytes
    cosignatures: tuple[bytes, ...] = ()
    """The other signatures of a quorum fulfilment; with them, all signatures recover in ascending address order."""
    subject: str = ""
    """An operator update's subject (no request names it); empty for a request's fulfilment."""

    @property
    def signatures(self) -> tuple[bytes, ...]:
        return (self.signature, *self.cosignatures)


@dataclass(frozen=True)
class Fulfilment:
    """A fulfilment transaction; `encode()` is what travels (`Submission.raw`), its keccak-256 the hash."""

    sender: str
    nonce: int
    fee: int
    items: tuple[Item, ...]

    def encode(self) -> str:
        items = [{"request_id": i.request_id, "score": i.facts.score, "tier": i.facts.tier,
                  "pd_bps": i.facts.pd_bps, "flags": i.facts.flags, "measurement": _hex(i.facts.measurement),
                  "commitment": _hex(i.facts.commitment), "block_number": i.facts.block_number,
                  "block_hash": _hex(i.facts.block_hash), "features_hash": _hex(i.facts.features_hash),
                  "timestamp": i.facts.timestamp,
                  "expiry": i.facts.expiry, "signature": _hex(i.signature),
                  "cosignatures": [_hex(c) for c in i.cosignatures], "subject": i.subject} for i in self.items]
        return json.dumps({"sender": self.sender, "nonce": self.nonce, "fee": self.fee, "items": items},
                          sort_keys=True, separators=(",", ":"))

    @property
    def hash(self) -> str:
        return _hex(keccak256(self.encode().encode()))

    @classmethod
    def decode(cls, raw: str) -> Fulfilment:
        body: dict[str, Any] = json.loads(raw)
        items = tuple(
            Item(i["request_id"], AssessmentFacts(
                score=i["score"], tier=i["tier"], pd_bps=i["pd_bps"], flags=i["flags"],
                measurement=_raw(i["measurement"]), commitment=_raw(i["commitment"]),
                block_number=i["block_number"], block_hash=_raw(i["block_hash"]),
                features_hash=_raw(i["features_hash"]), timestamp=i["timestamp"], expiry=i["expiry"]),
                _raw(i["signature"]), tuple(_raw(c) for c in i.get("cosignatures", ())), i.get("subject", ""))
            for i in body["items"])
        return cls(body["sender"], body["nonce"], body["fee"], items)


@dataclass
class Enclave:
    """A registered enclave signer: the measurement its assessments must carry (None: any), and whether it
    is still active."""

    measurement: str | None
    active: bool = True


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    block: int
    cost: int
    reverted: bool
    outcomes: dict[str, ItemOutcome]


# what a block holds, in order
@dataclass(frozen=True)
class Made:
    request: Request


@dataclass(frozen=True)
class Sent:
    tx: Fulfilment
    reverts: bool = False


@dataclass(frozen=True)
class SettledElsewhere:
    request_id: str


@dataclass(frozen=True)
class Cancelled:
    request_id: str


@dataclass(frozen=True)
class NonceBurnt:
    sender: str
    nonce: int


Event = Made | Sent | SettledElsewhere | Cancelled | NonceBurnt


@dataclass(frozen=True)
class Block:
    number: int
    timestamp: int
    hash: str
    events: tuple[Event, ...]


@dataclass
class Recorded:
    """A request's state on the chain."""

    request: Request
    block: Block
    status: RequestStatus = RequestStatus.PENDING
    pin: int | None = None  # the block it is pinned to, when moved since (`repin`); else its own block

    @property
    def pinned_block(self) -> int:
        return self.block.number if self.pin is None else self.pin


class FakeLedger:
    """One fake chain. Nothing happens until the test mines, unless `automine` (each send mines a block)."""

    def __init__(self, name: str = "fake", chain_id: int = 7, contract: str = "0x" + "c0" * 32,
                 automine: bool = False) -> None:
        self.name = name
        self.chain_id = chain_id
        self.contract = contract
        self.automine = automine
        self.down = False
        self.funded = True  # False: the transmitter cannot pay for a fulfilment
        self.threshold = 1  # signatures a fulfilment needs (the contract's quorum threshold)
        self.credit_log: list[tuple[str, str, int]] = []  # (subject, kind, block): `lend`
        self.signers: dict[str, Enclave] = {}  # by lower-case address
        self.balances: dict[str, int] = {}
        self.blocks: list[Block] = [Block(0, T0, self._block_hash(0, 0), ())]
        self.mempool: dict[str, Fulfilment] = {}
        self.queue: list[Event] = []
        self.broadcasts: list[str] = []
        self._generation = 0
        self._time_offset = 0
        self._revert_next = False
        self._requests_made = 0
        self._reset()

    @property
    def url(self) -> str:
        return f"fake://{self.name}"

    def config(self, name: str = "fake", **overrides: Any) -> FakeChain:
        """A config section for an adapter on this ledger."""
        return FakeChain.model_validate({"family": "fake", "name": name, "chain_id": self.chain_id, "url": self.url,
                                         "contract": self.contract, **overrides})

    # ------------------------------------------------------------------------------------------ reads
    @property
    def latest(self) -> Block:
        return self.blocks[-1]

    def block(self, number: int) -> Block | None:
        return self.blocks[number] if 0 <= number < len(self.blocks) else None

    def requests_in(self, after: int, upto: int) -> list[Recorded]:
        """Requests recorded in blocks after `after` up to and including `upto`, in order."""
        found = [r for r in self.requests.values() if after < r.block.number <= upto]
        return sorted(found, key=lambda r: (r.block.number, r.request.nonce))

    def status(self, request_id: str) -> RequestStatus:
        found = self.requests.get(request_id) or self.updates.get(request_id)
        return RequestStatus.NONE if found is None else found.status

    def receipt(self, tx_hash: str) -> Receipt | None:
        return self.receipts.get(tx_hash)

    def nonce_user(self, sender: str, nonce: int) -> tuple[str, int] | None:
        """What used the sender's nonce on the canonical chain (a transaction hash, or `burnt`) and in which block."""
        return self.nonces.get((sender, nonce))

    def next_nonce(self, sender: str) -> int:
        """One past the sender's highest nonce, mined or in the mempool."""
        used = [n for s, n in self.nonces if s == sender] + [t.nonce for t in self.mempool.values() if t.sender == sender]
        return max(used) + 1 if used else 0

    def signer_status(self, signer: str, measurement: str) -> SignerStatus:
        """The contract's view of `signer` with enclave `measurement`, in the order EVM's oracle answers it."""
        enclave = self.signers.get(signer.lower())
        if enclave is None:
            return SignerStatus.UNREGISTERED
        if not enclave.active:
            return SignerStatus.REVOKED
        if enclave.measurement is not None and enclave.measurement != measurement.lower():
            return SignerStatus.OTHER_MEASUREMENT
        return SignerStatus.ACTIVE

    def balance(self, account: str) -> int:
        """What `account` holds: STARTING_BALANCE until `fund` sets another amount."""
        return self.balances.get(account, STARTING_BALANCE)

    def signers_of(self, request_id: str) -> tuple[str, ...]:
        """The signers (0x addresses, ascending) of the fulfilment that settled the request; () when none did."""
        by = self.fulfilled_by.get(request_id)
        if by is None:
            return ()
        found = self.requests.get(request_id) or self.updates[request_id]
        return tuple(recover_address(self._digest(by[1], found), sig) for sig in by[1].signatures)

    def fulfilments(self, request_id: str) -> int:
        """How many mined transactions fulfilled the request (someone else's settling not counted)."""
        return self.fulfilled.get(request_id, 0)

    # ------------------------------------------------------------------------------------------ sending
    def submit(self, tx: Fulfilment) -> None:
        """Take a fulfilment into the mempool; a known one, or one whose nonce is used, changes nothing."""
        digest = tx.hash
        self.broadcasts.append(digest)
        if digest in self.receipts or digest in self.mempool or (tx.sender, tx.nonce) in self.nonces:
            return
        rival = next((h for h, t in self.mempool.items() if (t.sender, t.nonce) == (tx.sender, tx.nonce)), None)
        if rival is not None:
            if tx.fee * 100 < self.mempool[rival].fee * 110:
                raise Refused("replacement transaction underpriced")
            del self.mempool[rival]
        self.mempool[digest] = tx
        if self.automine:
            self.mine()

    def simulate(self, tx: Fulfilment) -> list[ItemOutcome]:
        """Each item's outcome were the transaction mined in the next block."""
        nxt = Block(self.latest.number + 1, self._next_time(), "", ())
        return [self._check(item, nxt) for item in tx.items]

    # ------------------------------------------------------------------------------------------ controls
    def register(self, signer: str, measurement: str | None = None) -> None:
        """An enclave signer (its 0x address) the contract accepts, with assessments of `measurement` (`0x` + 64
        hex digits) only, or of any measurement when None."""
        self.signers[signer.lower()] = Enclave(None if measurement is None else measurement.lower())

    def lend(self, subject: str, kind: str = "borrow") -> None:
        """A lending event (`borrow`, `repay`, `liquidation`) of `subject` in the next block mined."""
        self.credit_log.append((subject, kind, self.latest.number + 1))

    def revoke(self, signer: str) -> None:
        """The contract no longer accepts the registered `signer`."""
        self.signers[signer.lower()].active = False

    def fund(self, account: str, amount: int) -> None:
        """`account` holds `amount` from now on."""
        self.balances[account] = amount

    def request(self, subject: str = SUBJECT, ttl: int = 3600, params: str = "0x", fee: int = 10**15,
                private: bool = False) -> str:
        """A consumer's request (a private assessment when `private`), recorded in the next block; returns its id."""
        nonce = self._requests_made
        self._requests_made += 1
        request_id = _hex(keccak256(_raw(self.contract) + nonce.to_bytes(8, "big")))
        tx_hash = _hex(keccak256(b"request" + _raw(request_id)))
        self.queue.append(Made(Request(request_id, REQUESTER, subject, fee, self._next_time() + ttl, params, nonce,
                                       tx_hash, private)))
        return request_id

    def settle_elsewhere(self, request_id: str) -> None:
        """Another transmitter fulfils the request in the next block (before anything in the mempool)."""
        self.queue.append(SettledElsewhere(request_id))

    def cancel(self, request_id: str) -> None:
        """The requester cancels the request in the next block."""
        self.queue.append(Cancelled(request_id))

    def drop(self, tx_hash: str) -> None:
        """Forget a transaction in the mempool; sent again, it may still land."""
        self.mempool.pop(tx_hash, None)

    def burn_nonce(self, sender: str, nonce: int) -> None:
        """Use the nonce with another transaction in the next block: what held it can never land."""
        for digest in [h for h, t in self.mempool.items() if (t.sender, t.nonce) == (sender, nonce)]:
            del self.mempool[digest]
        self.queue.append(NonceBurnt(sender, nonce))

    def revert_next(self) -> None:
        """The next fulfilment mined reverts as a whole."""
        self._revert_next = True

    def advance_time(self, seconds: int) -> None:
        """The next block comes `seconds` later than it would have."""
        self._time_offset += seconds

    def mine(self, blocks: int = 1) -> Block:
        """New blocks; the first holds the queued events, then the mempool (a fulfilment whose nonce was used
        meanwhile leaves the mempool unmined)."""
        for _ in range(blocks):
            events: list[Event] = list(self.queue)
            self.queue.clear()
            burnt = {(e.sender, e.nonce) for e in events if isinstance(e, NonceBurnt)}
            for digest, tx in list(self.mempool.items()):
                del self.mempool[digest]
                if (tx.sender, tx.nonce) in self.nonces or (tx.sender, tx.nonce) in burnt:
                    continue
                events.append(Sent(tx, reverts=self._revert_next))
                self._revert_next = False
            number = self.latest.number + 1
            block = Block(number, self._next_time(), self._block_hash(number, self._generation), tuple(events))
            self._time_offset = 0
            self.blocks.append(block)
            for event in events:
                self._apply(event, block)
        return self.latest

    def reorg(self, depth: int, *, later_expiry: int = 0, lose_requests: bool = False,
              lose_transactions: bool = False) -> None:
        """Take the last `depth` blocks off the chain: their transactions and requests wait to be mined again,
        and the blocks mined in their place have other hashes.

        Args:
            later_expiry: the requests come back with `expiresAt` this many seconds later (sent again by their
                requesters, a second later).
            lose_requests: the requests never come back, and the next requests take their ids (as a requester's
                next request takes a vanished one's nonce).
            lose_transactions: the transactions (fulfilments and nonce burns) never come back (a node that dropped
                them): their nonces are free.
        """
        if not 0 < depth < len(self.blocks):
            raise ValueError(f"cannot reorg {depth} of {len(self.blocks)} blocks")
        gone = self.blocks[-depth:]
        del self.blocks[-depth:]
        self._generation += 1
        returned: list[Event] = []
        for block in gone:
            for event in block.events:
                if isinstance(event, Sent):
                    if not lose_transactions:
                        self.mempool[event.tx.hash] = event.tx
                elif isinstance(event, NonceBurnt):
                    if not lose_transactions:
                        returned.append(event)
                elif isinstance(event, Made):
                    if lose_requests:
                        self._requests_made -= 1
                    else:
                        request = event.request
                        returned.append(Made(replace(request, expires_at=request.expires_at + later_expiry)))
                else:
                    returned.append(event)
        self.queue[:0] = returned
        self._reset()
        for block in self.blocks:
            for event in block.events:
                self._apply(event, block)

    # ------------------------------------------------------------------------------------------ the contract
    def _reset(self) -> None:
        self.requests: dict[str, Recorded] = {}
        self.receipts: dict[str, Receipt] = {}
        self.nonces: dict[tuple[str, int], tuple[str, int]] = {}  # (sender, nonce) -> (user, block number)
        self.fulfilled: dict[str, int] = {}
        self.fulfilled_by: dict[str, tuple[Fulfilment, Item]] = {}
        self.updates: dict[str, Recorded] = {}  # operator updates taken, by id
        self.starved: set[str] = set()
        self.unreadable: dict[str, int] = {}  # subject -> reads of its state that fail before one succeeds

    def _next_time(self) -> int:
        return self.latest.timestamp + BLOCK_TIME + self._time_offset

    def _block_hash(self, number: int, generation: int) -> str:
        return _hex(keccak256(f"{self.name}:{number}:{generation}".encode()))

    def _apply(self, event: Event, block: Block) -> None:
        if isinstance(event, Made):
            self.requests[event.request.request_id] = Recorded(event.request, block)
        elif isinstance(event, SettledElsewhere | Cancelled):
            found = self.requests.get(event.request_id)
            if found is not None and found.status is RequestStatus.PENDING:
                found.status = RequestStatus.FULFILLED if isinstance(event, SettledElsewhere) else RequestStatus.CANCELLED
        elif isinstance(event, NonceBurnt):
            self.nonces[(event.sender, event.nonce)] = ("burnt", block.number)
        else:
            self._execute(event, block)

    def _execute(self, sent: Sent, block: Block) -> None:
        tx = sent.tx
        self.nonces[(tx.sender, tx.nonce)] = (tx.hash, block.number)
        outcomes: dict[str, ItemOutcome] = {}
        if not sent.reverts:
            for item in tx.items:
                outcome = self._check(item, block, batched=len(tx.items) > 1)
                outcomes[item.request_id] = outcome
                if outcome.fulfilled:
                    if item.subject:
                        self.updates[item.request_id] = self._update_of(item)
                    (self.requests.get(item.request_id) or self.updates[item.request_id]).status = \
                        RequestStatus.FULFILLED
                    self.fulfilled_by[item.request_id] = (tx, item)
                    self.fulfilled[item.request_id] = self.fulfilled.get(item.request_id, 0) + 1
        self.receipts[tx.hash] = Receipt(tx.hash, block.number, GAS_PER_TX + GAS_PER_ITEM * len(tx.items),
                                         sent.reverts, outcomes)

    def fail_reads(self, subject: str, times: int = 1) -> None:
        """The next `times` reads of the subject's state fail as an RPC that cannot answer now."""
        self.unreadable[subject] = times

    def repin(self, request_id: str) -> None:
        """Move the request's pin to the latest block, as a Solana `repin` does once its slot has left SlotHashes:
        an assessment signed for the old pin can no longer land."""
        self.requests[request_id].pin = self.latest.number

    def starve(self, request_id: str) -> None:
        """The next batch holding the request skips it for want of gas (another item's callback took more than
        estimated); a transaction of its own is not affected."""
        self.starved.add(request_id)

    def _check(self, item: Item, block: Block, batched: bool = False) -> ItemOutcome:
        if batched and item.request_id in self.starved:
            self.starved.discard(item.request_id)
            return ItemOutcome(False, "InsufficientGas", retry_alone=True)
        found = self.requests.get(item.request_id)
        if found is None and item.subject:
            expected = codec.update_request_id(self.chain_id, _raw(self.contract), _raw(item.subject),
                                               item.facts.timestamp)
            if _hex(expected) != item.request_id:
                return ItemOutcome(False, "RequestMismatch")
            found = self.updates.get(item.request_id) or self._update_of(item)
        if found is None:
            return ItemOutcome(False, "UnknownRequest", reorged=True)
        if found.status is RequestStatus.FULFILLED:
            return ItemOutcome(False, "AlreadyFulfilled")
        if found.status is RequestStatus.CANCELLED:
            return ItemOutcome(False, "RequestCancelled")
        if block.timestamp > found.request.expires_at:
            return ItemOutcome(False, "RequestExpired", expired=True)
        if item.facts.block_number != found.pinned_block:
            return ItemOutcome(False, "PinnedBlockMismatch", rescore=True)
        pinned = self.block(item.facts.block_number)
        if pinned is None or pinned.hash != _hex(item.facts.block_hash):
            return ItemOutcome(False, "NonCanonicalBlock", reorged=True)
        if item.facts.timestamp > block.timestamp:
            return ItemOutcome(False, "AssessmentFromFuture")
        if block.timestamp > item.facts.expiry:
            return ItemOutcome(False, "AssessmentExpired")
        facts = item.facts
        signed_private = facts.tier == PRIVATE_TIER
        if signed_private != found.request.private or (signed_private and (facts.score or facts.pd_bps)):
            return ItemOutcome(False, "PrivacyMismatch")
        signed = self._digest(item, found)
        previous = ""
        for signature in item.signatures:
            try:
                signer = recover_address(signed, signature)
            except ValueError:
                return ItemOutcome(False, "InvalidSignature")
            if item.cosignatures and signer.lower() <= previous:
                return ItemOutcome(False, f"SignersNotAscending({previous}, {signer.lower()})")
            previous = signer.lower()
            enclave = self.signers.get(signer.lower())
            # in a batch, as AuraOracle's skip: sent alone, the refusal names the signer
            if enclave is None:
                return ItemOutcome(False, _named("UnknownSigner", signer, item), retry_alone=batched)
            if not enclave.active:
                return ItemOutcome(False, _named("RevokedSigner", signer, item), retry_alone=batched)
            if enclave.measurement not in (None, _hex(item.facts.measurement)):
                return ItemOutcome(False, _named("MeasurementMismatch", signer, item), retry_alone=batched)
        if len(item.signatures) < self.threshold:
            return ItemOutcome(False, f"QuorumNotMet({len(item.signatures)}, {self.threshold})")
        return ItemOutcome(True)

    def _update_of(self, item: Item) -> Recorded:
        """An operator update as the contract keeps it: no requester, fee or deadline, pinned where it says."""
        pinned = self.block(item.facts.block_number) or Block(item.facts.block_number, 0, "", ())
        request = Request(item.request_id, "0x" + "00" * 32, item.subject, 0, (1 << 64) - 1, "", 0, "")
        return Recorded(request, pinned)

    def _digest(self, item: Item, found: Recorded) -> bytes:
        return codec.digest(self.chain_id, _raw(self.contract), _raw(item.request_id), _raw(found.request.subject),
                            item.facts)


def _named(refusal: str, signer: str, item: Item) -> str:
    """A signer's refusal as the contract names it: with the signer's address in a quorum fulfilment."""
    return f"{refusal}({signer})" if item.cosignatures else refusal


NETWORK: dict[str, FakeLedger] = {}
"""The ledgers adapters can reach now, by url."""


@contextmanager
def served(ledger: FakeLedger) -> Iterator[FakeLedger]:
    """The ledger reachable at its url while the block runs."""
    NETWORK[ledger.url] = ledger
    try:
        yield ledger
    finally:
        NETWORK.pop(ledger.url, None)
