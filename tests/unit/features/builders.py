"""Build raw logs from the real ABIs with eth_abi (indexed fields to topics, the rest ABI-encoded as data)."""

from __future__ import annotations

from typing import Any

from eth_abi import encode

from chains.evm.indexer.events import Event, EventABI, EventDecoder


def make_log(abi: EventABI, contract: str, values: dict[str, Any], *, tx: str, log_index: int,
             block: int) -> dict[str, Any]:
    topics = [abi.topic0] + ["0x" + encode([p.type], [values[p.name]]).hex() for p in abi.indexed]
    data = encode([p.type for p in abi.unindexed], [values[p.name] for p in abi.unindexed])
    return {"address": contract, "topics": topics, "data": "0x" + data.hex(), "blockNumber": hex(block),
            "transactionHash": tx, "logIndex": hex(log_index)}


def address(tag: int) -> str:
    return "0x" + f"{tag:040x}"


class History:
    """Transactions of eth_abi-encoded logs, decoded as the node would decode them."""

    def __init__(self, decoder: EventDecoder, tx_prefix: int) -> None:
        self.decoder = decoder
        self.events: list[Event] = []
        self.logs: list[tuple[dict[str, Any], int]] = []
        self._prefix = tx_prefix
        self._txs = 0
        self._log_index = 0

    def tx(self, timestamp: int, *logs: tuple[EventABI, str, dict[str, Any]]) -> str:
        self._txs += 1
        tx_hash = "0x" + f"{self._prefix:08x}{self._txs:056x}"
        block = timestamp // 12
        for abi, contract, values in logs:
            raw = make_log(abi, contract, values, tx=tx_hash, log_index=self._log_index, block=block)
            self._log_index += 1
            event = self.decoder.decode(raw, timestamp)
            assert event is not None, (abi.name, contract)
            self.logs.append((raw, timestamp))
            self.events.append(event)
        return tx_hash
