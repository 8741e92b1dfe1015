"""EIP-55 addresses (chains/core/secp256k1.py): the EIP's own examples, agreement with eth-utils (the reference
implementation web3 uses) on random addresses, and the parser's refusal of a wrong checksum."""

from __future__ import annotations

import random

import pytest
from eth_utils import to_checksum_address as reference

from chains.core.secp256k1 import parse_address, to_checksum_address

# The test cases of EIP-55 itself (all caps, all lower, mixed).
EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55)
def test_the_eips_examples(address: str) -> None:
    assert to_checksum_address(bytes.fromhex(address[2:])) == address
    assert parse_address(address) == bytes.fromhex(address[2:])


def test_agrees_with_eth_utils_on_random_addresses() -> None:
    rng = random.Random(55)
    for _ in range(2000):
        raw = rng.randbytes(20)
        assert to_checksum_address(raw) == reference("0x" + raw.hex())


def test_edge_addresses() -> None:
    for raw in (bytes(20), b"\xff" * 20, b"\xaa" * 20, b"\x0a" * 20):
        assert to_checksum_address(raw) == reference("0x" + raw.hex())


def test_a_wrong_checksum_is_refused() -> None:
    good = EIP55[4]
    bad = good[:3] + good[3].swapcase() + good[4:]  # its first letter, in the other case
    with pytest.raises(ValueError) as refused:
        parse_address(bad)
    assert str(refused.value) == "has an invalid EIP-55 checksum"


def test_a_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        to_checksum_address(bytes(19))
    assert str(refused.value) == "an address is 20 bytes"
