"""The Solana lending-event reader (chains/solana/credit_events.py): each protocol's borrow and repayment found in
transactions whose instructions are built here from the protocol's published layout (the instruction data and the
account order of Kamino Lend's IDL, Solend's `LendingInstruction`, MarginFi v2's IDL), and what is not an event;
the reader's paging and failures over a fake RPC; the adapter's cursor; the `lending_programs` option."""

from __future__ import annotations

import hashlib
import re
import struct
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from solders.keypair import Keypair

from chains.base import CreditEvent, CreditEvents, Height
from chains.core.base58 import b58encode
from chains.core.errors import NotSupported, RetryLater
from chains.solana import credit_events
from chains.solana.adapter import SolanaAdapter
from chains.solana.config import SolanaChain
from chains.solana.credit_events import MAINNET_PROGRAMS, CreditReader, lending_calls

KLEND = "KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD"
SOLEND = "So1endDq2YkqhipRh3WViPa8hdiSpxWy6z3Z6tMCpAo"
MARGINFI = "MFv2hWf31Z9kbCa1snEPYctwafyhdvnV7FZnsebVacA"
ROUTER = str(Keypair().pubkey())  # some program that calls a lending program
WALLET = str(Keypair().pubkey())
OTHER = str(Keypair().pubkey())
AMOUNT = struct.pack("<Q", 2_500_000)
ROOT = Path(__file__).resolve().parents[3]


def key() -> str:
    return str(Keypair().pubkey())


def keys(n: int) -> list[str]:
    return [key() for _ in range(n)]


def anchor_data(name: str, args: bytes = AMOUNT) -> bytes:
    return hashlib.sha256(f"global:{name}".encode()).digest()[:8] + args


def with_owner(count: int, position: int, owner: str = WALLET) -> list[str]:
    """`count` accounts with `owner` at `position`, the others fresh keys."""
    accounts = keys(count)
    accounts[position] = owner
    return accounts


@dataclass
class Ix:
    program: str
    accounts: list[str]
    data: bytes


# (protocol, program, instruction as its layout builds it, kind)
LAYOUTS = [
    # Kamino Lend IDL: `owner` (signer) first; `liquidity_amount: u64`.
    ("kamino-lend", Ix(KLEND, with_owner(12, 0), anchor_data("borrow_obligation_liquidity")), "borrow"),
    ("kamino-lend", Ix(KLEND, with_owner(15, 0), anchor_data("borrow_obligation_liquidity_v2")), "borrow"),
    ("kamino-lend", Ix(KLEND, with_owner(9, 0), anchor_data("repay_obligation_liquidity")), "repay"),
    ("kamino-lend", Ix(KLEND, with_owner(13, 0), anchor_data("repay_obligation_liquidity_v2")), "repay"),
    ("kamino-lend", Ix(KLEND, with_owner(30, 0), anchor_data("repay_and_withdraw_and_redeem", AMOUNT + AMOUNT)),
     "repay"),
    # Solend `LendingInstruction`: tag 10, account 7 the obligation owner; tag 11, account 5 the transfer authority.
    ("solend", Ix(SOLEND, with_owner(10, 7), bytes([10]) + AMOUNT), "borrow"),
    ("solend", Ix(SOLEND, with_owner(8, 5), bytes([11]) + AMOUNT), "repay"),
    # MarginFi v2 IDL: group, marginfi_account, authority (signer), bank, ...; repay's `repay_all: Option<bool>`.
    ("marginfi-v2", Ix(MARGINFI, with_owner(8, 2), anchor_data("lending_account_borrow")), "borrow"),
    ("marginfi-v2", Ix(MARGINFI, with_owner(7, 2), anchor_data("lending_account_repay", AMOUNT + b"\x00")), "repay"),
    ("marginfi-v2", Ix(MARGINFI, with_owner(7, 2), anchor_data("lending_account_repay", AMOUNT + b"\x01\x01")),
     "repay"),
]


def transaction(top: Sequence[Ix], inner: dict[int, list[Ix]] | None = None, err: Any = None,
                loaded: Sequence[str] = ()) -> dict[str, Any]:
    """A getTransaction answer (`json` encoding) holding `top` and, under each top-level index, `inner`; the keys
    in `loaded` come from an address lookup table (writable)."""
    inner = inner or {}
    every = [ix for ix in top] + [ix for group in inner.values() for ix in group]
    static: list[str] = [WALLET]  # the fee payer
    for ix in every:
        for k in (ix.program, *ix.accounts):
            if k not in static and k not in loaded:
                static.append(k)
    index = static + list(loaded)

    def compiled(ix: Ix) -> dict[str, Any]:
        return {"programIdIndex": index.index(ix.program), "accounts": [index.index(a) for a in ix.accounts],
                "data": b58encode(ix.data), "stackHeight": None}

    return {"slot": 1, "blockTime": None, "transaction": {
        "signatures": ["sig"], "message": {"accountKeys": static, "instructions": [compiled(ix) for ix in top],
                                           "recentBlockhash": key()}},
        "meta": {"err": err, "loadedAddresses": {"writable": list(loaded), "readonly": []},
                 "innerInstructions": [{"index": i, "instructions": [compiled(ix) for ix in group]}
                                       for i, group in inner.items()]}}


# ------------------------------------------------------------------------------------------------- the decoder

@pytest.mark.parametrize(("protocol", "ix", "kind"), LAYOUTS)
def test_each_protocols_borrow_and_repayment_is_found(protocol: str, ix: Ix, kind: str) -> None:
    tx = transaction([Ix(ROUTER, [], b"")] + [ix])
    assert lending_calls(tx, MAINNET_PROGRAMS, {WALLET}) == [(WALLET, kind, protocol)]


@pytest.mark.parametrize(("protocol", "ix", "kind"), LAYOUTS)
def test_a_call_through_another_program_is_found(protocol: str, ix: Ix, kind: str) -> None:
    """An inner instruction: a router's top-level instruction calls the lending program."""
    tx = transaction([Ix(ROUTER, [WALLET], b"\x07")], inner={0: [Ix(ROUTER, [], b""), ix]})
    assert lending_calls(tx, MAINNET_PROGRAMS, {WALLET}) == [(WALLET, kind, protocol)]


def test_events_come_in_the_order_the_instructions_ran() -> None:
    borrow, repay, solend = LAYOUTS[1][1], LAYOUTS[3][1], LAYOUTS[5][1]
    tx = transaction([repay, Ix(ROUTER, [], b"")], inner={1: [solend], 0: [borrow]})
    assert lending_calls(tx, MAINNET_PROGRAMS, {WALLET}) == [
        (WALLET, "repay", "kamino-lend"), (WALLET, "borrow", "kamino-lend"), (WALLET, "borrow", "solend")]


def test_an_owner_from_an_address_lookup_table_is_found() -> None:
    ix = Ix(KLEND, with_owner(15, 0, OTHER), anchor_data("borrow_obligation_liquidity_v2"))
    tx = transaction([ix], loaded=[OTHER])
    assert OTHER not in tx["transaction"]["message"]["accountKeys"]
    assert lending_calls(tx, MAINNET_PROGRAMS, {OTHER}) == [(OTHER, "borrow", "kamino-lend")]


@pytest.mark.parametrize(("protocol", "ix", "kind"), LAYOUTS)
def test_another_programs_look_alike_counts_for_nothing(protocol: str, ix: Ix, kind: str) -> None:
    look_alike = Ix(key(), ix.accounts, ix.data)
    assert lending_calls(transaction([look_alike]), MAINNET_PROGRAMS, {WALLET}) == []
    unconfigured = {p: name for p, name in MAINNET_PROGRAMS.items() if name != protocol}
    assert lending_calls(transaction([ix]), unconfigured, {WALLET}) == []


@pytest.mark.parametrize(("protocol", "ix", "kind"), LAYOUTS)
def test_a_failed_transaction_counts_for_nothing(protocol: str, ix: Ix, kind: str) -> None:
    failed = transaction([ix], err={"InstructionError": [0, {"Custom": 6016}]})
    assert lending_calls(failed, MAINNET_PROGRAMS, {WALLET}) == []


@pytest.mark.parametrize(("protocol", "ix", "kind"), LAYOUTS)
def test_the_wallet_in_another_account_position_counts_for_nothing(protocol: str, ix: Ix, kind: str) -> None:
    """The watched wallet as every other account of the instruction (the obligation, the bank, a token
    account...), the owner's place held by someone else."""
    owner = next(i for i, a in enumerate(ix.accounts) if a == WALLET)
    for position in range(len(ix.accounts)):
        if position != owner:
            accounts = with_owner(len(ix.accounts), position)
            assert lending_calls(transaction([Ix(ix.program, accounts, ix.data)]), MAINNET_PROGRAMS, {WALLET}) == []


def test_other_instructions_and_short_data_count_for_nothing() -> None:
    owner_first = with_owner(14, 0)
    others = [
        Ix(KLEND, owner_first, anchor_data("deposit_reserve_liquidity_and_obligation_collateral")),
        Ix(KLEND, owner_first, anchor_data("borrow_obligation_liquidity_v2", b"")),  # no amount
        Ix(KLEND, owner_first[:0], anchor_data("repay_obligation_liquidity")),  # no owner account at all
        Ix(SOLEND, with_owner(10, 7), bytes([12]) + AMOUNT),  # LiquidateObligation
        Ix(SOLEND, with_owner(10, 7), bytes([10]) + AMOUNT[:7]),
        Ix(MARGINFI, with_owner(8, 2), anchor_data("lending_account_deposit")),
        Ix(MARGINFI, with_owner(7, 2), anchor_data("lending_account_repay", AMOUNT)),  # no repay_all
    ]
    assert lending_calls(transaction(others), MAINNET_PROGRAMS, {WALLET}) == []


# -------------------------------------------------------------------------------------------------- the reader

@dataclass
class FakeRpc:
    """getSignaturesForAddress (newest first, `before`, `limit`) and getTransaction over what a test gives; each
    call recorded."""

    signatures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    txs: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] | None = None

    async def call(self, method: str, params: Any = None) -> dict[str, Any]:
        self.calls.append((method, params))
        if self.answer is not None:
            return self.answer
        if method == "getSignaturesForAddress":
            address, config = params
            items = self.signatures.get(address, [])
            if "before" in config:
                items = items[[i["signature"] for i in items].index(config["before"]) + 1:]
            return {"jsonrpc": "2.0", "id": 1, "result": items[:config["limit"]]}
        assert method == "getTransaction"
        return {"jsonrpc": "2.0", "id": 1, "result": self.txs[params[0]]}

    def fetched(self) -> list[str]:
        return [params[0] for method, params in self.calls if method == "getTransaction"]


def listed(slot: int, signature: str, err: Any = None) -> dict[str, Any]:
    return {"signature": signature, "slot": slot, "err": err, "memo": None, "blockTime": None,
            "confirmationStatus": "finalized"}


BORROW = Ix(KLEND, with_owner(15, 0), anchor_data("borrow_obligation_liquidity_v2"))
REPAY = Ix(MARGINFI, with_owner(7, 2), anchor_data("lending_account_repay", AMOUNT + b"\x00"))


async def test_the_reader_pages_back_to_the_first_slot_and_skips_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Newest first, two a page: a transaction after `last` is left, a failed one is not fetched, the paging stops
    at the first one before `first`, and the events come oldest first."""
    monkeypatch.setattr(credit_events, "PAGE", 2)
    rpc = FakeRpc(signatures={WALLET: [listed(30, "late"), listed(25, "repay"), listed(22, "failed", {"err": 1}),
                                       listed(20, "borrow"), listed(12, "transfer"), listed(10, "old"),
                                       listed(9, "older")]},
                  txs={"late": transaction([BORROW]), "repay": transaction([REPAY]), "borrow": transaction([BORROW]),
                       "transfer": transaction([Ix(key(), [WALLET], b"\x02")]), "old": transaction([BORROW])})
    events = await CreditReader("sol", MAINNET_PROGRAMS).read(rpc, [WALLET], 11, 26)  # type: ignore[arg-type]
    assert events == [CreditEvent(WALLET, "borrow", "kamino-lend", 20, "borrow"),
                      CreditEvent(WALLET, "repay", "marginfi-v2", 25, "repay")]
    assert sorted(rpc.fetched()) == ["borrow", "repay", "transfer"]
    pages = [params[1].get("before") for method, params in rpc.calls if method == "getSignaturesForAddress"]
    assert pages == [None, "repay", "borrow"]
    assert all(params[1]["commitment"] == "confirmed" for _, params in rpc.calls)


async def test_a_transaction_of_two_watched_wallets_is_read_once() -> None:
    both = Ix(ROUTER, [], b"")
    tx = transaction([both], inner={0: [Ix(KLEND, with_owner(15, 0, OTHER), anchor_data(
        "borrow_obligation_liquidity_v2")), BORROW]})
    rpc = FakeRpc(signatures={WALLET: [listed(5, "shared")], OTHER: [listed(7, "alone"), listed(5, "shared")]},
                  txs={"shared": tx, "alone": transaction([Ix(REPAY.program, with_owner(7, 2, OTHER), REPAY.data)])})
    events = await CreditReader("sol", MAINNET_PROGRAMS).read(rpc, [WALLET, OTHER], 1, 9)  # type: ignore[arg-type]
    assert [(e.subject, e.kind, e.height, e.tx_hash) for e in events] == [
        (OTHER, "borrow", 5, "shared"), (WALLET, "borrow", 5, "shared"), (OTHER, "repay", 7, "alone")]
    assert rpc.fetched().count("shared") == 1 and "alone" in rpc.fetched()


async def test_nothing_is_asked_without_a_wallet_or_a_slot() -> None:
    rpc = FakeRpc()
    reader = CreditReader("sol", MAINNET_PROGRAMS)
    assert await reader.read(rpc, [], 1, 9) == []  # type: ignore[arg-type]
    assert await reader.read(rpc, ["not a key"], 1, 9) == []  # type: ignore[arg-type]
    assert await reader.read(rpc, [WALLET], 10, 9) == []  # type: ignore[arg-type]
    assert rpc.calls == []


@pytest.mark.parametrize(("rpc", "message"), [
    (FakeRpc(answer={"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "Invalid param: WrongSize"}}),
     "sol: RPC failed reading lending events: getSignaturesForAddress: Invalid param: WrongSize"),
    (FakeRpc(signatures={WALLET: [listed(5, "gone")]}, txs={"gone": None}),
     "sol: transaction gone is not readable yet"),
    (FakeRpc(signatures={WALLET: [{"signature": "odd"}]}),
     "sol: RPC failed reading lending events: KeyError: 'slot'"),
])  # fmt: skip
async def test_rpc_failures_wait(rpc: FakeRpc, message: str) -> None:
    with pytest.raises(RetryLater) as waits:
        await CreditReader("sol", MAINNET_PROGRAMS).read(rpc, [WALLET], 1, 9)  # type: ignore[arg-type]
    assert str(waits.value) == message


# ------------------------------------------------------------------------------------- the adapter and the config

def chain(**extra: Any) -> SolanaChain:
    return SolanaChain.model_validate({
        "family": "solana", "name": "sol", "chain_id": 101, "rpc_url": "http://127.0.0.1:8899", "program_id": key(), "oracle": key(),
        "transmitter_keypair": Path("unused.json"), **extra})


async def test_the_adapter_follows_the_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """No cursor reads nothing and starts at `until`; a cursor at or past `until` stays; else slots (cursor, until]
    are read and the cursor moves to `until`."""
    adapter = SolanaAdapter(chain(), Keypair())
    rpc = FakeRpc(signatures={WALLET: [listed(120, "late"), listed(100, "repay"), listed(90, "borrow")]},
                  txs={"late": transaction([BORROW]), "repay": transaction([REPAY]), "borrow": transaction([BORROW])})
    monkeypatch.setattr(adapter, "_rpc_provider", lambda: rpc)
    assert await adapter.credit_events([WALLET], None, Height(100, 0)) == CreditEvents([], "100", 100)
    assert await adapter.credit_events([WALLET], "100", Height(99, 0)) == CreditEvents([], "100", 100)
    assert rpc.calls == []
    found = await adapter.credit_events([WALLET], "90", Height(110, 0))
    assert found == CreditEvents([CreditEvent(WALLET, "repay", "marginfi-v2", 100, "repay")], "110", 110)


async def test_an_empty_table_reads_no_lending_events() -> None:
    adapter = SolanaAdapter(chain(lending_programs={}), Keypair())
    with pytest.raises(NotSupported) as refused:
        await adapter.credit_events([WALLET], None, Height(100, 0))
    assert str(refused.value) == "family 'solana' does not support lending events with an empty lending_programs table"


def test_the_default_table_is_each_protocols_mainnet_program() -> None:
    assert chain().lending_programs == {KLEND: "kamino-lend", SOLEND: "solend", MARGINFI: "marginfi-v2"}
    mine = {KLEND: "solend"}  # another deployment may be named for any protocol
    assert chain(lending_programs=mine).lending_programs == mine


def test_a_bad_table_is_refused_with_every_problem() -> None:
    with pytest.raises(ValidationError) as refused:
        chain(lending_programs={"0OIl": "kamino-lend", "z" * 44: "solend", KLEND: "aave-v3", SOLEND: "solend"})
    assert [(e["loc"], e["msg"]) for e in refused.value.errors()] == [(("lending_programs",), (
        "Value error, '0OIl' is not a base58 Solana public key (32 bytes); "
        f"'{'z' * 44}' is not a base58 Solana public key (32 bytes); "
        f"{KLEND}: unknown protocol 'aave-v3' (one of kamino-lend, marginfi-v2, solend)"))]


def test_the_guides_table_is_the_default() -> None:
    """docs/solana.md "Lending events" shows the default table as a config section that loads."""
    guide = (ROOT / "docs" / "solana.md").read_text().split("## Lending events\n", 1)[1].split("\n## ", 1)[0]
    (snippet,) = re.findall(r"```toml\n(.*?)```", guide, flags=re.S)
    section = tomllib.loads(snippet)["chains"][0]
    assert chain(**{k: v for k, v in section.items() if k != "family"}).lending_programs == MAINNET_PROGRAMS
