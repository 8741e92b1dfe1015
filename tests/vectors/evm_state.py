"""A small EVM state built here, so enclave tests can send a real header and a real account proof for any
nonce and balance they choose: a state trie holding the subject (and a few other accounts, so the proof has
branch nodes), a header carrying its root, and the header's hash as the pinned block hash.

The proofs are checked by the same code as anvil's (chains/evm/proof.py; tests/integration/evm cover anvil's)."""

from __future__ import annotations

from typing import Any

import rlp
from trie import HexaryTrie

from chains.core.secp256k1 import keccak256, parse_address
from chains.evm.proof import EMPTY_CODE_HASH, EMPTY_TRIE_ROOT

OTHERS = tuple(bytes([i]) * 20 for i in range(1, 8))


def state(subject: str, nonce: int, balance: int, number: int, timestamp: int,
          code_hash: bytes = EMPTY_CODE_HASH) -> tuple[str, dict[str, Any]]:
    """(block hash as 0x hex, `proof` param) for a block `number` at `timestamp` where `subject` has `nonce`,
    `balance` and the code of `code_hash` (none by default)."""
    trie = HexaryTrie({})
    for other in OTHERS:
        trie[keccak256(other)] = rlp.encode([1, 10**18, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH])
    address = parse_address(subject)
    trie[keccak256(address)] = rlp.encode([nonce, balance, EMPTY_TRIE_ROOT, code_hash])
    header = rlp.encode([
        b"\x11" * 32, b"\x22" * 32, b"\x33" * 20, trie.root_hash, b"\x44" * 32, b"\x55" * 32, b"\x00" * 256,
        0, number, 30_000_000, 21_000, timestamp, b"", b"\x66" * 32, b"\x00" * 8,
    ])
    nodes = ["0x" + rlp.encode(node).hex() for node in trie.get_proof(keccak256(address))]
    return "0x" + keccak256(header).hex(), {"header": "0x" + header.hex(), "account_proof": nodes}


def pinned(features: dict[str, Any], subject: str,
           code_hash: bytes = EMPTY_CODE_HASH) -> tuple[dict[str, Any], dict[str, Any]]:
    """`features` with `as_of_block_hash` set to a block where `subject`'s nonce and balance are the features'
    `tx_count` and `balance_wei`, and the `proof` param for it."""
    block_hash, proof = state(subject, features["tx_count"], int(features["balance_wei"]), features["as_of_block"],
                              features["as_of_timestamp"], code_hash)
    return {**features, "as_of_block_hash": block_hash}, proof
