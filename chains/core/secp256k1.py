"""EVM primitives the enclave needs without web3: keccak-256, checksummed addresses, ecrecover."""

from __future__ import annotations

import re

from coincurve import PublicKey
from eth_hash.auto import keccak as _keccak

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2

EVM_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")


LOW_S_REQUIRED = "signature r/s out of range (s must be in the lower half of the curve order)"


def is_low_s(r: int, s: int) -> bool:
    """Whether (r, s) is a canonical signature: 0 < r < n and 0 < s <= n/2 (what every verifier here demands)."""
    return 0 < r < SECP256K1_N and 0 < s <= SECP256K1_HALF_N


def keccak256(data: bytes) -> bytes:
    return _keccak(data)


_HIGH_NIBBLE = bytes.maketrans(b"0123456789abcdef", b"\0" * 8 + b"\x20" * 8)
_LETTER = bytes.maketrans(b"0123456789abcdef", b"\0" * 10 + b"\x20" * 6)


def to_checksum_address(raw: bytes) -> str:
    """EIP-55 mixed-case form of a 20-byte address: each hex letter is upper case where the same nibble of
    keccak-256 of the lower-case hex is 8 or more. Done on the 40 characters as one big integer (a letter loses
    0x20 to become upper case), which is what makes the API's address checks cheap."""
    if len(raw) != 20:
        raise ValueError("an address is 20 bytes")
    lower = raw.hex().encode("ascii")
    hashed = keccak256(lower).hex().encode("ascii")[:40]
    case = int.from_bytes(hashed.translate(_HIGH_NIBBLE), "big") & int.from_bytes(lower.translate(_LETTER), "big")
    return "0x" + (int.from_bytes(lower, "big") - case).to_bytes(40, "big").decode("ascii")


def parse_address(text: str) -> bytes:
    """20 bytes from `0x` + 40 hex digits; a mixed-case address must carry a valid EIP-55 checksum."""
    if not isinstance(text, str) or not EVM_ADDRESS_RE.match(text):
        raise ValueError("must be 0x followed by 40 hex digits")
    raw = bytes.fromhex(text[2:])
    body = text[2:]
    if body != body.lower() and body != body.upper() and to_checksum_address(raw) != text:
        raise ValueError("has an invalid EIP-55 checksum")
    return raw


def address_from_public_key(public_key: bytes) -> str:
    """The checksummed EVM address of a secp256k1 public key (any SEC1 encoding)."""
    uncompressed = PublicKey(public_key).format(compressed=False)
    return to_checksum_address(keccak256(uncompressed[1:])[12:])


def split_signature(signature: bytes) -> tuple[int, int, int]:
    """(r, s, v) of a 65-byte `r || s || v` signature; refuses high-S and v outside {27, 28}."""
    if len(signature) != 65:
        raise ValueError("a signature is 65 bytes r || s || v")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28):
        raise ValueError("signature v must be 27 or 28")
    if not is_low_s(r, s):
        raise ValueError(LOW_S_REQUIRED)
    return r, s, v


def recover_public_key(digest: bytes, signature: bytes) -> bytes:
    """The compressed public key that made `signature` (65 bytes, low-S, v 27/28) over a 32-byte digest."""
    if len(digest) != 32:
        raise ValueError("a digest is 32 bytes")
    _, _, v = split_signature(signature)
    recoverable = signature[:64] + bytes([v - 27])
    return PublicKey.from_signature_and_message(recoverable, digest, hasher=None).format(compressed=True)


def recover_address(digest: bytes, signature: bytes) -> str:
    return address_from_public_key(recover_public_key(digest, signature))
