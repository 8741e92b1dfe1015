"""The facts every family's signed payload carries, whatever its encoding (docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AssessmentFacts:
    """Score 0-1000, tier, probability of default in bps, risk flags, the enclave's measurement, the commitment
    to the score, the pinned block (number and 32-byte hash: a block on EVM, a slot and its bank hash on Solana,
    a checkpoint and its digest on Sui), the hash of the features scored (chains/core/features.py), and the
    pinned block's time and the expiry in seconds."""

    score: int
    tier: int
    pd_bps: int
    flags: int
    measurement: bytes
    commitment: bytes
    block_number: int
    block_hash: bytes
    features_hash: bytes
    timestamp: int
    expiry: int


PRIVATE_TIER = 255
"""The tier a private assessment carries in place of its own: the chain stores the commitment, score 0, PD 0 and
this tier, so that a protocol learns the score only from what a threshold proof shows (docs/protocol.md)."""


class Signer(Protocol):
    """The enclave key as a codec sees it: a public key and a signature over a 32-byte digest."""

    @property
    def public_key(self) -> bytes:
        """The 33-byte compressed secp256k1 key."""
        ...

    def sign_digest(self, digest: bytes) -> bytes:
        """65 bytes `r || s || v` (v 27 or 28), low-S, over `digest` as given (no further hashing)."""
        ...
