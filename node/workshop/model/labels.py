"""Default labels from chain history: the same definition for simulated wallets and for indexed mainnet.

A wallet assessed at `as_of` DEFAULTS within the horizon (`horizon_days`, 90 by default) when, in
(as_of, as_of + horizon]:
- it is liquidated (Aave LiquidationCall or Compound V3 absorb with the wallet as subject), or
- a debt position (protocol, asset) that was open at `as_of` is still open at `as_of + horizon` without any
  repayment in between (an unrepaid borrow). Positions are counted as the features count them
  (chains/evm/indexer/compute.py): an absorb closes one, so an absorbed wallet defaults in the window of its
  absorb and not again in every later one.
Otherwise it is labelled 0. Only wallets that could default are useful training rows, but every wallet is
labelled: one with no debt and no liquidation is simply 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from chains.evm.indexer.events import Event

DAY = 86_400
DEFAULT_HORIZON_DAYS = 90
LIQUIDATION_KINDS = frozenset({"liquidation", "absorb"})


def _balances(events: list[Event], wallet: str, until: int) -> dict[tuple[str, str], int]:
    balance: dict[tuple[str, str], int] = defaultdict(int)
    for e in events:
        if e.timestamp > until or e.subject != wallet:
            continue
        key = (e.protocol, e.asset)
        if e.kind == "borrow":
            balance[key] += e.amount
        elif e.kind in ("repay", "liquidation"):
            balance[key] = max(0, balance[key] - e.amount)
        elif e.kind == "absorb":
            balance[key] = 0  # Compound V3's AbsorbDebt takes over the borrower's whole debt
    return {k: v for k, v in balance.items() if v > 0}


def label(events: Iterable[Event], wallet: str, as_of: int, horizon_days: int = DEFAULT_HORIZON_DAYS) -> int:
    """1 if the wallet defaults in (as_of, as_of + horizon], else 0 (see the module doc)."""
    wallet = wallet.lower()
    mine = sorted((e for e in events if e.subject == wallet), key=lambda e: (e.timestamp, e.block, e.log_index))
    end = as_of + horizon_days * DAY
    window = [e for e in mine if as_of < e.timestamp <= end]
    if any(e.kind in LIQUIDATION_KINDS for e in window):
        return 1
    open_at_start = _balances(mine, wallet, as_of)
    if not open_at_start:
        return 0
    repaid = {(e.protocol, e.asset) for e in window if e.kind == "repay"}
    still_open = _balances(mine, wallet, end)
    return int(any(key in still_open and key not in repaid for key in open_at_start))


def has_horizon(latest_timestamp: int, as_of: int, horizon_days: int = DEFAULT_HORIZON_DAYS) -> bool:
    """A label needs the whole horizon indexed: the chain's indexed history must reach as_of + horizon."""
    return latest_timestamp >= as_of + horizon_days * DAY
