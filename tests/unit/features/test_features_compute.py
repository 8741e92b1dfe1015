"""Windowed features of four wallets, every figure worked out by hand from the histories in personas.py.

AS_OF is 2023-11-14 22:13:20 UTC; its UTC day began 80,000 s earlier. Calendar months come from UTC dates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chains.evm.indexer.compute import compute_features, features_for
from chains.evm.indexer.store import EventStore
from tests.unit.features import personas as p

DAY, HOUR, E18, E6 = p.DAY, p.HOUR, p.E18, p.E6

EMPTY: dict[str, Any] = {
    "event_count": 0, "tx_count": 0, "active_days": 0, "active_months": 0, "tx_per_active_month_milli": 0,
    "longest_gap_days": 0, "mean_seconds_between_tx": 0, "unique_counterparties": 0, "protocols": [],
    "protocol_count": 0, "token_count": 0, "transfer_in_count": 0, "transfer_out_count": 0, "inflow": {},
    "outflow": {}, "inflow_hhi_bps": 0, "stablecoin_share_bps": 0, "swap_count": 0, "supply_count": 0,
    "withdraw_count": 0, "borrow_count": {}, "repay_count": {}, "liquidation_count": {}, "borrowed": {},
    "repaid": {}, "repayment_ratio_bps": None,
}


def window(**changes: Any) -> dict[str, Any]:
    assert set(changes) <= set(EMPTY), set(changes) - set(EMPTY)
    return {**EMPTY, **changes}


def assert_no_floats(value: Any) -> None:
    assert not isinstance(value, float)
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert_no_floats(item)
    elif isinstance(value, list):
        for item in value:
            assert_no_floats(item)


def test_careful_borrower() -> None:
    """Txs at -400d, -399d (supply), -300d (borrow 1000 DAI), -240d (repay 1010), -20d (borrow 2000),
    -3d (repay 1000), -12h (250 USDC from a friend). Months: 2022-10 (x2), 2023-01, 2023-03, 2023-10, 2023-11 (x2)."""
    f = compute_features(p.careful_borrower().events, p.CAREFUL, p.AS_OF)
    assert {k: v for k, v in f.items() if k != "windows"} == {
        "wallet": p.CAREFUL, "as_of": p.AS_OF,
        "first_activity": p.AS_OF - 400 * DAY, "last_activity": p.AS_OF - 12 * HOUR,
        "wallet_age_days": 400, "days_since_last_activity": 0,
        # 1000 borrowed, 1010 repaid (interest: floor at 0), 2000 borrowed, 1000 repaid
        "outstanding_borrow": {"aave-v3": {p.DAI: 1_000 * E18}}, "outstanding_positions": 1,
    }
    assert f["windows"]["all"] == window(
        event_count=12, tx_count=7, active_days=7, active_months=5, tx_per_active_month_milli=1400,
        longest_gap_days=220,  # -240d .. -20d
        mean_seconds_between_tx=(400 * DAY - 12 * HOUR) // 6,  # 5,752,800
        unique_counterparties=5,  # exchange, aUSDC, aDAI, friend, the Aave pool
        protocols=["aave-v3"], protocol_count=1, token_count=2, transfer_in_count=4, transfer_out_count=3,
        inflow={p.DAI: 3_000 * E18, p.USDC: 10_250 * E6}, outflow={p.DAI: 2_010 * E18, p.USDC: 5_000 * E6},
        inflow_hhi_bps=5000,  # 2 USDC + 2 DAI inflows: (4 + 4) * 10000 // 16
        stablecoin_share_bps=10_000, supply_count=1, borrow_count={"aave-v3": 2}, repay_count={"aave-v3": 2},
        borrowed={"aave-v3": {p.DAI: 3_000 * E18}}, repaid={"aave-v3": {p.DAI: 2_010 * E18}},
        repayment_ratio_bps=6700,  # 2010 * 10000 // 3000
    )
    assert f["windows"]["30d"] == window(
        event_count=5, tx_count=3, active_days=3, active_months=2, tx_per_active_month_milli=1500,
        longest_gap_days=17, mean_seconds_between_tx=842_400,  # (20d - 12h) // 2
        unique_counterparties=3, protocols=["aave-v3"], protocol_count=1, token_count=2,
        transfer_in_count=2, transfer_out_count=1,
        inflow={p.DAI: 2_000 * E18, p.USDC: 250 * E6}, outflow={p.DAI: 1_000 * E18},
        inflow_hhi_bps=5000, stablecoin_share_bps=10_000, borrow_count={"aave-v3": 1}, repay_count={"aave-v3": 1},
        borrowed={"aave-v3": {p.DAI: 2_000 * E18}}, repaid={"aave-v3": {p.DAI: 1_000 * E18}},
        repayment_ratio_bps=5000,
    )
    assert f["windows"]["7d"] == window(
        event_count=3, tx_count=2, active_days=2, active_months=1, tx_per_active_month_milli=2000,
        longest_gap_days=2, mean_seconds_between_tx=216_000,  # 3d - 12h
        unique_counterparties=3, protocols=["aave-v3"], protocol_count=1, token_count=2,
        transfer_in_count=1, transfer_out_count=1, inflow={p.USDC: 250 * E6}, outflow={p.DAI: 1_000 * E18},
        inflow_hhi_bps=10_000, stablecoin_share_bps=10_000, repay_count={"aave-v3": 1},
        repaid={"aave-v3": {p.DAI: 1_000 * E18}},  # a repayment with no borrow in the window: ratio None
    )
    assert f["windows"]["1d"] == window(
        event_count=1, tx_count=1, active_days=1, active_months=1, tx_per_active_month_milli=1000,
        unique_counterparties=1, token_count=1, transfer_in_count=1, inflow={p.USDC: 250 * E6},
        inflow_hhi_bps=10_000, stablecoin_share_bps=10_000,
    )
    assert_no_floats(f)


def test_liquidated_leverage_trader() -> None:
    """Txs at -60d, -59d (supply 10 WETH), -59d+1h (borrow 15000 USDC), -58d (swap USDC->7 WETH), -57d (supply),
    -40d (Comet withdraw 3000), -10d (Aave liquidation, 7500 USDC of debt covered), -2d (Comet absorb)."""
    f = compute_features(p.leverage_trader().events, p.TRADER, p.AS_OF)
    assert f["wallet_age_days"] == 60
    assert f["days_since_last_activity"] == 2
    assert f["outstanding_borrow"] == {"aave-v3": {p.USDC: 7_500 * E6}}  # 15000 - 7500 liquidated
    assert f["outstanding_positions"] == 1
    assert f["windows"]["all"] == window(
        event_count=14, tx_count=8, active_days=7,  # -59d and -59d+1h share a UTC day
        active_months=3, tx_per_active_month_milli=2666,  # 2023-09, -10, -11
        longest_gap_days=30, mean_seconds_between_tx=715_885,  # 58d // 7
        unique_counterparties=6,  # exchange, aWETH, aUSDC, the pair, the Comet market, the Aave pool
        protocols=["aave-v3", "compound-v3", "uniswap-v2"], protocol_count=3, token_count=2,
        transfer_in_count=4, transfer_out_count=3,
        inflow={p.USDC: 18_000 * E6, p.WETH: 17 * E18}, outflow={p.USDC: 15_000 * E6, p.WETH: 17 * E18},
        inflow_hhi_bps=5000, stablecoin_share_bps=4285,  # 3 of 7 transfers in USDC
        swap_count=1, supply_count=2, withdraw_count=1, borrow_count={"aave-v3": 1},
        liquidation_count={"aave-v3": 1, "compound-v3": 1},
        borrowed={"aave-v3": {p.USDC: 15_000 * E6}}, repayment_ratio_bps=0,
    )
    assert f["windows"]["30d"] == window(
        event_count=2, tx_count=2, active_days=2, active_months=1, tx_per_active_month_milli=2000,
        longest_gap_days=8, mean_seconds_between_tx=8 * DAY, unique_counterparties=2,
        protocols=["aave-v3", "compound-v3"], protocol_count=2,
        liquidation_count={"aave-v3": 1, "compound-v3": 1},
    )
    assert f["windows"]["7d"] == window(
        event_count=1, tx_count=1, active_days=1, active_months=1, tx_per_active_month_milli=1000,
        unique_counterparties=1, protocols=["compound-v3"], protocol_count=1, liquidation_count={"compound-v3": 1},
    )
    assert f["windows"]["1d"] == EMPTY
    assert_no_floats(f)


def test_fresh_airdrop_farmer() -> None:
    """Claims at -47h (TOKA minted), -46h (TOKB), -30h and -29h (TOKC twice), swaps TOKA for WETH at -20h,
    sends WETH, TOKB, TOKC to one address at -5h, -4h, -3h. UTC days: -2 (the mint), -1, 0."""
    f = compute_features(p.airdrop_farmer().events, p.FARMER, p.AS_OF)
    assert f["wallet_age_days"] == 1
    assert f["days_since_last_activity"] == 0
    assert f["outstanding_borrow"] == {}
    everything = window(
        event_count=10, tx_count=8, active_days=3, active_months=1, tx_per_active_month_milli=8000,
        longest_gap_days=0,  # 16h between -46h and -30h
        mean_seconds_between_tx=22_628,  # 44h // 7
        unique_counterparties=4,  # dropper B, dropper C, the TOKA pair, the dump address (not the zero address)
        protocols=["uniswap-v2"], protocol_count=1, token_count=4, transfer_in_count=5, transfer_out_count=4,
        inflow={p.TOKA: 1_000 * E18, p.TOKB: 500 * E18, p.TOKC: 500 * E18, p.WETH: E18 // 2},
        outflow={p.TOKA: 1_000 * E18, p.TOKB: 500 * E18, p.TOKC: 500 * E18, p.WETH: E18 // 2},
        inflow_hhi_bps=2800,  # counts 1, 1, 2, 1: 7 * 10000 // 25
        swap_count=1,
    )
    assert f["windows"]["all"] == f["windows"]["30d"] == f["windows"]["7d"] == everything
    assert f["windows"]["1d"] == window(
        event_count=6, tx_count=4, active_days=1, active_months=1, tx_per_active_month_milli=4000,
        mean_seconds_between_tx=20_400,  # 17h // 3
        unique_counterparties=2, protocols=["uniswap-v2"], protocol_count=1, token_count=4,
        transfer_in_count=1, transfer_out_count=4, inflow={p.WETH: E18 // 2},
        outflow={p.TOKA: 1_000 * E18, p.TOKB: 500 * E18, p.TOKC: 500 * E18, p.WETH: E18 // 2},
        inflow_hhi_bps=10_000, swap_count=1,
    )
    assert_no_floats(f)


def test_idle_holder() -> None:
    """Seen first 1000 days ago (from outside the event store), received USDC at -900d (2021-05-28) and WETH at
    -500d (2022-07-02), nothing since."""
    f = compute_features(p.idle_holder().events, p.IDLE, p.AS_OF, first_seen=p.IDLE_FIRST_SEEN)
    assert {k: v for k, v in f.items() if k != "windows"} == {
        "wallet": p.IDLE, "as_of": p.AS_OF, "first_activity": p.AS_OF - 900 * DAY,
        "last_activity": p.AS_OF - 500 * DAY, "wallet_age_days": 1000, "days_since_last_activity": 500,
        "outstanding_borrow": {}, "outstanding_positions": 0,
    }
    assert f["windows"]["all"] == window(
        event_count=2, tx_count=2, active_days=2, active_months=2, tx_per_active_month_milli=1000,
        longest_gap_days=400, mean_seconds_between_tx=400 * DAY, unique_counterparties=1, token_count=2,
        transfer_in_count=2, inflow={p.USDC: 5_000 * E6, p.WETH: 2 * E18}, inflow_hhi_bps=5000,
        stablecoin_share_bps=5000,
    )
    assert f["windows"]["1d"] == f["windows"]["7d"] == f["windows"]["30d"] == EMPTY
    without_first_seen = compute_features(p.idle_holder().events, p.IDLE, p.AS_OF)
    assert without_first_seen["wallet_age_days"] == 900
    assert compute_features([], p.IDLE, p.AS_OF)["wallet_age_days"] == 0


def test_only_the_wallets_events_up_to_as_of_count() -> None:
    events = p.careful_borrower().events + p.leverage_trader().events
    at_day_minus_250 = compute_features(events, p.CAREFUL, p.AS_OF - 250 * DAY)
    assert at_day_minus_250["wallet_age_days"] == 150
    assert at_day_minus_250["outstanding_borrow"] == {"aave-v3": {p.DAI: 1_000 * E18}}  # before the repayment
    assert at_day_minus_250["windows"]["all"]["tx_count"] == 3
    assert at_day_minus_250["windows"]["all"]["repayment_ratio_bps"] == 0
    assert compute_features(events, p.CAREFUL, p.AS_OF) == compute_features(
        p.careful_borrower().events * 2, p.CAREFUL.upper().replace("0X", "0x"), p.AS_OF)  # duplicates, any case


def test_features_from_the_store_equal_features_from_the_events(tmp_path: Path) -> None:
    histories = [p.careful_borrower(), p.leverage_trader(), p.airdrop_farmer(), p.idle_holder()]
    with EventStore(tmp_path / "f.sqlite") as store:
        for history in histories:
            store.ingest("mainnet", history.events)
        for history, wallet in zip(histories, [p.CAREFUL, p.TRADER, p.FARMER, p.IDLE]):
            stored = features_for(store, "mainnet", wallet, p.AS_OF)
            assert stored == compute_features(history.events, wallet, p.AS_OF)
            json.dumps(stored)  # plain data
