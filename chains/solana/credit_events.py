"""Lending events of watched wallets on Solana (`SolanaAdapter.credit_events`): what re-scores a watched wallet
when it borrows or repays (docs/operations.md, "Re-scoring"; docs/solana.md, "Lending events").

Solana programs log no standard events, so the reader goes by instruction. For each watched wallet it lists the
transactions that name it in the slots read (getSignaturesForAddress, newest first, paged with `before`, down to
the first slot), skips the failed ones, and reads each of the others once (getTransaction, `json` encoding). An
instruction, top level or inner (a call through another program), is a lending event when its program is one of
the configured lending programs (`lending_programs`: program id -> protocol), its data opens with one of that
protocol's borrow or repay instructions (`PROTOCOLS`) and the account at the position the protocol's layout gives
to the borrower (Kamino's and Solend's obligation owner, MarginFi's account authority; the transfer authority of
a Solend repayment) is a watched wallet. A look-alike program not in the table, or the wallet anywhere else among
an instruction's accounts, counts for nothing.

Not found: liquidations. None of the three protocols' liquidation instructions names the liquidated wallet:
they carry the obligation (Kamino, Solend) or the marginfi account (MarginFi) and the liquidator's key, so a
liquidation is not among the wallet's own signatures. The liquidated wallet's next borrow, repayment or
scheduled re-score sees its effect. A repayment by someone else than the borrower (Solend and MarginFi take one
from any signer in some cases) is the signer's event, not the borrower's.

Within a slot one wallet's events are in the chain's order; events of different wallets in one slot are ordered
by the wallet's place in `subjects` (getSignaturesForAddress does not say where in its block a transaction is).
RPC failures raise RetryLater: the caller keeps its cursor and asks again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection, Coroutine, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chains.base import CreditEvent
from chains.core.base58 import b58decode
from chains.core.errors import RetryLater

if TYPE_CHECKING:
    from chains.solana.rpc import SolanaRpc

BORROW, REPAY = "borrow", "repay"
KAMINO, SOLEND, MARGINFI = "kamino-lend", "solend", "marginfi-v2"
PAGE = 1000  # getSignaturesForAddress's largest page
CONCURRENCY = 8  # calls in flight at once
T = TypeVar("T")


@dataclass(frozen=True)
class LendingInstruction:
    """One instruction of a lending program that changes a wallet's debt: its data opens with `prefix` (an Anchor
    discriminator, or a one-byte tag) followed by at least `args` bytes of arguments, and the account at position
    `owner` is the wallet whose debt it is."""

    name: str
    kind: str
    prefix: bytes
    args: int
    owner: int

    def matches(self, data: bytes, accounts: int) -> bool:
        return data[:len(self.prefix)] == self.prefix and len(data) >= len(self.prefix) + self.args \
            and accounts > self.owner


def anchor(name: str, kind: str, *, args: int, owner: int) -> LendingInstruction:
    """An Anchor instruction: its discriminator is the first 8 bytes of sha256("global:<name>")."""
    return LendingInstruction(name, kind, hashlib.sha256(f"global:{name}".encode()).digest()[:8], args, owner)


def tagged(name: str, tag: int, kind: str, *, args: int, owner: int) -> LendingInstruction:
    """An instruction of a program that opens its data with a one-byte tag (SPL token-lending and its forks)."""
    return LendingInstruction(name, kind, bytes([tag]), args, owner)


@dataclass(frozen=True)
class Protocol:
    """A lending protocol: its program on mainnet-beta and its borrow and repay instructions."""

    mainnet: str
    instructions: tuple[LendingInstruction, ...]


PROTOCOLS: dict[str, Protocol] = {
    # Kamino Lend (klend), an Anchor program. Program id: `declare_id!` in Kamino-Finance/klend
    # programs/klend/src/lib.rs. Instructions and accounts: the IDL `klend.json` (published with
    # @kamino-finance/klend-sdk): `owner` (signer) is account 0 of each, also of the v2 forms' nested
    # `borrow_accounts` / `repay_accounts`; args `liquidity_amount: u64`, and for repay_and_withdraw_and_redeem
    # `repay_amount: u64, withdraw_collateral_amount: u64`.
    KAMINO: Protocol("KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD", (
        anchor("borrow_obligation_liquidity", BORROW, args=8, owner=0),
        anchor("borrow_obligation_liquidity_v2", BORROW, args=8, owner=0),
        anchor("repay_obligation_liquidity", REPAY, args=8, owner=0),
        anchor("repay_obligation_liquidity_v2", REPAY, args=8, owner=0),
        anchor("repay_and_withdraw_and_redeem", REPAY, args=16, owner=0),
    )),
    # Solend (now Save), SPL token-lending's fork. Program id: SOLEND_PRODUCTION_PROGRAM_ID in solendprotocol/public
    # solend-sdk/src/core/constants.ts. Instructions: `LendingInstruction` in solendprotocol/solana-program-library
    # token-lending/program/src/instruction.rs, a one-byte tag then `liquidity_amount: u64`:
    # 10 BorrowObligationLiquidity (account 7: obligation owner, signer), 11 RepayObligationLiquidity (account 5:
    # user transfer authority, signer, who pays the repayment).
    SOLEND: Protocol("So1endDq2YkqhipRh3WViPa8hdiSpxWy6z3Z6tMCpAo", (
        tagged("BorrowObligationLiquidity", 10, BORROW, args=8, owner=7),
        tagged("RepayObligationLiquidity", 11, REPAY, args=8, owner=5),
    )),
    # MarginFi v2, an Anchor program. Program id: the mainnet deployment the mrgnlabs clients name
    # (mrgnlabs/mrgn-ts marginfi-client-v2 config "production"). Instructions and accounts: the IDL `marginfi.json`
    # and mrgnlabs/marginfi-v2 programs/marginfi/src/instructions/marginfi_account/borrow.rs and repay.rs:
    # accounts group, marginfi_account, authority (signer; `signer` in older versions), bank, ...; args
    # `amount: u64`, and for the repayment `repay_all: Option<bool>` (one byte when None).
    MARGINFI: Protocol("MFv2hWf31Z9kbCa1snEPYctwafyhdvnV7FZnsebVacA", (
        anchor("lending_account_borrow", BORROW, args=8, owner=2),
        anchor("lending_account_repay", REPAY, args=9, owner=2),
    )),
}
"""Every lending protocol the reader decodes, by the name `lending_programs` gives it."""

MAINNET_PROGRAMS: dict[str, str] = {p.mainnet: name for name, p in PROTOCOLS.items()}
"""The default `lending_programs`: each protocol's mainnet-beta program id -> its name."""


@dataclass(frozen=True)
class Call:
    """One instruction of a transaction as it ran: its program, its accounts in order and its data."""

    program: str
    accounts: list[str]
    data: bytes


def calls(tx: Mapping[str, Any]) -> Iterator[Call]:
    """The instructions of a getTransaction answer (`json` encoding) in the order they ran: each top-level one,
    then the inner ones it made. Account indices name the message's keys, then the keys loaded from address
    lookup tables (writable, then read-only)."""
    message = tx["transaction"]["message"]
    meta = tx.get("meta") or {}
    keys = list(message["accountKeys"])
    loaded = meta.get("loadedAddresses") or {}
    keys += list(loaded.get("writable") or []) + list(loaded.get("readonly") or [])
    inner: dict[int, list[Any]] = {}
    for group in meta.get("innerInstructions") or []:
        inner.setdefault(int(group["index"]), []).extend(group["instructions"])
    for i, top in enumerate(message["instructions"]):
        for ix in (top, *inner.get(i, [])):
            yield Call(keys[ix["programIdIndex"]], [keys[a] for a in ix["accounts"]], b58decode(ix["data"]))


def lending_calls(tx: Mapping[str, Any], programs: Mapping[str, str], watched: Collection[str]
                  ) -> list[tuple[str, str, str]]:
    """(wallet, kind, protocol) of each borrow or repayment of a watched wallet in a transaction (a getTransaction
    answer, `json` encoding) by one of `programs` (program id -> protocol name), in the order they ran; none in a
    failed transaction."""
    if (tx.get("meta") or {}).get("err") is not None:
        return []
    found = []
    for call in calls(tx):
        protocol = programs.get(call.program)
        if protocol is None:
            continue
        for ix in PROTOCOLS[protocol].instructions:
            if ix.matches(call.data, len(call.accounts)):
                if call.accounts[ix.owner] in watched:
                    found.append((call.accounts[ix.owner], ix.kind, protocol))
                break
    return found


class CreditReader:
    """The borrows and repayments of watched wallets on one chain's configured lending programs."""

    def __init__(self, chain: str, programs: Mapping[str, str]) -> None:
        self.chain = chain
        self.programs = dict(programs)
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def read(self, rpc: SolanaRpc, subjects: Collection[str], first: int, last: int) -> list[CreditEvent]:
        """The events of `subjects` (base58 public keys) in slots [first, last], oldest first. Both calls are made
        at `confirmed`, which holds every slot through a finalized `last`. RPC failures raise RetryLater."""
        watched = {key: s for s in subjects if (key := _canonical(s))}
        if not watched or not self.programs or first > last:
            return []
        try:
            listed = await self._all(self._signatures(rpc, key, first, last) for key in watched)
            slot_of: dict[str, int] = {}
            order: dict[str, tuple[int, int, int]] = {}
            for rank, sigs in enumerate(listed):
                for place, (slot, sig) in enumerate(sigs):
                    slot_of[sig] = slot
                    order.setdefault(sig, (slot, rank, place))
            wanted = sorted(slot_of, key=lambda s: order[s])
            txs = await self._all(self._transaction(rpc, sig) for sig in wanted)
            return [CreditEvent(subject=watched[wallet], kind=kind, protocol=protocol, height=slot_of[sig], tx_hash=sig)
                    for sig, tx in zip(wanted, txs)
                    for wallet, kind, protocol in lending_calls(tx, self.programs, watched)]
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001 - any transport failure or malformed answer: the caller asks again
            raise RetryLater(f"{self.chain}: RPC failed reading lending events: {type(e).__name__}: {e}") from None

    async def _signatures(self, rpc: SolanaRpc, subject: str, first: int, last: int) -> list[tuple[int, str]]:
        """(slot, signature) of the successful transactions naming `subject` in slots [first, last], oldest
        first."""
        found: list[tuple[int, str]] = []
        before: str | None = None
        while True:
            config: dict[str, Any] = {"limit": PAGE, "commitment": "confirmed"}
            if before is not None:
                config["before"] = before
            page = await self._call(rpc, "getSignaturesForAddress", [subject, config])
            for item in page:
                slot = int(item["slot"])
                if slot < first:
                    return found[::-1]
                if slot <= last and item.get("err") is None:
                    found.append((slot, str(item["signature"])))
            if len(page) < PAGE:
                return found[::-1]
            before = str(page[-1]["signature"])

    async def _transaction(self, rpc: SolanaRpc, signature: str) -> dict[str, Any]:
        tx = await self._call(rpc, "getTransaction", [signature, {
            "encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}])
        if tx is None:
            raise RetryLater(f"{self.chain}: transaction {signature} is not readable yet")
        return dict(tx)

    async def _call(self, rpc: SolanaRpc, method: str, params: list[Any]) -> Any:
        """The `result` of one call; an error answer raises RetryLater naming it."""
        async with self._slots:
            answer = await rpc.call(method, params)
        if "error" in answer:
            error = answer["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise RetryLater(f"{self.chain}: RPC failed reading lending events: {method}: {message}")
        return answer.get("result")

    @staticmethod
    async def _all(coros: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
        """Every result, in order; the first failure cancels the rest and is raised."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


def _canonical(subject: str) -> str:
    """`subject` as the RPC writes a public key; "" when it is none."""
    from solders.pubkey import Pubkey  # noqa: PLC0415 - the config imports this module's table without solders

    try:
        return str(Pubkey.from_string(subject))
    except ValueError:
        return ""


__all__ = ["BORROW", "MAINNET_PROGRAMS", "PROTOCOLS", "REPAY", "Call", "CreditReader", "LendingInstruction",
           "calls", "lending_calls"]
