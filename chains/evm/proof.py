"""What the enclave proves itself on EVM: a block header against its pinned hash, and the subject's account
(nonce, balance, code) against that header's state root by `eth_getProof`'s Merkle-Patricia account proof.

Light on purpose (the enclave imports it): rlp, trie and the leaf's keccak, no web3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rlp
from rlp.exceptions import DecodingError
from trie import HexaryTrie
from trie.exceptions import BadTrieProof, InvalidNibbles, InvalidNode, MissingTrieNode, ValidationError

from chains.core.errors import AuraError
from chains.core.secp256k1 import keccak256

EMPTY_CODE_HASH = keccak256(b"")
EMPTY_TRIE_ROOT = keccak256(rlp.encode(b""))

# Header fields by position, in JSON-RPC names; every fork appends to the list, none reorders it.
HEADER_FIELDS = ("parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom",
                 "difficulty", "number", "gasLimit", "gasUsed", "timestamp", "extraData", "mixHash", "nonce",
                 "baseFeePerGas", "withdrawalsRoot", "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot",
                 "requestsHash")
HEADER_INTEGERS = frozenset({"difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas",
                             "blobGasUsed", "excessBlobGas"})
MIN_HEADER_FIELDS = 15  # up to `nonce`: the fields of every header since Frontier
_FIELD_SIZES = {"parentHash": 32, "sha3Uncles": 32, "miner": 20, "stateRoot": 32, "transactionsRoot": 32,
                "receiptsRoot": 32, "logsBloom": 256, "mixHash": 32, "nonce": 8}
_ACCOUNT_FIELDS = ("nonce", "balance", "storageRoot", "codeHash")


class ProofError(AuraError, ValueError):
    """A header or account proof does not prove what it claims; the message names what is wrong."""


@dataclass(frozen=True)
class Header:
    number: int
    timestamp: int
    state_root: bytes
    hash: bytes


@dataclass(frozen=True)
class Account:
    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes

    @property
    def has_code(self) -> bool:
        return self.code_hash != EMPTY_CODE_HASH


EMPTY_ACCOUNT = Account(nonce=0, balance=0, storage_root=EMPTY_TRIE_ROOT, code_hash=EMPTY_CODE_HASH)


def decode_header(raw: bytes) -> Header:
    """The fields the enclave uses from an RLP block header of any fork.

    Args:
        raw: the header's RLP encoding.

    Returns:
        Its number, timestamp, state root and hash (keccak-256 of `raw`).

    Raises:
        ProofError: `raw` is not an RLP list, has fewer than 15 fields, or a field has the wrong size.
    """
    fields = _rlp(raw, "header")
    if not isinstance(fields, list):
        raise ProofError("header is not an RLP list")
    if len(fields) < MIN_HEADER_FIELDS:
        raise ProofError(f"header has {len(fields)} fields, a block header has at least {MIN_HEADER_FIELDS}")
    values: dict[str, bytes] = {}
    for name, value in zip(HEADER_FIELDS[:MIN_HEADER_FIELDS], fields):
        size = _FIELD_SIZES.get(name)
        if not isinstance(value, bytes):
            raise ProofError(f"header field {name} is a list, expected bytes")
        if size is not None and len(value) != size:
            raise ProofError(f"header field {name} is {len(value)} bytes, expected {size}")
        values[name] = value
    return Header(number=_integer(values["number"], "header field number"),
                  timestamp=_integer(values["timestamp"], "header field timestamp"),
                  state_root=values["stateRoot"], hash=keccak256(raw))


def verify_header(raw: bytes, pinned_hash: bytes, number: int) -> Header:
    """Decode a header and check it is the pinned block.

    Args:
        raw: the header's RLP encoding.
        pinned_hash: the 32-byte hash of the pinned block.
        number: the pinned block's number.

    Returns:
        The decoded header.

    Raises:
        ProofError: the header does not decode, is another block's, or does not hash to `pinned_hash`.
    """
    header = decode_header(raw)
    if header.number != number:
        raise ProofError(f"header is block {header.number}, pinned block is {number}")
    if header.hash != pinned_hash:
        raise ProofError(f"header hashes to 0x{header.hash.hex()}, pinned block hash is 0x{pinned_hash.hex()}")
    return header


def verify_account(state_root: bytes, address: bytes, proof: list[bytes]) -> Account:
    """The account at `address` as `proof` proves it under `state_root`.

    Args:
        state_root: the 32-byte state root of a verified header.
        address: the 20-byte account address.
        proof: `eth_getProof`'s accountProof, each node RLP-encoded, root first.

    Returns:
        The account; the empty account (nonce 0, balance 0, no storage, no code) when the proof shows it absent.

    Raises:
        ProofError: a node is not a trie node, the proof does not start at `state_root`, a node on the path to
            the account is missing (truncated or altered proof, or one for another account), or the account
            leaf is not RLP [nonce, balance, storageRoot, codeHash].
    """
    if len(state_root) != 32:
        raise ProofError(f"state root is {len(state_root)} bytes, expected 32")
    if len(address) != 20:
        raise ProofError(f"address is {len(address)} bytes, expected 20")
    nodes = [_trie_node(i, raw) for i, raw in enumerate(proof)]
    try:
        leaf = HexaryTrie.get_from_proof(state_root, keccak256(address), nodes)
    except BadTrieProof as e:
        missing = e.__cause__.missing_node_hash if isinstance(e.__cause__, MissingTrieNode) else None
        if missing == state_root:
            raise ProofError(f"account proof does not match state root 0x{state_root.hex()}") from None
        if missing is None:
            raise ProofError(f"account proof is invalid: {e}") from None
        raise ProofError(f"account proof lacks node 0x{missing.hex()} on the path to the account") from None
    except (InvalidNode, InvalidNibbles, ValidationError) as e:
        raise ProofError(f"account proof has a malformed trie node: {e}") from None
    return _account(leaf)


def _account(leaf: bytes) -> Account:
    if leaf == b"":
        return EMPTY_ACCOUNT
    items = _rlp(leaf, "account leaf")
    if not isinstance(items, list) or len(items) != 4 or not all(isinstance(i, bytes) for i in items):
        raise ProofError("account leaf is not an RLP list of 4 strings [nonce, balance, storageRoot, codeHash]")
    values = dict(zip(_ACCOUNT_FIELDS, items))
    for name in ("storageRoot", "codeHash"):
        if len(values[name]) != 32:
            raise ProofError(f"account leaf {name} is {len(values[name])} bytes, expected 32")
    return Account(nonce=_integer(values["nonce"], "account leaf nonce"),
                   balance=_integer(values["balance"], "account leaf balance"),
                   storage_root=values["storageRoot"], code_hash=values["codeHash"])


def _trie_node(index: int, raw: bytes) -> Any:
    node = _rlp(raw, f"account proof node {index}")
    if not isinstance(node, list) or len(node) not in (2, 17):
        raise ProofError(f"account proof node {index} is not a trie node (an RLP list of 2 or 17 items)")
    return node


def _rlp(raw: bytes, what: str) -> Any:
    try:
        return rlp.decode(raw)
    except DecodingError:
        raise ProofError(f"{what} is not RLP") from None


def _integer(value: bytes, what: str) -> int:
    if value[:1] == b"\x00":
        raise ProofError(f"{what} is not a canonical integer (leading zero byte)")
    return int.from_bytes(value, "big")
