"""The id an operator's update is signed and stored under by the `aura_oracle` program (`update` in
programs/aura_oracle/src/update.rs; docs/solana.md, "Operator updates").

An update pushes a watched wallet's re-score with no request and no fee (docs/protocol.md, "Operator updates"). Its
id is sha256(b"AuraOracle.update" || oracle || subject || timestamp as i64 little-endian), which the program derives
from the oracle and subject accounts it is given and the signed timestamp; it stands where a request's account
address stands in the signed payload and in the Score. No request's id takes that form: a request's address is its
PDA, sha256 of a 101-byte preimage (`"request"`, oracle, nonce, bump, program id, `"ProgramDerivedAddress"`), an
update id sha256 of an 89-byte one. The timestamp is the assessment's (its pinned slot's block time). Light: the
enclave imports it.
"""

from __future__ import annotations

import hashlib

UPDATE_TAG = b"AuraOracle.update"
MAX_TIMESTAMP = (1 << 63) - 1


def update_request_id(oracle: bytes, subject: bytes, timestamp: int) -> bytes:
    """The program's update id of `subject` (32 bytes) on `oracle` (the oracle account's 32 bytes) for an
    assessment of time `timestamp`."""
    if len(oracle) != 32 or len(subject) != 32:
        raise ValueError("oracle and subject are 32-byte public keys")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError("timestamp must be a non-negative i64")
    return hashlib.sha256(UPDATE_TAG + oracle + subject + timestamp.to_bytes(8, "little")).digest()
