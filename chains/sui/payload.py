"""The Sui assessment of docs/sui.md ("The signed payload"): the BCS `IntentMessage<AssessmentPayload>`, its
SHA-256, and the 64-byte low-S `r || s` signature that `sui::ecdsa_k1::secp256k1_verify(.., 1)` accepts.

BCS is written out here (a handful of fixed-size fields) so the enclave needs no Sui library.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from coincurve import PublicKey

from chains.core.assessment import AssessmentFacts
from chains.core.fields import fixed32, uint_le
from chains.core.secp256k1 import LOW_S_REQUIRED, is_low_s

ASSESSMENT_INTENT = 1
ID_SIZE = 32
PAYLOAD_SIZE = 262
MAX_U64 = (1 << 64) - 1

_ADDRESS_RE = re.compile(r"^0x[0-9a-f]{64}$")

# (offset, size, field) of docs/sui.md; `IntentMessage.to_bcs` writes exactly this, in this order.
PAYLOAD_LAYOUT: tuple[tuple[int, int, str], ...] = (
    (0, 1, "intent"),
    (1, 8, "timestamp_ms"),
    (9, 32, "oracle"),
    (41, 32, "request_id"),
    (73, 32, "subject"),
    (105, 2, "score"),
    (107, 1, "tier"),
    (108, 2, "pd_bps"),
    (110, 4, "flags"),
    (114, 1, "measurement_len"),
    (115, 32, "measurement"),
    (147, 1, "commitment_len"),
    (148, 32, "commitment"),
    (180, 8, "checkpoint"),
    (188, 1, "checkpoint_digest_len"),
    (189, 32, "checkpoint_digest"),
    (221, 1, "features_hash_len"),
    (222, 32, "features_hash"),
    (254, 8, "expiry_ms"),
)
_VECTORS = ("measurement", "commitment", "checkpoint_digest", "features_hash")


def parse_address(text: object) -> bytes:
    """32 bytes from the canonical text of a Sui address or object ID: `0x` and 64 lower-case hex digits."""
    if not isinstance(text, str):
        raise ValueError("must be a string")
    if not _ADDRESS_RE.match(text):
        raise ValueError("must be 0x followed by 64 lower-case hex digits (a full Sui address)")
    return bytes.fromhex(text[2:])


def address_text(raw: bytes) -> str:
    if len(raw) != ID_SIZE:
        raise ValueError("a Sui address is 32 bytes")
    return "0x" + raw.hex()


def _vector32(value: bytes, name: str) -> bytes:
    """BCS `vector<u8>` of 32 bytes: the ULEB128 length (one byte, 32) then the bytes."""
    return bytes([32]) + fixed32(value, name)


@dataclass(frozen=True)
class Assessment:
    """The `IntentMessage<AssessmentPayload>` the enclave signs for an `aura_oracle` Oracle object. The facts'
    times are seconds; the message carries them in milliseconds. The facts' pinned block is the checkpoint
    holding the request's transaction: its sequence number and its 32-byte digest."""

    oracle: bytes
    request_id: bytes
    subject: bytes
    facts: AssessmentFacts

    @property
    def timestamp_ms(self) -> int:
        return self.facts.timestamp * 1000

    @property
    def expiry_ms(self) -> int:
        return self.facts.expiry * 1000

    def to_bcs(self) -> bytes:
        f = self.facts
        out = b"".join((
            uint_le(ASSESSMENT_INTENT, 1, "intent"),
            uint_le(self.timestamp_ms, 8, "timestamp_ms"),
            fixed32(self.oracle, "oracle"),
            fixed32(self.request_id, "request_id"),
            fixed32(self.subject, "subject"),
            uint_le(f.score, 2, "score"),
            uint_le(f.tier, 1, "tier"),
            uint_le(f.pd_bps, 2, "pd_bps"),
            uint_le(f.flags, 4, "flags"),
            _vector32(f.measurement, "measurement"),
            _vector32(f.commitment, "commitment"),
            uint_le(f.block_number, 8, "checkpoint"),
            _vector32(f.block_hash, "checkpoint_digest"),
            _vector32(f.features_hash, "features_hash"),
            uint_le(self.expiry_ms, 8, "expiry_ms"),
        ))  # fmt: skip
        assert len(out) == PAYLOAD_SIZE
        return out


def parse_intent_message(raw: bytes) -> Assessment:
    """The Assessment a 262-byte BCS IntentMessage carries; ValueError if size, intent or a length is wrong."""
    if len(raw) != PAYLOAD_SIZE:
        raise ValueError(f"an intent message is {PAYLOAD_SIZE} bytes, got {len(raw)}")
    fields = {name: raw[offset : offset + size] for offset, size, name in PAYLOAD_LAYOUT}
    if fields["intent"] != bytes([ASSESSMENT_INTENT]):
        raise ValueError(f"intent must be {ASSESSMENT_INTENT} (an Aura assessment)")
    if any(fields[name + "_len"] != b"\x20" for name in _VECTORS):
        raise ValueError("measurement, commitment, checkpoint_digest and features_hash must be 32-byte vectors")
    ints = {name: int.from_bytes(fields[name], "little")
            for name in ("timestamp_ms", "score", "tier", "pd_bps", "flags", "checkpoint", "expiry_ms")}
    if ints["timestamp_ms"] % 1000 or ints["expiry_ms"] % 1000:
        raise ValueError("timestamp_ms and expiry_ms must be whole seconds")
    facts = AssessmentFacts(score=ints["score"], tier=ints["tier"], pd_bps=ints["pd_bps"], flags=ints["flags"],
                            measurement=fields["measurement"], commitment=fields["commitment"],
                            block_number=ints["checkpoint"], block_hash=fields["checkpoint_digest"],
                            features_hash=fields["features_hash"], timestamp=ints["timestamp_ms"] // 1000,
                            expiry=ints["expiry_ms"] // 1000)
    return Assessment(oracle=fields["oracle"], request_id=fields["request_id"], subject=fields["subject"], facts=facts)


def digest(message: bytes) -> bytes:
    """SHA-256 of the BCS bytes: what `secp256k1_verify(.., 1)` hashes before checking."""
    if len(message) != PAYLOAD_SIZE:
        raise ValueError(f"an intent message is {PAYLOAD_SIZE} bytes, got {len(message)}")
    return hashlib.sha256(message).digest()


def compact_signature(evm_signature: bytes) -> bytes:
    """The 64-byte `r || s` Sui takes, from the enclave key's `r || s || v`; refuses a high-S signature."""
    if len(evm_signature) != 65:
        raise ValueError("expected a 65-byte r || s || v signature")
    r = int.from_bytes(evm_signature[:32], "big")
    s = int.from_bytes(evm_signature[32:64], "big")
    if not is_low_s(r, s):
        raise ValueError(LOW_S_REQUIRED)
    return evm_signature[:64]


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """What `secp256k1_verify(signature, public_key, message, 1)` decides: a 33-byte compressed key, a 64-byte
    low-S `r || s`, over sha256(message)."""
    if len(public_key) != 33 or public_key[0] not in (2, 3) or len(signature) != 64:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not is_low_s(r, s):
        return False
    try:
        key = PublicKey(public_key)
    except ValueError:
        return False
    return key.verify(_der(r, s), message, hasher=lambda m: hashlib.sha256(m).digest())


def _der(r: int, s: int) -> bytes:
    """DER `SEQUENCE { INTEGER r, INTEGER s }` for coincurve's verify."""

    def integer(value: int) -> bytes:
        body = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading 0 keeps it positive
        return b"\x02" + bytes([len(body)]) + body

    seq = integer(r) + integer(s)
    return b"\x30" + bytes([len(seq)]) + seq
