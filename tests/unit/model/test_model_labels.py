"""Default labels and training rows from indexed chain history: the path an operator with an archive RPC
takes (`labelled_from_store`), over events decoded from real-layout logs into the real event store."""

from __future__ import annotations

from pathlib import Path

from chains.evm.indexer.events import AAVE_BORROW, AAVE_LIQUIDATION_CALL, AAVE_REPAY, EventDecoder
from chains.evm.indexer.store import EventStore
from node.scoring.features import INDEX
from node.workshop.model.labels import DAY, has_horizon, label
from node.workshop.model.train import labelled_from_store
from tests.unit.features.builders import History, address

POOL = address(0xAAAE)
USDC = address(0x05DC)
AS_OF = 1_700_000_000
REPAYS, UNREPAID, LIQUIDATED, CLEAN = address(1), address(2), address(3), address(4)


def borrow(who: str, amount: int) -> tuple:
    return (AAVE_BORROW, POOL, {"reserve": USDC, "user": who, "onBehalfOf": who, "amount": amount,
                                "interestRateMode": 2, "borrowRate": 0, "referralCode": 0})


def repay(who: str, amount: int) -> tuple:
    return (AAVE_REPAY, POOL, {"reserve": USDC, "user": who, "repayer": who, "amount": amount, "useATokens": False})


def liquidate(who: str, amount: int) -> tuple:
    return (AAVE_LIQUIDATION_CALL, POOL, {"collateralAsset": USDC, "debtAsset": USDC, "user": who,
                                          "debtToCover": amount, "liquidatedCollateralAmount": amount,
                                          "liquidator": address(99), "receiveAToken": False})


def history() -> History:
    h = History(EventDecoder({POOL: "aave-v3"}), 7)
    h.tx(AS_OF - 40 * DAY, borrow(REPAYS, 100))
    h.tx(AS_OF + 10 * DAY, repay(REPAYS, 100))          # open at as_of, repaid inside the horizon
    h.tx(AS_OF - 40 * DAY, borrow(UNREPAID, 100))       # open at as_of and 90 days later: default
    h.tx(AS_OF - 5 * DAY, borrow(LIQUIDATED, 100))
    h.tx(AS_OF + 30 * DAY, liquidate(LIQUIDATED, 100))  # liquidated inside the horizon: default
    h.tx(AS_OF - 60 * DAY, borrow(CLEAN, 100), repay(CLEAN, 100))
    h.tx(AS_OF + 95 * DAY, liquidate(CLEAN, 1))         # after the horizon: not this label's business
    return h


def test_labels() -> None:
    events = history().events
    assert [label(events, w, AS_OF) for w in (REPAYS, UNREPAID, LIQUIDATED, CLEAN)] == [0, 1, 1, 0]
    assert label(events, CLEAN, AS_OF, horizon_days=100) == 1
    assert label(events, UNREPAID, AS_OF - 50 * DAY) == 0  # nothing was open then
    assert has_horizon(AS_OF + 90 * DAY, AS_OF) and not has_horizon(AS_OF + 90 * DAY - 1, AS_OF)


def test_rows_from_the_store_use_only_the_past(tmp_path: Path) -> None:
    with EventStore(tmp_path / "events.sqlite") as store:
        store.ingest("mainnet", history().events)
        wallets = [REPAYS, UNREPAID, LIQUIDATED, CLEAN]
        X, y = labelled_from_store(store, "mainnet", wallets, AS_OF,
                                   base=lambda w: (3, 10**18, AS_OF - 100 * DAY))
    assert y == [0, 1, 1, 0]
    rows = dict(zip(wallets, X))
    # features stop at as_of: the repayment and liquidation after it are not in them
    assert rows[REPAYS][INDEX["outstanding_positions"]] == 1 and rows[REPAYS][INDEX["repays"]] == 0
    assert rows[LIQUIDATED][INDEX["liquidations"]] == 0
    assert rows[CLEAN][INDEX["repayment_ratio_bps"]] == 10_000 and rows[CLEAN][INDEX["liquidations"]] == 0
    assert all(r[INDEX["age_days"]] == 100 and r[INDEX["tx_count"]] == 3 for r in X)
