"""A node's store filled the way the pipeline fills it: requests stored from their logs (`store_batch`), confirmed,
assessed by a real in-process enclave service (the real engine, a real key, each family's real codec) and
recorded with the features scored (`record_assessment`); fulfilments recorded as sent (`record_submission`)."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from chains.base import OracleRequest, Submission
from chains.core.base58 import b58encode
from chains.core.errors import InvalidParams
from chains.core.secp256k1 import keccak256
from chains.evm.update_id import update_request_id
from node.enclave.client import EnclaveRemoteError
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.open import OpenRefused
from node.enclave.protocol import ErrorCode
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.store import Store
from tests.vectors import evm_state

NOW = 1_750_000_000
DAY = 86_400
VECTORS = Path(__file__).resolve().parents[2] / "vectors"
SOLANA = {k: v["pubkey"] for k, v in json.loads((VECTORS / "solana.json").read_text())["accounts"].items()}
SUI = json.loads((VECTORS / "sui.json").read_text())["cases"]["first"]["params"]["request"]

CHAINS = {"anvil": "evm", "devnet": "solana", "sui-local": "sui"}
"""The node's configured chains: name -> family."""
EVM_SUBJECT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
SOLANA_SUBJECT = SOLANA["subject"]
SUI_SUBJECT = SUI["subject"]
SUBJECTS = {"anvil": EVM_SUBJECT, "devnet": SOLANA_SUBJECT, "sui-local": SUI_SUBJECT}
TARGETS: dict[str, dict[str, Any]] = {
    "anvil": {"chain_id": 31337, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "program": "",
              "requester": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
    "devnet": {"chain_id": 103, "contract": SOLANA["oracle"], "program": SOLANA["program"],
               "requester": SOLANA["requester"]},
    "sui-local": {"chain_id": SUI["chain_id"], "contract": SUI["contract"], "program": SUI["package"],
                  "requester": SUI["requester"]},
}
PROGRAM_KEY = {"evm": None, "solana": "program", "sui": "package"}
"""Under which key the enclave's request carries `OracleRequest.program` (test data, not node code)."""


ENCLAVE_KEY = EnclaveKey(keccak256(b"aura api test enclave"))


@functools.cache
def enclave() -> EnclaveService:
    return EnclaveService(ENCLAVE_KEY, measure(), Engine.load(load_config()), clock=lambda: NOW)


class InProcessOpener:
    """The enclave service that signed the store's assessments, answering `open` as the node's enclave client
    does: its refusals as the error replies node/enclave/server.py makes of them."""

    async def open_commitment(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return enclave().open(params)
        except OpenRefused as exc:
            raise EnclaveRemoteError(ErrorCode.REFUSED, str(exc)) from None
        except InvalidParams as exc:
            raise EnclaveRemoteError(ErrorCode.INVALID_PARAMS, str(exc)) from None


def request_id(chain: str, n: int) -> str:
    """The `n`th request id of the chain, in its family's text form."""
    raw = hashlib.sha256(f"{chain} request {n}".encode()).digest()
    return b58encode(raw) if CHAINS[chain] == "solana" else "0x" + raw.hex()


def features(block: int, tx_count: int) -> dict[str, Any]:
    return {"as_of_block": block, "as_of_block_hash": "0x" + keccak256(str(block).encode()).hex(),
            "as_of_timestamp": NOW - 60, "tx_count": tx_count, "balance_wei": "1500000000000000000",
            "first_seen_timestamp": NOW - 500 * DAY,
            "history": {"first_activity_timestamp": NOW - 480 * DAY, "last_activity_timestamp": NOW - 3 * DAY,
                        "active_months": 14, "tx_per_active_month_milli": 4_500, "longest_gap_days": 41,
                        "tx_30d": 6, "tx_7d": 2, "counterparties": 27, "protocols": 3, "tokens": 6,
                        "inflow_hhi_bps": 3_400, "stablecoin_share_bps": 5_200, "transfers_in_30d": 3, "swaps": 12,
                        "supplies": 4, "borrows": 5, "repays": 6, "liquidations": 0, "borrows_30d": 1,
                        "outstanding_positions": 1, "repayment_ratio_bps": 9_600}}


class Filler:
    """Writes to `store` only through its own methods, as the pipeline does."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cursor = 0

    def request(self, chain: str, n: int, block: int, subject: str | None = None, private: bool = False,
                tx_count: int = 40) -> tuple[OracleRequest, dict[str, Any], dict[str, Any] | None]:
        """Store the chain's `n`th request, pinned at `block`. Returns it, the features it will be scored from
        and the proof an EVM enclave needs (None elsewhere)."""
        subject = subject or SUBJECTS[chain]
        feats, proof = features(block, tx_count), None
        if CHAINS[chain] == "evm":
            feats, proof = evm_state.pinned(feats, subject)
        target = TARGETS[chain]
        req = OracleRequest(chain=chain, family=CHAINS[chain], chain_id=target["chain_id"],
                            contract=target["contract"], request_id=request_id(chain, n),
                            requester=target["requester"], subject=subject, fee=5_000, expires_at=NOW + 3600,
                            params="0x", block_number=block, block_hash=feats["as_of_block_hash"],
                            tx_hash="0x" + keccak256(f"{chain} tx {n}".encode()).hex(), ordinal=n % 3,
                            program=target["program"], private=private)
        self.cursor += 1
        self.store.store_batch(chain, [req], str(self.cursor))
        return req, feats, proof

    def score(self, chain: str, n: int, block: int, subject: str | None = None, private: bool = False,
              tx_count: int = 40) -> tuple[OracleRequest, dict[str, Any]]:
        """Store, confirm, assess and record the chain's `n`th request; returns it and the enclave's answer."""
        req, feats, proof = self.request(chain, n, block, subject, private, tx_count)
        self.store.transition(req.key, "confirmed")
        wire = {"family": req.family, "chain_id": req.chain_id, "contract": req.contract,
                "request_id": req.request_id, "requester": req.requester, "subject": req.subject,
                "fee": str(req.fee), "expires_at": req.expires_at, "block_number": req.block_number}
        program_key = PROGRAM_KEY[req.family]
        if program_key is not None:
            wire[program_key] = req.program
        params: dict[str, Any] = {"request": wire, "features": feats, "private": private}
        if proof is not None:
            params["proof"] = proof
        result = enclave().assess(params)
        self.store.record_assessment(req.key, result, feats)
        return req, result

    def update(self, block: int, subject: str | None = None) -> tuple[OracleRequest, dict[str, Any]]:
        """Store, confirm, assess (with `update`) and record an operator update of `subject` on anvil, pinned at
        `block`, as a node pushing a moved re-score does; returns it and the enclave's answer."""
        subject = subject or SUBJECTS["anvil"]
        feats, proof = evm_state.pinned(features(block, 40), subject)
        target = TARGETS["anvil"]
        update_id = update_request_id(target["chain_id"], bytes.fromhex(target["contract"][2:]),
                                      bytes.fromhex(subject[2:]), feats["as_of_timestamp"])
        req = OracleRequest(chain="anvil", family="evm", chain_id=target["chain_id"], contract=target["contract"],
                            request_id="0x" + update_id.hex(), requester="0x" + "00" * 20, subject=subject, fee=0,
                            expires_at=NOW + 1800, params="", block_number=feats["as_of_block"],
                            block_hash=feats["as_of_block_hash"], tx_hash="", ordinal=0, operator_update=True)
        self.store.add_updates("anvil", [req])
        self.store.transition(req.key, "confirmed")
        wire = {"family": "evm", "chain_id": req.chain_id, "contract": req.contract, "request_id": req.request_id,
                "requester": req.requester, "subject": subject, "fee": "0", "expires_at": req.expires_at,
                "block_number": req.block_number}
        result = enclave().assess({"request": wire, "features": feats, "proof": proof, "update": True})
        self.store.record_assessment(req.key, result, feats)
        return req, result

    def send(self, req: OracleRequest, sequence: int) -> str:
        """Record a fulfilment of `req` as sent; returns its transaction hash."""
        tx = "0x" + keccak256(f"fulfil {req.key}".encode()).hex()
        self.store.record_submission(Submission(req.chain, tx, sequence, "0x00", (req.key,)))
        return tx
