"""Lending events of watched wallets over eth_getLogs (`EvmAdapter.credit_events`): what re-scores a watched wallet
when it borrows, repays or is liquidated (docs/operations.md, "Re-scoring").

One query per window over the contracts the indexer reads for lending protocols, for the topic0s of their credit
events; the logs are decoded by the indexer's own decoder (chains/evm/indexer/events.py), which also decides whose
event it is (Aave's `onBehalfOf` for a borrow, `user` for a repayment or a liquidation; Comet's `src`, `dst` or
`borrower`), and kept when that wallet is watched. Windows halve while the RPC refuses their size, as the history
reads do (chains/evm/log_window.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from web3 import AsyncWeb3

from chains.base import CreditEvent
from chains.core.errors import MalformedLog, RetryLater
from chains.evm.get_logs import get_logs, position
from chains.evm.history import EvmHistory
from chains.evm.indexer.events import (
    AAVE_BORROW,
    AAVE_LIQUIDATION_CALL,
    AAVE_REPAY,
    COMET_ABSORB_DEBT,
    COMET_SUPPLY,
    COMET_WITHDRAW,
    normalise_address,
)
from chains.evm.log_window import LogWindow
from chains.evm.rpc import RangeTooLarge

CREDIT_EVENTS = (AAVE_BORROW, AAVE_REPAY, AAVE_LIQUIDATION_CALL, COMET_WITHDRAW, COMET_SUPPLY, COMET_ABSORB_DEBT)
"""Events that change a wallet's credit: an Aave-V3-shaped pool's borrows, repayments and liquidations; a
Compound-V3-shaped market's withdrawals and supplies of its base (its borrows and repayments; a plain deposit or
withdrawal triggers a re-score too) and absorptions."""


class CreditReader:
    """The lending events of one chain's configured protocols."""

    def __init__(self, chain: str, history: EvmHistory) -> None:
        self.chain, self.history = chain, history
        self.topics = [abi.topic0 for abi in CREDIT_EVENTS]
        self.window = LogWindow(history.cfg.max_log_range)

    async def read(self, w3: AsyncWeb3, subjects: Collection[str], first: int, last: int) -> list[CreditEvent]:
        """The events of `subjects` in blocks [first, last], in chain order. RPC failures raise RetryLater."""
        watched = {normalise_address(s): s for s in subjects}
        if not watched or not self.history.contracts or first > last:
            return []
        out: list[CreditEvent] = []
        start = first
        try:
            while start <= last:
                end = self.window.end(start, last)
                try:
                    logs = await get_logs(w3, start, end, [self.topics], self.history.contracts)
                except RangeTooLarge:
                    if not self.window.refused(start, end):
                        raise
                    continue
                self.window.answered(start, end)
                out += self._events(logs, watched)
                start = end + 1
        except RetryLater:
            raise
        except Exception as e:  # noqa: BLE001 - any transport failure: the caller keeps its cursor and asks again
            raise RetryLater(f"{self.chain}: RPC failed reading lending events: {type(e).__name__}: {e}") from None
        return out

    def _events(self, logs: list[dict[str, Any]], watched: dict[str, str]) -> list[CreditEvent]:
        found = []
        for raw in sorted(logs, key=position):
            try:
                event = self.history.decoder.decode(raw, 0)
            except MalformedLog:
                continue  # a look-alike the indexer skips too
            if event is None or event.subject not in watched:
                continue
            found.append(CreditEvent(subject=watched[event.subject], kind=event.kind, protocol=event.protocol,
                                     height=event.block, tx_hash=event.tx_hash))
        return found


__all__ = ["CREDIT_EVENTS", "CreditReader"]
