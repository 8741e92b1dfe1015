"""The least gas limit of a `fulfilBatchQuorum` transaction: below it the contract reverts the whole batch with
`InsufficientGas` before it looks at any item.

The contract sets aside, up front, `BATCH_ITEM_GAS` per item, 30,000 more for an item of two or more signatures
and 15,000 per signature after its first (`QUORUM_RECORD_GAS`, `QUORUM_SIGNATURE_GAS`; docs/protocol.md,
"Quorum"), plus each pending callback's share. A node that searches for the least gas the call passes with
(eth_estimateGas on geth, anvil and their kin) already returns more than that; this floor keeps a batch from
going out with less where a node estimates from the gas the call used. It leaves out the callbacks' shares,
which take reads of the contract's state, and which the estimate covers.
"""

from __future__ import annotations

BATCH_ITEM_GAS = 90_000
"""AuraOracle.BATCH_ITEM_GAS (public)."""
QUORUM_RECORD_GAS = 30_000
"""AuraOracle's private QUORUM_RECORD_GAS: an item of two or more signatures, its subject's quorum word."""
QUORUM_SIGNATURE_GAS = 15_000
"""AuraOracle's private QUORUM_SIGNATURE_GAS: each signature after an item's first."""
TX_GAS = 21_000
PREAMBLE_GAS = 10_000
"""Above what the contract spends before its check (dispatch, reading the calldata's lengths), with room."""


def quorum_gas(count: int) -> int:
    """What the contract sets aside for an item of `count` signatures beyond `BATCH_ITEM_GAS` (its `_quorumGas`)."""
    return 0 if count < 2 else QUORUM_RECORD_GAS + (count - 1) * QUORUM_SIGNATURE_GAS


def calldata_gas(data: bytes) -> int:
    """The intrinsic gas of `data` as calldata: 4 a zero byte, 16 any other."""
    return sum(4 if byte == 0 else 16 for byte in data)


def batch_quorum_floor(data: bytes, counts: list[int]) -> int:
    """The least gas limit for a `fulfilBatchQuorum` call `data` whose items carry `counts` signatures."""
    reserve = sum(BATCH_ITEM_GAS + quorum_gas(count) for count in counts)
    return TX_GAS + calldata_gas(data) + PREAMBLE_GAS + reserve
