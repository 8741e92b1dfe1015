"""Lending events of watched wallets over Sui's GraphQL service (`SuiAdapter.credit_events`): what re-scores a
watched wallet when it borrows, repays or is liquidated (docs/operations.md, "Re-scoring"; docs/sui.md, "Lending
events").

A Sui event's type is named after the package version that first defined the struct (its type origin), not after the
version that emitted it: a protocol that added `BorrowEventV3` in an upgrade emits it as `<that upgrade's
id>::borrow::BorrowEventV3`. The chain's `lending_events` therefore lists full event types, each with its protocol;
`PROTOCOLS` says which field of each known event names the wallet and what the event means (`borrow`, `repay`,
`liquidation`). Only events that name the wallet itself are read: an event naming only a position object (Suilend's
obligation, Scallop's liquidation) cannot be matched to a wallet without reading object ownership.

Each configured type is read with one `AuraEvents` query per page over the checkpoints after the cursor
through `until`, never past the checkpoint the service has indexed; a type read for EVENT_PAGES pages stops at a
checkpoint boundary. The call reaches the lowest checkpoint every type was read through, and only events at or
before it are returned, so the cursor never passes an event it has not returned. Events are returned by checkpoint;
within one checkpoint, events of different types keep the order of `lending_events` (the service gives no order of
transactions within a checkpoint across queries).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chains.base import CreditEvent
from chains.core.errors import RetryLater
from chains.core.logs import fields
from chains.sui.event_window import dig, read_window

if TYPE_CHECKING:
    from chains.sui.graphql import GraphQL

log = logging.getLogger("aura.sui")

OPERATION = "AuraEvents"  # the request poll's query (chains/sui/queries.py)
EVENT_PAGES = 20  # pages read per type per call before stopping at a checkpoint boundary
EVENT_TYPE = re.compile(r"^0x[0-9a-f]{64}::[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*$")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{1,64}$")


@dataclass(frozen=True)
class LendingEvent:
    """An event of a lending protocol that names a wallet: `wallet` is the field holding the wallet's address,
    `kind` what the event means for it (`borrow`, `repay` or `liquidation`)."""

    kind: str
    wallet: str


PROTOCOLS: dict[str, dict[str, LendingEvent]] = {
    # Navi (lending_core), module `lending`; public source: the mainnet package
    # 0xd899cf7d2b5db716bd2cf55599fb0d5ee38a3061e7b6bb6eebf73fa5bc4c81ca as published (MystenLabs/sui-packages,
    # packages/mainnet/0xd8/99cf.../decompiled_modules/lending.move).
    "navi": {
        # BorrowEvent { reserve: u8, sender: address, amount: u64 }: `sender` is the borrower (tx sender)
        "lending::BorrowEvent": LendingEvent("borrow", "sender"),
        # RepayEvent { reserve: u8, sender: address, amount: u64 }: `sender` repaid its own debt
        "lending::RepayEvent": LendingEvent("repay", "sender"),
        # LiquidationCallEvent { reserve: u8, sender: address, liquidate_user: address, liquidate_amount: u64 }:
        # `sender` is the liquidator, `liquidate_user` the liquidated wallet
        "lending::LiquidationCallEvent": LendingEvent("liquidation", "liquidate_user"),
        # LiquidationEvent { sender: address, user: address, collateral_asset: u8, collateral_price: u256,
        # collateral_amount: u64, treasury: u64, debt_asset: u8, debt_price: u256, debt_amount: u64 }: `user` is the
        # liquidated wallet; added by the upgrade 0xc6374c7d... (version 18, metadata.json in sui-packages)
        "lending::LiquidationEvent": LendingEvent("liquidation", "user"),
    },
    # Scallop, package `protocol`; public source: github.com/scallop-io/sui-lending-protocol,
    # contracts/protocol/sources/user/borrow.move and repay.move.
    "scallop": {
        # BorrowEvent { borrower: address, obligation: ID, asset: TypeName, amount: u64, time: u64 }
        "borrow::BorrowEvent": LendingEvent("borrow", "borrower"),
        # BorrowEventV2 { borrower, obligation, asset, amount, borrow_fee: u64, time }
        "borrow::BorrowEventV2": LendingEvent("borrow", "borrower"),
        # BorrowEventV3 { borrower, obligation, asset, amount, borrow_fee, borrow_fee_discount: u64,
        # borrow_referral_fee: u64, time }: what borrow.move emits today; `borrower` is the tx sender
        "borrow::BorrowEventV3": LendingEvent("borrow", "borrower"),
        # RepayEvent { repayer: address, obligation: ID, asset: TypeName, amount: u64, time: u64 }: `repayer` is
        # the tx sender, who may repay another wallet's obligation
        "repay::RepayEvent": LendingEvent("repay", "repayer"),
    },
}
"""Per protocol, its events that name a wallet, by `module::Name`."""

NAVI = "0xd899cf7d2b5db716bd2cf55599fb0d5ee38a3061e7b6bb6eebf73fa5bc4c81ca"  # Navi's first package (metadata.json)
NAVI_V18 = "0xc6374c7da60746002bfee93014aeb607e023b2d6b25c9e55a152b826dbc8c1ce"  # its upgrade adding LiquidationEvent
SCALLOP = "0xefe8b36d5b2e43728cc323298626b83177803521d195cfb11e15b910e892fddf"  # Scallop protocol's first package
SCALLOP_BORROW_V2 = "0xc38f849e81cfe46d4e4320f508ea7dda42934a329d5a6571bb4c3cb6ea63f5da"  # origin of BorrowEventV2
SCALLOP_BORROW_V3 = "0x6e641f0dca8aedab3101d047e96439178f16301bf0b57fe8745086ff1195eb3e"  # origin of BorrowEventV3

MAINNET_LENDING_EVENTS: dict[str, str] = {
    # Type origins: Navi's from the published packages' metadata.json (sui-packages) and the liquidator constants
    # of public Navi integrations; Scallop's from the mainnet type-origin table generated for Scallop's `protocol`
    # package by sui-client-gen (borrow::BorrowEventV2 -> 0xc38f..., BorrowEventV3 -> 0x6e64..., the rest 0xefe8...).
    f"{NAVI}::lending::BorrowEvent": "navi",
    f"{NAVI}::lending::RepayEvent": "navi",
    f"{NAVI}::lending::LiquidationCallEvent": "navi",
    f"{NAVI_V18}::lending::LiquidationEvent": "navi",
    f"{SCALLOP}::borrow::BorrowEvent": "scallop",
    f"{SCALLOP_BORROW_V2}::borrow::BorrowEventV2": "scallop",
    f"{SCALLOP_BORROW_V3}::borrow::BorrowEventV3": "scallop",
    f"{SCALLOP}::repay::RepayEvent": "scallop",
}
"""The default `lending_events` of a Sui chain: Navi's and Scallop's mainnet event types that name a wallet."""


def lending_event_errors(events: Mapping[str, str]) -> list[str]:
    """Why `events` (event type -> protocol) cannot be read, one line each; empty when every entry is known."""
    errors = []
    for event_type, protocol in events.items():
        if not EVENT_TYPE.match(event_type):
            errors.append(f"{event_type!r} is not an event type (0x, 64 lower-case hex digits, ::module::Name)")
        elif protocol not in PROTOCOLS:
            errors.append(f"{event_type}: unknown lending protocol {protocol!r} (known: {', '.join(PROTOCOLS)})")
        elif event_type.split("::", 1)[1] not in PROTOCOLS[protocol]:
            errors.append(f"{event_type}: {protocol} has no event {event_type.split('::', 1)[1]} that names a wallet "
                          f"(known: {', '.join(PROTOCOLS[protocol])})")
    return errors


def sui_address(text: Any) -> str:
    """`0x` and 64 lower-case hex digits, from a `0x`-prefixed hex address of at most 32 bytes; ValueError otherwise
    (chains/sui/transaction.py `canonical_id`, kept apart so that reading a config loads no pysui)."""
    if not isinstance(text, str) or not ADDRESS.match(text):
        raise ValueError(f"{text!r} is not a 0x-prefixed hex Sui address of at most 32 bytes")
    return "0x" + text[2:].lower().rjust(64, "0")


def watched_wallets(subjects: Collection[str]) -> dict[str, str]:
    """Each subject that is a Sui address, by its canonical form (`0x` and 64 lower-case hex digits)."""
    out = {}
    for subject in subjects:
        try:
            out[sui_address(subject)] = subject
        except ValueError:
            continue  # not a Sui address: no event can name it
    return out


def decode(chain: str, node: Any, event_type: str, protocol: str, watched: Mapping[str, str],
           checkpoint: int) -> CreditEvent | None:
    """The credit event `node` (an `Event` as the service returns it, read in `checkpoint`) records for a watched
    wallet; None for an event of another type, of an unwatched wallet, or with malformed contents (logged)."""
    digest = dig(node, "transaction", "digest")
    if dig(node, "contents", "type", "repr") != event_type:
        return None  # not the type asked for: a look-alike of another package
    layout = PROTOCOLS[protocol][event_type.split("::", 1)[1]]
    wallet = dig(node, "contents", "json", layout.wallet)
    try:
        address = sui_address(wallet)
        if not isinstance(digest, str) or not digest:
            raise ValueError("no transaction digest")
    except ValueError as e:
        log.warning("skipping a malformed lending event",
                    extra=fields(chain=chain, type=event_type, tx=digest, error=str(e)))
        return None
    if address not in watched:
        return None
    return CreditEvent(subject=watched[address], kind=layout.kind, protocol=protocol, height=checkpoint,
                       tx_hash=digest)


class CreditReader:
    """The lending events of one Sui chain's `lending_events`.

    Args:
        chain: the chain's name, first word of every error.
        gql: the chain's GraphQL endpoints (reads fail over between them).
        events: event type -> protocol (config `lending_events`, validated).
    """

    def __init__(self, chain: str, gql: GraphQL, events: Mapping[str, str]) -> None:
        self.chain, self.gql = chain, gql
        self.events = dict(events)

    async def read(self, subjects: Collection[str], after: int, until: int) -> tuple[list[CreditEvent], int]:
        """The events of `subjects` in checkpoints (after, reached], oldest first, and `reached` (at most `until`).

        Raises:
            RetryLater: the service failed or answered out of schema; nothing was read.
        """
        watched = watched_wallets(subjects)
        if not watched or until <= after:
            return [], max(until, after)
        reached = until
        found: list[tuple[int, int, int, CreditEvent]] = []
        try:
            for rank, (event_type, protocol) in enumerate(self.events.items()):
                events, through = await self._read_type(event_type, protocol, watched, after, until)
                reached = min(reached, through)
                found += [(e.height, rank, i, e) for i, e in enumerate(events)]
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001 - any other failure: the caller keeps its cursor and asks again
            raise RetryLater(f"{self.chain}: GraphQL failed reading lending events: {type(e).__name__}: {e}") from None
        found.sort(key=lambda item: item[:3])
        reached = max(reached, after)
        return [e for height, _, _, e in found if height <= reached], reached

    async def _read_type(self, event_type: str, protocol: str, watched: Mapping[str, str], after: int,
                         until: int) -> tuple[list[CreditEvent], int]:
        """One type's events of `watched` in (after, through], and `through` (chains/sui/event_window.py)."""
        found, through = await read_window(self.gql, OPERATION, event_type, after, until, chain=self.chain,
                                           max_pages=EVENT_PAGES)
        events = (decode(self.chain, node, event_type, protocol, watched, checkpoint) for node, checkpoint in found)
        return [e for e in events if e is not None], through


__all__ = ["MAINNET_LENDING_EVENTS", "PROTOCOLS", "CreditReader", "LendingEvent", "decode", "lending_event_errors",
           "sui_address", "watched_wallets"]
