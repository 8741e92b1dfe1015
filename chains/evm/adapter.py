"""The EVM adapter: reads `AssessmentRequested` logs, reads subjects' features, sends fulfilments.

A log's `isPrivate` (a request made with `requestPrivateAssessment`) becomes `OracleRequest.private`; the contract
refuses a fulfilment whose payload is not of the request's privacy (`PrivacyMismatch`, a ChainError here).

Fulfilments are EIP-1559 transactions signed locally with the transmitter key; they are built and signed
first (`prepare`), stored by the daemon, and only then sent (`broadcast`), so a restart re-sends the very
same transaction instead of a second one.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions import TypedTransaction
from eth_typing import HexStr
from eth_utils import is_address, keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import AsyncWeb3
from web3.exceptions import BlockNotFound, TransactionNotFound, Web3RPCError
from web3.providers import WebSocketProvider

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
from chains.core.errors import ChainError, CosignerRefused, NotSupported, Reorged, RetryLater, WaitFor
from chains.core.logs import fields
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import recover_address
from chains.evm import calldata
from chains.evm.artifacts import load_artifact
from chains.evm.batch_gas import batch_quorum_floor
from chains.evm.calldata import BATCH_SELECTOR as BATCH_SELECTOR  # node/workshop/chaos reads them from here
from chains.evm.calldata import BATCH_TYPES as BATCH_TYPES
from chains.evm.calldata import FULFIL_SELECTOR as FULFIL_SELECTOR
from chains.evm.calldata import FULFIL_TYPES as FULFIL_TYPES
from chains.evm.config import EvmChain
from chains.evm.credit_events import CreditReader
from chains.evm.facts import unpack_facts
from chains.evm.history import EvmHistory
from chains.evm.indexer.compute import DEFAULT_STABLECOINS, features_for
from chains.evm.indexer.history import history_from
from chains.evm.indexer.indexer import sync_wallet
from chains.evm.indexer.store import EventStore
from chains.evm.log_window import LogWindow
from chains.evm.proof import ProofError, decode_header, verify_account
from chains.evm.proof_source import read_account, read_header
from chains.evm.reverts import CustomErrors, Revert
from chains.evm.rpc import FailoverProvider, RangeTooLarge
from chains.evm.signature import expand
from chains.evm.update_id import update_request_id
from chains.family import FeatureCache
from chains.trail import Cursor, Trail

logger = logging.getLogger("aura.evm")

REQUESTED = "0x" + keccak(text="AssessmentRequested(bytes32,address,address,uint96,uint64,bytes,bool)").hex()
FULFILLED = "0x" + keccak(
    text="AssessmentFulfilled(bytes32,address,uint256,bytes32,bytes32,address,uint8,uint8)").hex()
SKIPPED = "0x" + keccak(text="FulfilmentSkipped(bytes32,bytes4)").hex()
STATUSES = (RequestStatus.NONE, RequestStatus.PENDING, RequestStatus.FULFILLED, RequestStatus.CANCELLED)
WAIT_REVERTS = {"UnknownSigner": "signer", "RevokedSigner": "signer", "MeasurementMismatch": "signer"}
"""Reverts that name a cause outside the request, which passes when the owner registers the enclave's signer."""
REORG_REVERTS = frozenset({"UnknownRequest", "RequestMismatch", "BlockNumberMismatch", "UnknownBlock",
                           "NonCanonicalBlockHash"})
"""Reverts that mean the request the node holds is not the one the contract holds (a reorganisation moved it)."""
SHOWN_REVERTS = frozenset({"QuorumNotMet", "SignersNotAscending", "TooManySignatures"})
"""Reverts whose message carries their arguments (`QuorumNotMet(2, 3)`): how many signatures counted, and of how
many. Every other revert is named alone, as before quorums."""
TRANSFER_GAS = 21_000  # a plain transfer: what a void costs
ZERO_ADDRESS = "0x" + "00" * 20
NO_FUNDS = ("insufficient funds", "gas required exceeds allowance")


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _topic_address(topic: bytes) -> str:
    return to_checksum_address(topic[-20:])


def _signed_by(assessment: SignedAssessment, address: str) -> SignedAssessment | None:
    """Which of the assessment's signatures is `address`'s: the one naming it as signer, else the one that
    recovers to it over the digest; None for neither."""
    for signed in assessment.signers():
        if signed.signer.lower() == address.lower():
            return signed
    for signed in assessment.signers():
        try:
            if recover_address(assessment.digest, signed.signature).lower() == address.lower():
                return signed
        except ValueError:
            continue
    return None


def error_names(abi: list[dict[str, Any]]) -> dict[bytes, str]:
    """Custom error selector -> name, from the contract ABI."""
    out = {}
    for item in abi:
        if item.get("type") == "error":
            sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            out[keccak(text=sig)[:4]] = item["name"]
    return out


HEADER_CACHE = 64
ACCOUNT_CACHE = 1024


@dataclass(frozen=True)
class PinnedHeader:
    rlp: bytes
    hash: str
    timestamp: int
    state_root: bytes


class EvmAdapter(ChainAdapter):
    family = "evm"
    cost_unit = "gas"

    def __init__(self, cfg: EvmChain, account: LocalAccount, cache: FeatureCache | None = None,
                 sequence_floor: Callable[[], int | None] | None = None, events: EventStore | None = None) -> None:
        self.cfg = cfg
        self.events = events if cfg.indexer is not None and cfg.indexer.enabled else None
        self.history = EvmHistory(cfg.name, cfg.indexer) if self.events is not None and cfg.indexer else None
        self.credit = CreditReader(cfg.name, self.history) if self.history is not None else None
        self.name = cfg.name
        self.account = account
        self.cache = cache
        self._headers: dict[int, PinnedHeader] = {}  # insertion-ordered: the oldest goes first
        self._accounts: dict[tuple[str, str], dict[str, Any]] = {}
        self._nonce_floor = sequence_floor or (lambda: None)
        self._w3: AsyncWeb3 | None = None
        self._provider: FailoverProvider | None = None
        self._ws_task: asyncio.Task[None] | None = None
        self._new_head = asyncio.Event()
        self._next_nonce: int | None = None
        self._nonce_lock = asyncio.Lock()
        self.trail = Trail()
        self.log_window = LogWindow(cfg.max_log_range)
        self._finality_tag: bool | None = None  # whether the RPC serves the `finalized` tag; None: not asked yet
        art = load_artifact("AuraOracle")
        self.abi = art.abi
        self.errors = error_names(art.abi)
        self.custom_errors = CustomErrors(art.abi)
        self.oracle = to_checksum_address(cfg.oracle)
        self.ws_connected = False

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_batch=self.cfg.batch_size, replaces_fees=True, pushes_heads=self.cfg.ws_url is not None,
                            max_signatures=calldata.MAX_SIGNATURES)

    def health(self) -> dict[str, Any]:
        return {"websocket": self.ws_connected, "rpc": self._provider.state() if self._provider is not None else []}

    @property
    def w3(self) -> AsyncWeb3:
        if self._w3 is None:
            raise ChainError(f"{self.name}: not connected")
        return self._w3

    async def connect(self) -> None:
        if self._w3 is not None:
            return
        if self._provider is None:
            self._provider = FailoverProvider(
                self.name, self.cfg.read_urls, self.cfg.send_only_urls, timeout_s=self.cfg.rpc_timeout_s,
                chain_id=self.cfg.chain_id, max_lag=self.cfg.rpc_max_lag_blocks)
        provider = self._provider
        w3 = AsyncWeb3(provider)
        try:
            await provider.verify()  # every endpoint on the configured chain; at least one read endpoint answers
            code = await w3.eth.get_code(self.oracle)
            if not code:
                raise ChainError(f"{self.name}: no contract at oracle address {self.oracle}")
        except BaseException:
            await provider.disconnect()
            raise
        self._w3 = w3
        self.contract = w3.eth.contract(address=self.oracle, abi=self.abi)
        if self.cfg.ws_url is not None:
            self._ws_task = asyncio.create_task(self._watch_heads(), name=f"{self.name}-heads")

    async def close(self) -> None:
        task, self._ws_task = self._ws_task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the listener's own errors are moot now
                pass
        self._w3 = None
        if self._provider is not None:
            await self._provider.disconnect()  # every endpoint's session; the state stays readable for health

    async def _watch_heads(self) -> None:
        """Wake the poller on each new head over WebSocket; on any failure fall back to timed polling."""
        assert self.cfg.ws_url is not None
        backoff = 1.0
        while True:
            try:
                async with AsyncWeb3(WebSocketProvider(self.cfg.ws_url.get_secret_value())) as ws:
                    await ws.eth.subscribe("newHeads")
                    self.ws_connected = True
                    backoff = 1.0
                    async for _ in ws.socket.process_subscriptions():
                        self._new_head.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - any socket failure: poll until the socket is back
                pass
            self.ws_connected = False
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    async def wait_new_head(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._new_head.wait(), timeout)
        except TimeoutError:
            pass
        self._new_head.clear()

    async def _rpc(self, coro: Any) -> Any:
        """A read through the provider: its RetryLater (every endpoint failed) as it is, a JSON-RPC error that
        answers the call itself as a ChainError naming it, a missing block or transaction as web3 raises it."""
        try:
            return await coro
        except (ChainError, BlockNotFound, TransactionNotFound):
            raise
        except Web3RPCError as e:
            raise ChainError(f"{self.name}: RPC refused the call: {e}") from None
        except Exception as e:  # noqa: BLE001 - transport faults are retried by the caller's loop
            raise RetryLater(f"{self.name}: RPC failed: {type(e).__name__}: {e}") from None

    async def head(self, level: Confidence) -> Height:
        """The latest block; SAFE: `confirmations` blocks deep; FINALIZED: the chain's own `finalized` block
        where the RPC serves that tag, else `finality_depth` blocks deep."""
        if level is Confidence.FINALIZED and self._finality_tag is not False:
            try:
                block = await self._rpc(self.w3.eth.get_block("finalized"))
                self._finality_tag = True
                return Height(number=int(block["number"]), timestamp=int(block["timestamp"]), hash=_hex(block["hash"]))
            except RetryLater:
                raise
            except (ChainError, BlockNotFound):
                self._finality_tag = False  # an RPC without the tag: count blocks
        block = await self._rpc(self.w3.eth.get_block("latest"))
        number = int(block["number"])
        if level is Confidence.SAFE:
            number = max(0, number - self.cfg.confirmations + 1)
        elif level is Confidence.FINALIZED:
            number = max(0, number - self.cfg.finality_depth)
        if number != block["number"]:
            block = await self._rpc(self.w3.eth.get_block(number))
        return Height(number=number, timestamp=int(block["timestamp"]), hash=_hex(block["hash"]))

    async def _hash_at(self, number: int) -> str | None:
        try:
            block = await self._rpc(self.w3.eth.get_block(number))
        except BlockNotFound:
            return None
        return _hex(bytes(block["hash"]))

    async def _finalized_number(self) -> int:
        return (await self.head(Confidence.FINALIZED)).number

    async def poll_requests(self, cursor: str | None, until: Height) -> RequestBatch:
        """`AssessmentRequested` logs after the cursor's block (chains/trail.py: after a reorganisation, after the
        fork point), in windows of at most `max_log_range` blocks that halve while the RPC refuses their size and
        grow back as it answers. The cursor's block hash is read before and after the logs: a block that changed
        in between is read again."""
        after = self.cfg.start_block - 1
        rewound = False
        if cursor is not None:
            async def floor() -> int:
                return max(self.cfg.start_block - 1, await self._finalized_number())

            parsed = Cursor.parse(cursor)
            after = await self.trail.resume_after(parsed, self._hash_at, floor)
            rewound = after < parsed.number
            if rewound:
                logger.warning("chain reorganised: reading requests again", extra=fields(
                    chain=self.name, cursor=parsed.number, fork=after))
        start = after + 1
        if until.number < start:
            if cursor is not None and Cursor.parse(cursor).number == after:
                return RequestBatch(items=[], next_cursor=cursor, reached=after)
            here = Cursor(after, (await self._hash_at(after) or "") if after >= 0 else "")
            return RequestBatch(items=[], next_cursor=str(here), reached=after, rewound=rewound)
        while True:
            end = self.log_window.end(start, until.number)
            before = until.hash if end == until.number and until.hash else await self._hash_at(end)
            try:
                logs = await self._rpc(self.w3.eth.get_logs(
                    {"address": self.oracle, "fromBlock": start, "toBlock": end, "topics": [REQUESTED]}))
            except RangeTooLarge:
                if not self.log_window.refused(start, end):
                    raise
                logger.info("eth_getLogs window refused; halving it",
                            extra=fields(chain=self.name, blocks=self.log_window.size))
                continue
            break
        self.log_window.answered(start, end)
        reached = await self._hash_at(end)
        if reached is None or reached != before:
            raise RetryLater(f"{self.name}: block {end} changed while its logs were read (a reorganisation); "
                             "reading them again")
        items = [self._decode_request(log) for log in logs if not log.get("removed")]
        mark = Cursor(end, reached)
        self.trail.mark(mark)
        return RequestBatch(items=items, next_cursor=str(mark), reached=end, rewound=rewound)

    def _decode_request(self, log: Any) -> OracleRequest:
        """An `AssessmentRequested` log as the request it records, private when it asked for a private
        assessment (`requestPrivateAssessment`)."""
        topics = log["topics"]
        fee, expires_at, params, private = abi_decode(["uint96", "uint64", "bytes", "bool"], bytes(log["data"]))
        return OracleRequest(
            chain=self.name, family="evm", chain_id=self.cfg.chain_id, contract=self.oracle,
            request_id=_hex(bytes(topics[1])), requester=_topic_address(bytes(topics[2])),
            subject=_topic_address(bytes(topics[3])), fee=int(fee), expires_at=int(expires_at),
            params=_hex(params), block_number=int(log["blockNumber"]), block_hash=_hex(bytes(log["blockHash"])),
            tx_hash=_hex(bytes(log["transactionHash"])), ordinal=int(log["logIndex"]), private=bool(private),
        )

    async def offchain_request(self, subject: str) -> tuple[OracleRequest, Height]:
        """An off-chain assessment of `subject` (chains/core/offchain.py): pinned at the finalized head (`head`),
        whose hash is the height's and the request's block hash; its id is `offchain_request_id` of the subject's
        20 bytes. No requester (the zero address), fee, params or transaction.

        Raises:
            ChainError: `subject` is not an EVM address.
            RetryLater: the RPC failed.
        """
        if not is_address(subject):
            raise ChainError(f"{self.name}: {subject!r} is not an EVM address")
        subject = to_checksum_address(subject)
        at = await self.head(Confidence.FINALIZED)
        request_id = offchain_request_id(self.family, self.cfg.chain_id, bytes.fromhex(subject[2:]), at.number,
                                         bytes.fromhex(at.hash[2:]))
        request = OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.oracle,
            request_id=_hex(request_id), requester=ZERO_ADDRESS, subject=subject, fee=0, expires_at=at.timestamp,
            params="", block_number=at.number, block_hash=at.hash, tx_hash="", ordinal=0)
        return request, at

    async def update_request(self, subject: str, at: Height) -> OracleRequest:
        """An operator's update of `subject` at `at`: the oracle's update form of `Request` (chains/evm/update_id.py),
        requester zero, fee 0, params empty.

        Raises:
            ChainError: `subject` is not an EVM address.
        """
        if not is_address(subject):
            raise ChainError(f"{self.name}: {subject!r} is not an EVM address")
        subject = to_checksum_address(subject)
        request_id = update_request_id(self.cfg.chain_id, bytes.fromhex(self.oracle[2:]), bytes.fromhex(subject[2:]),
                                       at.timestamp)
        return OracleRequest(
            chain=self.name, family=self.family, chain_id=self.cfg.chain_id, contract=self.oracle,
            request_id=_hex(request_id), requester=ZERO_ADDRESS, subject=subject, fee=0,
            expires_at=at.timestamp + UPDATE_WINDOW_S, params="", block_number=at.number, block_hash=at.hash,
            tx_hash="", ordinal=0, operator_update=True)

    async def is_canonical(self, request: OracleRequest) -> bool:
        return await self._hash_at(request.block_number) == request.block_hash

    async def stored_status(self, request: OracleRequest) -> RequestStatus:
        """The oracle's `requestStatus` (NONE for an operator update it has not taken yet: its slot empty)."""
        status = self.contract.functions.requestStatus(request.request_id)
        return STATUSES[int(await self._rpc(status.call()))]

    async def read_fulfilment(self, request_id: str) -> Fulfilled | None:
        """From the request's `AssessmentRequested` and last `AssessmentFulfilled` logs, and the fulfilment
        transaction's calldata (any of the four fulfilment calls, chains/evm/calldata.py): the signed assessment
        exactly as the contract took it. Of a quorum's signatures, the first one (the transmitting node's own, whose
        signer earned the fee), whom the log names."""
        rid = bytes.fromhex(request_id.removeprefix("0x"))
        if len(rid) != 32:
            raise ValueError(f"request id {request_id!r} is not 32 bytes of hex")
        topic = "0x" + rid.hex()
        span = {"address": self.oracle, "fromBlock": self.cfg.start_block, "toBlock": "latest"}
        requested, fulfilled = await asyncio.gather(
            self._rpc(self.w3.eth.get_logs({**span, "topics": [REQUESTED, topic]})),  # type: ignore[typeddict-item]
            self._rpc(self.w3.eth.get_logs({**span, "topics": [FULFILLED, topic]})),  # type: ignore[typeddict-item]
        )
        if not requested or not fulfilled:
            return None
        log = fulfilled[-1]
        signer = self.contract.events.AssessmentFulfilled().process_log(log)["args"]["signer"]
        tx = await self._rpc(self.w3.eth.get_transaction(log["transactionHash"]))
        data = bytes(tx["input"])
        items = calldata.decode(data)
        if items is None:
            raise ChainError(f"{self.name}: request {request_id} was fulfilled by transaction "
                             f"{_hex(bytes(log['transactionHash']))} through a call this node does not decode "
                             f"(selector 0x{data[:4].hex()})")
        for req, a, signatures in items:
            if bytes(req[0]) == rid:
                small = unpack_facts(a[0])
                facts = AssessmentFacts(score=small.score, tier=small.tier, pd_bps=small.pd_bps, flags=small.flags,
                                        measurement=bytes(a[1]), commitment=bytes(a[2]), block_number=a[3],
                                        block_hash=bytes(a[4]), features_hash=bytes(a[5]), timestamp=small.timestamp,
                                        expiry=small.expiry)
                return Fulfilled(request=self._decode_request(requested[-1]), facts=facts,
                                 signature=expand(*signatures[0]),
                                 signer=to_checksum_address(signer), tx_hash=_hex(bytes(log["transactionHash"])))
        raise ChainError(f"{self.name}: transaction {_hex(bytes(log['transactionHash']))} logged the fulfilment of "
                         f"{request_id} but its calldata does not carry it")

    async def pinned(self, request: OracleRequest) -> Height:
        """The block holding the request's `AssessmentRequested` log (the contract checks the signed block is
        that one, and canonical)."""
        header = await self._header(request.block_number, request.block_hash)
        if header.hash != request.block_hash:
            raise Reorged(f"{self.name}: block {request.block_number} is now {header.hash}, the request was seen "
                          f"in {request.block_hash}")
        return Height(number=request.block_number, timestamp=header.timestamp, hash=request.block_hash)

    async def state_proof(self, subject: str, at: Height) -> dict[str, Any] | None:
        """The pinned header and the subject's account proof (chains/evm/proof_source.py), as read for its
        features."""
        header = await self._header(at.number, at.hash)
        if header.hash != at.hash:
            raise ChainError(f"{self.name}: block {at.number} is no longer {at.hash}")
        account = await self._account(to_checksum_address(subject), at, keep=False)
        return {"header": "0x" + header.rlp.hex(), "account_proof": account["accountProof"]}

    async def _header(self, number: int, expected: str) -> PinnedHeader:
        """Block `number`'s header, from a small cache while its hash is `expected` (many requests share one
        block): read again when it is not there or is another block's."""
        cached = self._headers.get(number)
        if cached is None or cached.hash != expected:
            try:
                raw, block = await read_header(self.w3, number)
            except RetryLater as e:
                raise RetryLater(f"{self.name}: {e}") from None
            cached = PinnedHeader(rlp=raw, hash=str(block["hash"]).lower(), timestamp=int(block["timestamp"], 16),
                                  state_root=decode_header(raw).state_root)
            self._headers[number] = cached
            while len(self._headers) > HEADER_CACHE:
                self._headers.pop(next(iter(self._headers)))
        return cached

    async def _account(self, addr: str, at: Height, keep: bool = True) -> dict[str, Any]:
        """`eth_getProof` for `addr` at the pinned block: read once for the features and the proof that goes
        with them (`keep` False hands it over and forgets it)."""
        key = (addr, at.hash)
        found = self._accounts.get(key) if keep else self._accounts.pop(key, None)
        if found is None:
            header = await self._header(at.number, at.hash)
            try:
                found = await read_account(self.w3, addr, at.hash)
                proven = verify_account(header.state_root, bytes.fromhex(addr[2:]),
                                        [bytes.fromhex(node[2:]) for node in found["accountProof"]])
            except RetryLater as e:
                raise RetryLater(f"{self.name}: {e}") from None
            except (ProofError, ValueError) as e:
                # anvil, under load, has answered eth_getProof for a block hash from another state: ask again
                raise RetryLater(f"{self.name}: eth_getProof for {addr} at block {at.number} does not prove "
                                 f"against its state root ({e}); reading it again") from None
            if (proven.nonce, proven.balance) != (int(found["nonce"], 16), int(found["balance"], 16)):
                raise RetryLater(f"{self.name}: eth_getProof for {addr} at block {at.number} reports nonce and "
                                 "balance its own proof does not show; reading it again")
            if keep:
                self._accounts[key] = found
                while len(self._accounts) > ACCOUNT_CACHE:
                    self._accounts.pop(next(iter(self._accounts)))
        return found

    async def read_features(self, subject: str, at: Height) -> dict[str, Any]:
        """Nonce and balance from the account proof at the pinned block (the same proof the enclave checks them
        against); first-seen time and history from the host's own reads."""
        addr = to_checksum_address(subject)
        account = await self._account(addr, at)
        nonce, balance = int(account["nonce"], 16), int(account["balance"], 16)
        first_seen = await self._first_seen(addr, int(nonce), at)
        features: dict[str, Any] = {"as_of_block": at.number, "as_of_block_hash": at.hash,
                                    "as_of_timestamp": at.timestamp,
                                    "tx_count": int(nonce), "balance_wei": str(int(balance)),
                                    "first_seen_timestamp": first_seen}
        if self.history is not None and self.events is not None:
            features["history"] = await self._history(subject, at, first_seen)
        return features

    async def _history(self, subject: str, at: Height, first_seen: int | None) -> dict[str, int | None]:
        """Bring the subject's indexed history up to `at` (only the blocks after its mark), then flatten it."""
        assert self.history is not None and self.events is not None and self.cfg.indexer is not None
        wallet = subject.lower()
        start = self.cfg.indexer.start_block
        pending = self.events.pending_range(self.name, wallet, at.number, start)
        if pending is not None:
            logs = await self.history.fetch(self.w3, wallet, *pending)
            sync_wallet(self.events, self.history.decoder, self.name, wallet, at.number, lambda *_: logs, start)
        computed = features_for(self.events, self.name, wallet, at.timestamp, first_seen=first_seen,
                                stablecoins=self.cfg.indexer.stablecoins or DEFAULT_STABLECOINS)
        return history_from(computed)

    async def _first_seen(self, addr: str, nonce: int, at: Height) -> int | None:
        """Timestamp of the block holding the subject's first sent transaction: a binary search on its nonce.

        Needs historical state (an archive RPC on mainnet); unknown (None) where the RPC has none. Cached,
        as it never changes once found."""
        if nonce == 0:
            return None
        if self.cache is not None:
            hit = self.cache.feature(self.name, addr, "first_seen")
            if hit is not None:
                block, ts = (int(x) for x in hit.split(":"))
                if block <= at.number:
                    return ts
        lo, hi = 0, at.number  # nonce at hi > 0; find the first block where it is > 0
        try:
            while lo < hi:
                mid = (lo + hi) // 2
                if await self.w3.eth.get_transaction_count(to_checksum_address(addr), mid) > 0:
                    hi = mid
                else:
                    lo = mid + 1
            first = await self.w3.eth.get_block(lo)
        except Web3RPCError:
            return None  # no historical state on this RPC
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001
            raise RetryLater(f"{self.name}: RPC failed reading history: {type(e).__name__}") from None
        ts = int(first["timestamp"])
        if self.cache is not None:
            self.cache.set_feature(self.name, addr, "first_seen", f"{lo}:{ts}")
        return ts

    # fulfilment
    async def _take_nonce(self) -> int:
        async with self._nonce_lock:
            if self._next_nonce is None:
                chain_nonce = await self._rpc(self.w3.eth.get_transaction_count(self.account.address, "pending"))
                floor = self._nonce_floor()
                self._next_nonce = max(int(chain_nonce), (floor + 1) if floor is not None else 0)
            nonce = self._next_nonce
            self._next_nonce += 1
            return nonce

    async def _fees(self) -> tuple[int, int]:
        block = await self._rpc(self.w3.eth.get_block("latest"))
        base = int(block.get("baseFeePerGas", 0))
        prio = self.cfg.priority_fee_gwei * 10**9
        max_fee = min(2 * base + prio, self.cfg.max_fee_gwei * 10**9)
        if max_fee < base:
            raise WaitFor("fee_cap", f"{self.name}: base fee {base} wei is above max_fee_gwei {self.cfg.max_fee_gwei}")
        return max_fee, min(prio, max_fee)

    async def prepare(self, items: list[tuple[OracleRequest, SignedAssessment]]) -> Submission:
        """`fulfil` / `fulfilBatch` for assessments without cosigners, `fulfilQuorum` / `fulfilBatchQuorum` for
        assessments with (chains/evm/calldata.py), its gas limit the node's estimate raised by
        `gas_multiplier_pct`, and for a quorum batch no less than the contract sets aside up front
        (chains/evm/batch_gas.py). A quorum refused for a cosigner's signer raises CosignerRefused naming it."""
        if not items:
            raise ValueError("nothing to fulfil")
        if len(items) > self.cfg.batch_size:
            raise ValueError(f"{len(items)} fulfilments in one transaction; batch_size is {self.cfg.batch_size}")
        data = calldata.encode(items)
        max_fee, prio = await self._fees()
        base_tx = {"from": self.account.address, "to": self.oracle, "chainId": self.cfg.chain_id, "value": 0,
                   "maxFeePerGas": max_fee, "maxPriorityFeePerGas": prio, "data": _hex(data), "type": 2}
        try:
            # On the pending block: a request's own block hash, which the contract checks, is known from the
            # next block on, so a request in the head block can be fulfilled by the next one.
            gas = await self.w3.eth.estimate_gas(base_tx, "pending")  # type: ignore[arg-type]
        except RetryLater:
            raise
        except Web3RPCError as e:
            raise await self._refused(e, items) from None
        except Exception as e:  # noqa: BLE001
            if self.explain(e):
                raise await self._refused(e, items) from None
            raise RetryLater(f"{self.name}: gas estimation failed: {type(e).__name__}: {e}") from None
        limit = gas * self.cfg.gas_multiplier_pct // 100
        if len(items) > 1 and items[0][1].cosigners:
            limit = max(limit, batch_quorum_floor(data, calldata.signature_counts(items)))
        nonce = await self._take_nonce()
        tx: dict[str, Any] = {k: v for k, v in base_tx.items() if k != "from"}
        tx.update(nonce=nonce, gas=limit)
        signed = self.account.sign_transaction(tx)
        return Submission(chain=self.name, tx_hash=_hex(signed.hash), sequence=nonce, raw=_hex(signed.raw_transaction),
                          request_keys=tuple(r.key for r, _ in items))

    async def replace(self, sub: Submission, bump_pct: int) -> Submission | None:
        """The same transaction (nonce, calldata, gas limit) with both fees raised by `bump_pct`%, and no
        lower than the current market; None when the fee cap leaves no room for a valid replacement."""
        old = TypedTransaction.from_bytes(HexBytes(sub.raw)).as_dict()
        fees = await self._bumped(old, bump_pct)
        if fees is None:
            return None
        return self._signed_at(sub, {"to": self.oracle, "value": old["value"], "data": _hex(old["data"]),
                                     "gas": old["gas"]}, fees, sub.request_keys)

    async def void(self, sub: Submission, bump_pct: int) -> Submission | None:
        """A transfer of nothing to the transmitter itself at the stale fulfilment's nonce (21,000 gas), its fees
        raised as `replace` raises them so that a node takes it in place of the stale one; None at the fee cap."""
        old = TypedTransaction.from_bytes(HexBytes(sub.raw)).as_dict()
        fees = await self._bumped(old, bump_pct)
        if fees is None:
            return None
        return self._signed_at(sub, {"to": self.account.address, "value": 0, "data": "0x", "gas": TRANSFER_GAS},
                               fees, ())

    async def _bumped(self, old: dict[str, Any], bump_pct: int) -> tuple[int, int] | None:
        """(maxFeePerGas, maxPriorityFeePerGas) for a transaction taking `old`'s place: both raised by `bump_pct`%
        and no lower than the market, within the cap; None when the cap leaves no room for the 10% a node wants."""
        market_max, market_prio = await self._fees()
        cap = self.cfg.max_fee_gwei * 10**9
        prio = max(old["maxPriorityFeePerGas"] * (100 + bump_pct) // 100 + 1, market_prio)
        max_fee = min(max(old["maxFeePerGas"] * (100 + bump_pct) // 100 + 1, market_max, prio), cap)
        prio = min(prio, max_fee)
        if max_fee * 100 < old["maxFeePerGas"] * 110 or prio * 100 < old["maxPriorityFeePerGas"] * 110:
            return None  # a node refuses a replacement that does not raise both fees by 10%
        return max_fee, prio

    def _signed_at(self, sub: Submission, call: dict[str, Any], fees: tuple[int, int],
                   request_keys: tuple[str, ...]) -> Submission:
        """`call` signed at `sub`'s nonce with `fees`."""
        tx = {"chainId": self.cfg.chain_id, "nonce": sub.sequence, "maxFeePerGas": fees[0],
              "maxPriorityFeePerGas": fees[1], "type": 2, **call}
        signed = self.account.sign_transaction(tx)
        return Submission(chain=self.name, tx_hash=_hex(signed.hash), sequence=sub.sequence,
                          raw=_hex(signed.raw_transaction), request_keys=request_keys)

    async def _refused(self, exc: BaseException, items: list[tuple[OracleRequest, SignedAssessment]]) -> ChainError:
        """What a refused fulfilment means for its requests: a wait (no funds, the enclave's own signer not
        registered), a cosigner the contract does not count (CosignerRefused), a reorganisation (the contract
        holds the request otherwise), or the contract's own reason."""
        reason = self.explain(exc)
        revert = self.custom_errors.of(exc)
        message = f"{self.name}: fulfilment would revert: {reason}"
        if reason in SHOWN_REVERTS and revert is not None:
            message = f"{self.name}: fulfilment would revert: {revert}"
        if reason in WAIT_REVERTS:
            cosigner = await self._refused_cosigner(revert, items) if revert is not None else None
            if cosigner is not None:
                return CosignerRefused(cosigner, f"{self.name}: fulfilment would revert: {revert} "
                                                 f"(cosigner {cosigner})")
            return WaitFor(WAIT_REVERTS[reason], message)
        if reason in REORG_REVERTS:
            return Reorged(message)
        if any(words in str(exc).lower() for words in NO_FUNDS):
            return WaitFor("funds", f"{self.name}: the transmitter {self.account.address} cannot pay for a "
                                    f"fulfilment: {str(exc)[:200]}")
        return ChainError(message)

    async def _refused_cosigner(self, revert: Revert,
                                items: list[tuple[OracleRequest, SignedAssessment]]) -> str | None:
        """The cosigner (its checksummed address) whose signature a lone quorum fulfilment was refused for; None
        when it is the enclave's own, or the fulfilment is not a lone quorum one.

        `UnknownSigner` and `RevokedSigner` name the address the contract recovered: the signer whose address it
        is, or whose signature recovers to it over the digest (a signature over another payload). For
        `MeasurementMismatch`, which names none, the first signer in the contract's order that is not active with
        the assessment's measurement (read from the contract)."""
        if len(items) != 1 or not items[0][1].cosigners:
            return None
        own = items[0][1]
        culprit: SignedAssessment | None = None
        if revert.name == "MeasurementMismatch":
            measurement = _hex(own.facts.measurement)
            for signed in calldata.ordered(own):
                if await self.signer_status(signed.signer, measurement) is not SignerStatus.ACTIVE:
                    culprit = signed
                    break
        else:
            culprit = _signed_by(own, str(revert.args[0]))
        if culprit is None or culprit is own:
            return None
        return to_checksum_address(culprit.signer)

    def explain(self, exc: BaseException) -> str:
        """The custom error name in a revert, if there is one."""
        data = getattr(exc, "data", None)
        text = data if isinstance(data, str) else str(exc)
        m = re.search(r"0x[0-9a-fA-F]{8}", text or "")
        if m:
            name = self.errors.get(bytes.fromhex(m.group(0)[2:]))
            if name:
                return name
        return str(exc)[:200]

    async def broadcast(self, submission: Submission) -> None:
        try:
            await self.w3.eth.send_raw_transaction(HexStr(submission.raw))
        except Web3RPCError as e:
            msg = str(e).lower()
            if "already known" in msg or "nonce too low" in msg or "already imported" in msg:
                return  # the node sent it before, or it is already mined: status() tells which
            if any(words in msg for words in NO_FUNDS):
                raise WaitFor("funds", f"{self.name}: the transmitter {self.account.address} cannot pay for "
                                       f"transaction {submission.tx_hash}: {e}") from None
            raise ChainError(f"{self.name}: node refused transaction {submission.tx_hash}: {e}") from None
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001
            raise RetryLater(f"{self.name}: broadcast failed: {type(e).__name__}") from None

    async def _in_pool(self, tx_hash: str) -> bool:
        """Whether the RPC still knows the transaction (pending in its pool)."""
        try:
            await self.w3.eth.get_transaction(HexStr(tx_hash))
        except TransactionNotFound:
            return False
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001
            raise RetryLater(f"{self.name}: transaction lookup failed: {type(e).__name__}") from None
        return True

    async def _receipt(self, tx_hash: str) -> Any:
        try:
            return await self.w3.eth.get_transaction_receipt(HexStr(tx_hash))
        except TransactionNotFound:
            return None
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001
            raise RetryLater(f"{self.name}: receipt lookup failed: {type(e).__name__}") from None

    async def status(self, submission: Submission) -> SubmissionStatus:
        receipt = await self._receipt(submission.tx_hash)
        if receipt is None:
            # Dropped only once another transaction holds the nonce in a final block: a reorganisation can take
            # back a later one (and this transaction's own block between two reads), and a sequence wrongly
            # given up leaves a gap no later fulfilment can pass.
            final = await self._finalized_number()
            used = await self._rpc(self.w3.eth.get_transaction_count(self.account.address, final))
            if int(used) <= submission.sequence:  # on EVM the sequence is the account nonce
                return SubmissionStatus(state=TxState.PENDING, lost=not await self._in_pool(submission.tx_hash))
            # This transaction may itself have been mined, and made final, between the two reads: only a receipt
            # still missing after the nonce moved means another transaction took the nonce.
            receipt = await self._receipt(submission.tx_hash)
            if receipt is None:
                return SubmissionStatus(state=TxState.DROPPED)
        number = int(receipt["blockNumber"])
        outcomes: dict[str, ItemOutcome] = {}
        if receipt["status"] == 1:
            for log in receipt["logs"]:
                if to_checksum_address(log["address"]) != self.oracle or not log["topics"]:
                    continue
                topic0 = _hex(bytes(log["topics"][0]))
                rid = _hex(bytes(log["topics"][1])) if len(log["topics"]) > 1 else ""
                if topic0 == FULFILLED:
                    outcomes[f"{self.name}:{rid}"] = ItemOutcome(True)
                elif topic0 == SKIPPED:
                    (reason,) = abi_decode(["bytes4"], bytes(log["data"]))
                    name = self.errors.get(reason, _hex(reason))
                    # A signer refused in a batch (a cosigner revoked since it signed): alone, the refusal names
                    # the signer, and the quorum collects another (CosignerRefused) or the node waits for its own.
                    alone = name == "InsufficientGas" or name in WAIT_REVERTS
                    outcomes[f"{self.name}:{rid}"] = ItemOutcome(False, name, expired=name == "RequestExpired",
                                                                      retry_alone=alone, reorged=name in REORG_REVERTS)
        final = number <= await self._finalized_number()
        if final and await self._hash_at(number) != _hex(bytes(receipt["blockHash"])):
            return SubmissionStatus(state=TxState.PENDING)  # reorged out: wait for it to be mined again
        return SubmissionStatus(state=TxState.FINAL if final else TxState.INCLUDED, block_number=number,
                                cost=int(receipt["gasUsed"]), reverted=receipt["status"] != 1,
                                outcomes=outcomes)

    def check_credit_events(self) -> None:
        if self.credit is None:
            raise NotSupported(self.family, "lending events without an [chains.indexer] section")

    async def read_credit_events(self, subjects: Collection[str], after: int, until: int) -> tuple[list[CreditEvent],
                                                                                                     int]:
        """The lending protocols' credit events of `subjects` (chains/evm/credit_events.py), block by block."""
        assert self.credit is not None
        return await self.credit.read(self.w3, subjects, after + 1, until), until

    async def signer_status(self, signer: str, measurement: str,
                            public_key: bytes | None = None) -> SignerStatus | None:
        """The oracle's `signers(signer)`: unregistered (index 0), revoked (not active), registered with another
        measurement, or active. The oracle keys signers by address: `public_key` is not needed."""
        oracle = self.w3.eth.contract(address=self.oracle, abi=self.abi)
        info = await self._rpc(oracle.functions.signers(to_checksum_address(signer)).call())
        index, active, _, _, registered, _ = info
        if int(index) == 0:
            return SignerStatus.UNREGISTERED
        if not active:
            return SignerStatus.REVOKED
        if _hex(bytes(registered)) != measurement.lower():
            return SignerStatus.OTHER_MEASUREMENT
        return SignerStatus.ACTIVE

    async def threshold(self) -> int:
        """The oracle's `threshold()`: how many signatures a fulfilment needs now."""
        return int(await self._rpc(self.contract.functions.threshold().call()))

    async def transmitter_balance(self) -> int | None:
        """The transmitter account's balance in wei, at the latest block."""
        return int(await self._rpc(self.w3.eth.get_balance(self.account.address)))
