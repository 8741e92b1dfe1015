"""Sui lending events (chains/sui/credit_events.py): each protocol's events recognised from contents shaped as Sui's
GraphQL service returns them, the wallets that are not watched, look-alike types and malformed contents skipped,
paging and its bounds over a scripted service, and the config's `lending_events` refusals."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from chains.base import CreditEvent
from chains.core.errors import ConfigError, RetryLater
from chains.sui import credit_events as ce
from chains.sui.config import SuiChain
from chains.sui.credit_events import MAINNET_LENDING_EVENTS, CreditReader, decode, watched_wallets
from node.config import parse_config

WALLET = "0x" + "a1" * 32
OTHER = "0x" + "b2" * 32
OBLIGATION = "0x" + "c3" * 32
NAVI = "0xd899cf7d2b5db716bd2cf55599fb0d5ee38a3061e7b6bb6eebf73fa5bc4c81ca"
NAVI_V18 = "0xc6374c7da60746002bfee93014aeb607e023b2d6b25c9e55a152b826dbc8c1ce"
SCALLOP = "0xefe8b36d5b2e43728cc323298626b83177803521d195cfb11e15b910e892fddf"
SCALLOP_V2 = "0xc38f849e81cfe46d4e4320f508ea7dda42934a329d5a6571bb4c3cb6ea63f5da"
SCALLOP_V3 = "0x6e641f0dca8aedab3101d047e96439178f16301bf0b57fe8745086ff1195eb3e"
SUI = {"name": "0000000000000000000000000000000000000000000000000000000000000002::sui::SUI"}
USDC = {"name": "dba34672e30cb065b1f93e3ab55318768fd6fef66c15942c9f7cb846e2f900e7::usdc::USDC"}

# Each default event type, its contents as the service renders the Move struct (u8 a number; u64 and u256 decimal
# strings; address and ID 0x + 64 hex; TypeName {"name": ...}) for WALLET, and what it means.
SAMPLES: dict[str, tuple[dict[str, Any], str, str]] = {
    f"{NAVI}::lending::BorrowEvent": ({"reserve": 1, "sender": WALLET, "amount": "5000000"}, "borrow", "navi"),
    f"{NAVI}::lending::RepayEvent": ({"reserve": 1, "sender": WALLET, "amount": "5000000"}, "repay", "navi"),
    f"{NAVI}::lending::LiquidationCallEvent": (
        {"reserve": 0, "sender": OTHER, "liquidate_user": WALLET, "liquidate_amount": "7"}, "liquidation", "navi"),
    f"{NAVI_V18}::lending::LiquidationEvent": (
        {"sender": OTHER, "user": WALLET, "collateral_asset": 0, "collateral_price": "3500000000000000000",
         "collateral_amount": "1000", "treasury": "10", "debt_asset": 1, "debt_price": "1000000000000000000",
         "debt_amount": "900"}, "liquidation", "navi"),
    f"{SCALLOP}::borrow::BorrowEvent": (
        {"borrower": WALLET, "obligation": OBLIGATION, "asset": USDC, "amount": "10", "time": "1700000000"},
        "borrow", "scallop"),
    f"{SCALLOP_V2}::borrow::BorrowEventV2": (
        {"borrower": WALLET, "obligation": OBLIGATION, "asset": USDC, "amount": "10", "borrow_fee": "0",
         "time": "1700000000"}, "borrow", "scallop"),
    f"{SCALLOP_V3}::borrow::BorrowEventV3": (
        {"borrower": WALLET, "obligation": OBLIGATION, "asset": SUI, "amount": "10", "borrow_fee": "0",
         "borrow_fee_discount": "0", "borrow_referral_fee": "0", "time": "1700000000"}, "borrow", "scallop"),
    f"{SCALLOP}::repay::RepayEvent": (
        {"repayer": WALLET, "obligation": OBLIGATION, "asset": SUI, "amount": "10", "time": "1700000000"},
        "repay", "scallop"),
}


def node(event_type: str, json_: Any, checkpoint: int = 101, digest: str | None = "Dig1") -> dict[str, Any]:
    return {"contents": {"type": {"repr": event_type}, "json": json_},
            "transaction": {"digest": digest, "effects": {"checkpoint": {"sequenceNumber": checkpoint}}}}


def test_the_defaults_are_the_researched_mainnet_types() -> None:
    assert set(MAINNET_LENDING_EVENTS) == set(SAMPLES)
    assert {t: p for t, (_, _, p) in SAMPLES.items()} == MAINNET_LENDING_EVENTS


@pytest.mark.parametrize("event_type", list(SAMPLES))
def test_each_protocols_borrow_repay_and_liquidation_is_recognised(event_type: str) -> None:
    contents, kind, protocol = SAMPLES[event_type]
    watched = watched_wallets([WALLET])
    event = decode("sui", node(event_type, contents, 105, "Dig5"), event_type, protocol, watched, 105)
    assert event == CreditEvent(subject=WALLET, kind=kind, protocol=protocol, height=105, tx_hash="Dig5")


def test_a_wallet_is_matched_by_its_address_and_returned_as_watched() -> None:
    written = "0x" + WALLET[2:].upper()
    event_type = f"{NAVI}::lending::BorrowEvent"
    short = {"reserve": 0, "sender": "0x" + "00" * 31 + "05", "amount": "1"}
    watched = watched_wallets([written, "0x5", "not an address", "0x" + "1" * 65])
    assert watched == {WALLET: written, "0x" + "0" * 63 + "5": "0x5"}
    assert decode("sui", node(event_type, SAMPLES[event_type][0]), event_type, "navi", watched, 101) == CreditEvent(
        subject=written, kind="borrow", protocol="navi", height=101, tx_hash="Dig1")
    assert decode("sui", node(event_type, short), event_type, "navi", watched, 101) == CreditEvent(
        subject="0x5", kind="borrow", protocol="navi", height=101, tx_hash="Dig1")


def test_an_unwatched_wallets_event_is_ignored() -> None:
    event_type = f"{NAVI}::lending::LiquidationCallEvent"
    contents = SAMPLES[event_type][0]  # OTHER liquidated WALLET: OTHER's own event it is not
    assert decode("sui", node(event_type, contents), event_type, "navi", watched_wallets([OTHER]), 101) is None


def test_a_look_alike_type_of_another_package_is_ignored() -> None:
    event_type = f"{SCALLOP_V3}::borrow::BorrowEventV3"
    look_alike = "0x" + "ee" * 32 + "::borrow::BorrowEventV3"
    contents = SAMPLES[event_type][0]
    assert decode("sui", node(look_alike, contents), event_type, "scallop", watched_wallets([WALLET]), 101) is None


@pytest.mark.parametrize(("contents", "digest", "error"), [
    (None, "Dig1", "None is not a 0x-prefixed hex Sui address of at most 32 bytes"),
    ({"reserve": 0, "amount": "1"}, "Dig1", "None is not a 0x-prefixed hex Sui address of at most 32 bytes"),
    ({"reserve": 0, "sender": 7, "amount": "1"}, "Dig1", "7 is not a 0x-prefixed hex Sui address of at most 32 bytes"),
    ({"reserve": 0, "sender": "a1" * 32, "amount": "1"}, "Dig1",
     f"'{'a1' * 32}' is not a 0x-prefixed hex Sui address of at most 32 bytes"),
    ({"reserve": 0, "sender": WALLET, "amount": "1"}, None, "no transaction digest"),
])
def test_malformed_contents_are_skipped(contents: Any, digest: str | None, error: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    event_type = f"{NAVI}::lending::BorrowEvent"
    with caplog.at_level(logging.WARNING, logger="aura.sui"):
        event = decode("sui", node(event_type, contents, digest=digest), event_type, "navi",
                       watched_wallets([WALLET]), 101)
    assert event is None
    assert [(r.getMessage(), r.__dict__["f"]["error"]) for r in caplog.records] == [
        ("skipping a malformed lending event", error)]


class Service:
    """A scripted GraphQL service: `pages[(type, cursor)]` is (nodes, next cursor or None); `indexed` its latest
    checkpoint. Records every call."""

    def __init__(self, pages: dict[tuple[str, str | None], tuple[list[dict[str, Any]], str | None]],
                 indexed: int = 200, answer: Any = None) -> None:
        self.pages, self.indexed, self.answer = pages, indexed, answer
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def run(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        values = dict(variables or {})
        self.calls.append((operation, values))
        if self.answer is not None:
            return self.answer() if callable(self.answer) else self.answer  # type: ignore[no-any-return]
        nodes, more = self.pages.get((values["type"], values["cursor"]), ([], None))
        return {"checkpoint": {"sequenceNumber": self.indexed},
                "events": {"pageInfo": {"hasNextPage": more is not None, "endCursor": more}, "nodes": nodes}}


BORROW = f"{SCALLOP_V3}::borrow::BorrowEventV3"
REPAY = f"{NAVI}::lending::RepayEvent"
EVENTS = {BORROW: "scallop", REPAY: "navi"}


def borrow(checkpoint: int, digest: str, wallet: str = WALLET) -> dict[str, Any]:
    return node(BORROW, {**SAMPLES[BORROW][0], "borrower": wallet}, checkpoint, digest)


def repay(checkpoint: int, digest: str, wallet: str = WALLET) -> dict[str, Any]:
    return node(REPAY, {**SAMPLES[REPAY][0], "sender": wallet}, checkpoint, digest)


def ev(kind: str, protocol: str, height: int, digest: str) -> CreditEvent:
    return CreditEvent(subject=WALLET, kind=kind, protocol=protocol, height=height, tx_hash=digest)


async def test_every_type_is_read_page_by_page_and_returned_oldest_first() -> None:
    service = Service({(BORROW, None): ([borrow(101, "B1"), borrow(104, "B2", OTHER)], "c1"),
                       (BORROW, "c1"): ([borrow(107, "B3")], None),
                       (REPAY, None): ([repay(103, "R1"), repay(107, "R2")], None)})
    reader = CreditReader("sui", service, EVENTS)  # type: ignore[arg-type]
    items, reached = await reader.read([WALLET], 100, 150)
    assert items == [ev("borrow", "scallop", 101, "B1"), ev("repay", "navi", 103, "R1"),
                     ev("borrow", "scallop", 107, "B3"), ev("repay", "navi", 107, "R2")]
    assert reached == 150
    assert service.calls == [
        ("AuraEvents", {"type": BORROW, "afterCheckpoint": 100, "beforeCheckpoint": 151, "first": 50,
                        "cursor": None}),
        ("AuraEvents", {"type": BORROW, "afterCheckpoint": 100, "beforeCheckpoint": 151, "first": 50,
                        "cursor": "c1"}),
        ("AuraEvents", {"type": REPAY, "afterCheckpoint": 100, "beforeCheckpoint": 151, "first": 50,
                        "cursor": None}),
    ]


async def test_a_read_stops_at_the_services_index() -> None:
    service = Service({(BORROW, None): ([borrow(101, "B1"), borrow(130, "B2")], None),
                       (REPAY, None): ([repay(120, "R1")], None)}, indexed=125)
    items, reached = await CreditReader("sui", service, EVENTS).read([WALLET], 100, 150)  # type: ignore[arg-type]
    assert (items, reached) == ([ev("borrow", "scallop", 101, "B1"), ev("repay", "navi", 120, "R1")], 125)


async def test_a_long_read_stops_at_a_checkpoint_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """After EVENT_PAGES pages the type's checkpoint in hand is finished, then the read stops there; the other types'
    later events wait for the next call."""
    monkeypatch.setattr(ce, "EVENT_PAGES", 2)
    service = Service({(BORROW, None): ([borrow(101, "B1")], "c1"),
                       (BORROW, "c1"): ([borrow(105, "B2")], "c2"),
                       (BORROW, "c2"): ([borrow(105, "B3"), borrow(109, "B4")], "c3"),
                       (REPAY, None): ([repay(104, "R1"), repay(106, "R2")], None)})
    items, reached = await CreditReader("sui", service, EVENTS).read([WALLET], 100, 150)  # type: ignore[arg-type]
    assert reached == 105
    assert items == [ev("borrow", "scallop", 101, "B1"), ev("repay", "navi", 104, "R1"),
                     ev("borrow", "scallop", 105, "B2"), ev("borrow", "scallop", 105, "B3")]
    assert [v["cursor"] for _, v in service.calls if v["type"] == BORROW] == [None, "c1", "c2"]


async def test_nothing_is_asked_for_nobody_or_an_empty_window() -> None:
    service = Service({})
    reader = CreditReader("sui", service, EVENTS)  # type: ignore[arg-type]
    assert await reader.read(["not an address"], 100, 150) == ([], 150)
    assert await reader.read([WALLET], 150, 150) == ([], 150)
    assert service.calls == []


@pytest.mark.parametrize(("answer", "message"), [
    ({"checkpoint": {"sequenceNumber": 200}, "events": None},
     f"sui: the GraphQL service returned no events connection for {BORROW}"),
    ({"checkpoint": {"sequenceNumber": 200}, "events": {"pageInfo": {"hasNextPage": True, "endCursor": None},
                                                        "nodes": []}},
     f"sui: the events page of {BORROW} has more but no end cursor"),
    ({"checkpoint": {"sequenceNumber": 200}, "events": {"pageInfo": {"hasNextPage": False}, "nodes": [
        {"contents": None, "transaction": {"digest": "D9", "effects": {"checkpoint": None}}}]}},
     "sui: an event of D9 has no checkpoint"),
    ({"checkpoint": {"sequenceNumber": "2e2"}, "events": {"nodes": []}},
     "the GraphQL service returned '2e2' for checkpoint.sequenceNumber"),
    ({"checkpoint": {"sequenceNumber": 200}, "events": {"pageInfo": "?", "nodes": []}},
     "sui: GraphQL failed reading lending events: AttributeError: 'str' object has no attribute 'get'"),
])
async def test_answers_out_of_schema_retry_later(answer: dict[str, Any], message: str) -> None:
    reader = CreditReader("sui", Service({}, answer=answer), EVENTS)  # type: ignore[arg-type]
    with pytest.raises(RetryLater) as failed:
        await reader.read([WALLET], 100, 150)
    assert str(failed.value) == message


BASE = """
[enclave]
passphrase_file = "secrets/enclave.pass"

[[chains]]
family = "sui"
name = "sui-local"
graphql_url = "http://127.0.0.1:9125/graphql"
package_id = "0x{ab}"
oracle = "0x{cd}"
transmitter_key = "keys/sui.key"
""".replace("{ab}", "ab" * 32).replace("{cd}", "0c" * 32)


def sui(text: str) -> SuiChain:
    chain = parse_config(text).chains[0]
    assert isinstance(chain, SuiChain)
    return chain


def test_lending_events_default_to_the_mainnet_types_and_empty_turns_them_off() -> None:
    assert sui(BASE).lending_events == MAINNET_LENDING_EVENTS
    assert sui(BASE + "lending_events = {}\n").lending_events == {}
    assert sui(BASE + f'lending_events = {{ "{BORROW}" = "scallop" }}\n').lending_events == {BORROW: "scallop"}


def test_lending_events_refusals_name_each_entry() -> None:
    bad = (BASE + "lending_events = { "
           f'"0x2::borrow::BorrowEvent" = "scallop", "{NAVI}::lending::BorrowEvent" = "aave", '
           f'"{SCALLOP}::liquidate::LiquidateEvent" = "scallop", "{SCALLOP.upper()[2:]}::repay::RepayEvent" = "scallop"'
           " }\n")
    with pytest.raises(ConfigError) as e:
        parse_config(bad, "aura.toml")
    assert str(e.value).splitlines() == [
        "1 problem(s) in aura.toml:",
        "  aura.toml:12: chains[0].lending_events: Value error, '0x2::borrow::BorrowEvent' is not an event type (0x, "
        f"64 lower-case hex digits, ::module::Name); {NAVI}::lending::BorrowEvent: unknown lending protocol 'aave' "
        f"(known: navi, scallop); {SCALLOP}::liquidate::LiquidateEvent: scallop has no event liquidate::LiquidateEvent "
        "that names a wallet (known: borrow::BorrowEvent, borrow::BorrowEventV2, borrow::BorrowEventV3, "
        f"repay::RepayEvent); '{SCALLOP.upper()[2:]}::repay::RepayEvent' is not an event type (0x, 64 lower-case hex "
        "digits, ::module::Name)",
    ]
