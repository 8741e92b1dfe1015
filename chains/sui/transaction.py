"""Sui transactions built offline: pure argument BCS, the programmable transaction, `TransactionData`, its digest.

Everything here is pysui's BCS types (`pysui.sui.sui_bcs.bcs`) and its programmable-transaction builder, with
the pure arguments encoded at their exact Move widths (`u16` is two bytes, whatever its value) and
`vector<u8>` written as its ULEB128 length and the bytes. The transaction digest is Sui's:
`blake2b-256("TransactionData::" || bcs(TransactionData))`, base58; what a sender signs is
`blake2b-256(intent || bcs(TransactionData))` with the intent `[0, 0, 0]` (a user's TransactionData, V0, Sui).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from pysui.sui.sui_bcs import bcs
from pysui.sui.sui_common.txn_transaction_builder import ProgrammableTransactionBuilder

from chains.core.base58 import b58decode, b58encode

ADDRESS_SIZE = 32
TRANSACTION_INTENT = bytes([0, 0, 0])  # IntentScope::TransactionData, IntentVersion::V0, AppId::Sui
_DIGEST_PREFIX = b"TransactionData::"
_HEX_ID = re.compile(r"^0x[0-9a-fA-F]{1,64}$")
_BASE58_DIGEST = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")
MAX_U64 = (1 << 64) - 1


def canonical_id(text: Any) -> str:
    """`0x` and 64 lower-case hex digits, from any `0x`-prefixed hex ID of at most 32 bytes (`0x6` included)."""
    if not isinstance(text, str) or not _HEX_ID.match(text):
        raise ValueError(f"{text!r} is not a 0x-prefixed hex Sui address of at most 32 bytes")
    return "0x" + text[2:].lower().rjust(64, "0")


def id_bytes(text: str) -> bytes:
    return bytes.fromhex(canonical_id(text)[2:])


# --- pure arguments ------------------------------------------------------------------------------------


def uint(value: Any, bits: int, name: str = "value") -> bytes:
    """A Move `u8`/`u16`/`u32`/`u64` in BCS: little-endian, exactly bits/8 bytes."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise ValueError(f"{name}: {value!r} does not fit u{bits}")
    kind = {8: bcs.SuiU8, 16: bcs.SuiU16, 32: bcs.SuiU32, 64: bcs.SuiU64}[bits]
    return kind(value).to_bytes()


def uleb128(n: int) -> bytes:
    if n < 0:
        raise ValueError("ULEB128 encodes non-negative integers")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def vector_u8(value: bytes) -> bytes:
    """A Move `vector<u8>` in BCS: the ULEB128 length, then the bytes."""
    if not isinstance(value, (bytes, bytearray)):
        raise ValueError("vector<u8> takes bytes")
    return uleb128(len(value)) + bytes(value)


def vector_vector_u8(values: tuple[bytes, ...] | list[bytes]) -> bytes:
    """A Move `vector<vector<u8>>` in BCS: the ULEB128 count, then each as `vector_u8`."""
    return uleb128(len(values)) + b"".join(vector_u8(value) for value in values)


def pure(encoded: bytes) -> bcs.BuilderArg:
    """A pure input of already BCS-encoded bytes."""
    return bcs.BuilderArg("Pure", list(encoded))


# --- objects ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectRef:
    """An owned object's reference: ID, version, digest (base58). A gas coin is one."""

    object_id: str
    version: int
    digest: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "object_id", canonical_id(self.object_id))
        if isinstance(self.version, bool) or not isinstance(self.version, int) or not 0 <= self.version <= MAX_U64:
            raise ValueError(f"object version {self.version!r} is not a u64")
        if not isinstance(self.digest, str) or not _BASE58_DIGEST.match(self.digest) \
                or len(b58decode(self.digest)) != 32:
            raise ValueError(f"object digest {self.digest!r} is not 32 bytes of base58")

    def to_bcs(self) -> bcs.ObjectReference:
        return bcs.ObjectReference(bcs.Address.from_str(self.object_id), self.version,
                                   bcs.Digest.from_str(self.digest))

    @classmethod
    def from_bcs(cls, ref: bcs.ObjectReference) -> ObjectRef:
        return cls(ref.ObjectID.to_address_str(), int(ref.SequenceNumber), ref.ObjectDigest.to_digest_str())


def shared_object(object_id: str, initial_shared_version: int, mutable: bool) -> bcs.ObjectArg:
    return bcs.ObjectArg("SharedObject", bcs.SharedObjectReference(
        bcs.Address.from_str(canonical_id(object_id)), initial_shared_version, mutable))


# --- the transaction -----------------------------------------------------------------------------------


def move_call(package: str, module: str, function: str, arguments: list[Any]) -> bcs.TransactionKind:
    """A programmable transaction of one Move call; `arguments` are pure `BuilderArg`s and `ObjectArg`s."""
    builder = ProgrammableTransactionBuilder()
    builder.move_call(target=bcs.Address.from_str(canonical_id(package)), arguments=arguments, type_arguments=[],
                      module=module, function=function)
    return builder.finish_for_inspect()


def transaction_data(kind: bcs.TransactionKind, sender: str, gas: ObjectRef, price: int, budget: int,
                     expiration_epoch: int | None) -> bcs.TransactionData:
    """`TransactionData::V1` paid by `sender` with one gas coin, valid through `expiration_epoch` (inclusive)."""
    uint(price, 64, "gas price")
    uint(budget, 64, "gas budget")
    sender_address = bcs.Address.from_str(canonical_id(sender))
    gas_data = bcs.GasData([gas.to_bcs()], bcs.Address.from_str(canonical_id(sender)), price, budget)
    if expiration_epoch is None:
        expiration = bcs.TransactionExpiration("None", None)
    else:
        uint(expiration_epoch, 64, "expiration epoch")
        expiration = bcs.TransactionExpiration("Epoch", expiration_epoch)
    return bcs.TransactionData("V1", bcs.TransactionDataV1(kind, sender_address, gas_data, expiration))


def serialize(data: bcs.TransactionData) -> bytes:
    return bytes(data.serialize())


def decode(tx_bytes: bytes) -> bcs.TransactionData:
    """The TransactionData of BCS bytes (pysui's decoder); ValueError if they are not one."""
    try:
        data = bcs.TransactionData.deserialize(tx_bytes)
    except Exception as e:  # noqa: BLE001 - canoser raises assorted errors on bad input
        raise ValueError(f"not a BCS TransactionData: {type(e).__name__}") from None
    if serialize(data) != bytes(tx_bytes):
        raise ValueError("not a BCS TransactionData: trailing or non-canonical bytes")
    return data


def digest_bytes(tx_bytes: bytes) -> bytes:
    return hashlib.blake2b(_DIGEST_PREFIX + bytes(tx_bytes), digest_size=32).digest()


def digest(tx_bytes: bytes) -> str:
    """The transaction digest (its ID on chain): base58 of `blake2b-256("TransactionData::" || tx_bytes)`."""
    return b58encode(digest_bytes(tx_bytes))


def signing_digest(tx_bytes: bytes) -> bytes:
    """What a sender's key signs: `blake2b-256(intent || tx_bytes)` (secp256k1 then hashes it with SHA-256)."""
    return hashlib.blake2b(TRANSACTION_INTENT + bytes(tx_bytes), digest_size=32).digest()


@dataclass(frozen=True)
class GasTerms:
    """What a decoded TransactionData pays with and until when."""

    sender: str
    coin: ObjectRef
    price: int
    budget: int
    expiration_epoch: int | None


def gas_terms(data: bcs.TransactionData) -> GasTerms:
    v1 = data.value
    payment = v1.GasData.Payment
    if len(payment) != 1:
        raise ValueError(f"expected one gas coin, found {len(payment)}")
    expiration = v1.TransactionExpiration
    epoch = int(expiration.value) if expiration.enum_name == "Epoch" else None
    if expiration.enum_name not in ("None", "Epoch"):
        raise ValueError(f"unexpected transaction expiration {expiration.enum_name}")
    return GasTerms(sender=v1.Sender.to_address_str(), coin=ObjectRef.from_bcs(payment[0]),
                    price=int(v1.GasData.Price), budget=int(v1.GasData.Budget), expiration_epoch=epoch)
