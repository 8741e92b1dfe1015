"""The id an operator's update is signed and recorded under on an `aura_oracle` Oracle (`oracle::update_id` in
move/aura_oracle/sources/oracle.move).

An update pushes a watched wallet's re-score with no request and no fee (docs/protocol.md, "Operator updates"). Its
id is blake2b-256 of the tag `AuraOracle.update` followed by the BCS of the oracle's ID (32 bytes), the subject's
address (32 bytes) and the assessment's time in milliseconds (a u64, little-endian), read as an object ID. The
oracle derives it itself in `update` and `update_quorum` and takes each id once. The time is the assessment's (its
pinned checkpoint's, in whole seconds), which the enclave reads from the features it checked. Light: the enclave
imports it.
"""

from __future__ import annotations

import hashlib

UPDATE_TAG = b"AuraOracle.update"
MAX_U64 = (1 << 64) - 1


def update_request_id(oracle: bytes, subject: bytes, timestamp: int) -> bytes:
    """The oracle's `update_id(oracle, subject, timestamp * 1000)`: `oracle` and `subject` 32 bytes each, `timestamp`
    the assessment's time in seconds."""
    if len(oracle) != 32 or len(subject) != 32:
        raise ValueError("oracle and subject are 32-byte Sui addresses")
    timestamp_ms = timestamp * 1000
    if not 0 <= timestamp_ms <= MAX_U64:
        raise ValueError("timestamp in milliseconds must fit 64 bits")
    body = UPDATE_TAG + oracle + subject + timestamp_ms.to_bytes(8, "little")
    return hashlib.blake2b(body, digest_size=32).digest()
