"""A local Solana JSON-RPC endpoint over LiteSVM, for clients that talk to it exactly as to a cluster.

`SolanaDevnet` serves the methods a client needs to send transactions and follow them (accounts, blockhashes,
statuses, transactions, signatures per address), with Solana's request and response shapes and error objects.
A background task closes a slot every `slot_ms`; a transaction lands in the current slot, is `confirmed` one
slot later and `finalized` `finality_depth` slots later.

    python -m node.workshop.devnet.solana_rpc --port 8899 --program <base58 id>=<path.so>
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import json
import logging
import signal
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from solders.account import Account
from solders.hash import Hash
from solders.message import MessageV0, from_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from chains.core.base58 import Base58Error, b58decode, b58encode
from node.workshop.devnet.solana_ledger import (
    ADDRESS_LOOKUP_TABLE_PROGRAM,
    COMMITMENTS,
    LOOKUP_TABLE_META_SIZE,
    MAX_PROCESSING_AGE,
    MAX_RECENT_BLOCKHASHES,
    LedgerError,
    SimResult,
    SolanaLedger,
    TransactionRejected,
    TxRecord,
    b64,
    error_message,
    signature_fee,
    with_blockhash,
)
from chains.core.errors import AuraError

log = logging.getLogger(__name__)

SOLANA_CORE_VERSION = "2.2.1"
FEATURE_SET = 3294202862
MAX_REQUEST_BODY_SIZE = 50 * 1024
PACKET_DATA_SIZE = 1232
MAX_BASE58_SIZE = 1683
MAX_BASE64_SIZE = 1644
MAX_BASE58_BYTES = 128
MAX_MULTIPLE_ACCOUNTS = 100
MAX_SIGNATURE_STATUSES = 256
MAX_SIGNATURES_FOR_ADDRESS_LIMIT = 1000
MAX_PROGRAM_ACCOUNT_FILTERS = 4
MAX_TX_ACCOUNT_LOCKS = 128
MAX_PERMITTED_DATA_LENGTH = 10 * 1024 * 1024
MAX_FILTER_BYTES = 128
MAX_FILTER_BASE58 = 175
MAX_FILTER_BASE64 = 172
TX_TYPE = "solana_transaction::versioned::VersionedTransaction"
MESSAGE_TYPE = "solana_message::versioned::VersionedMessage"
ACCOUNT_ENCODINGS = ("binary", "base58", "base64", "jsonParsed", "base64+zstd")
TX_ENCODINGS = ("binary", "base64", "base58", "json", "jsonParsed")
FILTER_KINDS = ("dataSize", "memcmp", "tokenAccountState")


class SolanaDevnetError(AuraError, RuntimeError):
    """The Solana devnet could not be started, or an in-process helper was misused."""


class RpcError(AuraError, RuntimeError):
    """A JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None, *, has_data: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.has_data = has_data or data is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.has_data:
            out["data"] = self.data
        return out


def invalid_params(message: str) -> RpcError:
    return RpcError(-32602, message)


def invalid_request() -> RpcError:
    return RpcError(-32600, "Invalid request")


# ------------------------------------------------------------------------------------- params, serde-alike

class _Serde(AuraError, ValueError):
    """A params mismatch, worded as serde words it; reported as `Invalid params: <message>.`."""


def _unexpected(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"boolean `{'true' if v else 'false'}`"
    if isinstance(v, int):
        return f"integer `{v}`"
    if isinstance(v, float):
        return f"floating point `{v!r}`"
    if isinstance(v, str):
        return f"string {json.dumps(v, ensure_ascii=False)}"
    if isinstance(v, list):
        return "sequence"
    return "map"


def _string(v: Any) -> str:
    if not isinstance(v, str):
        raise _Serde(f"invalid type: {_unexpected(v)}, expected a string")
    return v


def _uint(name: str, bits: int) -> Callable[[Any], int]:
    def parse(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise _Serde(f"invalid type: {_unexpected(v)}, expected {name}")
        if v < 0 or v >= 1 << bits:
            raise _Serde(f"invalid value: {_unexpected(v)}, expected {name}")
        return v
    return parse


_u64 = _uint("u64", 64)
_usize = _uint("usize", 64)
_u8 = _uint("u8", 8)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Serde(f"invalid type: {_unexpected(v)}, expected a boolean")
    return v


def _seq(item: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    def parse(v: Any) -> list[Any]:
        if not isinstance(v, list):
            raise _Serde(f"invalid type: {_unexpected(v)}, expected a sequence")
        return [item(x) for x in v]
    return parse


def _enum(variants: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(v: Any) -> str:
        if not isinstance(v, str):
            raise _Serde(f"invalid type: {_unexpected(v)}, expected string or map")
        if v not in variants:
            expected = ", ".join(f"`{x}`" for x in variants)
            raise _Serde(f"unknown variant `{v}`, expected one of {expected}")
        return v
    return parse


_commitment = _enum(COMMITMENTS)


def _struct(name: str, fields: dict[str, Callable[[Any], Any]],
            defaults: dict[str, Any] | None = None) -> Callable[[Any], dict[str, Any]]:
    """A config object: known fields parsed (null is absent for optional ones), unknown fields ignored."""
    defaults = defaults or {}

    def parse(v: Any) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise _Serde(f"invalid type: {_unexpected(v)}, expected struct {name}")
        out = dict(defaults)
        for key, conv in fields.items():
            if key in v and (v[key] is not None or key in defaults):
                out[key] = conv(v[key])
        return out
    return parse


_data_slice = _struct("UiDataSliceConfig", {"offset": _usize, "length": _usize})
_context_config = _struct("RpcContextConfig", {"commitment": _commitment, "minContextSlot": _u64})
_commitment_config = _struct("CommitmentConfig", {"commitment": _commitment})
_account_config = _struct("RpcAccountInfoConfig", {
    "encoding": _enum(ACCOUNT_ENCODINGS), "dataSlice": _data_slice, "commitment": _commitment,
    "minContextSlot": _u64})


def _memcmp(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _Serde(f"invalid type: {_unexpected(v)}, expected struct RpcMemcmpInner")
    if "offset" not in v:
        raise _Serde("missing field `offset`")
    if "bytes" not in v:
        raise _Serde("missing field `bytes`")
    offset = _usize(v["offset"])
    raw = v["bytes"]
    encoding = None if v.get("encoding") is None else _enum(("base58", "base64", "bytes"))(v["encoding"])
    if isinstance(raw, str):
        return {"offset": offset, "bytes": raw, "encoding": "base64" if encoding == "base64" else "base58"}
    if isinstance(raw, list) and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in raw):
        return {"offset": offset, "bytes": bytes(raw), "encoding": "bytes"}
    raise _Serde("data did not match any variant of untagged enum DataType")


def _filter(v: Any) -> tuple[str, Any]:
    if isinstance(v, str):
        kind = _enum(FILTER_KINDS)(v)
        if kind != "tokenAccountState":
            raise _Serde("invalid type: unit variant, expected newtype variant")
        return kind, None
    if not isinstance(v, dict):
        raise _Serde(f"invalid type: {_unexpected(v)}, expected string or map")
    if len(v) != 1:
        raise _Serde("invalid value: map, expected map with a single key")
    (kind, value), = v.items()
    kind = _enum(FILTER_KINDS)(kind)
    if kind == "dataSize":
        return kind, _u64(value)
    if kind == "memcmp":
        return kind, _memcmp(value)
    return kind, None


_program_accounts_config = _struct("RpcProgramAccountsConfig", {
    "filters": _seq(_filter), "withContext": _bool, "sortResults": _bool, "encoding": _enum(ACCOUNT_ENCODINGS),
    "dataSlice": _data_slice, "commitment": _commitment, "minContextSlot": _u64})
_send_config = _struct("RpcSendTransactionConfig", {
    "skipPreflight": _bool, "preflightCommitment": _commitment, "encoding": _enum(TX_ENCODINGS),
    "maxRetries": _usize, "minContextSlot": _u64}, {"skipPreflight": False})
_simulate_accounts = _struct("RpcSimulateTransactionAccountsConfig", {
    "encoding": _enum(ACCOUNT_ENCODINGS), "addresses": _seq(_string)})
_simulate_config = _struct("RpcSimulateTransactionConfig", {
    "sigVerify": _bool, "replaceRecentBlockhash": _bool, "commitment": _commitment, "encoding": _enum(TX_ENCODINGS),
    "accounts": _simulate_accounts, "minContextSlot": _u64, "innerInstructions": _bool},
    {"sigVerify": False, "replaceRecentBlockhash": False, "innerInstructions": False})
_statuses_config = _struct("RpcSignatureStatusConfig", {"searchTransactionHistory": _bool},
                           {"searchTransactionHistory": False})
_signatures_config = _struct("RpcSignaturesForAddressConfig", {
    "before": _string, "until": _string, "limit": _usize, "commitment": _commitment, "minContextSlot": _u64})
_airdrop_config = _struct("RpcRequestAirdropConfig", {"recentBlockhash": _string, "commitment": _commitment})
_tx_config_current = _struct("RpcTransactionConfig", {
    "encoding": _enum(TX_ENCODINGS), "commitment": _commitment, "maxSupportedTransactionVersion": _u8})


def _tx_config(v: Any) -> dict[str, Any]:
    """getTransaction's config, or the encoding alone as older clients send it."""
    if isinstance(v, str) and v in TX_ENCODINGS:
        return {"encoding": v}
    if isinstance(v, dict):
        return _tx_config_current(v)
    raise _Serde("data did not match any variant of untagged enum RpcEncodingConfigWrapper")


def _debug_params(params: list[Any]) -> str:
    def dbg(v: Any) -> str:
        if v is None:
            return "Null"
        if isinstance(v, bool):
            return f"Bool({'true' if v else 'false'})"
        if isinstance(v, (int, float)):
            return f"Number({v})"
        if isinstance(v, str):
            return f"String({json.dumps(v)})"
        if isinstance(v, list):
            return "Array([" + ", ".join(dbg(x) for x in v) + "])"
        return "Object({" + ", ".join(f"{json.dumps(k)}: {dbg(x)}" for k, x in v.items()) + "})"
    return "Array([" + ", ".join(dbg(x) for x in params) + "])"


def parse_params(params: Any, kinds: list[Callable[[Any], Any]], required: int,
                 optional_tail: bool = True) -> list[Any]:
    """Positional params as Solana's RPC parses them: trailing optional arguments, serde-worded errors."""
    total = len(kinds)
    if total == 0:
        if params is None or params == []:
            return []
        raise RpcError(-32602, "Invalid parameters: No parameters were expected",
                       _debug_params(params) if isinstance(params, list) else str(params))
    if not optional_tail:
        if not isinstance(params, list):
            raise invalid_params(f"Invalid params: invalid type: {_unexpected(params)}, "
                                 f"expected a tuple of size {total}.")
        if len(params) != total:
            raise invalid_params(f"Invalid params: invalid length {len(params)}, expected a tuple of size {total}.")
        try:
            return [kind(v) for kind, v in zip(kinds, params, strict=True)]
        except _Serde as e:
            raise invalid_params(f"Invalid params: {e}.") from None
    if params is None:
        passed: list[Any] = []
    elif isinstance(params, list):
        passed = params
    else:
        raise invalid_params("`params` should be an array")
    if len(passed) < required:
        raise invalid_params(f"`params` should have at least {required} argument(s)")
    if len(passed) > total:
        raise RpcError(-32602, f"Invalid parameters: Expected from {required} to {total} parameters.",
                       f"\"Got: {len(passed)}\"")
    out: list[Any] = []
    try:
        for i, (kind, v) in enumerate(zip(kinds, passed, strict=False)):
            out.append(None if v is None and i >= required else kind(v))
    except _Serde as e:
        raise invalid_params(f"Invalid params: {e}.") from None
    return out + [None] * (total - len(out))


def _key_error(text: str, max_len: int, size: int) -> str | None:
    if len(text) > max_len:
        return "WrongSize"
    try:
        raw = b58decode(text)
    except Base58Error:
        return "Invalid"
    return None if len(raw) == size else "WrongSize"


def verify_pubkey(text: str) -> Pubkey:
    err = _key_error(text, 44, 32)
    if err:
        raise invalid_params(f"Invalid param: {err}")
    return Pubkey.from_string(text)


def verify_signature(text: str) -> Signature:
    err = _key_error(text, 88, 64)
    if err:
        raise invalid_params(f"Invalid param: {err}")
    return Signature.from_string(text)


def verify_hash(text: str, prefix: str = "Invalid param: ") -> Hash:
    err = _key_error(text, 44, 32)
    if err:
        raise invalid_params(f"{prefix}{err}")
    return Hash.from_string(text)


def _bs58_debug(e: Base58Error) -> str:
    if ord(e.character) > 127:
        return f"NonAsciiCharacter {{ index: {e.index} }}"
    return f"InvalidCharacter {{ character: {e.character!r}, index: {e.index} }}"


_B64_ALPHABET = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _b64decode(text: str) -> bytes:
    """Standard padded base64; errors worded as Rust's base64 crate words them."""
    raw = text.encode()
    body = raw.rstrip(b"=")
    for i, ch in enumerate(body):
        if ch not in _B64_ALPHABET:
            raise ValueError(f"InvalidByte({i}, {ch})")
    if len(raw) % 4:
        raise ValueError(f"InvalidLength({len(body)})")
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error:
        raise ValueError("InvalidPadding") from None


def decode_wire(data: str, encoding: str, type_name: str) -> bytes:
    if encoding == "base58":
        if len(data) > MAX_BASE58_SIZE:
            raise invalid_params(f"base58 encoded {type_name} too large: {len(data)} bytes "
                                 f"(max: encoded/raw {MAX_BASE58_SIZE}/{PACKET_DATA_SIZE})")
        try:
            raw = b58decode(data)
        except Base58Error as e:
            raise invalid_params(f"invalid base58 encoding: {_bs58_debug(e)}") from None
    else:
        if len(data) > MAX_BASE64_SIZE:
            raise invalid_params(f"base64 encoded {type_name} too large: {len(data)} bytes "
                                 f"(max: encoded/raw {MAX_BASE64_SIZE}/{PACKET_DATA_SIZE})")
        try:
            raw = _b64decode(data)
        except ValueError as e:
            raise invalid_params(f"invalid base64 encoding: {e}") from None
    if len(raw) > PACKET_DATA_SIZE:
        raise invalid_params(f"decoded {type_name} too large: {len(raw)} bytes (max: {PACKET_DATA_SIZE} bytes)")
    return raw


def _is_token_account(data: bytes) -> bool:
    """An initialized SPL Token (165 bytes) or Token-2022 account (account type byte 2 after them)."""
    if len(data) == 165:
        return data[108] != 0
    return len(data) > 165 and data[165] == 2 and data[108] != 0


# --------------------------------------------------------------------------------------------- encoders

def zstd_frame(data: bytes) -> bytes:
    """`data` as a zstd frame of raw (stored) blocks: valid zstd any decoder reads, no compression."""
    n = len(data)
    if n < 256:
        flag, size = 0, bytes([n])
    elif n < 65536 + 256:
        flag, size = 1, struct.pack("<H", n - 256)
    else:
        flag, size = 2, struct.pack("<I", n)
    out = bytearray(b"\x28\xb5\x2f\xfd")
    out.append(flag << 6 | 0x20)
    out += size
    blocks = [data[i:i + 131072] for i in range(0, n, 131072)] or [b""]
    for i, block in enumerate(blocks):
        out += ((len(block) << 3) | (i == len(blocks) - 1)).to_bytes(3, "little") + block
    return bytes(out)


def encode_account(account: Account, encoding: str, data_slice: dict[str, int] | None) -> dict[str, Any]:
    full = bytes(account.data)
    data = full
    if data_slice is not None:
        data = full[data_slice["offset"]:data_slice["offset"] + data_slice["length"]]
    if encoding in ("binary", "base58") and len(data) > MAX_BASE58_BYTES:
        raise RpcError(-32600, f"Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, "
                               "please use Base64 encoding.")
    encoded: Any
    if encoding == "binary":
        encoded = b58encode(data)
    elif encoding == "base58":
        encoded = [b58encode(data), "base58"]
    elif encoding == "base64+zstd":
        encoded = [b64(zstd_frame(data)), "base64+zstd"]
    else:  # base64, and jsonParsed for data no parser knows
        encoded = [b64(data), "base64"]
    return {"data": encoded, "executable": account.executable, "lamports": account.lamports,
            "owner": str(account.owner), "rentEpoch": account.rent_epoch, "space": len(full)}


def _ui_compiled(program_id_index: int, accounts: bytes, data: bytes, stack_height: int | None) -> dict[str, Any]:
    return {"programIdIndex": program_id_index, "accounts": list(accounts), "data": b58encode(data),
            "stackHeight": stack_height}


def _ui_partial(keys: list[Pubkey], program_id_index: int, accounts: bytes, data: bytes,
                stack_height: int | None) -> dict[str, Any]:
    return {"programId": str(keys[program_id_index]), "accounts": [str(keys[i]) for i in accounts],
            "data": b58encode(data), "stackHeight": stack_height}


def _inner_json(inner: list[tuple[int, list[tuple[int, bytes, bytes, int]]]], keys: list[Pubkey] | None
                ) -> list[dict[str, Any]]:
    out = []
    for index, instructions in inner:
        if keys is None:
            ixs = [_ui_compiled(*ix) for ix in instructions]
        else:
            ixs = [_ui_partial(keys, *ix) for ix in instructions]
        out.append({"index": index, "instructions": ixs})
    return out


def _message_json(rec: TxRecord, parsed: bool) -> dict[str, Any]:
    m = rec.tx.message
    h = m.header
    out: dict[str, Any]
    if parsed:
        n_static = len(m.account_keys)
        writable = set(rec.writable)
        out = {"accountKeys": [{"pubkey": str(k), "writable": k in writable, "signer": i < h.num_required_signatures,
                                "source": "transaction" if i < n_static else "lookupTable"}
                               for i, k in enumerate(rec.account_keys)],
               "recentBlockhash": str(m.recent_blockhash),
               "instructions": [_ui_partial(rec.account_keys, ix.program_id_index, bytes(ix.accounts),
                                            bytes(ix.data), None) for ix in m.instructions]}
    else:
        out = {"accountKeys": [str(k) for k in m.account_keys],
               "header": {"numRequiredSignatures": h.num_required_signatures,
                          "numReadonlySignedAccounts": h.num_readonly_signed_accounts,
                          "numReadonlyUnsignedAccounts": h.num_readonly_unsigned_accounts},
               "recentBlockhash": str(m.recent_blockhash),
               "instructions": [_ui_compiled(ix.program_id_index, bytes(ix.accounts), bytes(ix.data), None)
                                for ix in m.instructions]}
    if isinstance(m, MessageV0):
        out["addressTableLookups"] = [{"accountKey": str(lk.account_key),
                                       "writableIndexes": list(bytes(lk.writable_indexes)),
                                       "readonlyIndexes": list(bytes(lk.readonly_indexes))}
                                      for lk in m.address_table_lookups]
    return out


def _loaded_addresses(writable: list[Pubkey], readonly: list[Pubkey]) -> dict[str, list[str]]:
    return {"writable": [str(k) for k in writable], "readonly": [str(k) for k in readonly]}


def transaction_json(rec: TxRecord, encoding: str, max_version: int | None, block_time: int | None
                     ) -> dict[str, Any]:
    """A landed transaction as getTransaction returns it."""
    is_v0 = isinstance(rec.tx.message, MessageV0)
    if is_v0 and max_version is None:
        raise RpcError(-32015, "Transaction version (0) is not supported by the requesting client. Please try the "
                               "request again with the following configuration parameter: "
                               "\"maxSupportedTransactionVersion\": 0")
    parsed = encoding == "jsonParsed"
    if encoding in ("json", "jsonParsed"):
        transaction: Any = {"signatures": [str(s) for s in rec.tx.signatures], "message": _message_json(rec, parsed)}
    elif encoding == "binary":
        transaction = b58encode(bytes(rec.tx))
    else:
        raw = bytes(rec.tx)
        transaction = [b64(raw) if encoding == "base64" else b58encode(raw), encoding]
    meta: dict[str, Any] = {
        "err": rec.err, "status": {"Ok": None} if rec.err is None else {"Err": rec.err}, "fee": rec.fee,
        "preBalances": rec.pre_balances, "postBalances": rec.post_balances,
        "innerInstructions": _inner_json(rec.inner_instructions, rec.account_keys if parsed else None),
        "logMessages": rec.logs, "preTokenBalances": [], "postTokenBalances": [], "rewards": []}
    if not parsed:
        meta["loadedAddresses"] = _loaded_addresses(rec.loaded_writable, rec.loaded_readonly)
    if rec.return_data is not None:
        meta["returnData"] = rec.return_data
    meta["computeUnitsConsumed"] = rec.compute_units
    out: dict[str, Any] = {"slot": rec.slot, "transaction": transaction, "meta": meta, "blockTime": block_time}
    if max_version is not None:
        out["version"] = 0 if is_v0 else "legacy"
    return out


def simulation_json(sim: SimResult, *, accounts: Any = None, inner: bool = False,
                    replacement: dict[str, Any] | None = None, loaded: bool = True) -> dict[str, Any]:
    """RpcSimulateTransactionResult: simulateTransaction's value, and a preflight failure's error data."""
    return {"err": sim.err, "logs": sim.logs, "accounts": accounts, "unitsConsumed": sim.units,
            "loadedAccountsDataSize": sim.loaded_accounts_data_size, "returnData": sim.return_data,
            "innerInstructions": (_inner_json(sim.inner_instructions or [], sim.account_keys)
                                  if inner and sim.executed else None),
            "replacementBlockhash": replacement, "fee": sim.fee if sim.executed else None,
            "preBalances": None, "postBalances": None, "preTokenBalances": None, "postTokenBalances": None,
            "loadedAddresses": _loaded_addresses(sim.loaded_writable, sim.loaded_readonly) if loaded else None}


# --------------------------------------------------------------------------------------------- the RPC

Handler = Callable[[Any], Any]


class SolanaRpc:
    """The JSON-RPC methods over one ledger."""

    def __init__(self, ledger: SolanaLedger) -> None:
        self.ledger = ledger
        self.methods: dict[str, Handler] = {
            "getVersion": self.get_version, "getHealth": self.get_health, "getGenesisHash": self.get_genesis_hash,
            "getIdentity": self.get_identity, "getSlot": self.get_slot, "getBlockHeight": self.get_block_height,
            "getEpochInfo": self.get_epoch_info, "getLatestBlockhash": self.get_latest_blockhash,
            "isBlockhashValid": self.is_blockhash_valid, "getBalance": self.get_balance,
            "getAccountInfo": self.get_account_info, "getMultipleAccounts": self.get_multiple_accounts,
            "getProgramAccounts": self.get_program_accounts,
            "getMinimumBalanceForRentExemption": self.get_minimum_balance_for_rent_exemption,
            "getFeeForMessage": self.get_fee_for_message,
            "getRecentPrioritizationFees": self.get_recent_prioritization_fees,
            "sendTransaction": self.send_transaction, "simulateTransaction": self.simulate_transaction,
            "getSignatureStatuses": self.get_signature_statuses, "getTransaction": self.get_transaction,
            "getSignaturesForAddress": self.get_signatures_for_address, "getBlockTime": self.get_block_time,
            "requestAirdrop": self.request_airdrop,
        }

    # ------------------------------------------------------------------------------------------ envelope

    def handle(self, payload: Any) -> Any:
        """One request object or a batch; returns the response JSON, or None when nothing is to be sent."""
        if isinstance(payload, list):
            if not payload:
                return self._error(None, invalid_request())
            out = [r for r in (self._call(p) for p in payload) if r is not None]
            return out or None
        return self._call(payload)

    @staticmethod
    def _error(id_: Any, err: RpcError) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "error": err.to_json(), "id": id_}

    def _call(self, req: Any) -> dict[str, Any] | None:
        if not isinstance(req, dict):
            return self._error(None, invalid_request())
        id_ = req.get("id")
        if (req.get("jsonrpc", "2.0") != "2.0" or not isinstance(req.get("method"), str)
                or not isinstance(req.get("params"), (list, dict, type(None)))):
            return self._error(id_ if isinstance(id_, (str, int)) else None, invalid_request())
        handler = self.methods.get(req["method"])
        try:
            if handler is None:
                raise RpcError(-32601, "Method not found")
            result = handler(req.get("params"))
        except RpcError as e:
            response = self._error(id_, e)
        except Exception:
            log.exception("Solana devnet RPC %s failed", req["method"])
            response = self._error(id_, RpcError(-32603, "Internal error"))
        else:
            response = {"jsonrpc": "2.0", "result": result, "id": id_}
        return response if "id" in req else None

    # ------------------------------------------------------------------------------------------- helpers

    def _context(self, slot: int) -> dict[str, Any]:
        return {"slot": slot, "apiVersion": SOLANA_CORE_VERSION}

    def _bank(self, config: dict[str, Any] | None) -> int:
        """The slot of the bank a context config asks for, or MinContextSlotNotReached."""
        config = config or {}
        slot = self.ledger.slot_at(config.get("commitment"))
        self._min_context(slot, config.get("minContextSlot"))
        return slot

    @staticmethod
    def _min_context(slot: int, minimum: int | None) -> None:
        if minimum is not None and slot < minimum:
            raise RpcError(-32016, "Minimum context slot has not been reached", {"contextSlot": slot})

    @staticmethod
    def _at_least_confirmed(commitment: str | None) -> str:
        if commitment == "processed":
            raise invalid_params("Method does not support commitment below `confirmed`")
        return commitment or "finalized"

    @staticmethod
    def _parse_tx(data: str, encoding: str | None) -> VersionedTransaction:
        encoding = encoding or "base58"
        if encoding not in ("base58", "base64", "binary"):
            raise invalid_params(f"unsupported encoding: {encoding}. Supported encodings: base58, base64")
        raw = decode_wire(data, "base64" if encoding == "base64" else "base58", TX_TYPE)
        try:
            return VersionedTransaction.from_bytes(raw)
        except ValueError as e:
            raise invalid_params(f"failed to deserialize {TX_TYPE}: {e}") from None

    def _decode_tx(self, data: str, encoding: str | None) -> VersionedTransaction:
        tx = self._parse_tx(data, encoding)
        err = self._sanitize(tx)
        if err is not None:
            raise invalid_params(f"invalid transaction: {error_message(err)}")
        return tx

    def _sanitize(self, tx: VersionedTransaction) -> Any:
        try:
            tx.sanitize()
        except Exception:  # solders raises its own SanitizeError type
            return "SanitizeFailure"
        message = tx.message
        keys = list(message.account_keys)
        if len(set(keys)) != len(keys):
            return "AccountLoadedTwice"
        if isinstance(message, MessageV0):
            for lookup in message.address_table_lookups:
                table = self.ledger.svm.get_account(lookup.account_key)
                if table is None:
                    return "AddressLookupTableNotFound"
                if table.owner != ADDRESS_LOOKUP_TABLE_PROGRAM:
                    return "InvalidAddressLookupTableOwner"
                data = bytes(table.data)
                if len(data) < LOOKUP_TABLE_META_SIZE:
                    return "InvalidAddressLookupTableData"
                count = (len(data) - LOOKUP_TABLE_META_SIZE) // 32
                last_extended_slot, start_index = struct.unpack_from("<QB", data, 12)
                if last_extended_slot >= self.ledger.slot:  # addresses appended this slot are not usable yet
                    count = min(count, start_index)
                if any(i >= count for i in bytes(lookup.writable_indexes) + bytes(lookup.readonly_indexes)):
                    return "InvalidAddressLookupTableIndex"
        return None

    # ------------------------------------------------------------------------------------------- cluster

    def get_version(self, params: Any) -> dict[str, Any]:
        parse_params(params, [], 0)
        return {"solana-core": SOLANA_CORE_VERSION, "feature-set": FEATURE_SET}

    def get_health(self, params: Any) -> str:
        parse_params(params, [], 0)
        return "ok"

    def get_genesis_hash(self, params: Any) -> str:
        parse_params(params, [], 0)
        return str(self.ledger.genesis_hash)

    def get_identity(self, params: Any) -> dict[str, str]:
        parse_params(params, [], 0)
        return {"identity": str(self.ledger.identity.pubkey())}

    def get_slot(self, params: Any) -> int:
        (config,) = parse_params(params, [_context_config], 0)
        return self._bank(config)

    def get_block_height(self, params: Any) -> int:
        (config,) = parse_params(params, [_context_config], 0)
        return self._bank(config)  # no skipped slots: the block height is the slot

    def get_epoch_info(self, params: Any) -> dict[str, int]:
        (config,) = parse_params(params, [_context_config], 0)
        return self.ledger.epoch_info(self._bank(config))

    def get_latest_blockhash(self, params: Any) -> dict[str, Any]:
        (config,) = parse_params(params, [_context_config], 0)
        slot = self._bank(config)
        return {"context": self._context(slot),
                "value": {"blockhash": str(self.ledger.blockhash(slot)),
                          "lastValidBlockHeight": self.ledger.last_valid_block_height(slot)}}

    def is_blockhash_valid(self, params: Any) -> dict[str, Any]:
        blockhash, config = parse_params(params, [_string, _context_config], 1)
        hash_ = verify_hash(blockhash, prefix="")
        slot = self._bank(config)
        return {"context": self._context(slot), "value": self.ledger.blockhash_valid(hash_, slot)}

    def get_block_time(self, params: Any) -> int:
        (slot,) = parse_params(params, [_u64], 1, optional_tail=False)
        if slot == 0:
            return self.ledger.genesis_time
        block_time = self.ledger.block_time(slot)
        if block_time is None:
            raise RpcError(-32004, f"Block not available for slot {slot}")
        return block_time

    def get_minimum_balance_for_rent_exemption(self, params: Any) -> int:
        data_len, _config = parse_params(params, [_usize, _commitment_config], 1)
        if data_len > MAX_PERMITTED_DATA_LENGTH:
            raise invalid_request()
        return self.ledger.minimum_balance(data_len)

    # ------------------------------------------------------------------------------------------- accounts

    def get_balance(self, params: Any) -> dict[str, Any]:
        pubkey, config = parse_params(params, [_string, _context_config], 1)
        key = verify_pubkey(pubkey)
        slot = self._bank(config)
        return {"context": self._context(slot), "value": self.ledger.balance(key)}

    def _account_value(self, key: Pubkey, config: dict[str, Any], default_encoding: str) -> dict[str, Any] | None:
        account = self.ledger.get_account(key)
        if account is None:
            return None
        return encode_account(account, config.get("encoding") or default_encoding, config.get("dataSlice"))

    def get_account_info(self, params: Any) -> dict[str, Any]:
        pubkey, config = parse_params(params, [_string, _account_config], 1)
        key = verify_pubkey(pubkey)
        config = config or {}
        slot = self._bank(config)
        return {"context": self._context(slot), "value": self._account_value(key, config, "binary")}

    def get_multiple_accounts(self, params: Any) -> dict[str, Any]:
        pubkeys, config = parse_params(params, [_seq(_string), _account_config], 1)
        if len(pubkeys) > MAX_MULTIPLE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        keys = [verify_pubkey(p) for p in pubkeys]
        config = config or {}
        slot = self._bank(config)
        return {"context": self._context(slot), "value": [self._account_value(k, config, "base64") for k in keys]}

    def get_program_accounts(self, params: Any) -> Any:
        program, config = parse_params(params, [_string, _program_accounts_config], 1)
        program_id = verify_pubkey(program)
        config = config or {}
        filters = config.get("filters") or []
        if len(filters) > MAX_PROGRAM_ACCOUNT_FILTERS:
            raise invalid_params(f"Too many filters provided; max {MAX_PROGRAM_ACCOUNT_FILTERS}")
        matchers = [self._filter(kind, value) for kind, value in filters]
        slot = self._bank(config)
        encoding = config.get("encoding") or "binary"
        accounts = [{"pubkey": str(key), "account": encode_account(account, encoding, config.get("dataSlice"))}
                    for key, account in self.ledger.program_accounts(program_id)
                    if all(match(bytes(account.data)) for match in matchers)]
        if config.get("withContext"):
            return {"context": self._context(slot), "value": accounts}
        return accounts

    @staticmethod
    def _filter(kind: str, value: Any) -> Callable[[bytes], bool]:
        if kind == "dataSize":
            return lambda data: len(data) == value
        if kind == "tokenAccountState":
            return _is_token_account
        offset, raw, encoding = value["offset"], value["bytes"], value["encoding"]
        if encoding == "base58":
            if len(raw) > MAX_FILTER_BASE58:
                raise invalid_params("Invalid param: DataTooLarge")
            try:
                needle = b58decode(raw)
            except Base58Error as e:
                raise invalid_params(f"Invalid param: Base58DecodeError({_bs58_debug(e)})") from None
        elif encoding == "base64":
            if len(raw) > MAX_FILTER_BASE64:
                raise invalid_params("Invalid param: DataTooLarge")
            try:
                needle = _b64decode(raw)
            except ValueError as e:
                raise invalid_params(f"Invalid param: Base64DecodeError({e})") from None
        else:
            needle = raw
        if len(needle) > MAX_FILTER_BYTES:
            raise invalid_params("Invalid param: DataTooLarge")
        return lambda data: offset <= len(data) and data[offset:offset + len(needle)] == needle

    # ------------------------------------------------------------------------------------------- fees

    def get_fee_for_message(self, params: Any) -> dict[str, Any]:
        data, config = parse_params(params, [_string, _context_config], 1)
        raw = decode_wire(data, "base64", MESSAGE_TYPE)
        try:
            message = from_bytes_versioned(raw)
        except ValueError as e:
            raise invalid_params(f"failed to deserialize {MESSAGE_TYPE}: {e}") from None
        probe = VersionedTransaction.populate(message, [Signature.default()] * message.header.num_required_signatures)
        try:
            probe.sanitize()
        except Exception as e:  # solders raises its own SanitizeError type
            raise invalid_params(f"invalid transaction message: {e}") from None
        slot = self._bank(config)
        known = self.ledger.blockhash_slot(message.recent_blockhash)
        fee = signature_fee(message) if known is not None and 0 <= slot - known <= MAX_RECENT_BLOCKHASHES else None
        return {"context": self._context(slot), "value": fee}

    def get_recent_prioritization_fees(self, params: Any) -> list[dict[str, int]]:
        (pubkeys,) = parse_params(params, [_seq(_string)], 0)
        pubkeys = pubkeys or []
        if len(pubkeys) > MAX_TX_ACCOUNT_LOCKS:
            raise invalid_params(f"Too many inputs provided; max {MAX_TX_ACCOUNT_LOCKS}")
        return self.ledger.prioritization_fees([verify_pubkey(p) for p in pubkeys])

    # ------------------------------------------------------------------------------------------- transactions

    def send_transaction(self, params: Any) -> str:
        data, config = parse_params(params, [_string, _send_config], 1)
        config = config or {"skipPreflight": False}
        tx = self._decode_tx(data, config.get("encoding"))
        skip = config["skipPreflight"]
        preflight_slot = self.ledger.slot_at("processed" if skip else config.get("preflightCommitment"))
        self._min_context(preflight_slot, config.get("minContextSlot"))
        try:
            return self.ledger.submit(tx, preflight=not skip, preflight_slot=preflight_slot)
        except TransactionRejected as e:
            raise RpcError(-32002, f"Transaction simulation failed: {error_message(e.sim.err)}",
                           simulation_json(e.sim, loaded=False)) from None

    def simulate_transaction(self, params: Any) -> dict[str, Any]:
        data, config = parse_params(params, [_string, _simulate_config], 1)
        config = config or {"sigVerify": False, "replaceRecentBlockhash": False, "innerInstructions": False}
        tx = self._parse_tx(data, config.get("encoding"))
        slot = self._bank(config)
        replacement = None
        if config["replaceRecentBlockhash"]:
            if config["sigVerify"]:
                raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
            blockhash = self.ledger.blockhash(slot)
            tx = with_blockhash(tx, blockhash)
            replacement = {"blockhash": str(blockhash),
                           "lastValidBlockHeight": self.ledger.last_valid_block_height(slot)}
        err = self._sanitize(tx)
        if err is not None:
            raise invalid_params(f"invalid transaction: {error_message(err)}")
        sim = self.ledger.simulate(tx, verify=config["sigVerify"], at_slot=slot)
        accounts = None
        accounts_config = config.get("accounts")
        if accounts_config is not None:
            acc_encoding = accounts_config.get("encoding") or "base64"
            if acc_encoding in ("binary", "base58"):
                raise invalid_params("base58 encoding not supported")
            addresses = accounts_config.get("addresses") or []
            if len(addresses) > len(sim.account_keys):
                raise invalid_params(f"Too many accounts provided; max {len(sim.account_keys)}")
            if sim.err is not None:
                accounts = [None] * len(addresses)
            else:
                accounts = []
                for address in addresses:
                    key = verify_pubkey(address)
                    account = sim.post_accounts.get(key) or self.ledger.get_account(key)
                    accounts.append(None if account is None or account.lamports == 0
                                    else encode_account(account, acc_encoding, None))
        return {"context": self._context(slot),
                "value": simulation_json(sim, accounts=accounts, inner=config["innerInstructions"],
                                         replacement=replacement)}

    def get_signature_statuses(self, params: Any) -> dict[str, Any]:
        signatures, config = parse_params(params, [_seq(_string), _statuses_config], 1)
        if len(signatures) > MAX_SIGNATURE_STATUSES:
            raise invalid_params(f"Too many inputs provided; max {MAX_SIGNATURE_STATUSES}")
        sigs = [str(verify_signature(s)) for s in signatures]
        search = bool(config and config["searchTransactionHistory"])
        return {"context": self._context(self.ledger.slot_at("processed")),
                "value": [self.ledger.status(s, search) for s in sigs]}

    def get_transaction(self, params: Any) -> dict[str, Any] | None:
        signature, config = parse_params(params, [_string, _tx_config], 1)
        sig = verify_signature(signature)
        config = config or {}
        commitment = self._at_least_confirmed(config.get("commitment"))
        rec = self.ledger.record(str(sig))
        if rec is None or rec.slot > self.ledger.slot_at(commitment):
            return None
        return transaction_json(rec, config.get("encoding") or "json", config.get("maxSupportedTransactionVersion"),
                                self.ledger.block_time(rec.slot))

    def get_signatures_for_address(self, params: Any) -> list[dict[str, Any]]:
        address, config = parse_params(params, [_string, _signatures_config], 1)
        key = verify_pubkey(address)
        config = config or {}
        before = str(verify_signature(config["before"])) if config.get("before") is not None else None
        until = str(verify_signature(config["until"])) if config.get("until") is not None else None
        limit = config.get("limit")
        limit = MAX_SIGNATURES_FOR_ADDRESS_LIMIT if limit is None else limit
        if limit == 0 or limit > MAX_SIGNATURES_FOR_ADDRESS_LIMIT:
            raise invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS_LIMIT}")
        commitment = self._at_least_confirmed(config.get("commitment"))
        highest = self.ledger.slot_at(commitment)
        self._min_context(highest, config.get("minContextSlot"))
        return [{"signature": rec.signature, "slot": rec.slot, "err": rec.err, "memo": rec.memo,
                 "blockTime": self.ledger.block_time(rec.slot),
                 "confirmationStatus": self.ledger.confirmation_status(rec.slot)}
                for rec in self.ledger.signatures_for(key, highest, before, until, limit)]

    def request_airdrop(self, params: Any) -> str:
        pubkey, lamports, config = parse_params(params, [_string, _u64, _airdrop_config], 2)
        key = verify_pubkey(pubkey)
        if config and config.get("recentBlockhash") is not None:
            verify_hash(config["recentBlockhash"])
        try:
            return self.ledger.airdrop(key, lamports)
        except LedgerError:
            raise RpcError(-32603, "Internal error") from None


# --------------------------------------------------------------------------------------------- the server

class SolanaDevnet:
    """A Solana JSON-RPC server on `host:port` (0 picks a free port) over an in-process LiteSVM ledger.

    All of it runs on the event loop that calls `start()`; the in-process helpers must be called from it too.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, slot_ms: int = 400, finality_depth: int = 2,
                 blockhash_max_age: int = MAX_PROCESSING_AGE, programs: dict[Pubkey, Path] | None = None) -> None:
        if slot_ms <= 0:
            raise SolanaDevnetError(f"slot_ms must be positive, got {slot_ms}")
        try:
            self.ledger = SolanaLedger(finality_depth=finality_depth, blockhash_max_age=blockhash_max_age,
                                       programs=programs)
        except LedgerError as e:
            raise SolanaDevnetError(str(e)) from e
        self.rpc = SolanaRpc(self.ledger)
        # Devnet controls, as anvil has its evm_* methods: no cluster answers these.
        self.rpc.methods.update({
            "aura_pauseSlots": lambda params: self._control(params, 0, lambda: self.pause()),
            "aura_resumeSlots": lambda params: self._control(params, 0, lambda: self.resume()),
            "aura_advanceSlots": lambda params: self._control(params, 1, lambda n: self.advance_slots(n)),
            "aura_advanceTime": lambda params: self._control(params, 1, lambda s: self.advance_time(s)),
        })
        self.host = host
        self.port = port
        self.slot_ms = slot_ms
        self._paused = False
        self._runner: web.AppRunner | None = None
        self._clock: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._runner is None:
            raise SolanaDevnetError("the Solana devnet has not been started")
        return f"http://{self.host}:{self.port}"

    @property
    def slot(self) -> int:
        return self.ledger.slot

    async def start(self) -> "SolanaDevnet":
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=MAX_REQUEST_BODY_SIZE)
        app.router.add_post("/", self._post)
        app.router.add_get("/health", self._health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as e:
            await runner.cleanup()
            reason = (e.strerror or str(e)).rsplit(": ", 1)[-1]
            raise SolanaDevnetError(f"cannot listen on {self.host}:{self.port}: {reason}") from e
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._clock = asyncio.get_running_loop().create_task(self._run_clock())
        return self

    async def stop(self) -> None:
        clock, self._clock = self._clock, None
        if clock is not None:
            clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await clock
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> "SolanaDevnet":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run_clock(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.slot_ms / 1000
        deadline = loop.time() + interval
        while True:
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            if not self._paused:
                self.ledger.advance_slot()
            deadline += interval
            if loop.time() - deadline > interval:  # after a stall, carry on from now instead of bursting
                deadline = loop.time() + interval

    async def _post(self, request: web.Request) -> web.Response:
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return web.json_response({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"},
                                      "id": None})
        response = self.rpc.handle(payload)
        if response is None:
            return web.Response(status=200)
        return web.Response(text=json.dumps(response, separators=(",", ":")), content_type="application/json")

    async def _health(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    # ---------------------------------------------------------------------------------- in-process helpers

    def airdrop(self, pubkey: Pubkey, lamports: int) -> Signature:
        """Fund `pubkey` from the faucet in the current slot; raises if the transfer failed."""
        try:
            signature = self.ledger.airdrop(pubkey, lamports)
        except LedgerError as e:
            raise SolanaDevnetError(str(e)) from e
        rec = self.ledger.record(signature)
        if rec is None or rec.err is not None:
            reason = error_message(rec.err) if rec is not None else "it did not land"
            raise SolanaDevnetError(f"airdrop of {lamports} lamports to {pubkey} failed: {reason}")
        return Signature.from_string(signature)

    def advance_slots(self, n: int = 1) -> int:
        """Close `n` slots at once (paused or not); returns the new slot."""
        if n < 0:
            raise SolanaDevnetError(f"cannot advance a negative number of slots ({n})")
        for _ in range(n):
            self.ledger.advance_slot()
        return self.ledger.slot

    def advance_time(self, seconds: int) -> None:
        """Move the clock sysvar's unix_timestamp (and every later block time) forward by `seconds`."""
        try:
            self.ledger.advance_time(seconds)
        except LedgerError as e:
            raise SolanaDevnetError(str(e)) from e

    def _control(self, params: Any, arity: int, action: Callable[..., Any]) -> Any:
        args = params if isinstance(params, list) else [] if params is None else None
        if args is None or len(args) != arity or not all(isinstance(a, int) and not isinstance(a, bool)
                                                         for a in args):
            raise invalid_params(f"expected {arity} integer param(s)")
        try:
            result = action(*args)
        except SolanaDevnetError as e:
            raise invalid_params(str(e)) from None
        return self.ledger.slot if result is None else result

    def pause(self) -> None:
        """Stop the slot clock; `advance_slots` still works."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def set_account(self, pubkey: Pubkey, account: Account) -> None:
        self.ledger.set_account(pubkey, account)

    def get_account(self, pubkey: Pubkey) -> Account | None:
        return self.ledger.get_account(pubkey)


# --------------------------------------------------------------------------------------------- CLI

def _program_arg(text: str) -> tuple[Pubkey, Path]:
    program_id, sep, path = text.partition("=")
    if not sep or not path:
        raise argparse.ArgumentTypeError(f"expected <base58 program id>=<path to .so>, got {text!r}")
    try:
        key = Pubkey.from_string(program_id)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a base58 program id: {program_id!r}") from None
    if not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"program file not found: {path}")
    return key, Path(path)


async def _serve(args: argparse.Namespace) -> None:
    devnet = SolanaDevnet(args.host, args.port, slot_ms=args.slot_ms, finality_depth=args.finality_depth,
                          programs=dict(args.program))
    await devnet.start()
    print(devnet.url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await devnet.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m node.workshop.devnet.solana_rpc",
                                     description="A local Solana JSON-RPC endpoint over LiteSVM.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--slot-ms", type=int, default=400, help="milliseconds per slot (default 400)")
    parser.add_argument("--finality-depth", type=int, default=2,
                        help="slots after which a slot is finalized (default 2)")
    parser.add_argument("--program", type=_program_arg, action="append", default=[], metavar="ID=PATH",
                        help="load an SBF program (.so) at a program id; repeatable")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except SolanaDevnetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
