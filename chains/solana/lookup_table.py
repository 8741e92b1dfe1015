"""The transmitter's address lookup table, through which a quorum fulfilment too large for a legacy transaction goes
as a v0 one (docs/solana.md, "Quorum"): the table holds the signers' Enclave accounts and payees, so each costs the
transaction one byte instead of 32.

The table's authority and payer are the transmitter. The adapter uses the table its config names
(`lookup_table`), else of the transmitter's active tables (getProgramAccounts, by authority) the one with room that
lacks fewest of the signers' accounts, else it creates one; one of its own that is full is followed by a new one.
A signer's accounts missing from the table are appended (`extend`); the runtime takes addresses appended in a slot
only from the next, so until then, and until a table just created exists, the fulfilment waits (RetryLater) and is
built again.

The instructions are the Address Lookup Table program's, bincode-encoded (a u32 variant, then its fields):
`CreateLookupTable { recent_slot: u64, bump_seed: u8 }` (0) and `ExtendLookupTable { new_addresses: Vec<Pubkey> }`
(2). The account is a 56-byte meta (u32 type 1, deactivation_slot u64 at 4, last_extended_slot u64 at 12,
last_extended_slot_start_index u8 at 20, authority Option<Pubkey> at 21, padding) followed by the addresses.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from solana.rpc.commitment import Commitment
from solana.rpc.types import MemcmpOpts
from solders.address_lookup_table_account import (
    ID as LOOKUP_TABLE_PROGRAM,
)
from solders.address_lookup_table_account import (
    AddressLookupTable,
    AddressLookupTableAccount,
    derive_lookup_table_address,
)
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from chains.core.base58 import b58encode
from chains.core.errors import ChainError, RetryLater

CREATE = 0
EXTEND = 2
AUTHORITY_OFFSET = 21  # the Option<Pubkey>'s tag; the key follows
ACTIVE = 2**64 - 1  # deactivation_slot of a table never deactivated
MAX_ADDRESSES = 256
EXTEND_AT_ONCE = 20  # addresses per extend transaction: 20 * 32 bytes keep it inside one packet
LANDS_WITHIN_SLOTS = 150  # a transaction's blockhash expires after this: one not landed by then never will


def create_ix(authority: Pubkey, recent_slot: int) -> tuple[Instruction, Pubkey]:
    """`CreateLookupTable` for `authority`, which also pays; `recent_slot` must be in SlotHashes. With the table's
    address (derived from the authority and the slot)."""
    table, bump = derive_lookup_table_address(authority, recent_slot)
    data = struct.pack("<IQB", CREATE, recent_slot, bump)
    return Instruction(LOOKUP_TABLE_PROGRAM, data, [
        AccountMeta(table, is_signer=False, is_writable=True),
        AccountMeta(authority, is_signer=False, is_writable=False),
        AccountMeta(authority, is_signer=True, is_writable=True),
        AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False)]), table


def extend_ix(table: Pubkey, authority: Pubkey, addresses: Sequence[Pubkey]) -> Instruction:
    """`ExtendLookupTable` appending `addresses`; the authority signs and pays the table's added rent."""
    data = struct.pack("<IQ", EXTEND, len(addresses)) + b"".join(bytes(a) for a in addresses)
    return Instruction(LOOKUP_TABLE_PROGRAM, data, [
        AccountMeta(table, is_signer=False, is_writable=True),
        AccountMeta(authority, is_signer=True, is_writable=False),
        AccountMeta(authority, is_signer=True, is_writable=True),
        AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False)])


@dataclass(frozen=True)
class Table:
    """A lookup table as read: its address, authority, addresses and the slot it was last extended in."""

    address: Pubkey
    authority: Pubkey | None
    addresses: tuple[Pubkey, ...]
    last_extended_slot: int
    active: bool

    def account(self) -> AddressLookupTableAccount:
        return AddressLookupTableAccount(self.address, list(self.addresses))


def parse(address: Pubkey, owner: Pubkey, data: bytes) -> Table:
    """The table at `address` from its account.

    Raises:
        ChainError: the account is not an address lookup table.
    """
    if owner != LOOKUP_TABLE_PROGRAM:
        raise ChainError(f"{address} is not an address lookup table (its owner is {owner})")
    try:
        table = AddressLookupTable.deserialize(data)
    except ValueError as e:
        raise ChainError(f"{address} is not an address lookup table: {e}") from None
    meta = table.meta
    return Table(address=address, authority=meta.authority, addresses=tuple(table.addresses),
                 last_extended_slot=int(meta.last_extended_slot), active=int(meta.deactivation_slot) == ACTIVE)


Send = Callable[[list[Instruction]], Awaitable[str]]


class TransmitterTable:
    """The lookup table one transmitter's fulfilments use on one cluster (module docstring). `call` runs an RPC
    call under the adapter's retries; `send` signs and sends instructions as the transmitter and returns the
    transaction's signature."""

    def __init__(self, name: str, client: Any, authority: Pubkey, configured: Pubkey | None,
                 call: Callable[[Awaitable[Any]], Awaitable[Any]], send: Send, commitment: Any) -> None:
        self.name = name
        self.client = client
        self.authority = authority
        self.address = configured
        self.configured = configured is not None
        self._call = call
        self._send = send
        self.commitment = commitment
        self._created_at: int | None = None  # the slot a table of ours was created in, until it is seen
        self._extending: dict[tuple[Pubkey, Pubkey], int] = {}  # (table, address) -> the slot an extend was sent in

    async def holding(self, keys: Sequence[Pubkey], slot: int) -> Table:
        """The table, once it holds every one of `keys` usably at `slot` (appended in an earlier slot).

        Raises:
            RetryLater: the table was created or extended just now, or is not usable yet; build again later.
            ChainError: the configured table is not a table, is deactivated, is another authority's, or is full.
        """
        table = await self._table(slot, keys)
        if table is None:
            await self._create(slot)
        missing = list(dict.fromkeys(k for k in keys if k not in table.addresses))
        # an extend sent within a blockhash's lifetime may still land: not sent again, so no address is held twice
        waiting = [k for k in missing
                   if slot - self._extending.get((table.address, k), -LANDS_WITHIN_SLOTS) < LANDS_WITHIN_SLOTS]
        if waiting:
            raise RetryLater(f"{self.name}: waiting for {len(waiting)} signer account(s) to enter address lookup "
                             f"table {table.address}")
        if missing:
            if len(table.addresses) + len(missing) > MAX_ADDRESSES:
                if self.configured:
                    raise ChainError(f"{self.name}: address lookup table {table.address} is full "
                                     f"({len(table.addresses)} addresses); name a new one as `lookup_table`")
                await self._create(slot)  # a table of its own that is full: the node starts another
            batch = missing[:EXTEND_AT_ONCE]
            signature = await self._send([extend_ix(table.address, self.authority, batch)])
            self._extending.update(((table.address, k), slot) for k in batch)
            raise RetryLater(f"{self.name}: adding {len(batch)} signer account(s) to address lookup table "
                             f"{table.address} ({signature})")
        if table.last_extended_slot >= slot:
            raise RetryLater(f"{self.name}: address lookup table {table.address} was extended in slot "
                             f"{table.last_extended_slot}; its new addresses are usable from the next")
        return table

    async def _create(self, slot: int) -> NoReturn:
        """Send `create` for a new table of the transmitter's, which is the one in use from now on.

        Raises:
            RetryLater: always: the table exists only once the transaction lands.
        """
        ix, address = create_ix(self.authority, await self._recent_slot())
        signature = await self._send([ix])
        self.address, self._created_at = address, slot
        raise RetryLater(f"{self.name}: creating the transmitter's address lookup table {address} ({signature}) "
                         "for a fulfilment too large for a legacy transaction")

    async def _table(self, slot: int, keys: Sequence[Pubkey]) -> Table | None:
        """The table in use: the configured or known one, else of the authority's active tables with room for the
        `keys` they lack the one lacking fewest; None when there is none (a table this adapter created that has not
        appeared within a blockhash's lifetime never will)."""
        if self.address is not None:
            resp = await self._call(self.client.get_account_info(self.address, commitment=self.commitment))
            if resp.value is None:
                if self.configured:
                    raise ChainError(f"{self.name}: no address lookup table {self.address} (`lookup_table`)")
                if self._created_at is not None and slot - self._created_at < LANDS_WITHIN_SLOTS:
                    raise RetryLater(f"{self.name}: address lookup table {self.address} is not created yet")
                self.address = self._created_at = None
                return await self._table(slot, keys)
            table = parse(self.address, resp.value.owner, bytes(resp.value.data))
            if table.authority != self.authority:
                raise ChainError(f"{self.name}: address lookup table {self.address} is not the transmitter's "
                                 f"(its authority is {table.authority})")
            if not table.active:
                raise ChainError(f"{self.name}: address lookup table {self.address} is deactivated")
            self._created_at = None
            return table
        owned = MemcmpOpts(offset=AUTHORITY_OFFSET, bytes=b58encode(b"\x01" + bytes(self.authority)))
        try:
            resp = await self._call(self.client.get_program_accounts(
                LOOKUP_TABLE_PROGRAM, commitment=self.commitment, encoding="base64", filters=[owned]))
        except RetryLater as e:  # some providers refuse getProgramAccounts on this program: a table can be named
            raise RetryLater(f"{e}; the transmitter's address lookup tables cannot be listed: name one as "
                             "`lookup_table` if this persists") from None
        tables = [parse(k.pubkey, k.account.owner, bytes(k.account.data)) for k in resp.value]

        def lacking(t: Table) -> int:
            return len(set(keys) - set(t.addresses))

        usable = [t for t in tables if t.active and len(t.addresses) + lacking(t) <= MAX_ADDRESSES]
        if not usable:
            return None
        best = min(usable, key=lambda t: (lacking(t), bytes(t.address)))
        self.address = best.address
        return best

    async def _recent_slot(self) -> int:
        """A slot SlotHashes holds, as `create` requires (the table's address derives from it): the finalized one,
        a block every bank after it has in SlotHashes for 512 slots."""
        resp = await self._call(self.client.get_slot(commitment=Commitment("finalized")))
        return int(resp.value)
