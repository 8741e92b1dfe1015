"""The enclave's EVM state checks (chains/evm/proof.py) against proofs a real anvil serves through the host's
reader (chains/evm/proof_source.py), and against proofs altered the ways a lying host could alter them.

One anvil for the module: an EOA sends three transfers and deploys a contract (storing 42 in slot 0), the
block after that is pinned, and the EOA sends once more so the latest state differs from the pinned one.
The header and decode tests at the end need no chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_account import Account as EthAccount
from trie import HexaryTrie
from web3 import AsyncHTTPProvider, AsyncWeb3, Web3

from chains.core.errors import ChainError, RetryLater
from chains.core.secp256k1 import keccak256
from chains.evm.proof import (
    EMPTY_ACCOUNT,
    EMPTY_CODE_HASH,
    EMPTY_TRIE_ROOT,
    Account,
    Header,
    ProofError,
    decode_header,
    verify_account,
    verify_header,
)
from chains.evm.proof_source import encode_header, read_state_proof
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil

SENDER_KEY = DEFAULT_KEYS[7]
SENDER = EthAccount.from_key(SENDER_KEY).address
RECIPIENT = "0x" + keccak256(b"aura proof test: recipient")[12:].hex()
NEVER_SEEN = "0x" + keccak256(b"aura proof test: never seen")[12:].hex()
VALUE = 10**15
CONTRACT_VALUE = 7
RUNTIME = bytes.fromhex("602a60005260206000f3")  # return 42
INIT = bytes.fromhex("602a600055" "600a6011600039" "600a6000f3") + RUNTIME  # sstore(0, 42); return RUNTIME
SENDER_START_BALANCE = 10_000 * 10**18  # anvil's default funding

# Ethereum mainnet's genesis block as eth_getBlockByNumber returns it (a Frontier header: 15 fields).
MAINNET_GENESIS = {
    "hash": "0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
    "parentHash": "0x" + "00" * 32,
    "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    "miner": "0x" + "00" * 20,
    "stateRoot": "0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544",
    "transactionsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    "receiptsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    "logsBloom": "0x" + "00" * 256,
    "difficulty": "0x400000000",
    "number": "0x0",
    "gasLimit": "0x1388",
    "gasUsed": "0x0",
    "timestamp": "0x0",
    "extraData": "0x11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa",
    "mixHash": "0x" + "00" * 32,
    "nonce": "0x0000000000000042",
}
# Block 1 of an anvil 1.7.1 (Prague: 21 fields), as its eth_getBlockByNumber returned it.
ANVIL_PRAGUE_BLOCK = {
    "hash": "0xbf2f20637b14fe1732590a1098538a4465d5a0a0776cd6aa38ef34aa28b961e6",
    "parentHash": "0xbce8e152b9427c93fdcf9dc69bbe4900db816a1aca53434223b8f97572ef69c6",
    "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    "miner": "0x0000000000000000000000000000000000000000",
    "stateRoot": "0x8c5a76f935822d13271b3d5d9c686065adf436586ce7f9094788037128fbcd52",
    "transactionsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    "receiptsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    "logsBloom": "0x" + "00" * 256,
    "difficulty": "0x0",
    "number": "0x1",
    "gasLimit": "0x1c9c380",
    "gasUsed": "0x0",
    "timestamp": "0x6b113794",
    "extraData": "0x",
    "mixHash": "0x1adec1e7c778bdf90f8506fdd6c9fc1b1e638f68f8e9b2be6ae304827a6f39b7",
    "nonce": "0x0000000000000000",
    "baseFeePerGas": "0x3b9aca00",
    "withdrawalsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    "blobGasUsed": "0x0",
    "excessBlobGas": "0x0",
    "parentBeaconBlockRoot": "0x" + "00" * 32,
    "requestsHash": "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "totalDifficulty": "0x0",
    "size": "0x267",
    "uncles": [],
    "transactions": [],
    "withdrawals": [],
}


@dataclass(frozen=True)
class Pinned:
    w3: Web3
    number: int
    hash: bytes
    timestamp: int
    state_root: bytes
    contract: str
    wire: dict[str, dict[str, Any]]  # read_state_proof's answer per subject
    previous_header: bytes  # the header of block number - 1

    def header(self) -> bytes:
        return _hex(self.wire[SENDER]["header"])

    def proof(self, subject: str) -> list[bytes]:
        return [_hex(node) for node in self.wire[subject]["account_proof"]]


def _hex(text: str) -> bytes:
    assert text.startswith("0x")
    return bytes.fromhex(text[2:])


def _address(text: str) -> bytes:
    return _hex(text.lower())


def _send(w3: Web3, to: str | None, value: int, data: bytes = b"", gas: int = 21_000) -> dict[str, Any]:
    tx: dict[str, Any] = {"chainId": 31337, "nonce": w3.eth.get_transaction_count(SENDER), "value": value,
                          "gas": gas, "maxFeePerGas": 10 * 10**9, "maxPriorityFeePerGas": 10**9, "data": data}
    if to is not None:
        tx["to"] = Web3.to_checksum_address(to)
    signed = EthAccount.sign_transaction(tx, SENDER_KEY)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction),
                                                  poll_latency=0.01)
    assert receipt["status"] == 1
    return dict(receipt)


async def _read(url: str, subjects: list[str], number: int) -> dict[str, dict[str, Any]]:
    w3 = AsyncWeb3(AsyncHTTPProvider(url))
    try:
        return {subject: await read_state_proof(w3, subject, number) for subject in subjects}
    finally:
        await w3.provider.disconnect()


@pytest.fixture(scope="module")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pinned]:
    anvil = Anvil(log_path=Path(tmp_path_factory.mktemp("anvil-proof")) / "anvil.log").start()
    try:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        for _ in range(3):
            _send(w3, RECIPIENT, VALUE)
        contract = _send(w3, None, CONTRACT_VALUE, INIT, gas=100_000)["contractAddress"]
        block = w3.eth.get_block("latest")
        number = int(block["number"])
        _send(w3, RECIPIENT, VALUE)  # after the pinned block: the latest state must not leak into the proofs
        subjects = [SENDER, RECIPIENT, contract, NEVER_SEEN]
        wire = asyncio.run(_read(anvil.url, subjects, number))
        previous = asyncio.run(_read(anvil.url, [SENDER], number - 1))[SENDER]["header"]
        yield Pinned(w3=w3, number=number, hash=bytes(block["hash"]), timestamp=int(block["timestamp"]),
                     state_root=bytes(block["stateRoot"]), contract=contract, wire=wire,
                     previous_header=_hex(previous))
    finally:
        anvil.stop()


def _verify(p: Pinned, subject: str, proof: list[bytes] | None = None) -> Account:
    return verify_account(p.state_root, _address(subject), p.proof(subject) if proof is None else proof)


def _rpc_account(p: Pinned, subject: str) -> tuple[int, int, bytes]:
    """(nonce, balance, code) as eth_getTransactionCount / eth_getBalance / eth_getCode give them at the block."""
    who = Web3.to_checksum_address(subject)
    return (p.w3.eth.get_transaction_count(who, p.number), p.w3.eth.get_balance(who, p.number),
            bytes(p.w3.eth.get_code(who, p.number)))


def _slot0_storage_root() -> bytes:
    storage = HexaryTrie({})
    storage[keccak256(bytes(32))] = rlp.encode(42)
    return bytes(storage.root_hash)


# ---- honest proofs

def test_wire_form(pinned: Pinned) -> None:
    for subject, wire in pinned.wire.items():
        assert sorted(wire) == ["account_proof", "header"], subject
        assert wire["header"] == pinned.wire[SENDER]["header"]
        assert all(isinstance(node, str) and node.startswith("0x") for node in wire["account_proof"])
        assert len(wire["account_proof"]) >= 1


def test_header_verifies_against_block_hash_and_number(pinned: Pinned) -> None:
    header = verify_header(pinned.header(), pinned.hash, pinned.number)
    assert header == Header(number=pinned.number, timestamp=pinned.timestamp, state_root=pinned.state_root,
                            hash=pinned.hash)
    assert pinned.number == 4  # 4 transactions after genesis, one block each


def test_eoa_with_transactions(pinned: Pinned) -> None:
    account = _verify(pinned, SENDER)
    nonce, balance, code = _rpc_account(pinned, SENDER)
    assert (account.nonce, account.balance, code) == (nonce, balance, b"")
    assert account.nonce == 4
    assert SENDER_START_BALANCE - 3 * VALUE - CONTRACT_VALUE - 10**17 < account.balance < SENDER_START_BALANCE - 3 * VALUE - CONTRACT_VALUE
    assert (account.storage_root, account.code_hash, account.has_code) == (EMPTY_TRIE_ROOT, EMPTY_CODE_HASH, False)
    assert pinned.w3.eth.get_transaction_count(SENDER, "latest") == 5  # the proof is of the pinned block


def test_recipient_of_transfers(pinned: Pinned) -> None:
    account = _verify(pinned, RECIPIENT)
    assert (account.nonce, account.balance) == _rpc_account(pinned, RECIPIENT)[:2]
    assert account == Account(nonce=0, balance=3 * VALUE, storage_root=EMPTY_TRIE_ROOT, code_hash=EMPTY_CODE_HASH)


def test_contract_has_code(pinned: Pinned) -> None:
    account = _verify(pinned, pinned.contract)
    nonce, balance, code = _rpc_account(pinned, pinned.contract)
    assert code == RUNTIME
    assert account == Account(nonce=nonce, balance=balance, storage_root=_slot0_storage_root(),
                              code_hash=keccak256(code))
    assert (account.nonce, account.balance, account.has_code) == (1, CONTRACT_VALUE, True)


def test_never_seen_address_is_the_empty_account(pinned: Pinned) -> None:
    account = _verify(pinned, NEVER_SEEN)
    assert _rpc_account(pinned, NEVER_SEEN) == (0, 0, b"")
    assert account == EMPTY_ACCOUNT == Account(nonce=0, balance=0, storage_root=EMPTY_TRIE_ROOT,
                                               code_hash=EMPTY_CODE_HASH)
    assert account.has_code is False


# ---- a lying host

def test_leaf_with_changed_balance(pinned: Pinned) -> None:
    proof = pinned.proof(SENDER)
    path, value = rlp.decode(proof[-1])
    nonce, balance, storage_root, code_hash = rlp.decode(value)
    richer = rlp.encode([nonce, int.from_bytes(balance, "big") + 10**21, storage_root, code_hash])
    forged = [*proof[:-1], rlp.encode([path, richer])]
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, forged)
    assert str(e.value) == f"account proof lacks node 0x{keccak256(proof[-1]).hex()} on the path to the account"


def test_proof_for_another_address(pinned: Pinned) -> None:
    honest, other = pinned.proof(SENDER), pinned.proof(pinned.contract)
    first_absent = next(node for node in honest if node not in other)
    assert first_absent != honest[0]  # both paths start at the same root node
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, other)
    assert str(e.value) == f"account proof lacks node 0x{keccak256(first_absent).hex()} on the path to the account"


def test_truncated_proof(pinned: Pinned) -> None:
    proof = pinned.proof(SENDER)
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, proof[:-1])
    assert str(e.value) == f"account proof lacks node 0x{keccak256(proof[-1]).hex()} on the path to the account"


def test_empty_proof(pinned: Pinned) -> None:
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, [])
    assert str(e.value) == f"account proof does not match state root 0x{pinned.state_root.hex()}"


def test_flipped_byte_in_leaf(pinned: Pinned) -> None:
    proof = pinned.proof(SENDER)
    leaf = bytearray(proof[-1])
    leaf[-1] ^= 0x01  # the last byte of codeHash
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, [*proof[:-1], bytes(leaf)])
    assert str(e.value) == f"account proof lacks node 0x{keccak256(proof[-1]).hex()} on the path to the account"


def test_flipped_byte_in_root_node(pinned: Pinned) -> None:
    proof = pinned.proof(SENDER)
    root = bytearray(proof[0])
    assert (root[0], root[3]) == (0xF9, 0xA0)  # a long list whose first child is a 32-byte hash
    root[4] ^= 0x01
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, [bytes(root), *proof[1:]])
    assert str(e.value) == f"account proof does not match state root 0x{pinned.state_root.hex()}"


def test_node_that_is_not_rlp(pinned: Pinned) -> None:
    proof = pinned.proof(SENDER)
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, [proof[0], b"\xf9\xff", *proof[1:]])
    assert str(e.value) == "account proof node 1 is not RLP"


def test_header_with_swapped_state_root(pinned: Pinned) -> None:
    fields = rlp.decode(pinned.header())
    fields[3] = keccak256(b"a state root the host would rather prove against")
    forged = rlp.encode(fields)
    with pytest.raises(ProofError) as e:
        verify_header(forged, pinned.hash, pinned.number)
    assert str(e.value) == f"header hashes to 0x{keccak256(forged).hex()}, pinned block hash is 0x{pinned.hash.hex()}"
    with pytest.raises(ProofError) as e:  # and the honest proof does not fit the swapped root
        verify_account(fields[3], _address(SENDER), pinned.proof(SENDER))
    assert str(e.value) == f"account proof does not match state root 0x{fields[3].hex()}"


def test_header_of_another_block(pinned: Pinned) -> None:
    with pytest.raises(ProofError) as e:
        verify_header(pinned.previous_header, pinned.hash, pinned.number)
    assert str(e.value) == "header is block 3, pinned block is 4"
    with pytest.raises(ProofError) as e:  # its own number, but not the pinned hash
        verify_header(pinned.previous_header, pinned.hash, 3)
    assert str(e.value) == (f"header hashes to 0x{keccak256(pinned.previous_header).hex()}, "
                            f"pinned block hash is 0x{pinned.hash.hex()}")


@pytest.mark.parametrize(("raw", "message"), [
    (b"\xde\xad\xbe\xef", "header is not RLP"),
    (b"", "header is not RLP"),
    (b"\x83abc", "header is not an RLP list"),
])
def test_garbage_header(pinned: Pinned, raw: bytes, message: str) -> None:
    with pytest.raises(ProofError) as e:
        verify_header(raw, pinned.hash, pinned.number)
    assert str(e.value) == message


def test_garbage_proof(pinned: Pinned) -> None:
    with pytest.raises(ProofError) as e:
        _verify(pinned, SENDER, [b"\xde\xad\xbe\xef"])
    assert str(e.value) == "account proof node 0 is not RLP"


# ---- no chain: headers

def test_decode_mainnet_genesis_header() -> None:
    raw = encode_header(MAINNET_GENESIS)
    assert len(rlp.decode(raw)) == 15
    assert decode_header(raw) == Header(
        number=0, timestamp=0,
        state_root=_hex("0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544"),
        hash=_hex("0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"))


def test_decode_prague_header() -> None:
    raw = encode_header(ANVIL_PRAGUE_BLOCK)
    assert len(rlp.decode(raw)) == 21
    assert verify_header(raw, _hex(ANVIL_PRAGUE_BLOCK["hash"]), 1) == Header(
        number=1, timestamp=0x6B113794,
        state_root=_hex("0x8c5a76f935822d13271b3d5d9c686065adf436586ce7f9094788037128fbcd52"),
        hash=_hex("0xbf2f20637b14fe1732590a1098538a4465d5a0a0776cd6aa38ef34aa28b961e6"))


def _genesis_fields() -> list[Any]:
    return list(rlp.decode(encode_header(MAINNET_GENESIS)))


def _with(position: int, value: Any) -> bytes:
    fields = _genesis_fields()
    fields[position] = value
    return rlp.encode(fields)


@pytest.mark.parametrize(("raw", "message"), [
    (rlp.encode(_genesis_fields()[:14]), "header has 14 fields, a block header has at least 15"),
    (rlp.encode([]), "header has 0 fields, a block header has at least 15"),
    (_with(3, bytes(31)), "header field stateRoot is 31 bytes, expected 32"),
    (_with(2, bytes(32)), "header field miner is 32 bytes, expected 20"),
    (_with(6, bytes(255)), "header field logsBloom is 255 bytes, expected 256"),
    (_with(14, bytes(9)), "header field nonce is 9 bytes, expected 8"),
    (_with(0, [b"", b""]), "header field parentHash is a list, expected bytes"),
    (_with(8, b"\x00\x01"), "header field number is not a canonical integer (leading zero byte)"),
    (_with(11, b"\x00"), "header field timestamp is not a canonical integer (leading zero byte)"),
    (encode_header(MAINNET_GENESIS) + b"\x00", "header is not RLP"),
])
def test_decode_header_refuses(raw: bytes, message: str) -> None:
    with pytest.raises(ProofError) as e:
        decode_header(raw)
    assert str(e.value) == message


# ---- no chain: account leaves in a trie built here

ADDRESS = bytes.fromhex("00" * 19 + "01")


def _proof_of(leaf: bytes) -> tuple[bytes, list[bytes]]:
    state = HexaryTrie({})
    state[keccak256(ADDRESS)] = leaf
    state[keccak256(bytes(20))] = rlp.encode([0, 1, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH])
    return bytes(state.root_hash), [rlp.encode(node) for node in state.get_proof(keccak256(ADDRESS))]


def test_local_trie_account() -> None:
    root, proof = _proof_of(rlp.encode([3, 10**18, EMPTY_TRIE_ROOT, keccak256(b"code")]))
    assert verify_account(root, ADDRESS, proof) == Account(nonce=3, balance=10**18, storage_root=EMPTY_TRIE_ROOT,
                                                           code_hash=keccak256(b"code"))


def test_empty_state_proves_every_account_absent() -> None:
    assert verify_account(EMPTY_TRIE_ROOT, ADDRESS, []) == EMPTY_ACCOUNT


@pytest.mark.parametrize(("leaf", "message"), [
    (rlp.encode([3, 10**18, EMPTY_TRIE_ROOT]),
     "account leaf is not an RLP list of 4 strings [nonce, balance, storageRoot, codeHash]"),
    (rlp.encode([3, 10**18, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH, b""]),
     "account leaf is not an RLP list of 4 strings [nonce, balance, storageRoot, codeHash]"),
    (rlp.encode([3, [b""], EMPTY_TRIE_ROOT, EMPTY_CODE_HASH]),
     "account leaf is not an RLP list of 4 strings [nonce, balance, storageRoot, codeHash]"),
    (rlp.encode(b"not a list"), "account leaf is not an RLP list of 4 strings [nonce, balance, storageRoot, codeHash]"),
    (b"\xf9\xff", "account leaf is not RLP"),
    (rlp.encode([3, 10**18, EMPTY_TRIE_ROOT[:31], EMPTY_CODE_HASH]), "account leaf storageRoot is 31 bytes, expected 32"),
    (rlp.encode([3, 10**18, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH + b"\x00"]), "account leaf codeHash is 33 bytes, expected 32"),
    (rlp.encode([b"\x00\x03", 10**18, EMPTY_TRIE_ROOT, EMPTY_CODE_HASH]),
     "account leaf nonce is not a canonical integer (leading zero byte)"),
])
def test_account_leaf_refused(leaf: bytes, message: str) -> None:
    root, proof = _proof_of(leaf)
    with pytest.raises(ProofError) as e:
        verify_account(root, ADDRESS, proof)
    assert str(e.value) == message


@pytest.mark.parametrize(("root", "address", "proof", "message"), [
    (EMPTY_TRIE_ROOT[:31], ADDRESS, [], "state root is 31 bytes, expected 32"),
    (EMPTY_TRIE_ROOT, ADDRESS[:19], [], "address is 19 bytes, expected 20"),
    (EMPTY_TRIE_ROOT, ADDRESS, [rlp.encode(b"abc")],
     "account proof node 0 is not a trie node (an RLP list of 2 or 17 items)"),
    (EMPTY_TRIE_ROOT, ADDRESS, [rlp.encode([b"a", b"b", b"c"])],
     "account proof node 0 is not a trie node (an RLP list of 2 or 17 items)"),
])
def test_account_inputs_refused(root: bytes, address: bytes, proof: list[bytes], message: str) -> None:
    with pytest.raises(ProofError) as e:
        verify_account(root, address, proof)
    assert str(e.value) == message


# ---- no chain: the host's reader refuses a header it cannot reproduce

class _FakeProvider:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    async def make_request(self, method: str, params: list[Any]) -> dict[str, Any]:
        answer = self.answers[method]
        return answer if isinstance(answer, dict) and "error" in answer else {"result": answer}


class _FakeWeb3:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.provider = _FakeProvider(answers)


async def test_reader_refuses_a_header_missing_a_fork_field() -> None:
    block = {k: v for k, v in ANVIL_PRAGUE_BLOCK.items() if k != "requestsHash"}
    w3 = _FakeWeb3({"eth_getBlockByNumber": block, "eth_getProof": {"accountProof": []}})
    with pytest.raises(ChainError) as e:
        await read_state_proof(w3, NEVER_SEEN, 1)  # type: ignore[arg-type]
    assert type(e.value) is ChainError
    assert str(e.value) == (f"block 1: header encoded from its fields hashes to 0x{keccak256(encode_header(block)).hex()}, "
                            f"the node says {ANVIL_PRAGUE_BLOCK['hash']} (a header field this encoder does not know?)")


async def test_reader_waits_for_a_missing_block() -> None:
    with pytest.raises(RetryLater) as e:
        await read_state_proof(_FakeWeb3({"eth_getBlockByNumber": None}), NEVER_SEEN, 9)  # type: ignore[arg-type]
    assert str(e.value) == "block 9 is not available from the RPC"


async def test_reader_waits_on_an_rpc_error() -> None:
    error = {"error": {"code": -32001, "message": "Resource not found"}}
    w3 = _FakeWeb3({"eth_getBlockByNumber": ANVIL_PRAGUE_BLOCK, "eth_getProof": error})
    with pytest.raises(RetryLater) as e:
        await read_state_proof(w3, NEVER_SEEN, 1)  # type: ignore[arg-type]
    assert str(e.value) == "eth_getProof failed: {'code': -32001, 'message': 'Resource not found'}"


def test_encode_header_needs_the_frontier_fields() -> None:
    block = {k: v for k, v in MAINNET_GENESIS.items() if k != "mixHash"}
    with pytest.raises(ChainError) as e:
        encode_header(block)
    assert str(e.value) == "block 0x0: field mixHash is missing"
