"""Accounts, transactions and simulations in the JSON shapes (and wire encodings) Solana's RPC answers with."""

from __future__ import annotations

import struct
from typing import Any

from solders.account import Account
from solders.message import MessageV0
from solders.pubkey import Pubkey

from chains.core.base58 import b58encode
from node.workshop.devnet.solana_ledger import SimResult, TxRecord, b64
from node.workshop.devnet.solana_rpc.errors import RpcError

MAX_BASE58_BYTES = 128


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
