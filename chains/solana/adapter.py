"""The Solana adapter: finds pending requests with getProgramAccounts, reads subjects, sends fulfilments.

Every call goes through one provider over the configured endpoints (chains/solana/rpc.py): reads go to the live
endpoint with the highest slot and fail over within the call, fulfilments go to every live endpoint, each call on
an endpoint has its deadline. `health()["rpc"]` shows each endpoint's state.

Requests are the `aura_oracle` program's Request accounts (docs/solana.md), listed with discriminator,
oracle and status filters at the configured commitment. Each request is assessed at its pinned slot, whose hash
the SlotHashes sysvar holds for about 512 slots; a request older than that is repinned (`repin`) to a recent
slot and scored again there. A fulfilment is one transaction per request: a
compute-unit limit (the simulated units plus a margin), a compute-unit price, and the `fulfil` instruction, or
`fulfil_quorum` for an assessment with cosigners (chains/solana/quorum.py: each signer's enclave account and payee,
at most `max_signatures` of them, as many as one transaction fits).
It is built and signed first (`prepare`), stored by the daemon, and only then sent (`broadcast`), so a
restart re-sends the very same transaction. A transaction whose blockhash expired without landing is
reported dropped; the daemon then asks the chain whether the request is still pending and only then signs
a new one with a fresh blockhash, so one request is never fulfilled twice.

An operator's update (`update_request`; docs/solana.md, "Operator updates") has no Request account: it is sent
as the `update` instruction, pinned at its own slot (which no `repin` moves), and is pending until the subject's
Score holds it.

`signer_status` reads the enclave's Enclave account (chains/solana/status.py); `threshold` the oracle account's
quorum threshold; `transmitter_balance` the transmitter's lamports.
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from solana.rpc.commitment import Commitment
from solana.rpc.core import RPCException
from solana.rpc.types import DataSliceOpts, MemcmpOpts, TxOpts
from solders.commitment_config import CommitmentLevel
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rpc.config import RpcContextConfig
from solders.rpc.requests import IsBlockhashValid
from solders.rpc.responses import IsBlockhashValidResp
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus

from chains.base import (
    UPDATE_WINDOW_S,
    Capabilities,
    ChainAdapter,
    Confidence,
    CreditEvent,
    Fulfilled,
    Height,
    ItemOutcome,
    OracleRequest,
    RequestBatch,
    RequestStatus,
    SignedAssessment,
    SignerStatus,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.assessment import AssessmentFacts
from chains.core.base58 import b58decode, b58encode
from chains.core.errors import ChainError, NotSupported, PinLost, RetryLater, WaitFor
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import to_checksum_address
from chains.sequence import LocalSequence
from chains.solana import program as prog
from chains.solana import quorum
from chains.solana.config import SolanaChain
from chains.solana.credit_events import CreditReader
from chains.solana.lookup_table import Table, TransmitterTable
from chains.solana.rpc import SolanaClient, SolanaRpc
from chains.solana.status import enclave_account, enclave_status
from chains.solana.update_id import update_request_id

LAMPORTS_TO_18_DECIMALS = 10**9  # balances travel to the enclave in 18-decimal units (docs/protocol.md)
MAX_COMPUTE_UNITS = 1_400_000
BLOCKHASH_REUSE_S = 2.0
REPIN_RETRY_S = 30.0
BLOCK_TIMES_KEPT = 4096
PIN_MARGIN_SLOTS = 64  # about 25 s: a pin closer than this to leaving SlotHashes is repinned first
PRICE_REUSE_S = 2.0
SLOT_MS = 400  # Solana's target slot time
UPDATE_PIN_S = prog.SLOT_HASHES_MAX * SLOT_MS // 1000
"""About how long a slot stays in SlotHashes (512 slots at the target slot time; longer when slots are skipped or
slow): an operator update cannot land after its slot has left, and no `repin` moves it."""
ZERO_KEY = b58encode(bytes(32))
COMMITMENTS = {Confidence.LATEST: Commitment("processed"), Confidence.SAFE: Commitment("confirmed"),
               Confidence.FINALIZED: Commitment("finalized")}


PIN_LOST = frozenset({"SlotHashUnknown", "SlotMismatch"})
"""The program's errors for an assessment whose slot left SlotHashes or whose request was re-pinned since."""
SIGNER_WAITS = frozenset({"UnknownSigner", "EnclaveRevoked", "MeasurementMismatch"})
"""Failures that pass once the owner registers the enclave's signer with its measurement: the request waits."""


def _custom_code(err: Any) -> tuple[int, int] | None:
    """(instruction index, custom code) of an `InstructionError(i, Custom(n))`; None for any other error."""
    inner = getattr(err, "err", None)
    code = getattr(inner, "code", None)
    if isinstance(code, int):
        return int(err.index), code
    return None


def explain(err: Any, logs: Sequence[str] = ()) -> str:
    """The program's error name in a transaction error, with the values the program logged for it the line before
    when `logs` hold them (`QuorumNotMet(1, 3)`, docs/solana.md "Quorum"), else the error's text."""
    found = _custom_code(err)
    if found is None:
        return str(err)[:200]
    name = prog.error_name(found[1])
    for line in logs:
        if line.startswith(f"Program log: {name}(") and line.endswith(")"):
            return line.removeprefix("Program log: ")
    return name


class SolanaAdapter(ChainAdapter):
    family = "solana"
    cost_unit = "compute_units"

    def __init__(self, cfg: SolanaChain, transmitter: Keypair, cache: Any = None,
                 sequence_floor: Callable[[], int | None] | None = None) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.transmitter = transmitter
        self.cache = cache
        self.program = Pubkey.from_string(cfg.program_id)
        self.oracle = Pubkey.from_string(cfg.oracle)
        self.commitment = Commitment(cfg.commitment)
        self.sequence = LocalSequence(sequence_floor)
        self._client: SolanaClient | None = None
        self._provider: SolanaRpc | None = None
        self._enclaves: dict[str, Pubkey] = {}
        self._payees: dict[Pubkey, Pubkey] = {}
        self._pins: dict[str, int] = {}
        self._repins: dict[str, tuple[int, float]] = {}
        self._slot_hashes: dict[int, bytes] = {}
        self._block_times: dict[int, int] = {}
        self._settled: dict[str, tuple[int, bytes]] = {}
        self._slot_hashes_lock = asyncio.Lock()
        self._recent_blockhash: tuple[Hash, float] | None = None
        self._recent_price: tuple[int, float] | None = None
        self._table: TransmitterTable | None = None
        self.credit = CreditReader(cfg.name, cfg.lending_programs) if cfg.lending_programs else None

    @property
    def capabilities(self) -> Capabilities:
        """One request a transaction; `max_signatures` as many as one v0 transaction with the transmitter's lookup
        table fits (chains/solana/quorum.py)."""
        return Capabilities(max_signatures=quorum.max_signatures())

    @property
    def client(self) -> SolanaClient:
        if self._client is None:
            raise ChainError(f"{self.name}: not connected")
        return self._client

    def health(self) -> dict[str, Any]:
        return {"rpc": self._provider.state() if self._provider is not None else []}

    def _rpc_provider(self) -> SolanaRpc:
        return self.client.rpc

    async def connect(self) -> None:
        """Check every endpoint's cluster, then the program and the oracle account.

        Raises:
            ChainError: endpoints of different clusters, no program, no oracle account of it, another cluster id.
            RetryLater: no endpoint answered.
        """
        if self._client is not None:
            return
        if self._provider is None:
            self._provider = SolanaRpc(self.name, self.cfg.read_urls, self.cfg.send_only_urls,
                                       timeout_s=self.cfg.rpc_timeout_s, commitment=self.cfg.commitment,
                                       max_lag=self.cfg.rpc_max_lag_slots)
        provider = self._provider
        try:
            await provider.verify()
            client = SolanaClient(provider, self.commitment)
            await self._check_oracle(client)
        except BaseException:
            await provider.close()
            raise
        self._client = client

    async def _check_oracle(self, client: SolanaClient) -> None:
        info = await self._rpc(client.get_account_info(self.program, commitment=self.commitment))
        oracle = await self._rpc(client.get_account_info(self.oracle, commitment=self.commitment))
        if info.value is None or not info.value.executable:
            raise ChainError(f"{self.name}: no program at {self.program}")
        if oracle.value is None or oracle.value.owner != self.program:
            raise ChainError(f"{self.name}: {self.oracle} is not an oracle account of program {self.program}")
        try:
            stored = prog.decode_account("Oracle", bytes(oracle.value.data))
        except Exception:  # noqa: BLE001 - another account, or an Oracle of an older layout
            raise ChainError(f"{self.name}: {self.oracle} is not an Oracle account of this program's layout") from None
        if int(stored.cluster_id) != self.cfg.chain_id:
            raise ChainError(f"{self.name}: oracle {self.oracle} was initialised for cluster id {stored.cluster_id}, "
                             f"the config's chain_id is {self.cfg.chain_id}")

    async def close(self) -> None:
        """Close every endpoint's session; the endpoints' state stays readable for health. Idempotent."""
        self._client = None
        if self._provider is not None:
            await self._provider.close()

    async def _rpc(self, coro: Any) -> Any:
        """A call through the provider: its RetryLater (every endpoint failed) as it is, an error answer about the
        call as RetryLater naming it."""
        try:
            return await coro
        except RPCException as e:
            raise RetryLater(f"{self.name}: RPC error: {e}") from None

    # heads
    async def head(self, level: Confidence) -> Height:
        """The slot and cluster time at this confidence, read from the Clock sysvar in one call."""
        resp = await self._rpc(self.client.get_account_info(prog.CLOCK_SYSVAR, commitment=COMMITMENTS[level]))
        if resp.value is None:
            raise RetryLater(f"{self.name}: the RPC returned no Clock sysvar")
        clock = prog.decode_clock(bytes(resp.value.data))
        return Height(number=clock.slot, timestamp=clock.unix_timestamp)

    # requests
    async def poll_requests(self, cursor: str | None, until: Height) -> RequestBatch:
        """Pending requests made after the cursor slot. The cursor only moves to a slot the listing saw at
        the configured commitment, so a request confirmed late is still found on the next poll."""
        start = int(cursor) if cursor is not None else self.cfg.start_slot - 1
        seen = await self._rpc(self.client.get_slot(commitment=self.commitment))
        end = min(until.number, int(seen.value))
        if end <= start:
            return RequestBatch(items=[], next_cursor=str(start), reached=start)
        filters = [MemcmpOpts(offset=0, bytes=b58encode(prog.discriminator("Request"))),
                   MemcmpOpts(offset=prog.REQUEST_ORACLE_OFFSET, bytes=str(self.oracle)),
                   MemcmpOpts(offset=prog.REQUEST_STATUS_OFFSET, bytes=b58encode(bytes([prog.PENDING])))]
        resp = await self._rpc(self.client.get_program_accounts(
            self.program, commitment=self.commitment, encoding="base64", filters=filters))
        items = []
        for keyed in resp.value:
            try:
                req = prog.decode_account("Request", bytes(keyed.account.data))
            except Exception:  # noqa: BLE001 - a malformed account cannot be a request this program made
                continue
            if start < req.created_slot <= end:
                items.append(self._request(keyed.pubkey, req, created_slot=int(req.created_slot)))
        items.sort(key=lambda r: (r.block_number, r.ordinal, r.request_id))  # nonces are per requester
        return RequestBatch(items=items, next_cursor=str(end), reached=end)

    def _request(self, address: Pubkey, req: Any, *, created_slot: int, tx_hash: str = "") -> OracleRequest:
        """A request from its Request account or its `AssessmentRequested` event (the same fields, `private` among
        them: the program takes only the private form of the assessment for a private request)."""
        return OracleRequest(
            chain=self.name, family="solana", chain_id=self.cfg.chain_id, contract=str(self.oracle),
            request_id=str(address), requester=str(prog.pubkey(req.requester)), subject=str(prog.pubkey(req.subject)),
            fee=int(req.fee),
            expires_at=int(req.expires_at), params="0x" + bytes(req.params).hex(), block_number=created_slot,
            block_hash="", tx_hash=tx_hash, ordinal=int(req.nonce), program=str(self.program),
            private=bool(req.private),
        )

    async def offchain_request(self, subject: str) -> tuple[OracleRequest, Height]:
        """Pinned at the newest slot SlotHashes holds at or below the finalized one (a skipped slot has no hash),
        with that slot's bank hash, as a request's pin is."""
        final = await self.head(Confidence.FINALIZED)
        hashes = await self._slot_hashes_with(final.number, fresh=True)
        slot = max((s for s in hashes if s <= final.number), default=None)
        if slot is None:
            raise RetryLater(f"{self.name}: SlotHashes holds no slot at or below the finalized {final.number} yet")
        at = Height(number=slot, timestamp=await self._block_time(slot), hash="0x" + hashes[slot].hex())
        request_id = offchain_request_id("solana", self.cfg.chain_id, b58decode(subject), slot, hashes[slot])
        request = OracleRequest(
            chain=self.name, family="solana", chain_id=self.cfg.chain_id, contract=str(self.oracle),
            request_id=b58encode(request_id), requester=b58encode(bytes(32)), subject=subject, fee=0,
            expires_at=at.timestamp, params="", block_number=slot, block_hash=at.hash, tx_hash="", ordinal=0,
            program=str(self.program))
        return request, at

    async def update_request(self, subject: str, at: Height) -> OracleRequest:
        """An operator's update of `subject` at the final slot `at` (its hash SlotHashes' and its time the slot's block
        time, as `offchain_request` pins): id the program's derivation for the oracle, subject and `at`'s time
        (chains/solana/update_id.py), requester the all-zero key, fee 0, params empty; `expires_at` the shorter of
        UPDATE_WINDOW_S and UPDATE_PIN_S after `at`.

        Raises:
            ChainError: `subject` is not a base58 public key.
        """
        try:
            key = Pubkey.from_string(subject)
        except ValueError:
            raise ChainError(f"{self.name}: {subject!r} is not a Solana public key") from None
        if str(key) != subject:
            raise ChainError(f"{self.name}: {subject!r} is not a Solana public key in its canonical base58 form")
        request_id = update_request_id(bytes(self.oracle), bytes(key), at.timestamp)
        return OracleRequest(
            chain=self.name, family="solana", chain_id=self.cfg.chain_id, contract=str(self.oracle),
            request_id=b58encode(request_id), requester=ZERO_KEY, subject=subject, fee=0,
            expires_at=at.timestamp + min(UPDATE_WINDOW_S, UPDATE_PIN_S), params="", block_number=at.number,
            block_hash=at.hash, tx_hash="", ordinal=0, program=str(self.program), operator_update=True)

    async def is_canonical(self, request: OracleRequest) -> bool:
        """Whether the request is still on the chain at the configured commitment (or was settled there). An
        operator update's: whether SlotHashes holds (or held, when last read) its slot with its hash, or the update has
        landed; a slot's hash never changes, and `pinned` finds one that has left since."""
        if request.operator_update:
            hashes = await self._slot_hashes_with(request.block_number)
            found = hashes.get(request.block_number)
            if found is not None:
                return "0x" + found.hex() == request.block_hash
            return await self.request_status(request) is RequestStatus.FULFILLED
        resp = await self._rpc(self.client.get_account_info(Pubkey.from_string(request.request_id),
                                                            commitment=self.commitment))
        if resp.value is None:
            return await self.request_status(request) in (RequestStatus.FULFILLED, RequestStatus.CANCELLED)
        try:
            req = prog.decode_account("Request", bytes(resp.value.data))
        except ValueError:
            return False
        return resp.value.owner == self.program and int(req.nonce) == request.ordinal \
            and int(req.created_slot) == request.block_number

    def enclave_request(self, request: OracleRequest) -> dict[str, Any]:  # type: ignore[override]
        """The base fields (`chain_id` is the cluster id the payload carries) and the program id; `block_number`
        is the slot `pinned` last returned for the request (a repinned request's new slot), else the slot the
        request was made in."""
        out = {**super().enclave_request(request), "program": request.program}
        out["block_number"] = self._pins.get(request.key, request.block_number)
        return out

    async def stored_status(self, request: OracleRequest) -> RequestStatus:
        """"pending" while the Request account exists; once closed, the closing transaction's event says
        whether it was fulfilled or cancelled; "none" if no such request was ever made. An operator update:
        `_update_status`."""
        if request.operator_update:
            return await self._update_status(request)
        address = Pubkey.from_string(request.request_id)
        resp = await self._rpc(self.client.get_account_info(address, commitment=self.commitment))
        if resp.value is not None and resp.value.owner == self.program:
            try:
                req = prog.decode_account("Request", bytes(resp.value.data))
                if int(req.status) == prog.PENDING:
                    return RequestStatus.PENDING
            except ValueError:
                return RequestStatus.NONE
        sigs = await self._rpc(self.client.get_signatures_for_address(address, limit=20, commitment=self.commitment))
        for item in sigs.value:
            if item.err is not None:
                continue
            for name, data in await self._events(item.signature):
                if str(prog.pubkey(data.request)) != request.request_id:
                    continue
                if name == "AssessmentFulfilled":
                    return RequestStatus.FULFILLED
                if name == "AssessmentCancelled":
                    return RequestStatus.CANCELLED
        return RequestStatus.NONE

    async def _update_status(self, request: OracleRequest) -> RequestStatus:
        """FULFILLED once the subject's Score holds the update (its `request` the update id) or held it (a newer
        assessment replaced it: an `AssessmentFulfilled` naming the id among the Score's recent transactions);
        NONE otherwise (not taken: `request_status` reads it PENDING), an update that can no longer land included
        (sending it then fails, and says why). A Score whose assessment is older than the update's slot's time cannot
        have held it."""
        score = prog.score_pda(self.program, self.oracle, Pubkey.from_string(request.subject))[0]
        resp = await self._rpc(self.client.get_account_info(score, commitment=self.commitment))
        if resp.value is None or resp.value.owner != self.program:
            return RequestStatus.NONE
        try:
            stored = prog.decode_account("Score", bytes(resp.value.data))
        except ValueError:
            return RequestStatus.NONE
        if str(prog.pubkey(stored.request)) == request.request_id:
            return RequestStatus.FULFILLED
        if int(stored.assessed_at) < await self._block_time(request.block_number):
            return RequestStatus.NONE
        sigs = await self._rpc(self.client.get_signatures_for_address(score, limit=20, commitment=self.commitment))
        for item in sigs.value:
            if item.err is not None:
                continue
            for name, data in await self._events(item.signature):
                if name == "AssessmentFulfilled" and str(prog.pubkey(data.request)) == request.request_id:
                    return RequestStatus.FULFILLED
        return RequestStatus.NONE

    async def _events(self, signature: Signature) -> list[tuple[str, Any]]:
        tx = await self._rpc(self.client.get_transaction(signature, encoding="json", commitment=self.commitment,
                                                         max_supported_transaction_version=0))
        if tx.value is None or tx.value.transaction.meta is None:
            return []
        return prog.events_in_logs(list(tx.value.transaction.meta.log_messages or []))

    # pinned state
    async def pinned(self, request: OracleRequest) -> Height:
        """The request account's pinned slot, its hash as the SlotHashes sysvar holds it, and its block time.

        A pinned slot older than every SlotHashes entry (about 512 slots, some 3.5 minutes) can no longer be
        fulfilled: this sends `repin` (the program moves the pin to the current slot) and raises RetryLater, so
        the request is scored again at its new pin (docs/solana.md, "Pinned slot"). A slot that leaves SlotHashes
        within PIN_MARGIN_SLOTS is not signed for (its fulfilment might land after it has left): RetryLater until
        it has left, then `repin`.

        The pin last seen (at first the slot the request was made in) is used without reading the request
        account again while it is inside SlotHashes now: `repin` moves a pin only once it has left SlotHashes,
        whose window only moves forward, so a pin still inside it has not moved since it was seen. Where the
        sysvar window is now is read fresh each time (its first 16 bytes); the hashes themselves, which never
        change, are read in full only when a slot is not among those last read.

        A request `read_fulfilment` returned is pinned where its fulfilment was signed, with the slot hash that
        fulfilment carried: the program checked it against SlotHashes when `fulfil` ran, and no RPC method
        serves a slot's hash once SlotHashes has dropped it.
        """
        if request.key in self._settled:
            slot, slot_hash = self._settled[request.key]
            self._pins[request.key] = slot
            return Height(number=slot, timestamp=await self._block_time(slot), hash="0x" + slot_hash.hex())
        if request.operator_update:
            return await self._update_pin(request)
        slot = self._pins.get(request.key, request.block_number)
        count, newest = await self._slot_hashes_head()
        if slot > newest:
            raise RetryLater(f"{self.name}: slot {slot} of request {request.request_id} is not in SlotHashes yet")
        # Entries are newest first, one per slot that was not skipped: at least `newest - slot` of them are newer
        # than `slot` unless slots were skipped, so this underestimates how long `slot` stays (never over).
        if prog.SLOT_HASHES_MAX - 1 - (newest - slot) < PIN_MARGIN_SLOTS or newest - slot >= count:
            slot = await self._pinned_slot(request)
            hashes = await self._slot_hashes_with(slot, fresh=True)
            if hashes and slot < min(hashes):
                await self._repin(request, slot)
                raise RetryLater(f"{self.name}: request {request.request_id} pinned at slot {slot}, which has left "
                                 "SlotHashes: repin sent, scored again at its new slot")
            newer = sum(1 for s in hashes if s > slot)
            if slot in hashes and prog.SLOT_HASHES_MAX - 1 - newer < PIN_MARGIN_SLOTS:
                raise RetryLater(f"{self.name}: slot {slot} of request {request.request_id} leaves SlotHashes "
                                 f"within {PIN_MARGIN_SLOTS} slots: repinned once it has left")
        else:
            hashes = await self._slot_hashes_with(slot)
        if slot not in hashes:
            raise RetryLater(f"{self.name}: slot {slot} of request {request.request_id} is not in SlotHashes yet")
        self._pins[request.key] = slot
        return Height(number=slot, timestamp=await self._block_time(slot), hash="0x" + hashes[slot].hex())

    async def _update_pin(self, request: OracleRequest) -> Height:
        """An operator update's slot, with its hash as SlotHashes holds it and its block time. No `repin` moves it
        (its id follows from its slot's time): one that has left SlotHashes, or leaves it within PIN_MARGIN_SLOTS,
        can no longer land (ChainError). Where the window is is read fresh, as `pinned` reads it."""
        slot = request.block_number
        count, newest = await self._slot_hashes_head()
        if slot > newest:
            raise RetryLater(f"{self.name}: slot {slot} of update {request.request_id} is not in SlotHashes yet")
        near = prog.SLOT_HASHES_MAX - 1 - (newest - slot) < PIN_MARGIN_SLOTS or newest - slot >= count
        hashes = await self._slot_hashes_with(slot, fresh=near)
        newer = sum(1 for s in hashes if s > slot)
        if slot not in hashes or prog.SLOT_HASHES_MAX - 1 - newer < PIN_MARGIN_SLOTS:
            raise ChainError(f"{self.name}: update {request.request_id} is pinned at slot {slot}, which leaves "
                             f"SlotHashes within {PIN_MARGIN_SLOTS} slots or has left it: it can no longer land")
        return Height(number=slot, timestamp=await self._block_time(slot), hash="0x" + hashes[slot].hex())

    async def _slot_hashes_head(self) -> tuple[int, int]:
        """(entry count, newest slot) of SlotHashes now, from its first 16 bytes."""
        resp = await self._rpc(self.client.get_account_info(
            prog.SLOT_HASHES_SYSVAR, commitment=COMMITMENTS[Confidence.LATEST], encoding="base64",
            data_slice=DataSliceOpts(offset=0, length=16)))
        data = bytes(resp.value.data) if resp.value is not None else b""
        if len(data) < 16 or int.from_bytes(data[:8], "little") == 0:
            raise RetryLater(f"{self.name}: the RPC returned no SlotHashes entries")
        return int.from_bytes(data[:8], "little"), int.from_bytes(data[8:16], "little")

    async def read_fulfilment(self, request_id: str) -> Fulfilled | None:
        """From the request account's transactions: its `AssessmentRequested` event (the request as it was made)
        and the `fulfil` or `fulfil_quorum` instruction of the transaction whose `AssessmentFulfilled` event closed
        it (the signed assessment exactly as the program took it; of a quorum's signers, the one the event names,
        the lowest address)."""
        address = Pubkey.from_string(request_id)
        sigs = await self._rpc(self.client.get_signatures_for_address(address, limit=1000,
                                                                       commitment=self.commitment))
        made: tuple[Any, int, str] | None = None
        fulfilled: tuple[Any, Any, str] | None = None
        for item in sigs.value:
            if item.err is not None:
                continue
            tx = await self._rpc(self.client.get_transaction(item.signature, encoding="base64",
                                                             commitment=self.commitment,
                                                             max_supported_transaction_version=0))
            if tx.value is None or tx.value.transaction.meta is None:
                continue
            for name, data in prog.events_in_logs(list(tx.value.transaction.meta.log_messages or [])):
                if str(prog.pubkey(data.request)) != request_id:
                    continue
                if name == "AssessmentRequested":
                    made = (data, int(tx.value.slot), str(item.signature))
                elif name == "AssessmentFulfilled" and fulfilled is None:
                    fulfilled = (data, tx.value.transaction, str(item.signature))
        if made is None or fulfilled is None:
            return None
        event, tx, signature = fulfilled
        args, signed = self._fulfil_args(tx, address, signature)
        request = self._request(address, made[0], created_slot=made[1], tx_hash=made[2])
        facts = AssessmentFacts(score=args.score, tier=args.tier, pd_bps=args.pd_bps, flags=args.flags,
                                measurement=bytes(args.measurement), commitment=bytes(args.commitment),
                                block_number=args.slot, block_hash=bytes(args.slot_hash),
                                features_hash=bytes(args.features_hash), timestamp=args.timestamp, expiry=args.expiry)
        self._settled[request.key] = (facts.block_number, facts.block_hash)
        return Fulfilled(request=request, facts=facts, signature=signed,
                         signer=to_checksum_address(bytes(event.signer)), tx_hash=signature)

    def _fulfil_args(self, tx: Any, request: Pubkey, signature: str) -> tuple[Any, bytes]:
        """The args of the transaction's `fulfil` or `fulfil_quorum` of `request` (a top-level or an inner
        instruction), and the signature of the signer its `AssessmentFulfilled` names: `fulfil`'s one, or
        `fulfil_quorum`'s first (the lowest address)."""
        message = tx.transaction.message
        keys = list(message.account_keys)
        loaded = tx.meta.loaded_addresses
        if loaded is not None:
            keys += list(loaded.writable) + list(loaded.readonly)
        calls = [(ix.program_id_index, bytes(ix.accounts), bytes(ix.data)) for ix in message.instructions]
        for inner in tx.meta.inner_instructions or []:
            calls += [(ix.program_id_index, bytes(ix.accounts), b58decode(ix.data)) for ix in inner.instructions]
        sighashes = prog.coder().instruction.sighashes
        fulfils = (sighashes["fulfil"], sighashes["fulfil_quorum"])
        for program_index, accounts, data in calls:
            if keys[program_index] == self.program and data[:8] in fulfils and len(accounts) > 1 \
                    and keys[accounts[1]] == request:
                args = prog.coder().instruction.parse(data).data
                signed = args.signature if data[:8] == fulfils[0] else args.signatures[0]
                return args, bytes(signed)
        raise ChainError(f"{self.name}: transaction {signature} logged the fulfilment of {request} but carries no "
                         "fulfil instruction for it")

    async def _pinned_slot(self, request: OracleRequest) -> int:
        """The request account's `pinned_slot`; ChainError when the account is closed."""
        resp = await self._rpc(self.client.get_account_info(Pubkey.from_string(request.request_id),
                                                            commitment=self.commitment))
        if resp.value is None or resp.value.owner != self.program:
            raise ChainError(f"{self.name}: request {request.request_id} is closed (fulfilled or cancelled)")
        try:
            return int(prog.decode_account("Request", bytes(resp.value.data)).pinned_slot)
        except Exception:  # noqa: BLE001 - an account this program's layout does not describe
            raise ChainError(f"{self.name}: {request.request_id} is not a Request account") from None

    async def _block_time(self, slot: int) -> int:
        """The slot's block time (kept: it never changes)."""
        if slot not in self._block_times:
            resp = await self._rpc(self.client.get_block_time(slot))
            if resp.value is None:
                raise RetryLater(f"{self.name}: no block time for slot {slot} yet")
            if len(self._block_times) >= BLOCK_TIMES_KEPT:
                self._block_times.clear()
            self._block_times[slot] = int(resp.value)
        return self._block_times[slot]

    async def _slot_hashes_with(self, slot: int, fresh: bool = False) -> dict[int, bytes]:
        """SlotHashes (slot -> hash), read again when the last reading does not hold `slot` (or when `fresh`).
        Read at `processed`: the newest bank holds the slot a request was made in as soon as the next slot
        starts, and so does the bank `fulfil` runs in."""
        async with self._slot_hashes_lock:
            if not fresh and slot in self._slot_hashes:
                return self._slot_hashes
            resp = await self._rpc(self.client.get_account_info(prog.SLOT_HASHES_SYSVAR,
                                                                commitment=COMMITMENTS[Confidence.LATEST]))
            if resp.value is None:
                raise RetryLater(f"{self.name}: the RPC returned no SlotHashes sysvar")
            self._slot_hashes = prog.decode_slot_hashes(bytes(resp.value.data))
            return self._slot_hashes

    async def _repin(self, request: OracleRequest, slot: int) -> None:
        """Send `repin` for a request pinned at `slot`, once per pin (again only when the last one did not land
        within REPIN_RETRY_S)."""
        sent = self._repins.get(request.key)
        if sent is not None and sent[0] == slot and time.monotonic() - sent[1] < REPIN_RETRY_S:
            return
        ix = prog.repin_ix(self.program, self.oracle, Pubkey.from_string(request.request_id))
        tx = self._transaction([ix], await self._blockhash())
        try:
            await self.client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=False,
                                                                          preflight_commitment=self.commitment))
        except RPCException as e:
            raise RetryLater(f"{self.name}: repin of {request.request_id} refused: {str(e)[:200]}") from None
        self._repins[request.key] = (slot, time.monotonic())

    # features
    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        """Balance, transaction count and first-seen time as of the pinned slot `at`, from the subject's
        signature history.

        `tx_count` counts the transactions up to slot `at` that name the subject (getSignaturesForAddress), up
        to `history_pages` pages; `first_seen_timestamp` is the oldest one's block time, null when the history
        is longer than that (or the RPC keeps less). The balance is the subject's post-balance in the newest of
        those transactions (a wallet's lamports move only in transactions that name it), 0 when there is none.
        """
        key = Pubkey.from_string(subject)
        count, oldest, complete = 0, None, False
        newest: Signature | None = None
        before: Signature | None = None
        for _ in range(self.cfg.history_pages):
            page = await self._rpc(self.client.get_signatures_for_address(
                key, before=before, limit=1000, commitment=self.commitment))
            items = [s for s in page.value if s.slot <= at.number]
            count += len(items)
            if items:
                newest = newest or items[0].signature
                oldest = items[-1].block_time if items[-1].block_time is not None else oldest
            if len(page.value) < 1000:
                complete = True
                break
            before = page.value[-1].signature
        balance = 0 if newest is None else await self._balance_after(key, newest)
        return {"as_of_block": at.number, "as_of_block_hash": at.hash, "as_of_timestamp": at.timestamp,
                "tx_count": count, "balance_wei": str(balance * LAMPORTS_TO_18_DECIMALS),
                "first_seen_timestamp": oldest if complete and count else None}

    async def _balance_after(self, key: Pubkey, signature: Signature) -> int:
        """`key`'s lamports after the transaction `signature` (its meta's post-balances)."""
        tx = await self._rpc(self.client.get_transaction(signature, encoding="json", commitment=self.commitment,
                                                         max_supported_transaction_version=0))
        if tx.value is None or tx.value.transaction.meta is None:
            raise RetryLater(f"{self.name}: transaction {signature} is not readable yet")
        meta = tx.value.transaction.meta
        keys = list(tx.value.transaction.transaction.message.account_keys)
        loaded = meta.loaded_addresses
        if loaded is not None:
            keys += list(loaded.writable) + list(loaded.readonly)
        if key not in keys:
            raise ChainError(f"{self.name}: transaction {signature} does not name {key}")
        return int(meta.post_balances[keys.index(key)])

    # fulfilment
    def _enclave_account(self, assessment: SignedAssessment) -> Pubkey:
        signer = assessment.signer.lower()
        if signer not in self._enclaves:
            self._enclaves[signer] = prog.enclave_pda(self.program, self.oracle, bytes.fromhex(signer[2:]))[0]
        return self._enclaves[signer]

    async def _payee(self, enclave: Pubkey) -> Pubkey:
        """The payee registered with the enclave account (it receives every fee its signatures earn)."""
        if enclave not in self._payees:
            resp = await self._rpc(self.client.get_account_info(enclave, commitment=self.commitment))
            if resp.value is None or resp.value.owner != self.program:
                raise ChainError(f"{self.name}: no enclave account {enclave} for this oracle")
            self._payees[enclave] = prog.pubkey(prog.decode_account("Enclave", bytes(resp.value.data)).payee)
        return self._payees[enclave]

    async def _fulfil_ix(self, request: OracleRequest, a: SignedAssessment) -> Any:
        enclave = self._enclave_account(a)
        return prog.fulfil_ix(self.program, self.oracle, Pubkey.from_string(request.request_id), enclave,
                              Pubkey.from_string(request.subject), Pubkey.from_string(request.requester),
                              self.transmitter.pubkey(), await self._payee(enclave), a)

    async def _fulfil_quorum_ix(self, request: OracleRequest, a: SignedAssessment) -> Any:
        """`fulfil_quorum` with every signature `a` carries (the program's order is the instruction builder's), each
        with the payee its Enclave account names, the accounts read afresh in one call. A cosigner the program would
        not count is refused here, by its address; the adapter's own signer is checked by the simulation, as with
        `fulfil`.

        Raises:
            ValueError: more signatures than `max_signatures`.
            CosignerRefused: a cosigner's enclave is unregistered, revoked or of another measurement, or its
                signature is not its signer's.
            ChainError: the adapter's own signer has no Enclave account.
        """
        parts = [quorum.quorum_signature(signer, prog.pubkey(enclave.payee))
                 for signer, enclave in await self._signer_enclaves(a)]
        return prog.fulfil_quorum_ix(self.program, self.oracle, Pubkey.from_string(request.request_id),
                                     Pubkey.from_string(request.subject), Pubkey.from_string(request.requester),
                                     self.transmitter.pubkey(), a.facts, parts)

    async def _signer_enclaves(self, a: SignedAssessment) -> list[tuple[SignedAssessment, Any]]:
        """Each of `a`'s signatures with its signer's Enclave account (decoded), the accounts read afresh in one
        call. A cosigner the program would not count is refused here, by its address; the adapter's own signer is
        checked by the simulation.

        Raises:
            ValueError: more signatures than `max_signatures`.
            CosignerRefused: a cosigner's enclave is unregistered, revoked or of another measurement, or its
                signature is not its signer's.
            ChainError: the adapter's own signer has no Enclave account.
        """
        signers = a.signers()
        if len(signers) > quorum.max_signatures():
            raise ValueError(quorum.too_many(len(signers)))
        enclaves = [self._enclave_account(s) for s in signers]
        resp = await self._rpc(self.client.get_multiple_accounts(enclaves, commitment=self.commitment))
        measurement = "0x" + a.facts.measurement.hex()
        out = []
        for i, (signer, enclave, info) in enumerate(zip(signers, enclaves, resp.value, strict=True)):
            data = bytes(info.data) if info is not None and info.owner == self.program else None
            refused = quorum.refusal(self.name, signer, enclave_status(data, measurement)) if i else None
            if refused is not None:
                raise refused
            if data is None:
                raise ChainError(f"{self.name}: no enclave account {enclave} for this oracle")
            out.append((signer, prog.decode_account("Enclave", data)))
        return out

    async def _update_ix(self, request: OracleRequest, a: SignedAssessment) -> Any:
        """`update` with every signature `a` carries (one at threshold 1), each with its enclave account.

        Raises:
            ChainError: the signed time gives another update id than the request's (the program would recover
                another key from the signature), or as `_signer_enclaves`.
        """
        subject = Pubkey.from_string(request.subject)
        expected = b58encode(update_request_id(bytes(self.oracle), bytes(subject), a.facts.timestamp))
        if expected != request.request_id:
            raise ChainError(f"{self.name}: fulfilment would fail: the update's id is not the one of its assessment's "
                             "time (chains/solana/update_id.py)")
        signatures = [(bytes(enclave.address), signer.signature) for signer, enclave in await self._signer_enclaves(a)]
        return prog.update_ix(self.program, self.oracle, subject, self.transmitter.pubkey(), a.facts, signatures)

    async def _blockhash(self) -> Hash:
        """A recent blockhash, fetched at most every BLOCKHASH_REUSE_S: a blockhash stays usable for 150 slots
        (about 60 s), and an expired one is caught by status() and re-signed."""
        now = time.monotonic()
        if self._recent_blockhash is not None and now - self._recent_blockhash[1] < BLOCKHASH_REUSE_S:
            return self._recent_blockhash[0]
        resp = await self._rpc(self.client.get_latest_blockhash(commitment=self.commitment))
        self._recent_blockhash = (resp.value.blockhash, now)
        return resp.value.blockhash

    async def _price(self) -> int:
        """The compute-unit price: the median of the recent nonzero fees paid to write the oracle's accounts,
        within the configured bounds; read at most every PRICE_REUSE_S."""
        now = time.monotonic()
        if self._recent_price is not None and now - self._recent_price[1] < PRICE_REUSE_S:
            return self._recent_price[0]
        fees: list[int] = []
        try:
            answer = await self._rpc_provider().call("getRecentPrioritizationFees",
                                                     [[str(self.oracle), str(self.program)]])
            fees = [int(x["prioritizationFee"]) for x in answer.get("result") or [] if x.get("prioritizationFee")]
        except (RetryLater, ValueError, KeyError, TypeError, AttributeError):
            fees = []  # no fee market data: the configured floor
        market = int(statistics.median(fees)) if fees else 0
        price = min(max(self.cfg.priority_fee_micro_lamports, market), self.cfg.max_priority_fee_micro_lamports)
        self._recent_price = (price, now)
        return price

    def _transaction(self, instructions: list[Any], blockhash: Hash,
                     table: Table | None = None) -> Transaction | VersionedTransaction:
        """A legacy transaction, or a v0 one looking accounts up in `table`."""
        if table is None:
            message = Message.new_with_blockhash(instructions, self.transmitter.pubkey(), blockhash)
            return Transaction([self.transmitter], message, blockhash)
        v0 = MessageV0.try_compile(self.transmitter.pubkey(), instructions, [table.account()], blockhash)
        return VersionedTransaction(v0, [self.transmitter])

    def _lookup_table(self) -> TransmitterTable:
        if self._table is None:
            configured = Pubkey.from_string(self.cfg.lookup_table) if self.cfg.lookup_table else None
            self._table = TransmitterTable(self.name, self.client, self.transmitter.pubkey(), configured, self._rpc,
                                           self._send_now, self.commitment)
        return self._table

    async def _send_now(self, instructions: list[Any]) -> str:
        """Sign and send `instructions` as the transmitter, checked by the RPC's preflight; the signature."""
        tx = self._transaction(instructions, await self._blockhash())
        try:
            await self.client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=False,
                                                                          preflight_commitment=self.commitment))
        except RPCException as e:
            raise RetryLater(f"{self.name}: RPC refused transaction {tx.signatures[0]}: {str(e)[:300]}") from None
        return str(tx.signatures[0])

    async def _fitting(self, fulfil: Any, price: int, blockhash: Hash) -> Table | None:
        """None when the fulfilment fits a legacy transaction; else the transmitter's lookup table holding its
        signers' Enclave accounts and payees (the accounts after the instruction's fixed ones)."""
        legacy = self._transaction([set_compute_unit_limit(MAX_COMPUTE_UNITS), set_compute_unit_price(price), fulfil],
                                   blockhash)
        if len(bytes(legacy)) <= quorum.PACKET_SIZE:
            return None
        keys = prog.signer_accounts(fulfil)
        if not keys:
            raise ChainError(f"{self.name}: a fulfilment of {len(bytes(legacy))} bytes does not fit a transaction")
        # the newest slot: a transaction sent now lands in it or later, and takes only addresses added before it
        slot = int((await self._rpc(self.client.get_slot(commitment=Commitment("processed")))).value)
        return await self._lookup_table().holding(keys, slot)

    async def prepare(self, items: list[tuple[OracleRequest, SignedAssessment]]) -> Submission:
        """One request a transaction: `fulfil`, or `fulfil_quorum` for an assessment with cosigners, or `update` for an
        operator update (with every signature it carries). A refusal the simulation shows is the program's error with
        the values it logged (`QuorumNotMet(2, 3)`); the adapter's own signer not counted waits (WaitFor "signer"), a
        cosigner not counted is CosignerRefused. An assessment whose privacy is not the request's is ChainError
        `<chain>: fulfilment would fail: PrivacyMismatch`; an update that landed already (or is older than the stored
        assessment), `<chain>: fulfilment would fail: UpdateNotNewer`."""
        if len({bool(a.cosigners) for _, a in items}) > 1:
            raise ValueError("items with and without cosigners in one fulfilment")
        if len(items) != 1:
            raise ValueError("a Solana fulfilment carries exactly one request")
        request, assessment = items[0]
        if request.operator_update:
            fulfil = await self._update_ix(request, assessment)
        elif assessment.cosigners:
            fulfil = await self._fulfil_quorum_ix(request, assessment)
        else:
            fulfil = await self._fulfil_ix(request, assessment)
        blockhash = await self._blockhash()
        price = await self._price()
        table = await self._fitting(fulfil, price, blockhash)
        probe = self._transaction([set_compute_unit_limit(MAX_COMPUTE_UNITS), set_compute_unit_price(price), fulfil],
                                  blockhash, table)
        sim = await self._rpc(self.client.simulate_transaction(probe, sig_verify=False, commitment=self.commitment))
        if sim.value.err is not None:
            reason = explain(sim.value.err, sim.value.logs or ())
            name = reason.partition("(")[0]
            if name in PIN_LOST:
                raise PinLost(f"{self.name}: fulfilment would fail: {reason}")
            if name in SIGNER_WAITS:
                raise WaitFor("signer", f"{self.name}: fulfilment would fail: {reason}")
            raise ChainError(f"{self.name}: fulfilment would fail: {reason}")
        units = int(sim.value.units_consumed or 0)
        limit = min(MAX_COMPUTE_UNITS, units * self.cfg.compute_unit_margin_pct // 100 + 1_000)
        tx = self._transaction([set_compute_unit_limit(limit), set_compute_unit_price(price), fulfil], blockhash, table)
        nonce = self.sequence.take()
        return Submission(chain=self.name, tx_hash=str(tx.signatures[0]), sequence=nonce,
                          raw=base64.b64encode(bytes(tx)).decode(), request_keys=(request.key,))

    async def broadcast(self, submission: Submission) -> None:
        raw = base64.b64decode(submission.raw)
        try:
            await self.client.send_raw_transaction(raw, opts=TxOpts(skip_preflight=True,
                                                                    preflight_commitment=self.commitment))
        except RPCException as e:
            text = str(e)
            if "AlreadyProcessed" in text or "already been processed" in text or "BlockhashNotFound" in text \
                    or "Blockhash not found" in text:
                return  # sent before, or can no longer land: status() tells which
            raise ChainError(f"{self.name}: RPC refused transaction {submission.tx_hash}: {text[:300]}") from None

    async def _signature_status(self, signature: Signature) -> Any:
        resp = await self._rpc(self.client.get_signature_statuses([signature], search_transaction_history=True))
        return resp.value[0]

    async def status(self, submission: Submission) -> SubmissionStatus:
        tx = VersionedTransaction.from_bytes(base64.b64decode(submission.raw))  # legacy or v0
        st = await self._signature_status(tx.signatures[0])
        if st is None:
            blockhash = tx.message.recent_blockhash
            if await self._blockhash_valid(blockhash, CommitmentLevel.Processed):
                return SubmissionStatus(state=TxState.PENDING)
            # The newest bank no longer takes the blockhash, but it may be a fork's: until the finalized bank
            # refuses it too, a bank built on that one (on another fork) could still include the transaction.
            if await self._blockhash_valid(blockhash, CommitmentLevel.Finalized):
                return SubmissionStatus(state=TxState.PENDING)
            # Too old for every bank from now on; asked again after that, "unknown" means it never landed.
            st = await self._signature_status(tx.signatures[0])
            if st is None:
                return SubmissionStatus(state=TxState.DROPPED)
        final = st.confirmation_status == TransactionConfirmationStatus.Finalized
        if self.cfg.commitment == "processed" or st.confirmation_status in (
                TransactionConfirmationStatus.Confirmed, TransactionConfirmationStatus.Finalized):
            state = TxState.FINAL if final else TxState.INCLUDED
        else:
            return SubmissionStatus(state=TxState.PENDING)
        units = await self._units(tx.signatures[0]) if state is TxState.FINAL else None
        key = submission.request_keys[0]
        if st.err is None:
            outcomes = {key: ItemOutcome(True)}
            return SubmissionStatus(state=state, block_number=st.slot, cost=units, outcomes=outcomes)
        found = _custom_code(st.err)
        if found is None:
            return SubmissionStatus(state=state, block_number=st.slot, cost=units, reverted=True)
        name = prog.error_name(found[1])
        return SubmissionStatus(state=state, block_number=st.slot, cost=units,
                                outcomes={key: ItemOutcome(False, name, expired=name == "RequestExpired",
                                                           rescore=name in PIN_LOST)})

    async def _units(self, signature: Signature) -> int | None:
        resp = await self._rpc(self.client.get_transaction(
            signature, encoding="json", commitment=Commitment("confirmed"), max_supported_transaction_version=0))
        if resp.value is None or resp.value.transaction.meta is None:
            return None
        return resp.value.transaction.meta.compute_units_consumed

    async def _blockhash_valid(self, blockhash: Hash, commitment: CommitmentLevel) -> bool:
        body = IsBlockhashValid(blockhash, RpcContextConfig(commitment=commitment))
        try:
            resp = await self._rpc_provider().make_request(body, IsBlockhashValidResp)
        except RPCException as e:
            raise RetryLater(f"{self.name}: isBlockhashValid failed: {e}") from None
        return bool(resp.value)

    # lending events
    def check_credit_events(self) -> None:
        if self.credit is None:
            raise NotSupported(self.family, "lending events with an empty lending_programs table")

    async def read_credit_events(self, subjects: Collection[str], after: int, until: int) -> tuple[list[CreditEvent],
                                                                                                     int]:
        """The configured lending programs' borrows and repayments of `subjects` (chains/solana/credit_events.py),
        slot by slot."""
        assert self.credit is not None
        return await self.credit.read(self._rpc_provider(), subjects, after + 1, until), until

    # the enclave's signer and the transmitter
    async def signer_status(self, signer: str, measurement: str,
                            public_key: bytes | None = None) -> SignerStatus | None:
        """The Enclave account of `signer` (its 20-byte address) on this oracle, at the configured commitment:
        none (or an account the program does not own: lamports sent there first) is UNREGISTERED; then REVOKED,
        OTHER_MEASUREMENT, ACTIVE. The program creates nothing but Enclave accounts at that address, keyed by the
        signer's address: `public_key` is not needed.

        Raises:
            RetryLater: the RPC failed.
        """
        address = enclave_account(self.program, self.oracle, signer)
        resp = await self._rpc(self.client.get_account_info(address, commitment=self.commitment))
        data = bytes(resp.value.data) if resp.value is not None and resp.value.owner == self.program else None
        return enclave_status(data, measurement)

    async def threshold(self) -> int:
        """The oracle account's quorum threshold (`set_threshold`; 1 until it was first set), at the configured
        commitment.

        Raises:
            ChainError: the oracle account is gone.
            RetryLater: the RPC failed.
        """
        resp = await self._rpc(self.client.get_account_info(self.oracle, commitment=self.commitment))
        if resp.value is None or resp.value.owner != self.program:
            raise ChainError(f"{self.name}: no oracle account {self.oracle} of program {self.program}")
        return prog.oracle_threshold(bytes(resp.value.data))

    async def transmitter_balance(self) -> int | None:
        """The transmitter's lamports (getBalance), at the configured commitment."""
        resp = await self._rpc(self.client.get_balance(self.transmitter.pubkey(), commitment=self.commitment))
        return int(resp.value)


async def wait_for(coro_factory: Callable[[], Any], predicate: Callable[[Any], bool], timeout: float,
                   interval: float = 0.2) -> Any:
    """Poll `coro_factory()` until `predicate(result)`; the last result on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await coro_factory()
        if predicate(result) or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)
