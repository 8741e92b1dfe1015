"""eth_getLogs as the endpoints answer it: the filter sent in JSON-RPC's own form and each log kept as JSON-RPC hex,
which the indexer's decoder reads (chains/evm/indexer/events.py). web3's `eth.get_logs` formats both ways (every
address of the filter and of each log checksummed, a keccak each): under load that was a third of the node's CPU.
The call still goes through the adapter's endpoint pool (chains/evm/rpc.py), which raises RangeTooLarge and
RetryLater as for any other call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from web3 import AsyncWeb3
from web3.types import RPCEndpoint

from chains.core.errors import ChainError

GET_LOGS = RPCEndpoint("eth_getLogs")


async def get_logs(w3: AsyncWeb3, first: int, last: int, topics: Sequence[Any],
                   addresses: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The logs of blocks [first, last] matching `topics` (JSON-RPC's topic filter: a topic, a list of any of
    several, or None for any), from `addresses` when given.

    Raises:
        RangeTooLarge: every endpoint refused the window for its size. RetryLater: no endpoint answered.
        ChainError: the call's answer is an error, or not a list of logs.
    """
    flt: dict[str, Any] = {"fromBlock": hex(first), "toBlock": hex(last), "topics": list(topics)}
    if addresses:
        flt["address"] = list(addresses)
    response: Mapping[str, Any] = await w3.provider.make_request(GET_LOGS, [flt])
    if response.get("error") is not None:
        raise ChainError(f"eth_getLogs over blocks {first}..{last}: {response['error']}")
    logs = response.get("result")
    if not isinstance(logs, list) or not all(isinstance(log, dict) for log in logs):
        raise ChainError(f"eth_getLogs over blocks {first}..{last} answered {str(logs)[:80]}, not a list of logs")
    return logs


def position(log: Mapping[str, Any]) -> tuple[int, int]:
    """(block number, log index) of a log as JSON-RPC answers it: its place in chain order.

    Raises:
        KeyError, ValueError: the log lacks them or they are not hex quantities.
    """
    return int(log["blockNumber"], 16), int(log["logIndex"], 16)


__all__ = ["GET_LOGS", "get_logs", "position"]
