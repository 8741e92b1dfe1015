"""The Solana adapter: finds pending requests with getProgramAccounts, reads subjects, sends fulfilments.

Requests are the `aura_oracle` program's Request accounts (docs/solana.md), listed with discriminator,
oracle and status filters at the configured commitment. A fulfilment is one transaction per request: a
compute-unit limit (the simulated units plus a margin), a compute-unit price, and the `fulfil` instruction.
It is built and signed first (`prepare`), stored by the daemon, and only then sent (`broadcast`), so a
restart re-sends the very same transaction. A transaction whose blockhash expired without landing is
reported dropped; the daemon then asks the chain whether the request is still pending and only then signs
a new one with a fresh blockhash, so one request is never fulfilled twice.
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment
from solana.rpc.core import RPCException
from solana.rpc.types import MemcmpOpts, TxOpts
from solders.commitment_config import CommitmentLevel
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.config import RpcContextConfig
from solders.rpc.requests import IsBlockhashValid
from solders.rpc.responses import IsBlockhashValidResp
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus

from chains.base import (
    ChainAdapter,
    Confidence,
    Height,
    ItemOutcome,
    OracleRequest,
    RequestBatch,
    RequestStatus,
    SignedAssessment,
    Submission,
    SubmissionStatus,
    TxState,
)
from chains.core.base58 import b58encode
from chains.core.errors import ChainError, RetryLater
from chains.sequence import LocalSequence
from chains.solana import program as prog
from chains.solana.config import SolanaChain

LAMPORTS_TO_18_DECIMALS = 10**9  # balances travel to the enclave in 18-decimal units (docs/protocol.md)
MAX_COMPUTE_UNITS = 1_400_000
BLOCKHASH_REUSE_S = 2.0
PRICE_REUSE_S = 2.0
COMMITMENTS = {Confidence.LATEST: Commitment("processed"), Confidence.SAFE: Commitment("confirmed"),
               Confidence.FINALIZED: Commitment("finalized")}


def _custom_code(err: Any) -> tuple[int, int] | None:
    """(instruction index, custom code) of an `InstructionError(i, Custom(n))`; None for any other error."""
    inner = getattr(err, "err", None)
    code = getattr(inner, "code", None)
    if isinstance(code, int):
        return int(err.index), code
    return None


def explain(err: Any) -> str:
    """The program's error name in a transaction error, else the error's text."""
    found = _custom_code(err)
    if found is not None:
        return prog.error_name(found[1])
    return str(err)[:200]


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
        self._client: AsyncClient | None = None
        self._http: httpx.AsyncClient | None = None
        self._enclaves: dict[str, Pubkey] = {}
        self._recent_blockhash: tuple[Hash, float] | None = None
        self._recent_price: tuple[int, float] | None = None

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            raise ChainError(f"{self.name}: not connected")
        return self._client

    async def connect(self) -> None:
        if self._client is not None:
            return
        client = AsyncClient(self.cfg.rpc_url.get_secret_value(), commitment=self.commitment,
                             timeout=self.cfg.rpc_timeout_s)
        try:
            info = await client.get_account_info(self.program, commitment=self.commitment)
            oracle = await client.get_account_info(self.oracle, commitment=self.commitment)
        except (SolanaRpcException, httpx.HTTPError, OSError) as e:
            await client.close()
            raise RetryLater(f"{self.name}: RPC unreachable: {type(e).__name__}") from None
        if info.value is None or not info.value.executable:
            await client.close()
            raise ChainError(f"{self.name}: no program at {self.program}")
        if oracle.value is None or oracle.value.owner != self.program:
            await client.close()
            raise ChainError(f"{self.name}: {self.oracle} is not an oracle account of program {self.program}")
        try:
            prog.decode_account("Oracle", bytes(oracle.value.data))
        except ValueError:
            await client.close()
            raise ChainError(f"{self.name}: {self.oracle} is not an Oracle account") from None
        self._client = client
        self._http = httpx.AsyncClient(timeout=self.cfg.rpc_timeout_s)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _rpc(self, coro: Any) -> Any:
        try:
            return await coro
        except RPCException as e:
            raise RetryLater(f"{self.name}: RPC error: {e}") from None
        except (SolanaRpcException, httpx.HTTPError, OSError) as e:
            raise RetryLater(f"{self.name}: RPC failed: {type(e).__name__}: {e}") from None

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
                items.append(self._request(keyed.pubkey, req))
        items.sort(key=lambda r: (r.block_number, r.ordinal))
        return RequestBatch(items=items, next_cursor=str(end), reached=end)

    def _request(self, address: Pubkey, req: Any) -> OracleRequest:
        return OracleRequest(
            chain=self.name, family="solana", chain_id=self.cfg.chain_id, contract=str(self.oracle),
            request_id=str(address), requester=str(prog.pubkey(req.requester)), subject=str(prog.pubkey(req.subject)),
            fee=int(req.fee),
            expires_at=int(req.expires_at), params="0x" + bytes(req.params).hex(), block_number=int(req.created_slot),
            block_hash="", tx_hash="", ordinal=int(req.nonce), program=str(self.program),
        )

    async def is_canonical(self, request: OracleRequest) -> bool:
        """Whether the request is still on the chain at the configured commitment (or was settled there)."""
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

    @classmethod
    def enclave_request(cls, request: OracleRequest) -> dict[str, Any]:
        return {**super().enclave_request(request), "program": request.program}

    async def request_status(self, request: OracleRequest) -> RequestStatus:
        """"pending" while the Request account exists; once closed, the closing transaction's event says
        whether it was fulfilled or cancelled; "none" if no such request was ever made."""
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

    async def _events(self, signature: Signature) -> list[tuple[str, Any]]:
        tx = await self._rpc(self.client.get_transaction(signature, encoding="json", commitment=self.commitment,
                                                         max_supported_transaction_version=0))
        if tx.value is None or tx.value.transaction.meta is None:
            return []
        return prog.events_in_logs(list(tx.value.transaction.meta.log_messages or []))

    # features
    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        """Balance, transaction count and first-seen time from the subject's signature history.

        `tx_count` counts the transactions that name the subject (getSignaturesForAddress) up to
        `history_pages` pages; `first_seen_timestamp` is the oldest one's block time, null when the history
        is longer than that (or the RPC keeps less)."""
        key = Pubkey.from_string(subject)
        balance = await self._rpc(self.client.get_balance(key, commitment=self.commitment))
        count, oldest, complete = 0, None, False
        before: Signature | None = None
        for _ in range(self.cfg.history_pages):
            page = await self._rpc(self.client.get_signatures_for_address(
                key, before=before, limit=1000, commitment=self.commitment))
            items = [s for s in page.value if s.slot <= at.number]
            count += len(items)
            if items:
                oldest = items[-1].block_time if items[-1].block_time is not None else oldest
            if len(page.value) < 1000:
                complete = True
                break
            before = page.value[-1].signature
        return {"as_of_block": at.number, "as_of_timestamp": at.timestamp, "tx_count": count,
                "balance_wei": str(int(balance.value) * LAMPORTS_TO_18_DECIMALS),
                "first_seen_timestamp": oldest if complete and count else None}

    # fulfilment
    def _enclave_account(self, assessment: SignedAssessment) -> Pubkey:
        signer = assessment.signer.lower()
        if signer not in self._enclaves:
            self._enclaves[signer] = prog.enclave_pda(self.program, self.oracle, bytes.fromhex(signer[2:]))[0]
        return self._enclaves[signer]

    def _fulfil_ix(self, request: OracleRequest, a: SignedAssessment) -> Any:
        return prog.fulfil_ix(self.program, self.oracle, Pubkey.from_string(request.request_id),
                              self._enclave_account(a), Pubkey.from_string(request.subject),
                              Pubkey.from_string(request.requester), self.transmitter.pubkey(), a)

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
            assert self._http is not None
            body = {"jsonrpc": "2.0", "id": 1, "method": "getRecentPrioritizationFees",
                    "params": [[str(self.oracle), str(self.program)]]}
            r = await self._http.post(self.cfg.rpc_url.get_secret_value(), json=body)
            fees = [int(x["prioritizationFee"]) for x in r.json().get("result") or [] if x.get("prioritizationFee")]
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AssertionError):
            fees = []  # no fee market data: the configured floor
        market = int(statistics.median(fees)) if fees else 0
        price = min(max(self.cfg.priority_fee_micro_lamports, market), self.cfg.max_priority_fee_micro_lamports)
        self._recent_price = (price, now)
        return price

    def _transaction(self, instructions: list[Any], blockhash: Hash) -> Transaction:
        message = Message.new_with_blockhash(instructions, self.transmitter.pubkey(), blockhash)
        return Transaction([self.transmitter], message, blockhash)

    async def prepare(self, items: list[tuple[OracleRequest, SignedAssessment]]) -> Submission:
        if len(items) != 1:
            raise ValueError("a Solana fulfilment carries exactly one request")
        request, assessment = items[0]
        fulfil = self._fulfil_ix(request, assessment)
        blockhash = await self._blockhash()
        price = await self._price()
        probe = self._transaction([set_compute_unit_limit(MAX_COMPUTE_UNITS), set_compute_unit_price(price), fulfil],
                                  blockhash)
        sim = await self._rpc(self.client.simulate_transaction(probe, sig_verify=False, commitment=self.commitment))
        if sim.value.err is not None:
            raise ChainError(f"{self.name}: fulfilment would fail: {explain(sim.value.err)}")
        units = int(sim.value.units_consumed or 0)
        limit = min(MAX_COMPUTE_UNITS, units * self.cfg.compute_unit_margin_pct // 100 + 1_000)
        tx = self._transaction([set_compute_unit_limit(limit), set_compute_unit_price(price), fulfil], blockhash)
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
        except (SolanaRpcException, httpx.HTTPError, OSError) as e:
            raise RetryLater(f"{self.name}: broadcast failed: {type(e).__name__}") from None

    async def _signature_status(self, signature: Signature) -> Any:
        resp = await self._rpc(self.client.get_signature_statuses([signature], search_transaction_history=True))
        return resp.value[0]

    async def status(self, submission: Submission) -> SubmissionStatus:
        tx = Transaction.from_bytes(base64.b64decode(submission.raw))
        st = await self._signature_status(tx.signatures[0])
        if st is None:
            if await self._blockhash_valid(tx.message.recent_blockhash):
                return SubmissionStatus(state=TxState.PENDING)
            # The blockhash is too old for the newest bank, so the transaction cannot land from now on; asked
            # again after that, "unknown" means it never did.
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
                                outcomes={key: ItemOutcome(False, name, expired=name == "RequestExpired")})

    async def _units(self, signature: Signature) -> int | None:
        resp = await self._rpc(self.client.get_transaction(
            signature, encoding="json", commitment=Commitment("confirmed"), max_supported_transaction_version=0))
        if resp.value is None or resp.value.transaction.meta is None:
            return None
        return resp.value.transaction.meta.compute_units_consumed

    async def _blockhash_valid(self, blockhash: Hash) -> bool:
        # at processed: a blockhash the newest bank no longer accepts can never land later
        body = IsBlockhashValid(blockhash, RpcContextConfig(commitment=CommitmentLevel.Processed))
        try:
            resp = await self.client._provider.make_request(body, IsBlockhashValidResp)  # noqa: SLF001
        except RPCException as e:
            raise RetryLater(f"{self.name}: isBlockhashValid failed: {e}") from None
        except (SolanaRpcException, httpx.HTTPError, OSError) as e:
            raise RetryLater(f"{self.name}: RPC failed: {type(e).__name__}") from None
        return bool(resp.value)


async def wait_for(coro_factory: Callable[[], Any], predicate: Callable[[Any], bool], timeout: float,
                   interval: float = 0.2) -> Any:
    """Poll `coro_factory()` until `predicate(result)`; the last result on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await coro_factory()
        if predicate(result) or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)
