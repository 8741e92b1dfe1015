"""The threshold verifier's Sui transactions (chains/sui/zk_call.py), built offline and decoded back with pysui's
BCS types: each argument in the place and encoding of `aura_oracle::zk`'s Move signature, read from the source so
that a change there fails here; the proof and key bytes are those chains/sui/groth16.py encodes from the vector."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chains.sui import groth16, zk_call
from chains.sui import transaction as tx

from .samples import GAS, ORACLE, PACKAGE, SENDER

ROOT = Path(__file__).resolve().parents[3]
ZK = json.loads((ROOT / "tests" / "vectors" / "zk.json").read_text())
SUBJECT = "0x" + "e3" * 32
CLOCK = "0x" + "00" * 31 + "06"


def move_params(function: str) -> list[str]:
    """The parameter types of `aura_oracle::zk::<function>`, from the Move source, TxContext left out."""
    source = (ROOT / "move" / "aura_oracle" / "sources" / "zk.move").read_text()
    found = re.search(rf"public fun {function}\(([^)]*)\)", source)
    assert found is not None
    kinds = [p.split(":", 1)[1].strip() for p in found[1].split(",") if ":" in p]
    return [k for k in kinds if k != "&TxContext"]


def decoded(kind: Any) -> Any:
    ptb = tx.decode(tx.serialize(tx.transaction_data(kind, SENDER, GAS, 750, 4_000_000, 12))).value.TransactionKind
    return ptb.value


def test_verify_threshold_takes_each_argument_in_its_move_type() -> None:
    proof = groth16.proof_bytes(ZK["proof"])
    kind = zk_call.verify_threshold_kind(PACKAGE, ORACLE, 41, SUBJECT, 600, 7, 2**255 + 3, proof, spend=True)
    ptb = decoded(kind)
    [call] = ptb.Command
    assert (call.value.Package.to_address_str(), call.value.Module, call.value.Function) == (
        PACKAGE, "zk", "verify_threshold")
    assert [(a.enum_name, a.value) for a in call.value.Arguments] == [("Input", i) for i in range(8)]
    assert move_params("verify_threshold") == ["&mut Oracle", "address", "u16", "u256", "u256", "bool",
                                                "vector<u8>", "&Clock"]
    oracle, subject, threshold, scope, nullifier, spend, proof_arg, clock = ptb.Inputs
    shared = oracle.value.value
    assert (shared.ObjectID.to_address_str(), shared.SequenceNumber, shared.Mutable) == (ORACLE, 41, True)
    assert bytes(subject.value) == bytes.fromhex("e3" * 32)
    assert bytes(threshold.value) == (600).to_bytes(2, "little")
    assert bytes(scope.value) == (7).to_bytes(32, "little")
    assert bytes(nullifier.value) == (2**255 + 3).to_bytes(32, "little")
    assert bytes(spend.value) == b"\x01"
    assert bytes(proof_arg.value) == b"\x80\x01" + proof  # vector<u8>: ULEB128 128, then the points
    shared = clock.value.value
    assert (shared.ObjectID.to_address_str(), shared.SequenceNumber, shared.Mutable) == (CLOCK, 1, False)


def test_set_verifying_key_is_the_admin_caps_owners_call() -> None:
    key = groth16.verifying_key_bytes(ZK["verification_key"])
    cap = tx.ObjectRef("0x" + "ca" * 32, 5, GAS.digest)
    ptb = decoded(zk_call.set_verifying_key_kind(PACKAGE, cap, ORACLE, 41, key))
    [call] = ptb.Command
    assert (call.value.Module, call.value.Function) == ("zk", "set_verifying_key")
    assert move_params("set_verifying_key") == ["&AdminCap", "&mut Oracle", "vector<u8>"]
    owned, oracle, key_arg = ptb.Inputs
    assert (owned.value.enum_name, owned.value.value.ObjectID.to_address_str()) == ("ImmOrOwnedObject",
                                                                                    "0x" + "ca" * 32)
    assert oracle.value.value.Mutable is True
    assert bytes(key_arg.value) == tx.uleb128(len(key)) + key


@pytest.mark.parametrize(("change", "error"), [
    ({"threshold": 1 << 16}, "threshold: 65536 does not fit u16"),
    ({"scope": -1}, "scope: -1 does not fit u256"),
    ({"nullifier": 1 << 256}, f"nullifier: {1 << 256} does not fit u256"),
    ({"proof": b"\x00" * 127}, "proof: 127 bytes, not 128 (A, B, C compressed)"),
])
def test_arguments_that_do_not_fit_their_move_types_are_refused(change: dict[str, Any], error: str) -> None:
    args: dict[str, Any] = {"threshold": 600, "scope": 7, "nullifier": 9, "proof": b"\x00" * 128, **change}
    with pytest.raises(ValueError) as info:
        zk_call.verify_threshold_kind(PACKAGE, ORACLE, 41, SUBJECT, **args)
    assert str(info.value) == error
