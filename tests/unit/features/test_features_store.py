"""The event store: idempotent batches, the per-wallet mark, incremental sync, one transaction per batch."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from chains.evm.indexer.events import EventDecoder
from chains.evm.indexer.indexer import sync_wallet
from chains.evm.indexer.store import EventStore
from tests.unit.features import personas as p
from tests.unit.features import real_logs as real

DECODER = EventDecoder(real.MAINNET_CONTRACTS)
REAL = [(log, real.ROTKI_TIME) for log in [*real.ROTKI_V2.values(), *real.ROTKI_V3.values()]]


def test_reingesting_the_same_logs_stores_nothing_new(tmp_path: Path) -> None:
    events = DECODER.decode_many(REAL)
    with EventStore(tmp_path / "f.sqlite") as store:
        assert store.ingest("mainnet", events) == 8
        assert store.ingest("mainnet", events) == 0
        assert store.ingest("mainnet", list(reversed(events)) + events[:3]) == 0
        assert store.event_count("mainnet") == 8
        # the same log on another chain is another event
        assert store.ingest("base", events[:2]) == 2
        assert store.event_count() == 10


def test_events_read_back_equal_what_was_decoded(tmp_path: Path) -> None:
    events = DECODER.decode_many(REAL)
    wallet = "0x3cadf2ca458376a6a5fea2ef3612346037d5a787"
    with EventStore(tmp_path / "f.sqlite") as store:
        store.ingest("mainnet", events)
        mine = store.events_for("mainnet", wallet.upper().replace("0X", "0x"))
        assert mine == [e for e in events if wallet in e.wallets]
        assert [e.log_index for e in mine] == [517, 519]
        v3 = store.events_for("mainnet", "0xb63e0c506ddba7b0dd106d1937d6d13be2c62ae2")
        assert v3 == [e for e in events if e.tx_hash == real.V3_TX]  # negative int256 and int24 survive
        assert store.events_for("mainnet", wallet, until_timestamp=real.ROTKI_TIME - 1) == []
        assert store.events_for("base", wallet) == []


def test_marks_move_forward_only_and_give_the_pending_range(tmp_path: Path) -> None:
    wallet = p.CAREFUL
    with EventStore(tmp_path / "f.sqlite") as store:
        assert store.indexed_to("mainnet", wallet) is None
        assert store.pending_range("mainnet", wallet, head=150, start_block=10) == (10, 150)
        store.ingest("mainnet", [], marks={wallet: 100})
        store.ingest("mainnet", [], marks={wallet: 90})
        assert store.indexed_to("mainnet", wallet.upper().replace("0X", "0x")) == 100
        assert store.pending_range("mainnet", wallet, head=150) == (101, 150)
        assert store.pending_range("mainnet", wallet, head=100) is None
        assert store.indexed_to("base", wallet) is None
    with EventStore(tmp_path / "f.sqlite") as reopened:
        assert reopened.indexed_to("mainnet", wallet) == 100


def test_a_failing_batch_leaves_neither_events_nor_mark(tmp_path: Path) -> None:
    events = DECODER.decode_many(REAL)
    with EventStore(tmp_path / "f.sqlite") as store:
        # fail the last statement of the batch (the mark), after the events were written in the transaction
        store.conn.execute("CREATE TEMP TRIGGER fail_mark BEFORE INSERT ON wallet_marks "
                           "WHEN NEW.indexed_to_block = 666 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
        with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
            store.ingest("mainnet", events, marks={p.CAREFUL: 666})
        assert store.event_count() == 0
        assert store.events_for("mainnet", real.UNI_V2_FXS_USDC) == []
        assert store.indexed_to("mainnet", p.CAREFUL) is None
        assert store.ingest("mainnet", events, marks={p.CAREFUL: 667}) == 8
        assert store.indexed_to("mainnet", p.CAREFUL) == 667


class ChainLogs:
    """A wallet's logs by block, served the way an RPC log query would, recording each range asked for."""

    def __init__(self, logs: list[tuple[Mapping[str, Any], int]]) -> None:
        self.logs = logs
        self.asked: list[tuple[str, int, int]] = []

    def __call__(self, wallet: str, first: int, last: int) -> Iterable[tuple[Mapping[str, Any], int]]:
        self.asked.append((wallet, first, last))
        return [(log, ts) for log, ts in self.logs if first <= int(log["blockNumber"], 16) <= last]


def test_a_wallet_seen_before_is_brought_up_to_date_not_reread(tmp_path: Path) -> None:
    history = p.leverage_trader()
    blocks = sorted(int(log["blockNumber"], 16) for log, _ in history.logs)
    cut = blocks[7]  # the first four transactions (eight logs) happen up to here, four more later
    chain = ChainLogs(history.logs)
    with EventStore(tmp_path / "f.sqlite") as store:
        first = sync_wallet(store, p.decoder(), "mainnet", p.TRADER, cut, chain, start_block=1000)
        assert (first.from_block, first.to_block, first.events, first.inserted) == (1000, cut, 8, 8)
        again = sync_wallet(store, p.decoder(), "mainnet", p.TRADER, cut, chain)
        assert (again.from_block, again.logs, again.inserted) == (None, 0, 0)
        later = sync_wallet(store, p.decoder(), "mainnet", p.TRADER, blocks[-1] + 5, chain)
        assert (later.from_block, later.to_block, later.inserted) == (cut + 1, blocks[-1] + 5, 6)
        assert chain.asked == [(p.TRADER, 1000, cut), (p.TRADER, cut + 1, blocks[-1] + 5)]
        assert store.events_for("mainnet", p.TRADER) == history.events


def test_sync_skips_malformed_logs_and_keeps_the_store_unchanged_when_the_source_fails(tmp_path: Path) -> None:
    bad = dict(real.ROTKI_V2[519], data="0x1234")
    good = real.ROTKI_V2[517]
    wallet = "0x3cadf2ca458376a6a5fea2ef3612346037d5a787"

    def failing(wallet: str, first: int, last: int) -> list[tuple[Mapping[str, Any], int]]:
        raise TimeoutError("rpc timed out")

    with EventStore(tmp_path / "f.sqlite") as store:
        with pytest.raises(TimeoutError):
            sync_wallet(store, DECODER, "mainnet", wallet, real.ROTKI_BLOCK, failing)
        assert store.indexed_to("mainnet", wallet) is None
        result = sync_wallet(store, DECODER, "mainnet", wallet, real.ROTKI_BLOCK,
                             lambda w, a, b: [(bad, real.ROTKI_TIME), (good, real.ROTKI_TIME)])
        assert (result.logs, result.events, result.inserted, result.skipped) == (2, 1, 1, 1)
        assert store.indexed_to("mainnet", wallet) == real.ROTKI_BLOCK
