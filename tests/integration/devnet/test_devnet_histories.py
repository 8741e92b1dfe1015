"""The devnet's demo wallets, scored from their real indexed activity.

One anvil with its genesis three years back, `deploy_protocols` and `build_histories` (given the protocols
as the address map `Devnet.protocols` holds, as `aura devnet` and the demo pass it). Then, per persona, the
logs an indexer would fetch for it (ERC-20 Transfers from or to it from any token, and every log of the
configured protocol contracts with the wallet in a topic) with their block timestamps, decoded by
`EventDecoder` and turned into features by `compute_features` and `history_from`. The figures follow from
the scripts in node/workshop/devnet/histories.py; features that hang on UTC calendar boundaries (active months) or
on a second of timestamp jitter (gap lengths) are bounded, not pinned.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak
from web3 import Web3

from chains.evm.artifacts import contract
from chains.evm.indexer.compute import compute_features
from chains.evm.indexer.events import BY_TOPIC0, ERC20_TRANSFER, EventDecoder
from chains.evm.indexer.history import history_from
from node.config import load_config
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil
from node.workshop.devnet.histories import DAY, PERSONAS, Persona, build_histories
from node.workshop.devnet.protocols import MAX_UINT, Protocols, Transactor, deploy_protocols, units

YEARS_3 = 3 * 365 * DAY
BY_LABEL = {p.label: p for p in PERSONAS}
# Events the devnet contracts emit that the indexer does not read, by design: ERC-20 approvals and Comet's
# collateral moves (collateral shows up through the tokens' own Transfers).
UNREAD_EVENTS = {
    "0x" + keccak(text=sig).hex(): sig for sig in (
        "Approval(address,address,uint256)",
        "SupplyCollateral(address,address,address,uint256)",
        "WithdrawCollateral(address,address,address,uint256)",
        "AbsorbCollateral(address,address,address,uint256,uint256)",
    )
}


@dataclass
class World:
    w3: Web3
    protocols: Protocols
    head: int
    as_of: int
    build_seconds: float
    features: dict[str, dict[str, Any]]
    history: dict[str, dict[str, int | None]]


def _topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


class LogReader:
    """A wallet's logs the way an indexer fetches them, with block timestamps."""

    def __init__(self, w3: Web3, protocols: Protocols, head: int) -> None:
        self.w3, self.protocols, self.head = w3, protocols, head
        self._timestamps: dict[int, int] = {}

    def timestamp(self, block: int) -> int:
        if block not in self._timestamps:
            self._timestamps[block] = int(self.w3.eth.get_block(block)["timestamp"])
        return self._timestamps[block]

    def logs(self, query: dict[str, Any]) -> list[Any]:
        return list(self.w3.eth.get_logs({"fromBlock": self.protocols.start_block, "toBlock": self.head, **query}))

    def wallet_logs(self, wallet: str) -> list[tuple[Any, int]]:
        me = _topic(wallet)
        contracts = list(self.protocols.decoder_contracts())
        queries: list[dict[str, Any]] = [{"topics": [ERC20_TRANSFER.topic0, me]},
                                         {"topics": [ERC20_TRANSFER.topic0, None, me]}]
        queries += [{"address": contracts, "topics": [None] * position + [me]} for position in (1, 2, 3)]
        found: dict[tuple[bytes, int], Any] = {}
        for q in queries:
            for log in self.logs(q):
                found[(bytes(log["transactionHash"]), int(log["logIndex"]))] = log
        ordered = sorted(found.values(), key=lambda log: (log["blockNumber"], log["logIndex"]))
        return [(log, self.timestamp(log["blockNumber"])) for log in ordered]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = Path(tmp_path_factory.mktemp("devnet"))
    anvil = Anvil(genesis_timestamp=int(time.time()) - YEARS_3, log_path=root / "anvil.log").start()
    try:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        protocols = deploy_protocols(w3, DEFAULT_KEYS[0])
        assert Protocols.from_addresses(protocols.addresses(), protocols.start_block) == protocols
        started = time.monotonic()
        build_histories(w3, protocols.addresses())
        build_seconds = time.monotonic() - started
        head = int(w3.eth.block_number)
        as_of = int(w3.eth.get_block(head)["timestamp"])
        reader = LogReader(w3, protocols, head)
        decoder = EventDecoder(protocols.decoder_contracts())
        features, history = {}, {}
        for p in PERSONAS:
            events = decoder.decode_many(reader.wallet_logs(p.address))
            features[p.label] = compute_features(events, p.address, as_of, stablecoins=protocols.stablecoins)
            history[p.label] = history_from(features[p.label])
        yield World(w3, protocols, head, as_of, build_seconds, features, history)
    finally:
        anvil.stop()


def _age_seconds(world: World, label: str, key: str) -> int:
    ts = world.history[label][key]
    assert ts is not None
    return world.as_of - ts


# The exact figures per persona. Leaving out only active_months / tx_per_active_month_milli (UTC calendar),
# longest_gap_days (checked below) and the two timestamps (checked to the minute).
EXPECTED: dict[str, dict[str, int | None]] = {
    # 35 monthly payments to 12 friends, top-ups, 16 swaps over V2/V3/dZAP, 8 pool loans repaid in full,
    # a Comet loan repaid with supply(max) (the indexer sees Comet repays as supplies: 2 pool + 2 Comet)
    "veteran": {
        "tx_30d": 3, "tx_7d": 1, "counterparties": 18, "protocols": 4, "tokens": 5, "inflow_hhi_bps": 4807,
        "stablecoin_share_bps": 7129, "transfers_in_30d": 1, "swaps": 16, "supplies": 4, "borrows": 8,
        "repays": 8, "liquidations": 0, "borrows_30d": 0, "outstanding_positions": 0,
        "repayment_ratio_bps": 10000,
    },
    # salary in, rent out, 5 dUSD loans each repaid in full 12..28 days later, 4 swaps, 1000 dUSD on Comet
    "careful borrower": {
        "tx_30d": 2, "tx_7d": 0, "counterparties": 9, "protocols": 4, "tokens": 4, "inflow_hhi_bps": 6887,
        "stablecoin_share_bps": 8148, "transfers_in_30d": 1, "swaps": 4, "supplies": 2, "borrows": 5,
        "repays": 5, "liquidations": 0, "borrows_30d": 0, "outstanding_positions": 0,
        "repayment_ratio_bps": 10000,
    },
    # borrowed 9000 + 12000 + 15000 + 8000 + 1500 = 45500 dUSD, repaid 5000: 5000 * 10000 // 45500 = 1098;
    # liquidated on the pool twice (18000, 10500 covered) and absorbed by Comet once; 12000 dUSD still owed
    "liquidated trader": {
        "tx_30d": 12, "tx_7d": 2, "counterparties": 6, "protocols": 4, "tokens": 3, "inflow_hhi_bps": 4840,
        "stablecoin_share_bps": 5137, "transfers_in_30d": 12, "swaps": 47, "supplies": 3, "borrows": 5,
        "repays": 1, "liquidations": 3, "borrows_30d": 0, "outstanding_positions": 1,
        "repayment_ratio_bps": 1098,
    },
    # 30 airdrops (6 each of dZAP, dFOX, dORB, dMOO, dUSD) from 24 addresses + 8 swap proceeds = 38 in;
    # counterparties: 24 senders, 4 pairs, 2 exit addresses
    "airdrop farmer": {
        "tx_30d": 40, "tx_7d": 31, "counterparties": 30, "protocols": 1, "tokens": 5, "inflow_hhi_bps": 2354,
        "stablecoin_share_bps": 3333, "transfers_in_30d": 38, "swaps": 8, "supplies": 0, "borrows": 0,
        "repays": 0, "liquidations": 0, "borrows_30d": 0, "outstanding_positions": 0,
        "repayment_ratio_bps": None,
    },
    # dWBTC from the exchange, 0.1 dWBTC to a brother four days later, nothing since
    "idle holder": {
        "tx_30d": 0, "tx_7d": 0, "counterparties": 2, "protocols": 0, "tokens": 1, "inflow_hhi_bps": 10000,
        "stablecoin_share_bps": 0, "transfers_in_30d": 0, "swaps": 0, "supplies": 0, "borrows": 0,
        "repays": 0, "liquidations": 0, "borrows_30d": 0, "outstanding_positions": 0,
        "repayment_ratio_bps": None,
    },
    "fresh wallet": {
        "tx_30d": 0, "tx_7d": 0, "counterparties": 0, "protocols": 0, "tokens": 0, "inflow_hhi_bps": 0,
        "stablecoin_share_bps": 0, "transfers_in_30d": 0, "swaps": 0, "supplies": 0, "borrows": 0,
        "repays": 0, "liquidations": 0, "borrows_30d": 0, "outstanding_positions": 0,
        "repayment_ratio_bps": None,
    },
}
# (wallet_age_days, days_since_last_activity, first activity seconds before as_of, last activity seconds before)
TIMING: dict[str, tuple[int, int | None, int | None, int | None]] = {
    "veteran": (1049, 4, 1050 * DAY - 9 * 3600, 5 * DAY - 18 * 3600),
    "careful borrower": (729, 11, 730 * DAY - 10 * 3600, 12 * DAY - 20 * 3600),
    "liquidated trader": (364, 3, 365 * DAY - 9 * 3600, 4 * DAY - 21 * 3600),
    "airdrop farmer": (9, 0, 10 * DAY - 20 * 3600, 1 * DAY - 10 * 3600),
    "idle holder": (729, 725, 730 * DAY - 2 * 3600, 726 * DAY - 11 * 3600),
    "fresh wallet": (0, None, None, None),
}


@pytest.mark.parametrize("label", list(EXPECTED))
def test_persona_features_are_exact(world: World, label: str) -> None:
    history = world.history[label]
    assert {k: history[k] for k in EXPECTED[label]} == EXPECTED[label]
    age, since_last, first_ago, last_ago = TIMING[label]
    f = world.features[label]
    assert f["wallet_age_days"] == age
    assert f["days_since_last_activity"] == since_last
    if first_ago is None:
        assert history["first_activity_timestamp"] is None and history["last_activity_timestamp"] is None
        assert f["windows"]["all"]["event_count"] == 0
    else:
        # timestamps are the scripted ones, give or take the seconds added to keep blocks strictly ordered
        assert first_ago - 60 <= _age_seconds(world, label, "first_activity_timestamp") <= first_ago
        assert last_ago - 60 <= _age_seconds(world, label, "last_activity_timestamp") <= last_ago


def test_calendar_and_gap_features_are_in_range(world: World) -> None:
    """Active months depend on where `now` falls in the calendar: the bounds are the least and most over
    every placement of the same history in a year."""
    h = world.history
    assert 34 <= h["veteran"]["active_months"] <= 36 and 28 <= h["veteran"]["longest_gap_days"] <= 30
    assert 19 <= h["careful borrower"]["active_months"] <= 24 and 54 <= h["careful borrower"]["longest_gap_days"] <= 55
    assert 10 <= h["liquidated trader"]["active_months"] <= 13
    assert 52 <= h["liquidated trader"]["longest_gap_days"] <= 53
    assert 1 <= h["airdrop farmer"]["active_months"] <= 2 and h["airdrop farmer"]["longest_gap_days"] == 0
    assert 1 <= h["idle holder"]["active_months"] <= 2 and 3 <= h["idle holder"]["longest_gap_days"] <= 4
    assert h["fresh wallet"]["active_months"] == 0


def test_personas_are_told_apart(world: World) -> None:
    h = world.history
    trader, careful, farmer = h["liquidated trader"], h["careful borrower"], h["airdrop farmer"]
    assert trader["liquidations"] >= 2 and trader["outstanding_positions"] >= 1  # type: ignore[operator]
    assert careful["borrows"] == careful["repays"] and careful["repayment_ratio_bps"] == 10_000
    assert world.features["airdrop farmer"]["wallet_age_days"] < 30
    assert farmer["transfers_in_30d"] >= 30 and farmer["tokens"] >= 5  # type: ignore[operator]
    assert farmer["counterparties"] >= 25  # type: ignore[operator]
    assert farmer["borrows"] == 0
    vectors = {tuple(sorted(v.items(), key=lambda kv: kv[0])) for v in h.values()}
    assert len(vectors) == len(PERSONAS)


def test_trader_positions_on_chain_match_its_events(world: World) -> None:
    """The contracts' state is what the events say: the pool still holds the 12000 dUSD debt the features
    count as outstanding, and Comet left the absorbed trader the surplus its absorb credited."""
    p, w3 = world.protocols, world.w3
    trader, careful = BY_LABEL["liquidated trader"].address, BY_LABEL["careful borrower"].address
    dusd = p.token("dUSD")
    assert world.features["liquidated trader"]["outstanding_borrow"] == {
        "aave-v3": {dusd.lower(): units("dUSD", 12_000)}}
    pool = contract(w3, "DevLendingPool", p.lending_pool)
    assert pool.functions.debtOf(trader, dusd).call() == units("dUSD", 12_000)
    assert pool.functions.debtOf(careful, dusd).call() == 0
    assert pool.functions.healthFactor(trader).call() >= 10**18
    comet = contract(w3, "DevComet", p.comet)
    # 3.9 dWETH at 2600 USD, credited at 93% = 9430.2 dUSD against a 9000 dUSD debt
    assert comet.functions.borrowBalanceOf(trader).call() == 0
    assert comet.functions.balanceOf(trader).call() == units("dUSD", "430.2")
    assert comet.functions.collateralBalanceOf(trader, p.token("dWETH")).call() == 0
    absorbs = [e for e in EventDecoder(p.decoder_contracts()).decode_many(
        LogReader(w3, p, world.head).wallet_logs(trader)) if e.kind == "absorb"]
    assert [(e.amount, e.counterparty) for e in absorbs] == [
        (units("dUSD", "9430.2"), Account.from_key("0x" + keccak(text="aura devnet: liquidation keeper").hex())
         .address.lower())]


def test_every_protocol_log_has_a_known_topic0_and_decodes(world: World) -> None:
    p = world.protocols
    reader = LogReader(world.w3, p, world.head)
    emitters = [*p.tokens.values(), *p.decoder_contracts()]
    decoder = EventDecoder(p.decoder_contracts())
    seen: set[str] = set()
    logs = reader.logs({"address": emitters})
    assert len(logs) > 500
    for log in logs:
        topic0 = "0x" + bytes(log["topics"][0]).hex()
        if topic0 in UNREAD_EVENTS:
            continue
        assert topic0 in BY_TOPIC0, f"unknown event {topic0} from {log['address']}"
        event = decoder.decode(log, reader.timestamp(log["blockNumber"]))  # MalformedLog would fail here
        assert event is not None
        assert event.protocol == ("erc20" if BY_TOPIC0[topic0].family == "erc20" else
                                  p.decoder_contracts()[Web3.to_checksum_address(log["address"])])
        seen.add(topic0)
    assert seen == set(BY_TOPIC0), "the histories exercise every event the indexer reads"
    assert not set(UNREAD_EVENTS) & set(BY_TOPIC0)


def test_a_look_alike_pool_outside_the_config_is_ignored(world: World) -> None:
    w3, p = world.w3, world.protocols
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        key = DEFAULT_KEYS[0]  # the deployer holds every token
        me = Account.from_key(key).address
        from chains.evm.artifacts import deploy

        rogue = deploy(w3, "DevLendingPool", [], key)
        tx = Transactor(w3)
        weth, dusd = p.token("dWETH"), p.token("dUSD")
        for token, price in ((weth, 3000 * 10**8), (dusd, 10**8)):
            tx.call(key, "DevLendingPool", rogue, "listReserve", token, price, 8000, 8250, 500, 0)
            tx.call(key, "DevToken", token, "approve", rogue, MAX_UINT)
        tx.call(key, "DevLendingPool", rogue, "supply", dusd, units("dUSD", 1_000), me, 0)
        tx.call(key, "DevLendingPool", rogue, "supply", weth, units("dWETH", 1), me, 0)
        receipt = tx.call(key, "DevLendingPool", rogue, "borrow", dusd, units("dUSD", 100), 2, 0, me)
        (log,) = [lg for lg in receipt["logs"] if lg["address"] == rogue]
        assert "0x" + bytes(log["topics"][0]).hex() == next(
            t for t, abi in BY_TOPIC0.items() if abi.family == "aave-v3" and abi.name == "Borrow")
        assert EventDecoder(p.decoder_contracts()).decode(log, 0) is None
        trusted = EventDecoder({**p.decoder_contracts(), rogue: "aave-v3"}).decode(log, 0)
        assert trusted is not None and trusted.kind == "borrow" and trusted.amount == units("dUSD", 100)
    finally:
        assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True  # type: ignore[arg-type]


def test_balances_and_transaction_counts(world: World) -> None:
    w3 = world.w3
    fresh, idle = BY_LABEL["fresh wallet"], BY_LABEL["idle holder"]
    assert w3.eth.get_transaction_count(fresh.address) == 0 == fresh.txs
    assert w3.eth.get_balance(fresh.address) == 5 * 10**15 + 10**17
    assert w3.eth.get_balance(idle.address) > 75 * 10**18
    for persona in PERSONAS:
        assert w3.eth.get_transaction_count(persona.address) == persona.txs, persona.label


CHAIN_ENTRY = """[enclave]
passphrase_file = "secrets/enclave.pass"

[[chains]]
family = "evm"
name = "anvil"
chain_id = 31337
rpc_url = "http://127.0.0.1:8545"
oracle = "{oracle}"
transmitter_keystore = "keys/transmitter.json"
transmitter_passphrase_file = "secrets/transmitter.pass"
"""


def test_config_names_the_protocols(world: World, tmp_path: Path) -> None:
    """`indexer_toml()` after a `[[chains]]` entry, and `indexer_keys()` inside it (what `setup_devnet`
    writes, so keys appended later still reach the chain), load as the same indexer section."""
    p = world.protocols
    tables, dotted = tmp_path / "tables.toml", tmp_path / "dotted.toml"
    tables.write_text(CHAIN_ENTRY.format(oracle=p.owner) + "\n" + p.indexer_toml())
    dotted.write_text(CHAIN_ENTRY.format(oracle=p.owner) + p.indexer_keys() + "bump_pct = 25\n")
    indexer = load_config(tables).chains[0].indexer
    chain = load_config(dotted).chains[0]
    assert indexer is not None and chain.indexer == indexer and chain.bump_pct == 25
    assert indexer.stablecoins == [p.token("dUSD")]
    assert indexer.protocols == {"aave-v3": [p.lending_pool], "compound-v3": [p.comet],
                                 "uniswap-v2": list(p.pairs_v2.values()), "uniswap-v3": list(p.pools_v3.values())}
    assert 0 < indexer.start_block <= world.head


def test_histories_build_quickly(world: World) -> None:
    assert world.build_seconds < 60, f"build_histories took {world.build_seconds:.1f} s"


def test_persona_keys_are_the_demo_keys() -> None:
    p: Persona = BY_LABEL["veteran"]
    assert p.key == "0x" + keccak(text="aura demo wallet: veteran").hex()
