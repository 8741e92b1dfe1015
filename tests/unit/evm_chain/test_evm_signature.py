"""EIP-2098 compact signatures as `AuraOracle.fulfil` takes them: lossless for every low-s signature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from chains.evm.signature import compact, expand

VECTOR = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "evm.json").read_text())


def test_the_vector_round_trips() -> None:
    signature = bytes.fromhex(VECTOR["signature"][2:])
    r, vs = compact(signature)
    assert r == signature[:32] and vs[1:] == signature[33:64]
    assert vs[0] >> 7 == signature[64] - 27
    assert expand(r, vs) == signature


@pytest.mark.parametrize("seed", range(8))
def test_both_recovery_bits_round_trip(seed: int) -> None:
    signed = Account.sign_message(encode_defunct(text=f"aura {seed}"), Account.create(f"seed {seed}").key)
    signature = bytes(signed.signature)
    assert expand(*compact(signature)) == signature


def test_refusals() -> None:
    good = bytes.fromhex(VECTOR["signature"][2:])
    with pytest.raises(ValueError, match="64 bytes"):
        compact(good[:64])
    with pytest.raises(ValueError, match="v is 0"):
        compact(good[:64] + b"\x00")
    with pytest.raises(ValueError, match="top bit"):
        compact(good[:32] + b"\xff" * 32 + b"\x1b")
