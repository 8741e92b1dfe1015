"""Believable, distinct wallet histories on a local anvil chain, made of real calls to the devnet protocols.

anvil starts with its genesis years in the past. Each persona is funded with ETH on its 'birthday' and then,
over its life, receives and sends tokens, supplies, borrows and repays on the Aave-shaped pool, uses the
Comet-shaped market and swaps on the V2 pairs and the V3 pool (node/workshop/devnet/protocols.py). Every step is a
signed transaction mined in its own block at a chosen timestamp (evm_setNextBlockTimestamp), all personas'
steps merged in time order; the chain clock is brought back to now at the end. The logs these transactions
leave are exactly what the node's indexer reads, so each persona's features come from real indexed activity.

Besides the personas a few shared accounts act: the deployer (mints, keeps the lending prices, funds wallets
with ETH), an exchange hot wallet that pays tokens out to users, and a liquidation keeper. Each persona's
counterparties have their own keys, derived from the persona's label.

| persona           | age  | what it does                                                                        |
|-------------------|------|-------------------------------------------------------------------------------------|
| veteran           | ~3 y | monthly payments to 12 people, every protocol, 8 pool loans and a Comet loan repaid |
| careful borrower  | 2 y  | salary in, rent out, 5 dUSD pool loans each repaid in full within weeks, 4 swaps    |
| idle holder       | 2 y  | large ETH balance, one token received and one transfer sent, long ago               |
| liquidated trader | 1 y  | leverage loops, 47 swaps, 2 pool liquidations and a Comet absorb, debt left open    |
| airdrop farmer    | 10 d | 30 small transfers of 5 tokens from 24 addresses, dumped through V2 swaps           |
| fresh wallet      | 1 h  | funded with ETH, nothing else                                                       |
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_utils import keccak
from web3 import Web3

from chains.core.errors import AuraError
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.workshop.devnet.protocols import (
    AIRDROP_TOKENS,
    MAX_UINT,
    STABLECOIN,
    Protocols,
    Transactor,
    automine,
    pair_name,
    price_e8,
    rpc,
    units,
)

DAY = 86_400
HOUR = 3_600
FUNDER_KEY = DEFAULT_KEYS[0]  # the devnet deployer: owns the protocol contracts
ETH = 10**18
ALL = "all"  # repay / withdraw the whole balance (type(uint256).max)
Amount = int | str | Decimal


@dataclass(frozen=True)
class Actor:
    name: str
    key: str

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)


def derived_actor(label: str) -> Actor:
    return Actor(label, "0x" + keccak(text=label).hex())


OWNER = Actor("deployer", FUNDER_KEY)
EXCHANGE = derived_actor("aura devnet: exchange hot wallet")
KEEPER = derived_actor("aura devnet: liquidation keeper")


def at(day: float, hour: float = 12) -> int:
    """Seconds after a persona's birth: `day` days and `hour` hours."""
    return int(day * DAY + hour * HOUR)


Build = Callable[[Transactor, Protocols], tuple[str, str, int]]  # -> (to, calldata, wei)


@dataclass(frozen=True)
class Step:
    at: int  # seconds after the persona's birth
    actor: Actor
    what: str
    build: Build


def _spender(p: Protocols, ref: str) -> str:
    if ref == "aave":
        return p.lending_pool
    if ref == "comet":
        return p.comet
    kind, name = ref.split(":", 1)
    return p.pairs_v2[name] if kind == "v2" else p.pools_v3[name]


def _encode(tx: Transactor, name: str, address: str, fn: str, *args: Any) -> tuple[str, str, int]:
    return address, tx.contract(name, address).encode_abi(fn, list(args)), 0


def _raw(symbol: str, amount: Amount) -> int:
    return MAX_UINT if amount == ALL else units(symbol, amount)


class Plan:
    """One persona's history as a list of steps; each method adds one transaction (and the ERC-20 approval
    it needs, once per token and spender, a minute before it)."""

    def __init__(self, persona: Persona) -> None:
        self.label = persona.label
        self.me = Actor(persona.label, persona.key)
        self.steps: list[Step] = []
        self._approved: set[tuple[str, str, str]] = set()

    def peer(self, name: str) -> Actor:
        return Actor(f"{self.label}: {name}", "0x" + keccak(text=f"{self.label} counterparty {name}").hex())

    def _add(self, when: int, actor: Actor, what: str, build: Build) -> None:
        self.steps.append(Step(when, actor, what, build))

    def _allow(self, when: int, actor: Actor, symbol: str, spender: str) -> None:
        if (actor.key, symbol, spender) in self._approved:
            return
        self._approved.add((actor.key, symbol, spender))
        self._add(when - 60, actor, f"approve {symbol} for {spender}", lambda tx, p: _encode(
            tx, "DevToken", p.token(symbol), "approve", _spender(p, spender), MAX_UINT))

    # ---- ETH and tokens
    def eth(self, when: int, src: Actor, dst: Actor, wei: int) -> None:
        self._add(when, src, f"send {wei} wei to {dst.name}", lambda tx, p: (dst.address, "", wei))

    def send(self, when: int, src: Actor, dst: Actor, symbol: str, amount: Amount) -> None:
        self._add(when, src, f"send {amount} {symbol} to {dst.name}", lambda tx, p: _encode(
            tx, "DevToken", p.token(symbol), "transfer", dst.address, units(symbol, amount)))

    def mint(self, when: int, dst: Actor, symbol: str, amount: Amount) -> None:
        self._add(when, OWNER, f"mint {amount} {symbol} to {dst.name}", lambda tx, p: _encode(
            tx, "DevToken", p.token(symbol), "mint", dst.address, units(symbol, amount)))

    def fund(self, when: int, who: Actor, wei: int = ETH // 2, **tokens: Amount) -> None:
        """ETH from the deployer and tokens from the exchange, for a counterparty that will send."""
        self.eth(when, OWNER, who, wei)
        for i, (symbol, amount) in enumerate(tokens.items()):
            self.send(when + 60 * (i + 1), EXCHANGE, who, symbol, amount)

    # ---- the Aave-shaped pool
    def aave_supply(self, when: int, who: Actor, symbol: str, amount: Amount) -> None:
        self._allow(when, who, symbol, "aave")
        self._add(when, who, f"supply {amount} {symbol} to the pool", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "supply", p.token(symbol), units(symbol, amount), who.address, 0))

    def aave_withdraw(self, when: int, who: Actor, symbol: str, amount: Amount) -> None:
        self._add(when, who, f"withdraw {amount} {symbol} from the pool", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "withdraw", p.token(symbol), _raw(symbol, amount), who.address))

    def aave_borrow(self, when: int, who: Actor, symbol: str, amount: Amount) -> None:
        self._add(when, who, f"borrow {amount} {symbol} from the pool", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "borrow", p.token(symbol), units(symbol, amount), 2, 0,
            who.address))

    def aave_repay(self, when: int, who: Actor, symbol: str, amount: Amount) -> None:
        self._allow(when, who, symbol, "aave")
        self._add(when, who, f"repay {amount} {symbol} to the pool", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "repay", p.token(symbol), _raw(symbol, amount), 2, who.address))

    def aave_liquidation(self, when: int, user: Actor, collateral: str, debt: str, usd_price: Amount,
                         cover: Amount) -> None:
        """The price keeper marks `collateral` down to `usd_price`, the keeper liquidates `user` for `cover`
        of `debt`, and the price goes back to its listing price."""
        self._add(when, OWNER, f"pool price of {collateral} to {usd_price}", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "setPrice", p.token(collateral), price_e8(collateral, usd_price)))
        self._allow(when + 60, KEEPER, debt, "aave")
        self._add(when + 60, KEEPER, f"liquidate {user.name}", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "liquidationCall", p.token(collateral), p.token(debt),
            user.address, units(debt, cover), False))
        self._add(when + 120, OWNER, f"pool price of {collateral} back", lambda tx, p: _encode(
            tx, "DevLendingPool", p.lending_pool, "setPrice", p.token(collateral), price_e8(collateral)))

    # ---- the Comet-shaped market
    def comet_supply(self, when: int, who: Actor, symbol: str, amount: Amount) -> None:
        self._allow(when, who, symbol, "comet")
        self._add(when, who, f"supply {amount} {symbol} to Comet", lambda tx, p: _encode(
            tx, "DevComet", p.comet, "supply", p.token(symbol), _raw(symbol, amount)))

    def comet_withdraw(self, when: int, who: Actor, symbol: str, amount: Amount) -> None:
        self._add(when, who, f"withdraw {amount} {symbol} from Comet", lambda tx, p: _encode(
            tx, "DevComet", p.comet, "withdraw", p.token(symbol), _raw(symbol, amount)))

    def comet_absorb(self, when: int, user: Actor, collateral: str, usd_price: Amount) -> None:
        """The price keeper marks `collateral` down, the keeper absorbs `user`, the price goes back."""
        self._add(when, OWNER, f"Comet price of {collateral} to {usd_price}", lambda tx, p: _encode(
            tx, "DevComet", p.comet, "setPrice", p.token(collateral), price_e8(collateral, usd_price)))
        self._add(when + 60, KEEPER, f"absorb {user.name}", lambda tx, p: _encode(
            tx, "DevComet", p.comet, "absorb", KEEPER.address, [user.address]))
        self._add(when + 120, OWNER, f"Comet price of {collateral} back", lambda tx, p: _encode(
            tx, "DevComet", p.comet, "setPrice", p.token(collateral), price_e8(collateral)))

    # ---- swaps
    def swap_v2(self, when: int, who: Actor, pair: str, symbol_in: str, amount: Amount) -> None:
        self._allow(when, who, symbol_in, f"v2:{pair}")
        self._add(when, who, f"swap {amount} {symbol_in} on the {pair} pair", lambda tx, p: _encode(
            tx, "DevPairV2", p.pairs_v2[pair], "swapExactIn", p.token(symbol_in), units(symbol_in, amount), 0,
            who.address))

    def swap_v3(self, when: int, who: Actor, pool: str, symbol_in: str, amount: Amount) -> None:
        self._allow(when, who, symbol_in, f"v3:{pool}")

        def build(tx: Transactor, p: Protocols) -> tuple[str, str, int]:
            other = [s for s in pool.split("/") if s != symbol_in][0]
            zero_for_one = int(p.token(symbol_in), 16) < int(p.token(other), 16)
            return _encode(tx, "DevPoolV3", p.pools_v3[pool], "swap", who.address, zero_for_one,
                           units(symbol_in, amount), 0, b"")

        self._add(when, who, f"swap {amount} {symbol_in} on the {pool} V3 pool", build)


WETH_USD = pair_name("dWETH")
ZAP_USD = pair_name("dZAP")


def _veteran(p: Plan) -> None:
    me = p.me
    p.send(at(0, 9), EXCHANGE, me, "dWETH", 25)
    p.send(at(0, 10), EXCHANGE, me, STABLECOIN, 15_000)
    p.send(at(0, 11), EXCHANGE, me, "dWBTC", "0.6")
    p.send(at(0, 13), EXCHANGE, me, "dZAP", 20_000)
    p.aave_supply(at(3, 15), me, "dWETH", 12)
    p.aave_supply(at(5, 16), me, "dWBTC", "0.4")
    for start, symbol, amount, days in ((40, STABLECOIN, 4_000, 30), (160, STABLECOIN, 6_000, 45),
                                        (290, "dWETH", 2, 20), (400, STABLECOIN, 5_000, 25),
                                        (520, STABLECOIN, 8_000, 60), (650, "dWETH", "1.5", 30),
                                        (800, STABLECOIN, 7_000, 40), (950, STABLECOIN, 3_000, 21)):
        p.aave_borrow(at(start, 14), me, symbol, amount)
        p.aave_repay(at(start + days, 17), me, symbol, ALL)
    p.aave_withdraw(at(900, 10), me, "dWETH", 2)
    # a Comet loan against dWETH, repaid with supply(max), then dUSD parked to earn
    p.comet_supply(at(100, 11), me, "dWETH", 5)
    p.comet_withdraw(at(101, 11), me, STABLECOIN, 4_000)
    p.comet_supply(at(140, 11), me, STABLECOIN, ALL)
    p.comet_withdraw(at(141, 11), me, "dWETH", 5)
    p.comet_supply(at(600, 12), me, STABLECOIN, 3_000)
    p.comet_withdraw(at(820, 12), me, STABLECOIN, ALL)
    # swaps every couple of months across the V2 pair, the V3 pool and the dZAP pair
    for i in range(16):
        day = 30 + i * 63
        if i % 4 == 0:
            p.swap_v2(at(day, 19), me, WETH_USD, STABLECOIN, 600)
        elif i % 4 == 1:
            p.swap_v3(at(day, 19), me, WETH_USD, "dWETH", "0.2")
        elif i % 4 == 2:
            p.swap_v2(at(day, 19), me, ZAP_USD, "dZAP", 2_000)
        else:
            p.swap_v3(at(day, 19), me, WETH_USD, STABLECOIN, 500)
    # monthly payments to a dozen people; top-ups from the exchange; three friends who pay back
    people = [p.peer(f"friend {i}") for i in range(12)]
    for i in range(35):
        p.send(at(15 + 30 * i, 20), me, people[i % 12], STABLECOIN, 50 + 10 * (i % 7))
    for i in range(6):
        p.send(at(170 + 170 * i, 8), EXCHANGE, me, STABLECOIN, 3_000)
    for j, friend in enumerate(people[:3]):
        p.fund(at(200 + j, 8), friend, **{STABLECOIN: 1_000})
        p.send(at(230 + 200 * j, 21), friend, me, STABLECOIN, 120 + 40 * j)
    p.send(at(1045, 18), me, people[5], "dWETH", "0.1")


def _careful_borrower(p: Plan) -> None:
    me = p.me
    employer, landlord = p.peer("employer"), p.peer("landlord")
    friend, sister = p.peer("friend"), p.peer("sister")
    p.fund(at(0, 8), employer, **{STABLECOIN: 20_000})
    p.fund(at(0, 8.5), friend, **{STABLECOIN: 500})
    p.send(at(0, 10), EXCHANGE, me, "dWETH", 4)
    p.send(at(0, 10.5), EXCHANGE, me, STABLECOIN, 2_500)
    p.send(at(0, 11), EXCHANGE, me, "dWBTC", "0.05")
    p.aave_supply(at(1, 14), me, "dWETH", 3)
    for start, amount, days in ((30, 1_500, 14), (150, 2_000, 21), (300, 1_000, 12), (450, 2_500, 28),
                                (640, 1_800, 20)):
        p.aave_borrow(at(start, 15), me, STABLECOIN, amount)
        p.aave_repay(at(start + days, 18), me, STABLECOIN, ALL)
    for i in range(12):
        p.send(at(20 + 61 * i, 9), employer, me, STABLECOIN, 900)
        p.send(at(25 + 61 * i, 19), me, landlord, STABLECOIN, 700)
    p.send(at(100, 20), friend, me, STABLECOIN, 60)
    p.send(at(400, 20), friend, me, STABLECOIN, 60)
    p.send(at(220, 13), me, sister, "dWETH", "0.2")
    p.swap_v2(at(120, 16), me, WETH_USD, STABLECOIN, 300)
    p.swap_v3(at(260, 16), me, WETH_USD, "dWETH", "0.3")
    p.swap_v2(at(520, 16), me, WETH_USD, STABLECOIN, 250)
    p.swap_v3(at(700, 16), me, WETH_USD, "dWETH", "0.25")
    p.comet_supply(at(200, 12), me, STABLECOIN, 1_000)
    p.comet_withdraw(at(560, 12), me, STABLECOIN, ALL)
    p.send(at(718, 20), me, friend, STABLECOIN, 100)


def _liquidated_trader(p: Plan) -> None:
    me = p.me
    p.send(at(0, 9), EXCHANGE, me, "dWETH", 10)
    p.send(at(0, 9.5), EXCHANGE, me, STABLECOIN, 3_000)
    p.aave_supply(at(1, 10), me, "dWETH", 10)
    # leverage loops: borrow dUSD, buy dWETH, post it as more collateral
    p.aave_borrow(at(2, 10), me, STABLECOIN, 9_000)
    p.swap_v2(at(2, 11), me, WETH_USD, STABLECOIN, 9_000)
    p.aave_supply(at(2, 12), me, "dWETH", "2.9")
    p.aave_borrow(at(10, 10), me, STABLECOIN, 12_000)
    p.swap_v3(at(10, 11), me, WETH_USD, STABLECOIN, 12_000)
    p.aave_supply(at(10, 12), me, "dWETH", "3.9")

    def trade(first_day: int, rounds: int, buy_usd: int, sell_weth: str) -> None:
        for i in range(rounds):
            day = first_day + 5 * i
            p.swap_v2(at(day, 15), me, WETH_USD, STABLECOIN, buy_usd)
            p.swap_v3(at(day + 1, 21), me, WETH_USD, "dWETH", sell_weth)

    trade(20, 6, 300, "0.09")
    p.aave_borrow(at(70, 10), me, STABLECOIN, 15_000)
    p.aave_liquidation(at(90, 3), me, "dWETH", STABLECOIN, 2_500, 18_000)
    p.aave_repay(at(100, 10), me, STABLECOIN, 5_000)
    p.aave_borrow(at(120, 10), me, STABLECOIN, 8_000)
    p.swap_v3(at(121, 10), me, WETH_USD, STABLECOIN, 12_000)
    p.comet_supply(at(125, 10), me, "dWETH", "3.9")
    p.comet_withdraw(at(126, 10), me, STABLECOIN, 9_000)
    p.comet_absorb(at(180, 4), me, "dWETH", 2_600)
    trade(200, 10, 400, "0.12")
    p.aave_liquidation(at(300, 2), me, "dWETH", STABLECOIN, 2_700, 10_500)
    p.aave_borrow(at(330, 10), me, STABLECOIN, 1_500)
    p.send(at(334, 16), me, p.peer("exchange deposit"), STABLECOIN, 5_000)
    trade(335, 6, 250, "0.07")


AIRDROP_SENDERS = 24
AIRDROP_TRANSFERS = 30
AIRDROP_SYMBOLS = (*AIRDROP_TOKENS, STABLECOIN)


def _airdrop_farmer(p: Plan) -> None:
    me = p.me
    senders = [p.peer(f"airdrop sender {i}") for i in range(AIRDROP_SENDERS)]
    received: dict[str, int] = {}
    for i in range(AIRDROP_TRANSFERS):
        sender, symbol = senders[i % AIRDROP_SENDERS], AIRDROP_SYMBOLS[i % len(AIRDROP_SYMBOLS)]
        amount = 10 + i if symbol == STABLECOIN else 1_500 + 100 * i
        when = at(0, 20) + i * 6 * HOUR + 7 * 60 * (i % 5)
        if i < AIRDROP_SENDERS:
            p.eth(when - 600, OWNER, sender, ETH // 50)
        p.mint(when - 300, sender, symbol, amount)
        p.send(when, sender, me, symbol, amount)
        received[symbol] = received.get(symbol, 0) + amount
    # dump every airdropped token for dUSD in two swaps, then move the proceeds out
    for k, symbol in enumerate(AIRDROP_TOKENS):
        half = received[symbol] // 2
        p.swap_v2(at(8, 14 + k), me, pair_name(symbol), symbol, half)
        p.swap_v2(at(9, 2 + k), me, pair_name(symbol), symbol, received[symbol] - half)
    p.send(at(9, 9), me, p.peer("exit one"), STABLECOIN, 1_000)
    p.send(at(9, 10), me, p.peer("exit two"), STABLECOIN, 500)


def _idle_holder(p: Plan) -> None:
    p.send(at(0, 2), EXCHANGE, p.me, "dWBTC", "1.5")
    p.send(at(4, 11), p.me, p.peer("brother"), "dWBTC", "0.1")


@dataclass(frozen=True)
class Persona:
    label: str
    age_days: int
    balance_milli_eth: int
    script: Callable[[Plan], None] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return "0x" + keccak(text=f"aura demo wallet: {self.label}").hex()

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)

    def plan(self) -> list[Step]:
        """The persona's steps (times relative to its birth), its ETH funding first."""
        plan = Plan(self)
        plan.eth(0, OWNER, plan.me, self.balance_milli_eth * 10**15 + 10**17)
        if self.script is not None:
            self.script(plan)
        return plan.steps

    @property
    def txs(self) -> int:
        """How many transactions the persona itself sends in its history."""
        return sum(1 for s in self.plan() if s.actor.key == self.key)


# From the strongest credit history to the weakest.
PERSONAS = (
    Persona("veteran", age_days=1050, balance_milli_eth=40_000, script=_veteran),
    Persona("careful borrower", age_days=730, balance_milli_eth=9_000, script=_careful_borrower),
    Persona("idle holder", age_days=730, balance_milli_eth=75_000, script=_idle_holder),
    Persona("liquidated trader", age_days=365, balance_milli_eth=3_000, script=_liquidated_trader),
    Persona("airdrop farmer", age_days=10, balance_milli_eth=300, script=_airdrop_farmer),
    Persona("fresh wallet", age_days=0, balance_milli_eth=5),
)


def _prelude(when: int) -> list[tuple[int, Actor, str, Build]]:
    """Shared accounts get going before any persona: the exchange's float, the keeper's ETH and dUSD."""
    out: list[tuple[int, Actor, str, Build]] = []

    def add(t: int, actor: Actor, what: str, build: Build) -> None:
        out.append((when + t, actor, what, build))

    add(0, OWNER, "fund the exchange", lambda tx, p: (EXCHANGE.address, "", 100 * ETH))
    add(1, OWNER, "fund the keeper", lambda tx, p: (KEEPER.address, "", 20 * ETH))
    floats = {STABLECOIN: 20_000_000, "dWETH": 10_000, "dWBTC": 500, "dZAP": 50_000_000}

    def float_to_exchange(symbol: str, amount: int) -> Build:
        return lambda tx, p: _encode(tx, "DevToken", p.token(symbol), "transfer", EXCHANGE.address,
                                     units(symbol, amount))

    for i, (symbol, amount) in enumerate(floats.items()):
        add(2 + i, OWNER, f"float {symbol} to the exchange", float_to_exchange(symbol, amount))
    add(10, OWNER, "dUSD to the keeper", lambda tx, p: _encode(
        tx, "DevToken", p.token(STABLECOIN), "transfer", KEEPER.address, units(STABLECOIN, 2_000_000)))
    return out


def build_histories(w3: Web3, protocols: Protocols | Mapping[str, str], personas: tuple[Persona, ...] = PERSONAS,
                    now: int | None = None) -> None:
    """Replay every persona's history against `protocols` (a `Protocols`, or its `addresses()` map as
    `Devnet.protocols` holds it) in timestamp order, then set the chain clock to `now`."""
    if not isinstance(protocols, Protocols):
        protocols = Protocols.from_addresses(protocols)
    now = int(now or time.time())
    latest = int(w3.eth.get_block("latest")["timestamp"])
    timeline: list[tuple[int, int, int, Actor, str, Build]] = []
    births = []
    for order, persona in enumerate(personas):
        birth = now - persona.age_days * DAY if persona.age_days else now - HOUR
        births.append(birth)
        for seq, step in enumerate(persona.plan()):
            timeline.append((birth + step.at, order + 1, seq, step.actor, f"{persona.label}: {step.what}", step.build))
    if not timeline:
        return
    for seq, (ts, actor, what, build) in enumerate(_prelude(min(births) - 2 * HOUR)):
        timeline.append((ts, 0, seq, actor, what, build))
    timeline.sort(key=lambda e: (e[0], e[1], e[2]))
    if timeline[0][0] <= latest:
        raise AuraError("the chain's clock is past the histories' start: start anvil with an older genesis")
    tx = Transactor(w3)
    last = latest
    with automine(w3):
        for ts, _, _, actor, what, build in timeline:
            ts = max(ts, last + 1)
            last = ts
            rpc(w3, "evm_setNextBlockTimestamp", [ts])
            to, data, value = build(tx, protocols)
            tx.send(actor.key, to, data, value, what)
        rpc(w3, "evm_setNextBlockTimestamp", [max(now, last + 1)])
        rpc(w3, "evm_mine", [])
