"""Integer-only wallet features from normalised events, as of a timestamp, for 1 d / 7 d / 30 d / all time.

Only events at or before `as_of` count, so the same call gives point-in-time features for training labels.
A window "7d" holds events with `as_of - 7 * 86400 < timestamp <= as_of`; "all" holds every event up to
`as_of`. An event concerns the wallet when the wallet is in `Event.wallets`; lending counts and amounts use
only events whose `subject` is the wallet (a borrow on someone's behalf is theirs, not the caller's).
Ratios are integers in basis points (0..10000) or in thousandths (`_milli`); division floors. No floats.

Top-level keys:

- `wallet` (str), `as_of` (int, unix seconds).
- `first_activity`, `last_activity`: timestamps of the wallet's first and last event up to `as_of`, or None.
- `wallet_age_days`: (as_of - start) // 86400, start the earlier of `first_activity` and the given
  `first_seen`; 0 when neither is known.
- `days_since_last_activity`: (as_of - last_activity) // 86400, or None with no activity.
- `outstanding_borrow`: {protocol: {asset: amount}} of positive debts: per (protocol, asset), in time order,
  borrows add, repays and debt covered by liquidations subtract, a Compound V3 absorb closes the position (the
  protocol takes over the whole debt), and the running balance never goes below 0 (repaying accrued interest does
  not create credit). Covers all history up to `as_of`.
- `outstanding_positions`: how many (protocol, asset) pairs have a positive outstanding borrow.
- `windows`: {"1d": W, "7d": W, "30d": W, "all": W}, each W with the keys below.

Window keys (W):

- `event_count`: events concerning the wallet.
- `tx_count`: distinct transaction hashes among them.
- `active_days`, `active_months`: distinct UTC calendar days / months with at least one transaction.
- `tx_per_active_month_milli`: tx_count * 1000 // active_months (0 without activity).
- `longest_gap_days`: the longest time between two consecutive transactions, in whole days (0 with < 2 txs).
- `mean_seconds_between_tx`: (last tx time - first tx time) // (tx_count - 1) (0 with < 2 txs).
- `unique_counterparties`: distinct other parties: for a transfer the other side (zero address and the wallet
  itself excluded), for any other event the protocol contract that emitted it.
- `protocols` (sorted list of protocol names other than "erc20"), `protocol_count` (its length).
- `token_count`: distinct ERC-20 tokens the wallet sent or received.
- `transfer_in_count`, `transfer_out_count`: ERC-20 transfers received / sent (self-transfers in neither).
- `inflow`, `outflow`: {token: total raw amount} received / sent through ERC-20 transfers.
- `inflow_hhi_bps`: Herfindahl index of the wallet's incoming transfers over tokens, by transfer count
  (amounts of different tokens have different decimals and prices, counts do not):
  sum(n_token^2) * 10000 // n_total^2; 10000 = every inflow in one token; 0 without inflows.
- `stablecoin_share_bps`: share of the wallet's in+out transfers whose token is in the stablecoin set, by count.
- `swap_count`: swaps whose recipient is the wallet.
- `supply_count`, `withdraw_count`: supplies / withdrawals of the wallet's own position (any lending protocol).
- `borrow_count`, `repay_count`, `liquidation_count`: {protocol: n}; liquidations include Compound V3 absorbs.
- `borrowed`, `repaid`: {protocol: {asset: amount}} borrowed / repaid in the window.
- `repayment_ratio_bps`: mean over the (protocol, asset) pairs borrowed in the window of
  min(10000, repaid * 10000 // borrowed); None when nothing was borrowed in the window.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from chains.evm.indexer.events import ZERO_ADDRESS, Event, normalise_address
from chains.evm.indexer.store import EventStore

SECONDS_PER_DAY = 86_400
BPS = 10_000
WINDOWS: tuple[tuple[str, int | None], ...] = (
    ("1d", SECONDS_PER_DAY), ("7d", 7 * SECONDS_PER_DAY), ("30d", 30 * SECONDS_PER_DAY), ("all", None),
)

# Ethereum mainnet USDC, USDT, DAI; pass `stablecoins` for other chains or a wider set.
DEFAULT_STABLECOINS = frozenset({
    "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
    "0xdac17f958d2ee523a2206206994597c13d831ec7",
    "0x6b175474e89094c44da98b954eedeac495271d0f",
})

LIQUIDATION_KINDS = frozenset({"liquidation", "absorb"})


def compute_features(events: Iterable[Event], wallet: str, as_of: int, *, first_seen: int | None = None,
                     stablecoins: Collection[str] = DEFAULT_STABLECOINS) -> dict[str, Any]:
    """The wallet's features as of `as_of` from its events (others' events are ignored). See the module doc."""
    wallet = normalise_address(wallet)
    stables = frozenset(normalise_address(s) for s in stablecoins)
    unique: dict[tuple[str, int], Event] = {}
    for e in events:
        if wallet in e.wallets and e.timestamp <= as_of:
            unique[(e.tx_hash, e.log_index)] = e
    mine = sorted(unique.values(), key=lambda e: (e.timestamp, e.block, e.log_index, e.tx_hash))

    first = mine[0].timestamp if mine else None
    last = mine[-1].timestamp if mine else None
    starts = [t for t in (first, first_seen) if t is not None]
    age_days = max(0, as_of - min(starts)) // SECONDS_PER_DAY if starts else 0
    outstanding = _outstanding(mine, wallet)
    windows = {}
    for name, span in WINDOWS:
        selected = mine if span is None else [e for e in mine if e.timestamp > as_of - span]
        windows[name] = _window(selected, wallet, stables)
    return {
        "wallet": wallet,
        "as_of": as_of,
        "first_activity": first,
        "last_activity": last,
        "wallet_age_days": age_days,
        "days_since_last_activity": None if last is None else (as_of - last) // SECONDS_PER_DAY,
        "outstanding_borrow": outstanding,
        "outstanding_positions": sum(len(assets) for assets in outstanding.values()),
        "windows": windows,
    }


def features_for(store: EventStore, chain: str, wallet: str, as_of: int, *, first_seen: int | None = None,
                 stablecoins: Collection[str] = DEFAULT_STABLECOINS) -> dict[str, Any]:
    """`compute_features` over the wallet's events in the store."""
    events = store.events_for(chain, wallet, until_timestamp=as_of)
    return compute_features(events, wallet, as_of, first_seen=first_seen, stablecoins=stablecoins)


def _outstanding(events: list[Event], wallet: str) -> dict[str, dict[str, int]]:
    balance: dict[tuple[str, str], int] = defaultdict(int)
    for e in events:
        if e.subject != wallet:
            continue
        key = (e.protocol, e.asset)
        if e.kind == "borrow":
            balance[key] += e.amount
        elif e.kind in ("repay", "liquidation"):
            balance[key] = max(0, balance[key] - e.amount)
        elif e.kind == "absorb":
            balance[key] = 0  # Compound V3's AbsorbDebt takes over the borrower's whole debt
    result: dict[str, dict[str, int]] = {}
    for (protocol, asset), amount in sorted(balance.items()):
        if amount > 0:
            result.setdefault(protocol, {})[asset] = amount
    return result


def _window(events: list[Event], wallet: str, stables: frozenset[str]) -> dict[str, Any]:
    tx_time: dict[str, int] = {}
    counterparties: set[str] = set()
    protocols: set[str] = set()
    tokens: set[str] = set()
    inflow: Counter[str] = Counter()
    outflow: Counter[str] = Counter()
    in_count: Counter[str] = Counter()
    transfers = stable_transfers = out_count = 0
    swaps = supplies = withdrawals = 0
    borrows: Counter[str] = Counter()
    repays: Counter[str] = Counter()
    liquidations: Counter[str] = Counter()
    borrowed: dict[tuple[str, str], int] = defaultdict(int)
    repaid: dict[tuple[str, str], int] = defaultdict(int)

    for e in events:
        tx_time[e.tx_hash] = min(tx_time.get(e.tx_hash, e.timestamp), e.timestamp)
        if e.kind == "transfer":
            sender, receiver, token = e.subject, e.counterparty, e.asset
            tokens.add(token)
            other = receiver if sender == wallet else sender
            if other not in (ZERO_ADDRESS, wallet):
                counterparties.add(other)
            if sender == receiver:
                continue
            transfers += 1
            stable_transfers += token in stables
            if receiver == wallet:
                inflow[token] += e.amount
                in_count[token] += 1
            else:
                outflow[token] += e.amount
                out_count += 1
            continue
        protocols.add(e.protocol)
        counterparties.add(e.contract)
        if e.subject != wallet:
            continue
        if e.kind == "swap":
            swaps += 1
        elif e.kind == "supply":
            supplies += 1
        elif e.kind == "withdraw":
            withdrawals += 1
        elif e.kind == "borrow":
            borrows[e.protocol] += 1
            borrowed[(e.protocol, e.asset)] += e.amount
        elif e.kind == "repay":
            repays[e.protocol] += 1
            repaid[(e.protocol, e.asset)] += e.amount
        elif e.kind in LIQUIDATION_KINDS:
            liquidations[e.protocol] += 1

    times = sorted(tx_time.values())
    gaps = [b - a for a, b in zip(times, times[1:])]
    days = {t // SECONDS_PER_DAY for t in times}
    months = {time.gmtime(t)[:2] for t in times}
    inflows = sum(in_count.values())
    ratios = [min(BPS, repaid.get(key, 0) * BPS // amount) for key, amount in sorted(borrowed.items()) if amount > 0]
    return {
        "event_count": len(events),
        "tx_count": len(times),
        "active_days": len(days),
        "active_months": len(months),
        "tx_per_active_month_milli": len(times) * 1000 // len(months) if months else 0,
        "longest_gap_days": max(gaps) // SECONDS_PER_DAY if gaps else 0,
        "mean_seconds_between_tx": (times[-1] - times[0]) // (len(times) - 1) if len(times) > 1 else 0,
        "unique_counterparties": len(counterparties),
        "protocols": sorted(protocols),
        "protocol_count": len(protocols),
        "token_count": len(tokens),
        "transfer_in_count": inflows,
        "transfer_out_count": out_count,
        "inflow": dict(sorted(inflow.items())),
        "outflow": dict(sorted(outflow.items())),
        "inflow_hhi_bps": sum(n * n for n in in_count.values()) * BPS // (inflows * inflows) if inflows else 0,
        "stablecoin_share_bps": stable_transfers * BPS // transfers if transfers else 0,
        "swap_count": swaps,
        "supply_count": supplies,
        "withdraw_count": withdrawals,
        "borrow_count": dict(sorted(borrows.items())),
        "repay_count": dict(sorted(repays.items())),
        "liquidation_count": dict(sorted(liquidations.items())),
        "borrowed": _nest(borrowed),
        "repaid": _nest(repaid),
        "repayment_ratio_bps": sum(ratios) // len(ratios) if ratios else None,
    }


def _nest(amounts: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    nested: dict[str, dict[str, int]] = {}
    for (protocol, asset), amount in sorted(amounts.items()):
        nested.setdefault(protocol, {})[asset] = amount
    return nested
