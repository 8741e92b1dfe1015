"""The simulated histories the PD model trains on: a Compound V3 absorb closes the absorbed debt (in the features
and in the labels, which share the rule), and a wallet's nonce at the assessment counts nothing of its future."""

from __future__ import annotations

from chains.evm.indexer.compute import compute_features
from chains.evm.indexer.events import Event
from node.workshop.model.labels import DAY, label
from node.workshop.model.simulator import simulate_wallet

WALLET = "0x" + "ab" * 20
COMET = "0x" + "c3" * 20
ABSORBER = "0x" + "ee" * 20
AS_OF = 1_700_000_000


def event(kind: str, ts: int, amount: int, counterparty: str = WALLET) -> Event:
    return Event(kind=kind, protocol="compound-v3", contract=COMET, subject=WALLET, counterparty=counterparty,
                 wallets=(WALLET,) if counterparty == WALLET else (WALLET, counterparty), asset=COMET,
                 amount=amount, block=ts // 12, timestamp=ts, tx_hash="0x" + f"{ts:064x}", log_index=0)


HISTORY = [event("borrow", AS_OF - 100 * DAY, 500 * 10**6),
           event("absorb", AS_OF - 50 * DAY, 480 * 10**6, ABSORBER)]


def test_an_absorb_closes_the_whole_debt_in_the_features() -> None:
    f = compute_features(HISTORY, WALLET, AS_OF)
    assert (f["outstanding_borrow"], f["outstanding_positions"]) == ({}, 0)
    before = compute_features(HISTORY[:1], WALLET, AS_OF)
    assert before["outstanding_borrow"] == {"compound-v3": {COMET: 500 * 10**6}}


def test_an_absorbed_wallet_defaults_in_the_window_of_its_absorb_and_no_later_one() -> None:
    assert label(HISTORY, WALLET, AS_OF - 60 * DAY) == 1  # absorbed inside this window's horizon
    assert label(HISTORY, WALLET, AS_OF) == 0  # nothing open, nothing happens: not a default again


def test_a_wallets_nonce_counts_nothing_of_its_future() -> None:
    """Every transaction the wallet sent before the assessment counts; its swaps, borrows and repayments are among
    them. Subtracting events after the assessment (which were never counted) pushed some below that floor."""
    below = [i for i in range(3000) if (w := simulate_wallet(i, 7)).features.tx_count <
             w.features.history["swaps"] + w.features.history["borrows"] + w.features.history["repays"]]
    assert below == []
