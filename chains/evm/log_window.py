"""How many blocks one eth_getLogs call asks for: halved while the RPC refuses the window for its size
(chains/evm/rpc.py RangeTooLarge), doubled back after `GROWS_AFTER` full windows answered in a row, so a
provider's cap is found once and not asked over at every call, and a lifted cap is used again."""

from __future__ import annotations

GROWS_AFTER = 8


class LogWindow:
    def __init__(self, most: int) -> None:
        self.most = most
        self.size = most
        self._passes = 0

    def end(self, start: int, last: int) -> int:
        """The last block of the window that starts at `start`, no further than `last`."""
        return min(last, start + self.size - 1)

    def refused(self, start: int, end: int) -> bool:
        """The RPC refused [start, end] for its size: halve. False when a single block was refused."""
        if end <= start:
            return False
        self.size = max(1, (end - start + 1) // 2)
        self._passes = 0
        return True

    def answered(self, start: int, end: int) -> None:
        if self.size < self.most and end - start + 1 >= self.size:
            self._passes += 1
            if self._passes >= GROWS_AFTER:
                self.size = min(self.most, self.size * 2)
                self._passes = 0
