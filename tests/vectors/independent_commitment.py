"""The enclave's score commitment rebuilt from its definition (docs/protocol.md, "Commitment") without
node/enclave or node/zk, for the vector scripts' cross-checks: the blinding is HMAC-SHA512 of the label, the
request id and the subject left-padded to 32 bytes, read big-endian modulo BN254's scalar field; the commitment is
circomlibpy's Poseidon of (score, blinding, subject's high 128 bits, low 128 bits), 32 bytes big-endian. The circuit's
own witness checks the same commitment in tests/integration/zk.
"""

from __future__ import annotations

import hashlib
import hmac

from circomlibpy.poseidon import PoseidonHash

BN254_R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001
LABEL = b"aura/enclave/commitment-blinding/v2"


def independent_blinding(secret: bytes, request_id: bytes, subject: bytes) -> int:
    word = bytes(32 - len(subject)) + subject
    return int.from_bytes(hmac.new(secret, LABEL + request_id + word, hashlib.sha512).digest(), "big") % BN254_R


def independent_commitment(score: int, blinding: int, subject: bytes) -> bytes:
    value = int.from_bytes(subject, "big")
    digest = PoseidonHash().hash(4, [score, blinding, value >> 128, value % (1 << 128)])
    return int(digest).to_bytes(32, "big")
