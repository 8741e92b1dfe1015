"""The JSON-RPC method table over one ledger: the request envelope, then one method per Solana RPC call."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from solders.message import MessageV0, from_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from node.workshop.devnet.solana_ledger import (
    ADDRESS_LOOKUP_TABLE_PROGRAM,
    LOOKUP_TABLE_META_SIZE,
    MAX_RECENT_BLOCKHASHES,
    LedgerError,
    SolanaLedger,
    TransactionRejected,
    error_message,
    signature_fee,
    with_blockhash,
)
from node.workshop.devnet.solana_rpc.encode import encode_account, simulation_json, transaction_json
from node.workshop.devnet.solana_rpc.envelope import Handler, dispatch
from node.workshop.devnet.solana_rpc.errors import RpcError, invalid_params, invalid_request
from node.workshop.devnet.solana_rpc.params import (
    account_config,
    airdrop_config,
    commitment_config,
    context_config,
    decode_text,
    decode_wire,
    parse_params,
    program_accounts_config,
    send_config,
    seq,
    signatures_config,
    simulate_config,
    statuses_config,
    string,
    tx_config,
    u64,
    usize,
    verify_hash,
    verify_pubkey,
    verify_signature,
)

SOLANA_CORE_VERSION = "2.2.1"
FEATURE_SET = 3294202862
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


def _is_token_account(data: bytes) -> bool:
    """An initialized SPL Token (165 bytes) or Token-2022 account (account type byte 2 after them)."""
    if len(data) == 165:
        return data[108] != 0
    return len(data) > 165 and data[165] == 2 and data[108] != 0


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

    def handle(self, payload: Any) -> Any:
        """One request object or a batch; returns the response JSON, or None when nothing is to be sent."""
        return dispatch(self.methods, payload)

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
        except Exception:  # noqa: BLE001 - solders raises its own SanitizeError type
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
        (config,) = parse_params(params, [context_config], 0)
        return self._bank(config)

    def get_block_height(self, params: Any) -> int:
        (config,) = parse_params(params, [context_config], 0)
        return self._bank(config)  # no skipped slots: the block height is the slot

    def get_epoch_info(self, params: Any) -> dict[str, int]:
        (config,) = parse_params(params, [context_config], 0)
        return self.ledger.epoch_info(self._bank(config))

    def get_latest_blockhash(self, params: Any) -> dict[str, Any]:
        (config,) = parse_params(params, [context_config], 0)
        slot = self._bank(config)
        return {"context": self._context(slot),
                "value": {"blockhash": str(self.ledger.blockhash(slot)),
                          "lastValidBlockHeight": self.ledger.last_valid_block_height(slot)}}

    def is_blockhash_valid(self, params: Any) -> dict[str, Any]:
        blockhash, config = parse_params(params, [string, context_config], 1)
        hash_ = verify_hash(blockhash, prefix="")
        slot = self._bank(config)
        return {"context": self._context(slot), "value": self.ledger.blockhash_valid(hash_, slot)}

    def get_block_time(self, params: Any) -> int:
        (slot,) = parse_params(params, [u64], 1, optional_tail=False)
        if slot == 0:
            return self.ledger.genesis_time
        block_time = self.ledger.block_time(slot)
        if block_time is None:
            raise RpcError(-32004, f"Block not available for slot {slot}")
        return block_time

    def get_minimum_balance_for_rent_exemption(self, params: Any) -> int:
        data_len, _config = parse_params(params, [usize, commitment_config], 1)
        if data_len > MAX_PERMITTED_DATA_LENGTH:
            raise invalid_request()
        return self.ledger.minimum_balance(data_len)

    # ------------------------------------------------------------------------------------------- accounts

    def get_balance(self, params: Any) -> dict[str, Any]:
        pubkey, config = parse_params(params, [string, context_config], 1)
        key = verify_pubkey(pubkey)
        slot = self._bank(config)
        return {"context": self._context(slot), "value": self.ledger.balance(key)}

    def _account_value(self, key: Pubkey, config: dict[str, Any], default_encoding: str) -> dict[str, Any] | None:
        account = self.ledger.get_account(key)
        if account is None:
            return None
        return encode_account(account, config.get("encoding") or default_encoding, config.get("dataSlice"))

    def get_account_info(self, params: Any) -> dict[str, Any]:
        pubkey, config = parse_params(params, [string, account_config], 1)
        key = verify_pubkey(pubkey)
        config = config or {}
        slot = self._bank(config)
        return {"context": self._context(slot), "value": self._account_value(key, config, "binary")}

    def get_multiple_accounts(self, params: Any) -> dict[str, Any]:
        pubkeys, config = parse_params(params, [seq(string), account_config], 1)
        if len(pubkeys) > MAX_MULTIPLE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        keys = [verify_pubkey(p) for p in pubkeys]
        config = config or {}
        slot = self._bank(config)
        return {"context": self._context(slot), "value": [self._account_value(k, config, "base64") for k in keys]}

    def get_program_accounts(self, params: Any) -> Any:
        program, config = parse_params(params, [string, program_accounts_config], 1)
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
        if encoding in ("base58", "base64"):
            if len(raw) > (MAX_FILTER_BASE58 if encoding == "base58" else MAX_FILTER_BASE64):
                raise invalid_params("Invalid param: DataTooLarge")
            try:
                needle = decode_text(raw, encoding)
            except ValueError as e:
                raise invalid_params(f"Invalid param: {encoding.capitalize()}DecodeError({e})") from None
        else:
            needle = raw
        if len(needle) > MAX_FILTER_BYTES:
            raise invalid_params("Invalid param: DataTooLarge")
        return lambda data: offset <= len(data) and data[offset:offset + len(needle)] == needle

    # ------------------------------------------------------------------------------------------- fees

    def get_fee_for_message(self, params: Any) -> dict[str, Any]:
        data, config = parse_params(params, [string, context_config], 1)
        raw = decode_wire(data, "base64", MESSAGE_TYPE)
        try:
            message = from_bytes_versioned(raw)
        except ValueError as e:
            raise invalid_params(f"failed to deserialize {MESSAGE_TYPE}: {e}") from None
        probe = VersionedTransaction.populate(message, [Signature.default()] * message.header.num_required_signatures)
        try:
            probe.sanitize()
        except Exception as e:  # noqa: BLE001 - solders raises its own SanitizeError type
            raise invalid_params(f"invalid transaction message: {e}") from None
        slot = self._bank(config)
        known = self.ledger.blockhash_slot(message.recent_blockhash)
        fee = signature_fee(message) if known is not None and 0 <= slot - known <= MAX_RECENT_BLOCKHASHES else None
        return {"context": self._context(slot), "value": fee}

    def get_recent_prioritization_fees(self, params: Any) -> list[dict[str, int]]:
        (pubkeys,) = parse_params(params, [seq(string)], 0)
        pubkeys = pubkeys or []
        if len(pubkeys) > MAX_TX_ACCOUNT_LOCKS:
            raise invalid_params(f"Too many inputs provided; max {MAX_TX_ACCOUNT_LOCKS}")
        return self.ledger.prioritization_fees([verify_pubkey(p) for p in pubkeys])

    # ------------------------------------------------------------------------------------------- transactions

    def send_transaction(self, params: Any) -> str:
        data, config = parse_params(params, [string, send_config], 1)
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
        data, config = parse_params(params, [string, simulate_config], 1)
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
        accounts: list[dict[str, Any] | None] | None = None
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
        signatures, config = parse_params(params, [seq(string), statuses_config], 1)
        if len(signatures) > MAX_SIGNATURE_STATUSES:
            raise invalid_params(f"Too many inputs provided; max {MAX_SIGNATURE_STATUSES}")
        sigs = [str(verify_signature(s)) for s in signatures]
        search = bool(config and config["searchTransactionHistory"])
        return {"context": self._context(self.ledger.slot_at("processed")),
                "value": [self.ledger.status(s, search) for s in sigs]}

    def get_transaction(self, params: Any) -> dict[str, Any] | None:
        signature, config = parse_params(params, [string, tx_config], 1)
        sig = verify_signature(signature)
        config = config or {}
        commitment = self._at_least_confirmed(config.get("commitment"))
        rec = self.ledger.record(str(sig))
        if rec is None or rec.slot > self.ledger.slot_at(commitment):
            return None
        return transaction_json(rec, config.get("encoding") or "json", config.get("maxSupportedTransactionVersion"),
                                self.ledger.block_time(rec.slot))

    def get_signatures_for_address(self, params: Any) -> list[dict[str, Any]]:
        address, config = parse_params(params, [string, signatures_config], 1)
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
        pubkey, lamports, config = parse_params(params, [string, u64, airdrop_config], 2)
        key = verify_pubkey(pubkey)
        if config and config.get("recentBlockhash") is not None:
            verify_hash(config["recentBlockhash"])
        try:
            return self.ledger.airdrop(key, lamports)
        except LedgerError:
            raise RpcError(-32603, "Internal error") from None
