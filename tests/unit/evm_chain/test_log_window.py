"""The EVM adapter's eth_getLogs window: halved while the RPC refuses its size, grown back as it answers, so a
provider capped at N blocks never leaves the node stalled behind (a real anvil behind a range-capped endpoint)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from eth_account import Account

from chains.base import Confidence
from chains.evm.adapter import EvmAdapter
from chains.evm.config import EvmChain, IndexerSection
from chains.evm.log_window import GROWS_AFTER as WINDOW_GROWS_AFTER
from chains.evm.log_window import LogWindow
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil

from .rpc_upstream import CHAIN_ID, Upstream, anvil  # noqa: F401

ORACLE = "0x00000000000000000000000000000000000A0A0A"


def _rpc(anvil: Anvil, method: str, *params: object) -> None:  # noqa: F811
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    urllib.request.urlopen(urllib.request.Request(anvil.url, body, {"Content-Type": "application/json"}), timeout=5)


async def test_a_refused_window_halves_until_it_passes_then_grows_back(anvil: Anvil,  # noqa: F811
                                                                       tmp_path: Path) -> None:
    _rpc(anvil, "anvil_setCode", ORACLE, "0x00")
    _rpc(anvil, "anvil_mine", hex(1000))
    async with Upstream(anvil.url) as up:
        up.max_range = 50
        cfg = EvmChain.model_validate({
            "family": "evm", "name": "anvil", "chain_id": CHAIN_ID, "rpc_url": up.url, "oracle": ORACLE,
            "rpc_timeout_s": 2, "max_log_range": 200, "transmitter_keystore": str(tmp_path / "k.json"),
            "transmitter_passphrase_file": str(tmp_path / "p")})
        adapter = EvmAdapter(cfg, Account.from_key(DEFAULT_KEYS[0]))
        await adapter.connect()
        try:
            head = await adapter.head(Confidence.LATEST)
            batch = await adapter.poll_requests(None, head)
            assert batch.reached == 49  # 200 refused, 100 refused, 50 passed
            assert adapter.log_window.size == 50
            up.max_range = None  # the provider lifts its cap: the window doubles after WINDOW_GROWS_AFTER answers
            reached = [batch.reached]
            cursor = batch.next_cursor
            while reached[-1] < head.number:
                batch = await adapter.poll_requests(cursor, head)
                cursor = batch.next_cursor
                reached.append(batch.reached)
            sizes = [b - a for a, b in zip(reached, reached[1:])]
            grown = WINDOW_GROWS_AFTER - 1  # the first window counted already
            assert sizes[:grown] == [50] * grown and sizes[grown:grown + 4] == [100] * 4
            assert up.served("eth_getLogs") == 3 + len(sizes)  # 200 and 100 refused once each, never again
        finally:
            await adapter.close()


def test_the_window_halves_on_refusal_and_doubles_back_after_full_answers() -> None:
    window = LogWindow(100)
    assert window.end(0, 1000) == 99
    assert window.refused(0, 99) and window.size == 50
    assert window.refused(0, 49) and window.size == 25
    for n in range(WINDOW_GROWS_AFTER - 1):
        window.answered(n * 25, n * 25 + 24)
    window.answered(500, 510)  # a short last window does not count
    assert window.size == 25
    window.answered(600, 624)
    assert window.size == 50
    assert not LogWindow(1).refused(7, 7)


async def test_the_history_indexer_halves_its_window_too(anvil: Anvil, tmp_path: Path) -> None:  # noqa: F811
    from web3 import AsyncWeb3

    from chains.evm.history import EvmHistory
    from chains.evm.rpc import FailoverProvider

    _rpc(anvil, "anvil_mine", hex(400))
    async with Upstream(anvil.url) as up:
        up.max_range = 100
        history = EvmHistory("anvil", IndexerSection(max_log_range=400))
        provider = FailoverProvider("anvil", [up.url], [], timeout_s=2, chain_id=CHAIN_ID, max_lag=5)
        try:
            logs = await history.fetch(AsyncWeb3(provider), "0x" + "ab" * 20, 0, 399)
        finally:
            await provider.disconnect()
        assert logs == [] and history.window.size == 100
        # the two Transfer filters: 400 and 200 refused once each (the first filter), then 4 windows x 2 filters
        assert up.served("eth_getLogs") == 2 + 4 * 2
