"""A subject's protocol history over eth_getLogs, for the indexer (chains/evm/indexer).

For a wallet W and a block range, the logs that can concern W are found with topic filters, never by
reading whole blocks:
- ERC-20 Transfer from any token: W as topic1 (from), then W as topic2 (to);
- for each topic position k (1..3), one query over the configured protocol contracts with topic0 any of
  the configured families' events that have an indexed address at k, and W at k.
An event whose only mention of W is a non-indexed field (Aave Supply's paying `user` when onBehalfOf is
someone else) is not found this way; the event tables in chains/evm/indexer/events.py say who the subject is.
Ranges are read in windows of at most `max_log_range` blocks that halve while the RPC refuses their size
(chains/evm/log_window.py); logs, as JSON-RPC answers them (chains/evm/get_logs.py), are de-duplicated by (tx hash,
log index) and returned with their block timestamps in chain order.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from eth_utils import to_checksum_address
from web3 import AsyncWeb3

from chains.core.errors import RetryLater
from chains.evm.config import IndexerSection
from chains.evm.get_logs import get_logs, position
from chains.evm.indexer.events import ERC20_TRANSFER, EVENT_ABIS, EventDecoder
from chains.evm.log_window import LogWindow
from chains.evm.rpc import RangeTooLarge

TIMESTAMP_CACHE = 4096


def _topic(wallet: str) -> str:
    return "0x" + "00" * 12 + wallet.lower()[2:]


class EvmHistory:
    def __init__(self, chain: str, cfg: IndexerSection) -> None:
        self.chain = chain
        self.cfg = cfg
        contracts = {a: name for name, addresses in cfg.protocols.items() for a in addresses}
        self.decoder = EventDecoder(contracts, cfg.families)
        self.contracts = [to_checksum_address(a) for a in sorted(contracts)]
        families = {cfg.families.get(name, name) for name in cfg.protocols}
        self._by_position: dict[int, list[str]] = {}
        for abi in EVENT_ABIS:
            if abi.family not in families:
                continue
            indexed = abi.indexed
            for k, param in enumerate(indexed, start=1):
                if param.type == "address":
                    self._by_position.setdefault(k, []).append(abi.topic0)
        self._timestamps: OrderedDict[int, int] = OrderedDict()
        self.window = LogWindow(cfg.max_log_range)

    async def fetch(self, w3: AsyncWeb3, wallet: str, first: int, last: int) -> list[tuple[dict[str, Any], int]]:
        """The wallet's logs in [first, last] with block timestamps. RPC failures raise RetryLater."""
        me = _topic(wallet)
        found: dict[tuple[str, int], dict[str, Any]] = {}
        start = first
        try:
            while start <= last:
                end = self.window.end(start, last)
                filters: list[tuple[list[Any], Sequence[str]]] = [
                    ([ERC20_TRANSFER.topic0, me], []),
                    ([ERC20_TRANSFER.topic0, None, me], []),
                ]
                if self.contracts:
                    for k, topic0s in sorted(self._by_position.items()):
                        filters.append(([topic0s] + [None] * (k - 1) + [me], self.contracts))
                try:
                    for topics, addresses in filters:
                        for log in await get_logs(w3, start, end, topics, addresses):
                            found[(str(log["transactionHash"]).lower(), position(log)[1])] = log
                except RangeTooLarge:
                    if not self.window.refused(start, end):
                        raise
                    continue  # the same blocks again in smaller windows (logs already found are kept once)
                self.window.answered(start, end)
                start = end + 1
            ordered = sorted(found.values(), key=position)
            return [(log, await self._timestamp(w3, position(log)[0])) for log in ordered]
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001 - any transport failure: try again on the next pass
            raise RetryLater(f"{self.chain}: RPC failed reading {wallet}'s history: {type(e).__name__}: {e}") from None

    async def _timestamp(self, w3: AsyncWeb3, number: int) -> int:
        hit = self._timestamps.get(number)
        if hit is not None:
            self._timestamps.move_to_end(number)
            return hit
        ts = int((await w3.eth.get_block(number))["timestamp"])
        self._timestamps[number] = ts
        if len(self._timestamps) > TIMESTAMP_CACHE:
            self._timestamps.popitem(last=False)
        return ts
