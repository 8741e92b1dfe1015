"""The host half of the EVM state proof: the pinned block's RLP header and `eth_getProof`'s account proof for
the subject, in the wire form the enclave checks with chains/evm/proof.py.

anvil (1.7.1) does not serve `debug_getRawHeader`, so the header is RLP-encoded from `eth_getBlockByNumber`'s
fields in fork order and must hash to the block's hash before it leaves the host.
"""

from __future__ import annotations

from typing import Any, cast

import rlp
from web3 import AsyncWeb3
from web3.types import RPCEndpoint

from chains.core.errors import ChainError, RetryLater
from chains.core.secp256k1 import keccak256
from chains.evm.proof import HEADER_FIELDS, HEADER_INTEGERS, MIN_HEADER_FIELDS


async def read_state_proof(w3: AsyncWeb3, subject: str, block_number: int) -> dict[str, Any]:
    """The pinned block's header and the subject's account proof, both read at that block's hash.

    Args:
        w3: a client of the chain.
        subject: the account's address, 0x + 40 hex digits.
        block_number: the pinned block.

    Returns:
        `{"header": "0x<rlp>", "account_proof": ["0x<node>", ...]}`.

    Raises:
        RetryLater: the RPC failed, or the node does not have the block (yet).
        ChainError: the header encoded from the block's fields does not hash to the block's hash.
    """
    header, block = await read_header(w3, block_number)
    account = await read_account(w3, subject, block["hash"])
    return {"header": "0x" + header.hex(), "account_proof": account["accountProof"]}


async def read_header(w3: AsyncWeb3, block_number: int) -> tuple[bytes, dict[str, Any]]:
    """The block's RLP header, checked to hash to the block's hash, and the block as the RPC returned it.

    Raises:
        RetryLater: the RPC failed, or the node does not have the block (yet).
        ChainError: the header encoded from the block's fields does not hash to the block's hash.
    """
    block = await _call(w3, "eth_getBlockByNumber", [hex(block_number), False])
    if block is None:
        raise RetryLater(f"block {block_number} is not available from the RPC")
    header = encode_header(block)
    digest = keccak256(header)
    if digest != bytes.fromhex(block["hash"][2:]):
        raise ChainError(f"block {block_number}: header encoded from its fields hashes to 0x{digest.hex()}, "
                         f"the node says {block['hash']} (a header field this encoder does not know?)")
    return header, block


async def read_account(w3: AsyncWeb3, subject: str, block_hash: str) -> dict[str, Any]:
    """`eth_getProof` for the account at the block: `nonce` and `balance` (hex), `accountProof` (0x hex nodes).

    Raises:
        RetryLater: the RPC failed.
    """
    proof = await _call(w3, "eth_getProof", [subject, [], {"blockHash": block_hash}])
    return {"nonce": str(proof["nonce"]), "balance": str(proof["balance"]),
            "accountProof": [str(node) for node in proof["accountProof"]]}


def encode_header(block: dict[str, Any]) -> bytes:
    """The RLP block header from an `eth_getBlockByNumber` result (hex strings), with the fork fields it has.

    Args:
        block: the block as the JSON-RPC node returns it.

    Returns:
        The header's RLP encoding.

    Raises:
        ChainError: a field every header has is missing.
    """
    values: list[int | bytes] = []
    for position, name in enumerate(HEADER_FIELDS):
        if name not in block:
            if position < MIN_HEADER_FIELDS:
                raise ChainError(f"block {block.get('number')}: field {name} is missing")
            break
        text = str(block[name])
        values.append(int(text, 16) if name in HEADER_INTEGERS else bytes.fromhex(text[2:]))
    return cast(bytes, rlp.encode(values))


async def _call(w3: AsyncWeb3, method: str, params: list[Any]) -> Any:
    try:
        response = await w3.provider.make_request(RPCEndpoint(method), params)
    except Exception as e:  # noqa: BLE001 - a transport fault is a wait, never a failure
        raise RetryLater(f"{method} failed: {type(e).__name__}: {e}") from None
    if "error" in response:
        raise RetryLater(f"{method} failed: {response['error']}")
    return response["result"]
