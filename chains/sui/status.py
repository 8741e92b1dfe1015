"""The enclave's signer as the `aura_oracle` package sees it (docs/sui.md, "Objects"): the `Enclave` record under
the oracle, keyed by `EnclaveKey { public_key }`, the enclave's 33-byte compressed key. A caller that knows the
key reads by it; one that knows only the key's address (keccak-256, as on EVM) has the key found in the package's
`EnclaveRegistered` events: the one that registered a key with that address on this oracle.

Both are read from the service's JSON rendering (chains/sui/package.py): addresses as `0x` + 64 hex digits,
`vector<u8>` as base64, `bool` as a JSON bool.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from coincurve import PublicKey

from chains.base import SignerStatus
from chains.core.secp256k1 import address_from_public_key
from chains.sui import transaction as tx

PUBLIC_KEY_SIZE = 33


def _base64(value: Any, key: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{key}: {value!r} is not base64 bytes")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{key}: {value[:40]!r} is not base64 bytes") from None


def registered_key(contents: Any, oracle: str, address: str) -> bytes | None:
    """The public key an `EnclaveRegistered` event registers on `oracle` (`0x` + 64 hex digits) when its address
    is `address` (`0x` + 40 lower-case hex digits); None for another oracle's event, another key's, or a malformed
    one."""
    if not isinstance(contents, dict) or contents.get("oracle") != oracle:
        return None
    try:
        key = _base64(contents.get("public_key"), "public_key")
        found = address_from_public_key(key).lower() if len(key) == PUBLIC_KEY_SIZE else None
    except ValueError:
        return None
    return key if found == address else None


def signer_key(public_key: bytes, address: str) -> bytes:
    """`public_key` (any SEC1 encoding) as the package keys enclaves by it, compressed, when it is the key of
    `address` (`0x` + 40 lower-case hex digits).

    Raises:
        ValueError: it is not a public key, or another address's.
    """
    try:
        key = PublicKey(public_key).format(compressed=True)
    except ValueError:
        raise ValueError(f"public key 0x{public_key.hex()[:80]} is not a secp256k1 public key") from None
    owner = address_from_public_key(key)
    if owner.lower() != address:
        raise ValueError(f"public key 0x{key.hex()} is {owner}'s, not signer {address}'s")
    return key


def enclave_key_bcs(public_key: bytes) -> bytes:
    """BCS of `EnclaveKey { public_key: vector<u8> }`, the record's dynamic field name."""
    return tx.vector_u8(public_key)


def enclave_status(value: Any, measurement: str) -> SignerStatus:
    """The status an `Enclave` record's JSON gives the signer with enclave `measurement` (`0x` + 64 hex digits):
    REVOKED, OTHER_MEASUREMENT or ACTIVE, in the order EVM's oracle answers them.

    Raises:
        ValueError: the JSON is not an `Enclave` record's; the message names the field that is off.
    """
    if not isinstance(value, dict):
        raise ValueError("the record is not a JSON object")
    active = value.get("active")
    if not isinstance(active, bool):
        raise ValueError(f"active: {active!r} is not a bool")
    registered = _base64(value.get("measurement"), "measurement")
    if not active:
        return SignerStatus.REVOKED
    if "0x" + registered.hex() != measurement.lower():
        return SignerStatus.OTHER_MEASUREMENT
    return SignerStatus.ACTIVE
