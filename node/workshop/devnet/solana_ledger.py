"""An in-process Solana ledger over LiteSVM: slots with their blockhashes and clock, commitment levels, and the
history LiteSVM does not keep (every transaction's slot, balances and meta, and the signatures per address).

Everything here is synchronous and single-threaded: LiteSVM is not thread-safe, so one event loop owns it.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import struct
import time
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solders.account import Account
from solders.clock import Clock
from solders.epoch_schedule import EpochSchedule
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import TransactionStatus

from chains.core.errors import AuraError

LAMPORTS_PER_SIGNATURE = 5_000
LAMPORTS_PER_SOL = 1_000_000_000
MAX_PROCESSING_AGE = 150  # slots a blockhash stays valid for (Solana's MAX_PROCESSING_AGE)
MAX_RECENT_BLOCKHASHES = 300  # slots the blockhash queue and the signature-status cache span
SLOT_HASHES_MAX = 512
PRIORITY_FEE_SLOTS = 150
FAUCET_LAMPORTS = 500_000_000 * LAMPORTS_PER_SOL

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
COMPUTE_BUDGET_PROGRAM = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
ADDRESS_LOOKUP_TABLE_PROGRAM = Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")
MEMO_PROGRAMS = frozenset({Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
                           Pubkey.from_string("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo")})
PRECOMPILES = frozenset({Pubkey.from_string("Ed25519SigVerify111111111111111111111111111"),
                         Pubkey.from_string("KeccakSecp256k11111111111111111111111111111"),
                         Pubkey.from_string("Secp256r1SigVerify1111111111111111111111111")})
LOOKUP_TABLE_META_SIZE = 56
INCINERATOR = Pubkey.from_string("1nc1nerator11111111111111111111111111111111")

COMMITMENTS = ("processed", "confirmed", "finalized")

# Display strings of Solana's TransactionError and InstructionError, as the RPC puts them in messages.
TX_ERROR_MESSAGES = {
    "AccountInUse": "Account in use",
    "AccountLoadedTwice": "Account loaded twice",
    "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
    "ProgramAccountNotFound": "Attempt to load a program that does not exist",
    "InsufficientFundsForFee": "Insufficient funds for fee",
    "InvalidAccountForFee": "This account may not be used to pay transaction fees",
    "AlreadyProcessed": "This transaction has already been processed",
    "BlockhashNotFound": "Blockhash not found",
    "CallChainTooDeep": "Loader call chain is too deep",
    "MissingSignatureForFee": "Transaction requires a fee but has no signature present",
    "InvalidAccountIndex": "Transaction contains an invalid account reference",
    "SignatureFailure": "Transaction did not pass signature verification",
    "InvalidProgramForExecution": "This program may not be used for executing instructions",
    "SanitizeFailure": "Transaction failed to sanitize accounts offsets correctly",
    "ClusterMaintenance": "Transactions are currently disabled due to cluster maintenance",
    "AccountBorrowOutstanding": "Transaction processing left an account with an outstanding borrowed reference",
    "WouldExceedMaxBlockCostLimit": "Transaction would exceed max Block Cost Limit",
    "UnsupportedVersion": "Transaction version is unsupported",
    "InvalidWritableAccount": "Transaction loads a writable account that cannot be written",
    "WouldExceedMaxAccountCostLimit": "Transaction would exceed max account limit within the block",
    "WouldExceedAccountDataBlockLimit": "Transaction would exceed account data limit within the block",
    "TooManyAccountLocks": "Transaction locked too many accounts",
    "AddressLookupTableNotFound": "Transaction loads an address table account that doesn't exist",
    "InvalidAddressLookupTableOwner": "Transaction loads an address table account with an invalid owner",
    "InvalidAddressLookupTableData": "Transaction loads an address table account with invalid data",
    "InvalidAddressLookupTableIndex": "Transaction address table lookup uses an invalid index",
    "InvalidRentPayingAccount": "Transaction leaves an account with a lower balance than rent-exempt minimum",
    "WouldExceedMaxVoteCostLimit": "Transaction would exceed max Vote Cost Limit",
    "WouldExceedAccountDataTotalLimit": "Transaction would exceed total account data limit",
    "MaxLoadedAccountsDataSizeExceeded": "Transaction exceeded max loaded accounts data size cap",
    "InvalidLoadedAccountsDataSizeLimit": "LoadedAccountsDataSizeLimit set for transaction must be greater than 0.",
    "ResanitizationNeeded": "ResanitizationNeeded",
    "UnbalancedTransaction": "Sum of account balances before and after transaction do not match",
    "ProgramCacheHitMaxLimit": "Program cache hit max limit",
    "CommitCancelled": "CommitCancelled",
}
IX_ERROR_MESSAGES = {
    "GenericError": "generic instruction error",
    "InvalidArgument": "invalid program argument",
    "InvalidInstructionData": "invalid instruction data",
    "InvalidAccountData": "invalid account data for instruction",
    "AccountDataTooSmall": "account data too small for instruction",
    "InsufficientFunds": "insufficient funds for instruction",
    "IncorrectProgramId": "incorrect program id for instruction",
    "MissingRequiredSignature": "missing required signature for instruction",
    "AccountAlreadyInitialized": "instruction requires an uninitialized account",
    "UninitializedAccount": "instruction requires an initialized account",
    "UnbalancedInstruction": "sum of account balances before and after instruction do not match",
    "ModifiedProgramId": "instruction illegally modified the program id of an account",
    "ExternalAccountLamportSpend": "instruction spent from the balance of an account it does not own",
    "ExternalAccountDataModified": "instruction modified data of an account it does not own",
    "ReadonlyLamportChange": "instruction changed the balance of a read-only account",
    "ReadonlyDataModified": "instruction modified data of a read-only account",
    "DuplicateAccountIndex": "instruction contains duplicate accounts",
    "ExecutableModified": "instruction changed executable bit of an account",
    "RentEpochModified": "instruction modified rent epoch of an account",
    "NotEnoughAccountKeys": "insufficient account keys for instruction",
    "AccountDataSizeChanged": "program other than the account's owner changed the size of the account data",
    "AccountNotExecutable": "instruction expected an executable account",
    "AccountBorrowFailed": "instruction tries to borrow reference for an account which is already borrowed",
    "AccountBorrowOutstanding": "instruction left account with an outstanding borrowed reference",
    "DuplicateAccountOutOfSync": "instruction modifications of multiply-passed account differ",
    "InvalidError": "program returned invalid error code",
    "ExecutableDataModified": "instruction changed executable accounts data",
    "ExecutableLamportChange": "instruction changed the balance of an executable account",
    "ExecutableAccountNotRentExempt": "executable accounts must be rent exempt",
    "UnsupportedProgramId": "Unsupported program id",
    "CallDepth": "Cross-program invocation call depth too deep",
    "MissingAccount": "An account required by the instruction is missing",
    "ReentrancyNotAllowed": "Cross-program invocation reentrancy not allowed for this instruction",
    "MaxSeedLengthExceeded": "Length of the seed is too long for address generation",
    "InvalidSeeds": "Provided seeds do not result in a valid address",
    "InvalidRealloc": "Failed to reallocate account data",
    "ComputationalBudgetExceeded": "Computational budget exceeded",
    "PrivilegeEscalation": "Cross-program invocation with unauthorized signer or writable account",
    "ProgramEnvironmentSetupFailure": "Failed to create program execution environment",
    "ProgramFailedToComplete": "Program failed to complete",
    "ProgramFailedToCompile": "Program failed to compile",
    "Immutable": "Account is immutable",
    "IncorrectAuthority": "Incorrect authority provided",
    "BorshIoError": "Failed to serialize or deserialize account data",
    "AccountNotRentExempt": "An account does not have enough lamports to be rent-exempt",
    "InvalidAccountOwner": "Invalid account owner",
    "ArithmeticOverflow": "Program arithmetic overflowed",
    "UnsupportedSysvar": "Unsupported sysvar",
    "IllegalOwner": "Provided owner is not allowed",
    "MaxAccountsDataAllocationsExceeded": "Accounts data allocations exceeded the maximum allowed per transaction",
    "MaxAccountsExceeded": "Max accounts exceeded",
    "MaxInstructionTraceLengthExceeded": "Max instruction trace length exceeded",
    "BuiltinProgramsMustConsumeComputeUnits": "Builtin programs must consume compute units",
}


class LedgerError(AuraError, RuntimeError):
    """The devnet ledger refused an operation (a bad argument, a failed airdrop)."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------------------------------------------- errors

def error_json(err: Any) -> Any:
    """A solders TransactionErrorType as the RPC writes it: `"BlockhashNotFound"`, `{"InstructionError": ...}`."""
    return json.loads(TransactionStatus(0, None, err, err, None).to_json())["err"]


def error_message(err: Any) -> str:
    """The Display text of a transaction error given as RPC JSON."""
    if isinstance(err, str):
        return TX_ERROR_MESSAGES.get(err, err)
    (name, value), = err.items()
    if name == "InstructionError":
        index, ix_err = value
        return f"Error processing Instruction {index}: {instruction_error_message(ix_err)}"
    if name == "DuplicateInstruction":
        return f"Transaction contains a duplicate instruction ({value}) that is not allowed"
    if name == "InsufficientFundsForRent":
        return f"Transaction results in an account ({value['account_index']}) with insufficient funds for rent"
    if name == "ProgramExecutionTemporarilyRestricted":
        return (f"Execution of the program referenced by account at index {value['account_index']} "
                "is temporarily restricted.")
    return name


def instruction_error_message(err: Any) -> str:
    if isinstance(err, str):
        return IX_ERROR_MESSAGES.get(err, err)
    (name, value), = err.items()
    if name == "Custom":
        return f"custom program error: {value:#x}"
    if name == "BorshIoError":
        return f"{IX_ERROR_MESSAGES['BorshIoError']}: {value}"
    return name


# ---------------------------------------------------------------------------------------------------- records

@dataclass
class TxRecord:
    """A transaction on the ledger (succeeded, or failed with its fee charged) and its status meta."""

    signature: str
    seq: int
    slot: int
    tx: VersionedTransaction
    account_keys: list[Pubkey]
    loaded_writable: list[Pubkey]
    loaded_readonly: list[Pubkey]
    err: Any
    fee: int
    pre_balances: list[int]
    post_balances: list[int]
    logs: list[str]
    compute_units: int
    inner_instructions: list[tuple[int, list[tuple[int, bytes, bytes, int]]]]
    return_data: dict[str, Any] | None
    memo: str | None
    cu_price: int
    writable: list[Pubkey]


@dataclass
class SimResult:
    """What a simulation produced, before RPC encoding."""

    err: Any
    logs: list[str]
    units: int
    return_data: dict[str, Any] | None
    inner_instructions: list[tuple[int, list[tuple[int, bytes, bytes, int]]]] | None
    post_accounts: dict[Pubkey, Account]
    account_keys: list[Pubkey]
    loaded_writable: list[Pubkey]
    loaded_readonly: list[Pubkey]
    fee: int
    loaded_accounts_data_size: int
    executed: bool


class TransactionRejected(AuraError, RuntimeError):
    """A transaction that did not land, with what its simulation produced."""

    def __init__(self, sim: SimResult) -> None:
        super().__init__(error_message(sim.err))
        self.sim = sim


@dataclass
class _SlotFees:
    minimum: int | None = None
    accounts: dict[Pubkey, int] = field(default_factory=dict)


def _return_data(meta: TransactionMetadata) -> dict[str, Any] | None:
    rd = meta.return_data()  # type: ignore[attr-defined]  # solders 0.26 has it; its stubs do not
    data = bytes(rd.data)
    if not data:
        return None
    return {"programId": str(rd.program_id), "data": [b64(data), "base64"]}


def _inner(meta: TransactionMetadata) -> list[tuple[int, list[tuple[int, bytes, bytes, int]]]]:
    out = []
    for index, inner in enumerate(meta.inner_instructions()):
        if inner:
            out.append((index, [(ii.instruction().program_id_index, bytes(ii.instruction().accounts),
                                 bytes(ii.instruction().data), ii.stack_height())  # type: ignore[attr-defined]  # as above
                                for ii in inner]))
    return out


def _writable_static(message: Message | MessageV0) -> list[int]:
    """Indexes of the writable static account keys (program ids demoted, as the runtime does)."""
    h = message.header
    keys = message.account_keys
    n = len(keys)
    signed, ro_signed, ro_unsigned = (h.num_required_signatures, h.num_readonly_signed_accounts,
                                      h.num_readonly_unsigned_accounts)
    programs = {ix.program_id_index for ix in message.instructions}
    out = []
    for i in range(n):
        writable = i < signed - ro_signed if i < signed else i < n - ro_unsigned
        if writable and i not in programs:
            out.append(i)
    return out


def _cu_price(message: Message | MessageV0) -> int:
    keys = message.account_keys
    for ix in message.instructions:
        data = bytes(ix.data)
        if keys[ix.program_id_index] == COMPUTE_BUDGET_PROGRAM and len(data) == 9 and data[0] == 3:
            return int(struct.unpack_from("<Q", data, 1)[0])
    return 0


def _memo(message: Message | MessageV0) -> str | None:
    keys = message.account_keys
    memos = []
    for ix in message.instructions:
        if keys[ix.program_id_index] in MEMO_PROGRAMS:
            data = bytes(ix.data)
            try:
                text = data.decode()
            except UnicodeDecodeError:
                text = "(unparseable)"
            memos.append(f"[{len(data)}] {text}")
    return "; ".join(memos) if memos else None


def signature_fee(message: Message | MessageV0) -> int:
    """Solana's signature fee: one per transaction signature and per precompile signature."""
    count = message.header.num_required_signatures
    keys = message.account_keys
    for ix in message.instructions:
        data = bytes(ix.data)
        if ix.program_id_index < len(keys) and keys[ix.program_id_index] in PRECOMPILES and data:
            count += data[0]
    return LAMPORTS_PER_SIGNATURE * count


def with_blockhash(tx: VersionedTransaction, blockhash: Hash) -> VersionedTransaction:
    """The same transaction (same signatures) with its message's recent blockhash replaced."""
    m = tx.message
    if isinstance(m, MessageV0):
        msg: Message | MessageV0 = MessageV0(m.header, m.account_keys, blockhash, m.instructions,
                                             m.address_table_lookups)
    else:
        h = m.header
        msg = Message.new_with_compiled_instructions(h.num_required_signatures, h.num_readonly_signed_accounts,
                                                     h.num_readonly_unsigned_accounts, m.account_keys, blockhash,
                                                     m.instructions)
    return VersionedTransaction.populate(msg, tx.signatures)


# ---------------------------------------------------------------------------------------------------- ledger

class SolanaLedger:
    """LiteSVM plus the chain around it: a slot clock, blockhashes, commitments and transaction history."""

    def __init__(self, *, finality_depth: int = 2, blockhash_max_age: int = MAX_PROCESSING_AGE,
                 programs: dict[Pubkey, Path] | None = None) -> None:
        if finality_depth < 1:
            raise LedgerError(f"finality_depth must be at least 1 slot, got {finality_depth}")
        if blockhash_max_age < 1:
            raise LedgerError(f"blockhash_max_age must be at least 1 slot, got {blockhash_max_age}")
        self.finality_depth = finality_depth
        self.blockhash_max_age = blockhash_max_age
        # Signatures are verified here (and precompiles in execution, as the runtime does today); the
        # blockhash window and duplicate signatures are ours too, so LiteSVM's own checks are off.
        self.svm = LiteSVM().with_sigverify(False).with_blockhash_check(False).with_transaction_history(0)
        self.epoch_schedule = EpochSchedule.without_warmup()
        self.svm.set_epoch_schedule(self.epoch_schedule)
        self.identity = Keypair.from_seed(hashlib.sha256(b"aura solana devnet identity").digest())
        self.faucet = Keypair.from_seed(hashlib.sha256(b"aura solana devnet faucet").digest())
        self.svm.set_account(self.faucet.pubkey(), Account(FAUCET_LAMPORTS, b"", SYSTEM_PROGRAM))
        self.genesis_hash = self.svm.latest_blockhash()
        self.genesis_time = int(time.time())
        self.time_offset = 0
        self.addresses: set[Pubkey] = {self.faucet.pubkey()}
        self._slot = 0
        self._times = array("q", [self.genesis_time])
        keep = max(MAX_RECENT_BLOCKHASHES, SLOT_HASHES_MAX, blockhash_max_age) + finality_depth + 1
        self._hashes: deque[tuple[int, Hash]] = deque([(0, self.genesis_hash)], maxlen=keep)
        self._hash_slots: dict[Hash, int] = {self.genesis_hash: 0}
        self._epoch_start = (0, self.genesis_time)
        self._txs: dict[str, TxRecord] = {}
        self._order: list[str] = []
        self._tx_slots: list[int] = []
        self._by_address: dict[Pubkey, list[str]] = {}
        self._fees: dict[int, _SlotFees] = {}
        for program_id, path in (programs or {}).items():
            self.add_program(program_id, path)
        self._set_clock()

    # -------------------------------------------------------------------------------------- slots and time

    @property
    def slot(self) -> int:
        return self._slot

    def slot_at(self, commitment: str | None) -> int:
        """The slot the bank at this commitment level is at (`None` is finalized, the RPC default)."""
        if commitment == "processed":
            return self._slot
        if commitment == "confirmed":
            return max(0, self._slot - 1)
        return max(0, self._slot - self.finality_depth)

    def confirmation_status(self, slot: int) -> str:
        if slot <= self.slot_at("finalized"):
            return "finalized"
        if slot <= self.slot_at("confirmed"):
            return "confirmed"
        return "processed"

    def blockhash(self, slot: int) -> Hash:
        first = self._hashes[0][0]
        if slot < first or slot > self._slot:
            raise LedgerError(f"no blockhash kept for slot {slot}")
        return self._hashes[slot - first][1]

    def blockhash_slot(self, blockhash: Hash) -> int | None:
        return self._hash_slots.get(blockhash)

    def blockhash_valid(self, blockhash: Hash, at_slot: int | None = None) -> bool:
        at = self._slot if at_slot is None else at_slot
        slot = self._hash_slots.get(blockhash)
        return slot is not None and slot <= at and at - slot <= self.blockhash_max_age

    def last_valid_block_height(self, slot: int) -> int:
        return slot + self.blockhash_max_age

    def block_time(self, slot: int) -> int | None:
        return self._times[slot] if 0 <= slot <= self._slot else None

    def epoch_info(self, slot: int) -> dict[str, int]:
        epoch, index = self.epoch_schedule.get_epoch_and_slot_index(slot)
        return {"absoluteSlot": slot, "blockHeight": slot, "epoch": epoch, "slotIndex": index,
                "slotsInEpoch": self.epoch_schedule.get_slots_in_epoch(epoch),
                "transactionCount": bisect.bisect_right(self._tx_slots, slot)}

    def advance_slot(self) -> None:
        """Close the current slot: a new slot with a new blockhash, and the clock sysvar moved to it."""
        self._slot += 1
        self.svm.expire_blockhash()
        blockhash = self.svm.latest_blockhash()
        if len(self._hashes) == self._hashes.maxlen:
            old = self._hashes[0][1]
            if self._hash_slots.get(old) == self._hashes[0][0]:
                del self._hash_slots[old]
        self._hashes.append((self._slot, blockhash))
        self._hash_slots[blockhash] = self._slot
        self._times.append(max(self._times[-1], int(time.time()) + self.time_offset))
        epoch = self.epoch_schedule.get_epoch(self._slot)
        if epoch != self.epoch_schedule.get_epoch(self._slot - 1):
            self._epoch_start = (epoch, self._times[-1])
        self._set_clock()
        hashes = [(s, h) for s, h in reversed(self._hashes) if s < self._slot][:SLOT_HASHES_MAX]
        self.svm.set_slot_hashes(hashes)
        for old_slot in [s for s in self._fees if s <= self._slot - PRIORITY_FEE_SLOTS - self.finality_depth]:
            del self._fees[old_slot]

    def advance_time(self, seconds: int) -> None:
        """Move the cluster clock forward; the clock sysvar of the current slot changes at once."""
        if seconds < 0:
            raise LedgerError(f"the clock only moves forward; got {seconds} s")
        self.time_offset += int(seconds)
        self._times[self._slot] = max(self._times[self._slot], int(time.time()) + self.time_offset)
        self._set_clock()

    def _set_clock(self) -> None:
        epoch = self.epoch_schedule.get_epoch(self._slot)
        self.svm.set_clock(Clock(self._slot, self._epoch_start[1], epoch,
                                 self.epoch_schedule.get_leader_schedule_epoch(self._slot),
                                 self._times[self._slot]))

    # -------------------------------------------------------------------------------------------- accounts

    def add_program(self, program_id: Pubkey, path: Path) -> None:
        try:
            elf = Path(path).read_bytes()
        except OSError as e:
            raise LedgerError(f"cannot read program {program_id} from {path}: {e.strerror}") from e
        self.svm.add_program(program_id, elf)
        self.addresses.add(program_id)

    def get_account(self, pubkey: Pubkey) -> Account | None:
        """The account as the RPC sees it: absent if it never existed or has no lamports left."""
        account = self.svm.get_account(pubkey)
        return account if account is not None and account.lamports > 0 else None

    def set_account(self, pubkey: Pubkey, account: Account) -> None:
        self.svm.set_account(pubkey, account)
        self.addresses.add(pubkey)

    def balance(self, pubkey: Pubkey) -> int:
        account = self.get_account(pubkey)
        return account.lamports if account else 0

    def program_accounts(self, program_id: Pubkey) -> Iterator[tuple[Pubkey, Account]]:
        """Every known account owned by `program_id`, sorted by address."""
        for pubkey in sorted(self.addresses, key=bytes):
            account = self.get_account(pubkey)
            if account is not None and account.owner == program_id:
                yield pubkey, account

    def minimum_balance(self, data_len: int) -> int:
        return self.svm.minimum_balance_for_rent_exemption(data_len)

    def loaded_addresses(self, tx: VersionedTransaction) -> tuple[list[Pubkey], list[Pubkey]]:
        """The writable and read-only addresses a v0 message loads from lookup tables (empty if unresolvable)."""
        message = tx.message
        if not isinstance(message, MessageV0):
            return [], []
        writable: list[Pubkey] = []
        readonly: list[Pubkey] = []
        for lookup in message.address_table_lookups:
            table = self.svm.get_account(lookup.account_key)
            if table is None or table.owner != ADDRESS_LOOKUP_TABLE_PROGRAM:
                return [], []
            data = bytes(table.data)[LOOKUP_TABLE_META_SIZE:]
            addresses = [Pubkey.from_bytes(data[i:i + 32]) for i in range(0, len(data) - len(data) % 32, 32)]
            try:
                writable += [addresses[i] for i in bytes(lookup.writable_indexes)]
                readonly += [addresses[i] for i in bytes(lookup.readonly_indexes)]
            except IndexError:
                return [], []
        return writable, readonly

    # ---------------------------------------------------------------------------------------- transactions

    def check(self, tx: VersionedTransaction, *, verify: bool, at_slot: int | None = None) -> Any:
        """The error (RPC JSON) a transaction meets before execution, or None: signatures, age, duplicates."""
        if verify and not all(tx.verify_with_results()):
            return "SignatureFailure"
        if not self.blockhash_valid(tx.message.recent_blockhash, at_slot):
            return "BlockhashNotFound"
        landed = self._txs.get(str(tx.signatures[0]))
        if landed is not None and landed.tx.message.recent_blockhash == tx.message.recent_blockhash:
            return "AlreadyProcessed"  # the status cache is keyed by blockhash, then signature
        return None

    def simulate(self, tx: VersionedTransaction, *, verify: bool, at_slot: int | None = None) -> SimResult:
        """Run a transaction against the current state without committing it; its blockhash must be known to
        the bank at `at_slot` (the current slot by default)."""
        writable_loaded, readonly_loaded = self.loaded_addresses(tx)
        keys = list(tx.message.account_keys) + writable_loaded + readonly_loaded
        base: dict[str, Any] = dict(account_keys=keys, loaded_writable=writable_loaded,
                                    loaded_readonly=readonly_loaded, fee=signature_fee(tx.message))
        err = self.check(tx, verify=verify, at_slot=at_slot)
        if err is not None:
            return SimResult(err=err, logs=[], units=0, return_data=None, inner_instructions=None, post_accounts={},
                             loaded_accounts_data_size=0, executed=False, **base)
        result = self.svm.simulate_transaction(tx)
        size = sum(64 + len(a.data) for a in map(self.svm.get_account, keys) if a is not None)
        if isinstance(result, FailedTransactionMetadata):
            meta = result.meta()
            executed = meta.signature() != Signature.default()  # LiteSVM leaves it unset when nothing ran
            return SimResult(err=error_json(result.err()), logs=meta.logs(), units=meta.compute_units_consumed(),
                             return_data=_return_data(meta), inner_instructions=_inner(meta), post_accounts={},
                             loaded_accounts_data_size=size if executed else 0, executed=executed, **base)
        meta = result.meta()
        post_accounts = dict(result.post_accounts())
        rent_index = self._rent_violation(keys, post_accounts)
        err = None if rent_index is None else {"InsufficientFundsForRent": {"account_index": rent_index}}
        return SimResult(err=err, logs=meta.logs(), units=meta.compute_units_consumed(),
                         return_data=_return_data(meta), inner_instructions=_inner(meta),
                         post_accounts=post_accounts if err is None else {}, loaded_accounts_data_size=size,
                         executed=True, **base)

    def _rent_violation(self, keys: list[Pubkey], post_accounts: dict[Pubkey, Account]) -> int | None:
        """The first data-less writable account left rent-paying where it may not be (LiteSVM checks only
        accounts with data): new, or grown, below the rent-exempt minimum."""
        minimum = self.minimum_balance(0)
        for index, key in enumerate(keys):
            post = post_accounts.get(key)
            if post is None or len(post.data) or post.lamports == 0 or post.lamports >= minimum:
                continue
            pre = self.svm.get_account(key)
            pre_lamports = pre.lamports if pre is not None else 0
            if pre is not None and not len(pre.data) and 0 < pre_lamports < minimum and post.lamports <= pre_lamports:
                continue
            if key != INCINERATOR:
                return index
        return None

    def submit(self, tx: VersionedTransaction, *, preflight: bool = True, preflight_slot: int | None = None) -> str:
        """Run a transaction in the current slot and return its signature.

        With `preflight`, a transaction that would fail raises TransactionRejected and never lands (its blockhash
        must be known to the bank at `preflight_slot`, as to the RPC's preflight bank). Without, it is executed
        as a leader would: a failure after the fee is charged lands as a failed transaction, anything
        earlier (bad signature, expired blockhash, duplicate, unpayable fee) is dropped.
        """
        signature = str(tx.signatures[0])
        if preflight:
            sim = self.simulate(tx, verify=True, at_slot=preflight_slot)
            if sim.err is not None:
                raise TransactionRejected(sim)
        if self.check(tx, verify=not preflight) is not None:
            return signature  # dropped by the leader, as it would be on a cluster
        self._execute(tx)
        return signature

    def _execute(self, tx: VersionedTransaction) -> TxRecord | None:
        message = tx.message
        writable_loaded, readonly_loaded = self.loaded_addresses(tx)
        keys = list(message.account_keys) + writable_loaded + readonly_loaded
        pre = [self.balance(k) for k in keys]
        probe = self.svm.simulate_transaction(tx)
        rent_index = None
        if not isinstance(probe, FailedTransactionMetadata):
            rent_index = self._rent_violation(keys, dict(probe.post_accounts()))
        if rent_index is not None:  # fails after execution: only the fee is charged
            fee = signature_fee(message)
            payer = self.svm.get_account(keys[0])
            assert payer is not None
            self.svm.set_account(keys[0], Account(payer.lamports - fee, bytes(payer.data), payer.owner,
                                                  payer.executable, payer.rent_epoch))
            meta = probe.meta()  # type: ignore[union-attr]
            err: Any = {"InsufficientFundsForRent": {"account_index": rent_index}}
        else:
            result = self.svm.send_transaction(tx)
            if isinstance(result, FailedTransactionMetadata):
                if self.balance(keys[0]) >= pre[0]:
                    return None  # rejected before the fee was charged: never lands
                meta, err, fee = result.meta(), error_json(result.err()), pre[0] - self.balance(keys[0])
            else:
                meta, err, fee = result, None, signature_fee(message)
        post = [self.balance(k) for k in keys]
        static_writable = [message.account_keys[i] for i in _writable_static(message)]
        signature = str(tx.signatures[0])
        record = TxRecord(
            signature=signature, seq=len(self._order), slot=self._slot, tx=tx, account_keys=keys,
            loaded_writable=writable_loaded, loaded_readonly=readonly_loaded, err=err, fee=fee,
            pre_balances=pre, post_balances=post, logs=meta.logs(), compute_units=meta.compute_units_consumed(),
            inner_instructions=_inner(meta), return_data=_return_data(meta), memo=_memo(message),
            cu_price=_cu_price(message), writable=static_writable + writable_loaded)
        self._txs[signature] = record
        self._order.append(signature)
        self._tx_slots.append(self._slot)
        for key in dict.fromkeys(keys):
            self.addresses.add(key)
            self._by_address.setdefault(key, []).append(signature)
        fees = self._fees.setdefault(self._slot, _SlotFees())
        fees.minimum = record.cu_price if fees.minimum is None else min(fees.minimum, record.cu_price)
        for key in record.writable:
            fees.accounts[key] = min(fees.accounts.get(key, record.cu_price), record.cu_price)
        return record

    def airdrop(self, pubkey: Pubkey, lamports: int) -> str:
        """A faucet transfer, landed in the current slot like any transaction; returns its signature."""
        if lamports < 0:
            raise LedgerError(f"cannot airdrop a negative amount ({lamports} lamports)")
        if lamports + LAMPORTS_PER_SIGNATURE > self.balance(self.faucet.pubkey()):
            raise LedgerError(f"the faucet cannot cover {lamports} lamports")
        ix = transfer(TransferParams(from_pubkey=self.faucet.pubkey(), to_pubkey=pubkey, lamports=lamports))
        message = Message.new_with_blockhash([ix], self.faucet.pubkey(), self.blockhash(self._slot))
        tx = VersionedTransaction(message, [self.faucet])
        self._execute(tx)
        return str(tx.signatures[0])

    # ------------------------------------------------------------------------------------------------ reads

    def record(self, signature: str) -> TxRecord | None:
        return self._txs.get(signature)

    def landed_since(self, count: int) -> list[TxRecord]:
        """The transactions that landed after the first `count`, in landing order (for the PubSub endpoint)."""
        return [self._txs[s] for s in self._order[count:]]

    def status(self, signature: str, search_history: bool) -> dict[str, Any] | None:
        """A signature's status as getSignatureStatuses reports it (the status cache spans recent slots)."""
        rec = self._txs.get(signature)
        if rec is None:
            return None
        if rec.slot < self._slot - MAX_RECENT_BLOCKHASHES and not search_history:
            return None
        level = self.confirmation_status(rec.slot)
        return {"slot": rec.slot, "confirmations": None if level == "finalized" else self._slot - rec.slot,
                "err": rec.err, "status": {"Ok": None} if rec.err is None else {"Err": rec.err},
                "confirmationStatus": level}

    def signatures_for(self, address: Pubkey, highest_slot: int, before: str | None, until: str | None,
                       limit: int) -> list[TxRecord]:
        """The address's transactions up to `highest_slot`, newest first, strictly between `until` and `before`."""
        newest = len(self._order)
        if before is not None:
            rec = self._txs.get(before)
            if rec is None:
                return []
            newest = rec.seq
        oldest = -1
        if until is not None and (rec := self._txs.get(until)) is not None:
            oldest = rec.seq
        out: list[TxRecord] = []
        for signature in reversed(self._by_address.get(address, [])):
            rec = self._txs[signature]
            if rec.seq >= newest or rec.slot > highest_slot:
                continue
            if rec.seq <= oldest or len(out) >= limit:
                break
            out.append(rec)
        return out

    def prioritization_fees(self, accounts: Iterable[Pubkey]) -> list[dict[str, int]]:
        keys = list(accounts)
        last = self.slot_at("finalized")
        out = []
        for slot in range(max(1, last - PRIORITY_FEE_SLOTS + 1), last + 1):
            fees = self._fees.get(slot)
            fee = (fees.minimum or 0) if fees else 0
            if fees:
                for key in keys:
                    if key in fees.accounts:
                        fee = max(fee, fees.accounts[key])
            out.append({"slot": slot, "prioritizationFee": fee})
        return out
