"""Measure event-store ingestion: `python -m node.workshop.bench_ingest [--events N] [--batch B]`.

Builds N distinct transfer/borrow/repay/swap events over a few hundred wallets, ingests them in batches of B
(each batch one transaction, with its wallets' marks) into a fresh SQLite file, then ingests them all again
(every row a duplicate). Also times decoding real-layout logs (eth_abi-encoded) through `EventDecoder`.
Prints one JSON object with `events_per_s` (first ingestion), `reingest_events_per_s` and `decode_events_per_s`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from eth_abi import encode

from chains.evm.indexer.events import AAVE_BORROW, ERC20_TRANSFER, Event, EventABI, EventDecoder
from chains.evm.indexer.store import EventStore

POOL = "0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2"
USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"


def _address(n: int) -> str:
    return "0x" + n.to_bytes(20, "big").hex()


def synthetic_events(count: int, wallets: int = 500) -> list[Event]:
    kinds = ("transfer", "transfer", "transfer", "borrow", "repay", "swap")
    events = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        subject, other = _address(0x1000 + i % wallets), _address(0x9000 + (i * 7) % wallets)
        protocol = {"transfer": "erc20", "swap": "uniswap-v2"}.get(kind, "aave-v3")
        events.append(Event(
            kind=kind, protocol=protocol, contract=USDC if kind == "transfer" else POOL, subject=subject,
            counterparty=other, wallets=(subject, other), asset=USDC, amount=10**6 * (i + 1),
            block=18_000_000 + i // 10, timestamp=1_700_000_000 + 12 * (i // 10),
            tx_hash="0x" + i.to_bytes(32, "big").hex(), log_index=i % 10,
            details=(("borrow_rate", 3 * 10**25),) if kind == "borrow" else ()))
    return events


def _log(abi: EventABI, contract: str, values: dict[str, object], i: int) -> dict[str, object]:
    topics = ["0x" + bytes.fromhex(abi.topic0[2:]).hex()]
    topics += ["0x" + encode([p.type], [values[p.name]]).hex() for p in abi.indexed]
    data = encode([p.type for p in abi.unindexed], [values[p.name] for p in abi.unindexed])
    return {"address": contract, "topics": topics, "data": "0x" + data.hex(), "blockNumber": hex(i),
            "transactionHash": "0x" + i.to_bytes(32, "big").hex(), "logIndex": hex(i % 50)}


def decode_rate(count: int) -> float:
    decoder = EventDecoder({POOL: "aave-v3"})
    a, b = _address(0xA11CE), _address(0xB0B)
    logs = []
    for i in range(count):
        if i % 2:
            logs.append((_log(ERC20_TRANSFER, USDC, {"from": a, "to": b, "value": i}, i), 1_700_000_000 + i))
        else:
            logs.append((_log(AAVE_BORROW, POOL, {"reserve": USDC, "user": a, "onBehalfOf": a, "amount": i,
                                                  "interestRateMode": 2, "borrowRate": 10**25,
                                                  "referralCode": 0}, i), 1_700_000_000 + i))
    start = time.perf_counter()
    decoded = decoder.decode_many(logs)
    elapsed = time.perf_counter() - start
    assert len(decoded) == count
    return count / elapsed


def ingest_timed(store: EventStore, batches: list[list[Event]], chain: str = "mainnet") -> tuple[int, float]:
    """Ingest each batch in one transaction with its wallets' marks; (rows inserted, seconds)."""
    start = time.perf_counter()
    inserted = 0
    for batch in batches:
        inserted += store.ingest(chain, batch, marks={w: batch[-1].block for e in batch for w in e.wallets})
    return inserted, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=5_000)
    args = parser.parse_args(argv)
    events = synthetic_events(args.events)
    batches = [events[i:i + args.batch] for i in range(0, len(events), args.batch)]
    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore(Path(tmp) / "features.sqlite")
        inserted, first = ingest_timed(store, batches)
        start = time.perf_counter()
        again = sum(store.ingest("mainnet", batch) for batch in batches)
        second = time.perf_counter() - start
        size = (Path(tmp) / "features.sqlite").stat().st_size
        store.close()
    if inserted != len(events) or again != 0:
        raise SystemExit(f"expected {len(events)} new then 0, got {inserted} then {again}")
    print(json.dumps({
        "events": len(events), "batch": args.batch, "seconds": round(first, 3),
        "events_per_s": int(len(events) / first), "reingest_events_per_s": int(len(events) / second),
        "decode_events_per_s": int(decode_rate(5_000)), "db_bytes": size,
    }))


if __name__ == "__main__":
    main()
