"""The id an operator's update is signed and stored under on AuraOracle (`updateId` in contracts/AuraOracle.sol).

An update pushes a watched wallet's re-score with no request and no fee (docs/protocol.md, "Operator updates"). Its
id is keccak256(abi.encode(keccak256("AuraOracle.update"), chainId, oracle, subject, timestamp)) with its low 64
bits set: no request's id has them (a request's low 64 bits are its sequence number), and the oracle takes each id
once. The timestamp is the assessment's (its pinned block's time), which the enclave reads from the header it
checked. Light: the enclave imports it.
"""

from __future__ import annotations

from chains.core.secp256k1 import keccak256

UPDATE_TAG = keccak256(b"AuraOracle.update")
UPDATE_SEQ = (1 << 64) - 1
"""The low 64 bits of every update id."""


def update_request_id(chain_id: int, contract: bytes, subject: bytes, timestamp: int) -> bytes:
    """The oracle's `updateId(subject, timestamp)` on chain `chain_id` at `contract` (20 bytes each)."""
    if len(contract) != 20 or len(subject) != 20:
        raise ValueError("contract and subject are 20-byte addresses")
    if not 0 <= timestamp < 1 << 64:
        raise ValueError("timestamp must fit 64 bits")
    body = (UPDATE_TAG + chain_id.to_bytes(32, "big") + contract.rjust(32, b"\0") + subject.rjust(32, b"\0")
            + timestamp.to_bytes(32, "big"))
    return (int.from_bytes(keccak256(body), "big") | UPDATE_SEQ).to_bytes(32, "big")


def is_update_id(request_id: bytes) -> bool:
    """Whether `request_id` has an update id's form (its low 64 bits all set)."""
    return int.from_bytes(request_id[-8:], "big") == UPDATE_SEQ
