"""The Solana assessment of docs/solana.md ("The signed payload"): base58 keys, the 320-byte payload, and
the `r || s || recovery_id` signature form that `sol_secp256k1_recover` takes.

Dependency-light on purpose (no solders in the enclave).
"""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PublicKey

from chains.core.assessment import AssessmentFacts
from chains.core.base58 import b58decode, b58encode
from chains.core.fields import fixed32, int64_le, uint_le
from chains.core.secp256k1 import LOW_S_REQUIRED, is_low_s, keccak256

PUBKEY_SIZE = 32
MAX_PUBKEY_TEXT = 44  # base58 of 32 bytes is 32 to 44 characters

PAYLOAD_TAG = b"AURA/solana/assessment"
PAYLOAD_VERSION = 2
PAYLOAD_SIZE = 320

# (offset, size, field) as in docs/solana.md; `Assessment.payload` writes exactly this, in this order.
PAYLOAD_LAYOUT: tuple[tuple[int, int, str], ...] = (
    (0, 22, "tag"),
    (22, 1, "version"),
    (23, 8, "cluster_id"),
    (31, 32, "program"),
    (63, 32, "oracle"),
    (95, 32, "request"),
    (127, 32, "subject"),
    (159, 2, "score"),
    (161, 1, "tier"),
    (162, 2, "pd_bps"),
    (164, 4, "flags"),
    (168, 32, "measurement"),
    (200, 32, "commitment"),
    (232, 8, "slot"),
    (240, 32, "slot_hash"),
    (272, 32, "features_hash"),
    (304, 8, "timestamp"),
    (312, 8, "expiry"),
)


def parse_pubkey(text: object) -> bytes:
    """32 bytes from the canonical base58 text of a Solana public key; ValueError says what is wrong."""
    if not isinstance(text, str):
        raise ValueError("must be a base58 string")
    if text.startswith("0x"):
        raise ValueError("must be base58, not 0x-prefixed hex")
    if len(text) > MAX_PUBKEY_TEXT:
        raise ValueError(
            f"must be base58 of 32 bytes (at most {MAX_PUBKEY_TEXT} characters), got {len(text)} characters"
        )
    raw = b58decode(text)
    if len(raw) != PUBKEY_SIZE:
        raise ValueError(f"must decode to exactly 32 bytes, got {len(raw)}")
    if b58encode(raw) != text:
        raise ValueError("is not canonical base58 (it does not re-encode to the same text)")
    return raw


def pubkey_text(raw: bytes) -> str:
    if len(raw) != PUBKEY_SIZE:
        raise ValueError("a public key is 32 bytes")
    return b58encode(raw)


@dataclass(frozen=True)
class Assessment:
    """What the enclave signs for the `aura_oracle` program; every key is the account's 32 raw bytes.
    `cluster_id` is the one the oracle account stores (its `initialize` argument, the node's `chain_id`)."""

    cluster_id: int
    program: bytes
    oracle: bytes
    request: bytes
    subject: bytes
    facts: AssessmentFacts

    def payload(self) -> bytes:
        """The 320 bytes of docs/solana.md, integers little-endian; `block_number` and `block_hash` are the
        pinned slot and its SlotHashes hash."""
        f = self.facts
        out = b"".join((
            PAYLOAD_TAG,
            bytes([PAYLOAD_VERSION]),
            uint_le(self.cluster_id, 8, "cluster_id"),
            fixed32(self.program, "program"),
            fixed32(self.oracle, "oracle"),
            fixed32(self.request, "request"),
            fixed32(self.subject, "subject"),
            uint_le(f.score, 2, "score"),
            uint_le(f.tier, 1, "tier"),
            uint_le(f.pd_bps, 2, "pd_bps"),
            uint_le(f.flags, 4, "flags"),
            fixed32(f.measurement, "measurement"),
            fixed32(f.commitment, "commitment"),
            uint_le(f.block_number, 8, "slot"),
            fixed32(f.block_hash, "slot_hash"),
            fixed32(f.features_hash, "features_hash"),
            int64_le(f.timestamp, "timestamp"),
            int64_le(f.expiry, "expiry"),
        ))  # fmt: skip
        assert len(out) == PAYLOAD_SIZE
        return out


def parse_payload(payload: bytes) -> Assessment:
    """The Assessment a 320-byte payload carries; ValueError if tag, version or size is wrong."""
    if len(payload) != PAYLOAD_SIZE:
        raise ValueError(f"a payload is {PAYLOAD_SIZE} bytes, got {len(payload)}")
    if payload[:22] != PAYLOAD_TAG or payload[22] != PAYLOAD_VERSION:
        raise ValueError(f"not a version {PAYLOAD_VERSION} Aura Solana assessment payload")
    fields = {name: payload[offset : offset + size] for offset, size, name in PAYLOAD_LAYOUT}
    little = {name: int.from_bytes(fields[name], "little") for name in ("score", "tier", "pd_bps", "flags")}
    signed = {name: int.from_bytes(fields[name], "little", signed=True) for name in ("timestamp", "expiry")}
    facts = AssessmentFacts(measurement=fields["measurement"], commitment=fields["commitment"],
                            block_number=int.from_bytes(fields["slot"], "little"), block_hash=fields["slot_hash"],
                            features_hash=fields["features_hash"], **little, **signed)
    return Assessment(cluster_id=int.from_bytes(fields["cluster_id"], "little"), program=fields["program"],
                      oracle=fields["oracle"], request=fields["request"], subject=fields["subject"], facts=facts)


def digest(payload: bytes) -> bytes:
    """keccak256(payload): the 32 bytes the enclave signs and the program hashes with `sol_keccak256`."""
    if len(payload) != PAYLOAD_SIZE:
        raise ValueError(f"a payload is {PAYLOAD_SIZE} bytes, got {len(payload)}")
    return keccak256(payload)


def recovery_id_signature(evm_signature: bytes) -> bytes:
    """`r || s || recovery_id` (0 or 1) from the enclave key's `r || s || v` (v 27 or 28)."""
    if len(evm_signature) != 65 or evm_signature[64] not in (27, 28):
        raise ValueError("expected a 65-byte r || s || v signature with v 27 or 28")
    return evm_signature[:64] + bytes([evm_signature[64] - 27])


def uncompressed_public_key(public_key: bytes) -> bytes:
    """The 64-byte `x || y` form (no 0x04 byte) of a secp256k1 key in any SEC1 encoding."""
    return PublicKey(public_key).format(compressed=False)[1:]


def recover_public_key(message_digest: bytes, signature: bytes) -> bytes:
    """The 64-byte key that made `signature` over `message_digest`, with the program's checks: 65 bytes,
    recovery id 0 or 1, 0 < r < n, 0 < s <= n/2. ValueError otherwise."""
    if len(message_digest) != 32:
        raise ValueError("a digest is 32 bytes")
    if len(signature) != 65:
        raise ValueError("a signature is 65 bytes r || s || recovery_id")
    if signature[64] not in (0, 1):
        raise ValueError("recovery id must be 0 or 1")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not is_low_s(r, s):
        raise ValueError(LOW_S_REQUIRED)
    recovered = PublicKey.from_signature_and_message(signature, message_digest, hasher=None)
    return recovered.format(compressed=False)[1:]


def address_of(public_key64: bytes) -> bytes:
    """The 20-byte address the program stores: keccak256(x || y)[12..32]."""
    if len(public_key64) != 64:
        raise ValueError("an uncompressed public key is 64 bytes x || y")
    return keccak256(public_key64)[12:]
