"""The count at the end of a run, from the canonical chain alone (never the node's store).

- `requests`: every `AssessmentRequested` log on the canonical chain from block `since`.
- `lost`: those whose `requestStatus` is not Fulfilled (pending, expired or not, or cancelled: the runs serve
  every request they make, so none may be left).
- `duplicated`: `AssessmentFulfilled` logs beyond the first for one request id.
- `wasted`: the transmitter's transactions that paid for a losing second fulfilment: a `FulfilmentSkipped` with
  `AlreadyFulfilled` in one of its batches, or a `fulfil` that reverted with it.
- `wrong`: a fulfilment whose signed request or pinned block is not the canonical request's (its block number
  and hash), or, for the fulfilments recomputed with `aura verify`'s library, whose assessment differs.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from web3 import Web3

from chains.evm.adapter import (
    BATCH_SELECTOR,
    BATCH_TYPES,
    FULFIL_SELECTOR,
    FULFIL_TYPES,
    FULFILLED,
    REQUESTED,
    SKIPPED,
    error_names,
)
from chains.evm.artifacts import contract, load_artifact
from node.config import load_config
from node.enclave.measurement import measure
from node.verify import verify

LOG_CHUNK = 5000
FULFILLED_STATUS = 2
STATUS_NAMES = ("none", "pending", "fulfilled", "cancelled")
DETAIL = 10  # ids listed per kind in the report


@dataclass(frozen=True)
class Requested:
    request_id: str
    requester: str
    subject: str
    fee: int
    expires_at: int
    block_number: int
    block_hash: str


@dataclass
class Tally:
    """What the chain says about one run."""

    requests: int = 0
    lost: list[dict[str, Any]] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)  # one entry per surplus fulfilment
    wasted: list[str] = field(default_factory=list)  # the transactions, one entry per losing item
    wrong: list[dict[str, Any]] = field(default_factory=list)
    verified: int = 0
    verify_errors: list[str] = field(default_factory=list)
    reverted: Counter[str] = field(default_factory=Counter)  # the transmitter's reverts by error, other than waste
    skipped: Counter[str] = field(default_factory=Counter)  # batch items skipped, by error, other than waste

    def to_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "lost": len(self.lost), "duplicated": len(self.duplicated),
                "wasted": len(self.wasted), "wrong": len(self.wrong), "verified": self.verified,
                "detail": {"lost": self.lost[:DETAIL], "duplicated": self.duplicated[:DETAIL],
                           "wasted": self.wasted[:DETAIL], "wrong": self.wrong[:DETAIL],
                           "verify_errors": self.verify_errors[:DETAIL], "reverted": dict(self.reverted),
                           "skipped": dict(self.skipped)}}


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


class ChainCount:
    """Counts the run on `rpc_url` (the chain itself, not a proxy) for `oracle` and the node's `transmitter`."""

    def __init__(self, rpc_url: str, oracle: str, transmitter: str, since: int) -> None:
        self.rpc_url = rpc_url
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        self.oracle = Web3.to_checksum_address(oracle)
        self.transmitter = Web3.to_checksum_address(transmitter)
        self.since = since
        self.contract = contract(self.w3, "AuraOracle", self.oracle)
        self.errors = error_names(load_artifact("AuraOracle").abi)

    def count(self) -> Tally:
        tally = Tally()
        head = self.w3.eth.block_number
        requested = {r.request_id: r for r in self.requested(head)}
        fulfilments = self._logs(FULFILLED, head)
        tally.requests = len(requested)
        now = int(self.w3.eth.get_block(head)["timestamp"])
        for r in requested.values():
            status = self.contract.functions.requestStatus(bytes.fromhex(r.request_id[2:])).call()
            if status != FULFILLED_STATUS:
                tally.lost.append({"request_id": r.request_id, "block": r.block_number,
                                   "status": STATUS_NAMES[status], "expired": now > r.expires_at})
        by_id = Counter(_hex(log["topics"][1]) for log in fulfilments)
        tally.duplicated = [rid for rid, n in by_id.items() for _ in range(n - 1)]
        for log in fulfilments:
            rid = _hex(log["topics"][1])
            why = self.mismatch(requested.get(rid), rid, _hex(log["transactionHash"]))
            if why:
                tally.wrong.append({"request_id": rid, "why": why})
        self._transmitter_txs(head, tally)
        return tally

    def fulfilled_ids(self) -> list[str]:
        head = self.w3.eth.block_number
        return sorted({_hex(log["topics"][1]) for log in self._logs(FULFILLED, head)})

    def _logs(self, topic: str, head: int) -> list[Any]:
        out: list[Any] = []
        for start in range(self.since, head + 1, LOG_CHUNK):
            out += self.w3.eth.get_logs({"address": self.oracle, "fromBlock": start,
                                         "toBlock": min(head, start + LOG_CHUNK - 1), "topics": [topic]})
        return out

    def requested(self, head: int) -> list[Requested]:
        """The `AssessmentRequested` logs from `since` to `head`."""
        out = []
        for log in self._logs(REQUESTED, head):
            fee, expires_at, _ = abi_decode(["uint96", "uint64", "bytes"], bytes(log["data"]))
            out.append(Requested(request_id=_hex(log["topics"][1]),
                                 requester=Web3.to_checksum_address(bytes(log["topics"][2])[-20:]),
                                 subject=Web3.to_checksum_address(bytes(log["topics"][3])[-20:]),
                                 fee=int(fee), expires_at=int(expires_at), block_number=int(log["blockNumber"]),
                                 block_hash=_hex(log["blockHash"])))
        return out

    def mismatch(self, request: Requested | None, rid: str, tx_hash: str) -> str:
        """Why the fulfilment of `rid` in `tx_hash` does not answer the canonical request; '' when it does."""
        if request is None:
            return "no canonical AssessmentRequested for this id"
        data = bytes(self.w3.eth.get_transaction(tx_hash)["input"])  # type: ignore[arg-type]
        if data[:4] == FULFIL_SELECTOR:
            items = [tuple(abi_decode(FULFIL_TYPES, data[4:]))]
        elif data[:4] == BATCH_SELECTOR:
            reqs, assessments, signatures = abi_decode(BATCH_TYPES, data[4:])
            items = list(zip(reqs, assessments, signatures))
        else:
            return f"fulfilled through an unknown call 0x{data[:4].hex()}"
        for req, assessment, _ in items:
            if _hex(req[0]) != rid:
                continue
            signed = (Web3.to_checksum_address(req[1]), Web3.to_checksum_address(req[2]), req[3], req[4], req[5])
            canonical = (request.requester, request.subject, request.fee, request.expires_at, request.block_number)
            if signed != canonical:
                return f"signed request {signed} is not the canonical {canonical}"
            if assessment[3] != request.block_number or _hex(assessment[4]) != request.block_hash:
                return (f"pinned block {assessment[3]} {_hex(assessment[4])} is not the request's "
                        f"{request.block_number} {request.block_hash}")
            return ""
        return f"transaction {tx_hash} logged the fulfilment but does not carry it"

    def _transmitter_txs(self, head: int, tally: Tally) -> None:
        """Wasted fulfilments, and the transmitter's other reverts and skips, from its transactions."""
        for n in range(self.since, head + 1):
            block = self.w3.eth.get_block(n, full_transactions=True)
            for tx in block["transactions"]:
                if isinstance(tx, bytes) or tx["from"] != self.transmitter:
                    continue
                tx_hash = _hex(tx["hash"])
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
                if receipt["status"] == 0:
                    reason = self._revert_reason(tx_hash)
                    if reason == "AlreadyFulfilled":
                        tally.wasted.append(tx_hash)
                    else:
                        tally.reverted[reason] += 1
                    continue
                for log in receipt["logs"]:
                    if log["address"] != self.oracle or _hex(log["topics"][0]) != SKIPPED:
                        continue
                    (selector,) = abi_decode(["bytes4"], bytes(log["data"]))
                    name = self.errors.get(bytes(selector), _hex(selector))
                    if name == "AlreadyFulfilled":
                        tally.wasted.append(tx_hash)
                    else:
                        tally.skipped[name] += 1

    def _revert_reason(self, tx_hash: str) -> str:
        trace = self.w3.provider.make_request("debug_traceTransaction",  # type: ignore[arg-type]
                                              [tx_hash, {"tracer": "callTracer"}])
        output = str((trace.get("result") or {}).get("output") or "")
        selector = bytes.fromhex(output[2:10]) if len(output) >= 10 else b""
        return self.errors.get(selector, output[:10] or "no revert data")


def verify_sample(config_path: Path, rpc_url: str, measurement: str, request_ids: list[str], sample: int, seed: int,
                  tally: Tally) -> None:
    """Recompute `sample` of `request_ids` (all when sample < 0) with `aura verify`'s library, reading the chain
    of the config at `config_path` (its only one) from `rpc_url`; a difference is `wrong`, a failure to verify is
    listed in `verify_errors`.

    `measurement` is the enclave's when the run began: when this checkout measures otherwise now (its code
    changed during the run), nothing is recomputed and `verify_errors` says so."""
    chosen = list(request_ids) if sample < 0 else random.Random(seed).sample(
        list(request_ids), min(sample, len(request_ids)))
    cfg = load_config(config_path)
    now = measure(cfg.enclave.scoring_config).hex
    if chosen and now != measurement:
        tally.verify_errors.append(f"the enclave's code changed during the run (measurement {measurement} -> "
                                   f"{now}): no fulfilment recomputed")
        return
    chain = cfg.chains[0].reading_from(rpc_url)
    with tempfile.TemporaryDirectory(prefix="aura-chaos-verify-") as scratch:
        for rid in chosen:
            try:
                report = asyncio.run(verify(chain, Path(scratch), rid, cfg.enclave.scoring_config))
            except Exception as e:  # noqa: BLE001 - listed in the report; the other samples go on
                tally.verify_errors.append(f"{rid}: {type(e).__name__}: {e}")
                continue
            tally.verified += 1
            first = report.first_difference
            if first is not None:
                tally.wrong.append({"request_id": rid, "why": f"recomputed {first.field} {first.recomputed} "
                                                              f"!= on chain {first.on_chain}"})
