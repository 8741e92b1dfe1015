"""Positional params and config objects parsed as Solana's RPC (serde) parses them, with its error wording,
and the keys, signatures, hashes and wire transactions they carry."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from chains.core.base58 import Base58Error, b58decode
from chains.core.errors import AuraError
from node.workshop.devnet.solana_ledger import COMMITMENTS
from node.workshop.devnet.solana_rpc.errors import RpcError, invalid_params

PACKET_DATA_SIZE = 1232
MAX_BASE58_SIZE = 1683
MAX_BASE64_SIZE = 1644
ACCOUNT_ENCODINGS = ("binary", "base58", "base64", "jsonParsed", "base64+zstd")
TX_ENCODINGS = ("binary", "base64", "base58", "json", "jsonParsed")
FILTER_KINDS = ("dataSize", "memcmp", "tokenAccountState")


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


def string(v: Any) -> str:
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


u64 = _uint("u64", 64)
usize = _uint("usize", 64)
_u8 = _uint("u8", 8)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Serde(f"invalid type: {_unexpected(v)}, expected a boolean")
    return v


def seq(item: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
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


_data_slice = _struct("UiDataSliceConfig", {"offset": usize, "length": usize})
context_config = _struct("RpcContextConfig", {"commitment": _commitment, "minContextSlot": u64})
commitment_config = _struct("CommitmentConfig", {"commitment": _commitment})
account_config = _struct("RpcAccountInfoConfig", {
    "encoding": _enum(ACCOUNT_ENCODINGS), "dataSlice": _data_slice, "commitment": _commitment,
    "minContextSlot": u64})


def _memcmp(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _Serde(f"invalid type: {_unexpected(v)}, expected struct RpcMemcmpInner")
    if "offset" not in v:
        raise _Serde("missing field `offset`")
    if "bytes" not in v:
        raise _Serde("missing field `bytes`")
    offset = usize(v["offset"])
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
        return kind, u64(value)
    if kind == "memcmp":
        return kind, _memcmp(value)
    return kind, None


program_accounts_config = _struct("RpcProgramAccountsConfig", {
    "filters": seq(_filter), "withContext": _bool, "sortResults": _bool, "encoding": _enum(ACCOUNT_ENCODINGS),
    "dataSlice": _data_slice, "commitment": _commitment, "minContextSlot": u64})
send_config = _struct("RpcSendTransactionConfig", {
    "skipPreflight": _bool, "preflightCommitment": _commitment, "encoding": _enum(TX_ENCODINGS),
    "maxRetries": usize, "minContextSlot": u64}, {"skipPreflight": False})
_simulate_accounts = _struct("RpcSimulateTransactionAccountsConfig", {
    "encoding": _enum(ACCOUNT_ENCODINGS), "addresses": seq(string)})
simulate_config = _struct("RpcSimulateTransactionConfig", {
    "sigVerify": _bool, "replaceRecentBlockhash": _bool, "commitment": _commitment, "encoding": _enum(TX_ENCODINGS),
    "accounts": _simulate_accounts, "minContextSlot": u64, "innerInstructions": _bool},
    {"sigVerify": False, "replaceRecentBlockhash": False, "innerInstructions": False})
statuses_config = _struct("RpcSignatureStatusConfig", {"searchTransactionHistory": _bool},
                           {"searchTransactionHistory": False})
signatures_config = _struct("RpcSignaturesForAddressConfig", {
    "before": string, "until": string, "limit": usize, "commitment": _commitment, "minContextSlot": u64})
airdrop_config = _struct("RpcRequestAirdropConfig", {"recentBlockhash": string, "commitment": _commitment})
signature_subscribe_config = _struct("RpcSignatureSubscribeConfig", {
    "commitment": _commitment, "enableReceivedNotification": _bool})
logs_config = _struct("RpcTransactionLogsConfig", {"commitment": _commitment})
_LOGS_FILTERS = ("all", "allWithVotes", "mentions")


def logs_filter(v: Any) -> tuple[str, list[str] | None]:
    """logsSubscribe's filter (serde's externally tagged RpcTransactionLogsFilter): `"all"`, `"allWithVotes"`
    or `{"mentions": [...]}`; returns the variant and the mentioned addresses."""
    if isinstance(v, str):
        name, value, has_value = v, None, False
    elif isinstance(v, dict):
        if len(v) != 1:
            raise _Serde("invalid value: map, expected map with a single key")
        (name, value), = v.items()
        has_value = True
    else:
        raise _Serde(f"invalid type: {_unexpected(v)}, expected string or map")
    if name not in _LOGS_FILTERS:
        expected = ", ".join(f"`{x}`" for x in _LOGS_FILTERS)
        raise _Serde(f"unknown variant `{name}`, expected one of {expected}")
    if name != "mentions":
        if value is not None:
            raise _Serde(f"invalid type: {_unexpected(value)}, expected unit")
        return name, None
    if not has_value:
        raise _Serde("invalid type: unit variant, expected newtype variant")
    return name, seq(string)(value)


_tx_config_current = _struct("RpcTransactionConfig", {
    "encoding": _enum(TX_ENCODINGS), "commitment": _commitment, "maxSupportedTransactionVersion": _u8})


def tx_config(v: Any) -> dict[str, Any]:
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


def decode_text(text: str, encoding: str) -> bytes:
    """`text` in base58, or else in standard padded base64; a ValueError words the fault as the Rust crates do."""
    if encoding == "base58":
        try:
            return b58decode(text)
        except Base58Error as e:
            raise ValueError(_bs58_debug(e)) from None
    return _b64decode(text)


def decode_wire(data: str, encoding: str, type_name: str) -> bytes:
    """A transaction or message as sent in `encoding` ("base58" or "base64"), within the packet size."""
    limit = MAX_BASE58_SIZE if encoding == "base58" else MAX_BASE64_SIZE
    if len(data) > limit:
        raise invalid_params(f"{encoding} encoded {type_name} too large: {len(data)} bytes "
                             f"(max: encoded/raw {limit}/{PACKET_DATA_SIZE})")
    try:
        raw = decode_text(data, encoding)
    except ValueError as e:
        raise invalid_params(f"invalid {encoding} encoding: {e}") from None
    if len(raw) > PACKET_DATA_SIZE:
        raise invalid_params(f"decoded {type_name} too large: {len(raw)} bytes (max: {PACKET_DATA_SIZE} bytes)")
    return raw
