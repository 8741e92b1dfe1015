"""Offline Sui transactions: the pure arguments of `oracle::fulfil` at their exact Move widths, the programmable
transaction and TransactionData as pysui's BCS decodes them back, the digest (checked against transactions
Sui itself executed), and the transmitter's signature (checked with coincurve and cryptography directly)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import base58
import pytest
from coincurve import PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pysui.sui.sui_bcs import bcs
from pysui.sui.sui_common.txn_base import _SuiTransactionBase
from pysui.sui.sui_common.txn_pure import PureInput

from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import SECP256K1_HALF_N
from chains.sui import package as pkg
from chains.sui import transaction as tx
from chains.sui.keys import write_key_file

from .samples import GAS, ORACLE, PACKAGE, SENDER, built

HERE = Path(__file__).resolve().parent
SUI_REPO = json.loads((HERE / "sui_repo_transactions.json").read_text())


# --- pure arguments -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "bits", "encoded"), [
    (0, 8, "00"), (255, 8, "ff"),
    (0, 16, "0000"), (7, 16, "0700"), (1000, 16, "e803"), (65535, 16, "ffff"),
    (0, 32, "00000000"), (1, 32, "01000000"), (0x01020304, 32, "04030201"),
    (777, 64, "0903000000000000"), (2**64 - 1, 64, "ffffffffffffffff"),
])
def test_uint_widths_exact(value: int, bits: int, encoded: str) -> None:
    assert tx.uint(value, bits).hex() == encoded
    # pysui's typed integers agree; its plain-int pure input would not (fewest bytes)
    kind = {8: bcs.SuiU8, 16: bcs.SuiU16, 32: bcs.SuiU32, 64: bcs.SuiU64}[bits]
    assert bytes(PureInput.pure(kind(value))).hex() == encoded


def test_plain_int_pure_input_is_not_a_u64() -> None:
    assert bytes(PureInput.pure(777)) == b"\x09\x03" != tx.uint(777, 64)


@pytest.mark.parametrize(("value", "bits", "message"), [
    (256, 8, "tier: 256 does not fit u8"), (-1, 16, "tier: -1 does not fit u16"),
    (1 << 32, 32, "tier: 4294967296 does not fit u32"), (True, 8, "tier: True does not fit u8"),
    ("1", 64, "tier: '1' does not fit u64"),
])
def test_uint_out_of_range(value: object, bits: int, message: str) -> None:
    with pytest.raises(ValueError) as e:
        tx.uint(value, bits, "tier")
    assert str(e.value) == message


@pytest.mark.parametrize(("length", "prefix"), [(0, "00"), (1, "01"), (32, "20"), (127, "7f"), (128, "8001"),
                                                (300, "ac02"), (16384, "808001")])
def test_vector_u8_uleb128_length(length: int, prefix: str) -> None:
    data = bytes(range(256)) * (length // 256) + bytes(range(length % 256))
    assert tx.vector_u8(data) == bytes.fromhex(prefix) + data


def test_fulfil_pure_arguments_at_their_move_types() -> None:
    facts = AssessmentFacts(score=5, tier=1, pd_bps=3, flags=2, measurement=b"\x11" * 32, commitment=b"\x22" * 32,
                            block_number=0x0102, block_hash=b"\x55" * 32, features_hash=b"\x66" * 32, timestamp=1,
                            expiry=2)
    args = pkg.FulfilArgs(request_id=bytes(range(32)), facts=facts, public_key=b"\x02" + b"\x33" * 32,
                          signature=b"\x44" * 64)
    assert [b.hex() for b in args.pure_bcs()] == [
        bytes(range(32)).hex(), "0500", "01", "0300", "02000000", "20" + "11" * 32, "20" + "22" * 32,
        "0201000000000000", "20" + "55" * 32, "20" + "66" * 32,
        "e803000000000000", "d007000000000000", "21" + "02" + "33" * 32, "40" + "44" * 64,
    ]
    with pytest.raises(ValueError, match="^pd_bps: 65536 does not fit u16$"):
        replace(args, facts=replace(facts, pd_bps=65536)).pure_bcs()
    with pytest.raises(ValueError, match=f"^checkpoint: {1 << 64} does not fit u64$"):
        replace(args, facts=replace(facts, block_number=1 << 64)).pure_bcs()


# --- the transaction ------------------------------------------------------------------------------------


def test_transaction_decodes_back_to_the_move_call_inputs_and_gas() -> None:
    args, raw = built()
    data = bcs.TransactionData.deserialize(raw)  # pysui's own decoder
    assert data.enum_name == "V1"
    v1 = data.value
    assert v1.Sender.to_address_str() == SENDER
    assert v1.TransactionExpiration.enum_name == "Epoch" and v1.TransactionExpiration.value == 12
    gas = v1.GasData
    assert [tx.ObjectRef.from_bcs(r) for r in gas.Payment] == [GAS]
    assert (gas.Owner.to_address_str(), gas.Price, gas.Budget) == (SENDER, 750, 4_000_000)
    kind = v1.TransactionKind
    assert kind.enum_name == "ProgrammableTransaction"
    ptb = kind.value
    [command] = ptb.Command
    assert command.enum_name == "MoveCall"
    call = command.value
    assert (call.Package.to_address_str(), call.Module, call.Function, call.Type_Arguments) == (
        PACKAGE, "oracle", "fulfil", [])
    assert [(a.enum_name, a.value) for a in call.Arguments] == [("Input", i) for i in range(16)]
    inputs = ptb.Inputs
    assert len(inputs) == 16
    oracle, *pure, clock = inputs
    assert oracle.enum_name == "Object" and oracle.value.enum_name == "SharedObject"
    shared = oracle.value.value
    assert (shared.ObjectID.to_address_str(), shared.SequenceNumber, shared.Mutable) == (ORACLE, 41, True)
    assert clock.enum_name == "Object" and clock.value.enum_name == "SharedObject"
    shared = clock.value.value
    assert (shared.ObjectID.to_address_str(), shared.SequenceNumber, shared.Mutable) == ("0x" + "00" * 31 + "06", 1,
                                                                                          False)
    assert [p.enum_name for p in pure] == ["Pure"] * 14
    assert [bytes(p.value) for p in pure] == args.pure_bcs()
    # and our own reader of the gas terms agrees
    assert tx.gas_terms(tx.decode(raw)) == tx.GasTerms(SENDER, GAS, 750, 4_000_000, 12)


def test_transaction_bytes_layout_of_the_pure_inputs() -> None:
    """The u16/u8/u16/u32 inputs appear as CallArg::Pure with their exact widths in the serialized bytes."""
    args, raw = built()
    assert bytes.fromhex("00" + "02" + "8002") in raw  # Pure, length 2, score 640
    assert bytes.fromhex("00" + "01" + "03") in raw  # Pure, length 1, tier 3
    assert bytes.fromhex("00" + "02" + "fa00") in raw  # Pure, length 2, pd_bps 250
    assert bytes.fromhex("00" + "04" + "09000000") in raw  # Pure, length 4, flags 9
    assert bytes.fromhex("00" + "21" + "20" + "5a" * 32) in raw  # Pure, length 33, vector<u8> of 32
    assert bytes.fromhex("00" + "08" + "0300000000000000") in raw  # Pure, length 8, checkpoint 3
    assert bytes.fromhex("00" + "21" + "20" + "cb" * 32) in raw  # Pure, length 33, the checkpoint digest
    assert bytes.fromhex("00" + "21" + "20" + "fe" * 32) in raw  # Pure, length 33, the features hash


def test_decode_refuses_trailing_bytes_and_garbage() -> None:
    _, raw = built()
    with pytest.raises(ValueError, match="^not a BCS TransactionData"):
        tx.decode(raw + b"\x00")
    with pytest.raises(ValueError, match="^not a BCS TransactionData"):
        tx.decode(b"\x07\x07")


def test_digest_matches_pysui_and_a_second_computation() -> None:
    _, raw = built()
    ours = tx.digest(raw)
    assert ours == _SuiTransactionBase.digest_from_bytes(raw)
    assert base58.b58decode(ours) == hashlib.new("blake2b", b"TransactionData::" + raw, digest_size=32).digest()
    assert tx.signing_digest(raw) == hashlib.blake2b(b"\x00\x00\x00" + raw, digest_size=32).digest()


@pytest.mark.parametrize("index", [0, 1])
def test_digest_of_transactions_sui_executed(index: int) -> None:
    """Transactions Sui's own test runner executed (SUI_REPO): the digest computed here is the one Sui wrote
    into their effects (TransactionEffects::V2: variant, status, epoch, gas summary, then the digest)."""
    vector = SUI_REPO["transactions"][index]
    raw = base64.b64decode(vector["transactionBcs"])
    effects = base64.b64decode(vector["effectsBcs"])
    assert effects[0] == 1 and effects[1] == 0 and effects[42] == 32  # V2, Success, a 32-byte digest follows
    assert tx.digest_bytes(raw) == effects[43:75]
    assert tx.serialize(tx.decode(raw)) == raw  # pysui's BCS round-trips a real TransactionData


# --- signing --------------------------------------------------------------------------------------------


def test_secp256k1_signature_is_sui_shaped_and_verifies(tmp_path: Path) -> None:
    _, raw = built()
    signer = write_key_file(tmp_path / "k", "secp256k1")
    serialized = signer.sign(raw)
    assert len(serialized) == 1 + 64 + 33 and serialized[0] == 0x01
    assert serialized[65:] == signer.public_key and signer.public_key[0] in (2, 3)
    r, s = int.from_bytes(serialized[1:33], "big"), int.from_bytes(serialized[33:65], "big")
    assert 0 < s <= SECP256K1_HALF_N  # low-S: Sui rejects high-S
    der = _der(r, s)
    digest = hashlib.blake2b(b"\x00\x00\x00" + raw, digest_size=32).digest()
    assert PublicKey(signer.public_key).verify(der, digest, hasher=lambda m: hashlib.sha256(m).digest())
    assert not PublicKey(signer.public_key).verify(der, digest[::-1], hasher=lambda m: hashlib.sha256(m).digest())
    assert signer.address == "0x" + hashlib.blake2b(b"\x01" + signer.public_key, digest_size=32).hexdigest()


def test_ed25519_signature_verifies(tmp_path: Path) -> None:
    _, raw = built()
    signer = write_key_file(tmp_path / "k", "ed25519")
    serialized = signer.sign(raw)
    assert len(serialized) == 1 + 64 + 32 and serialized[0] == 0x00 and serialized[65:] == signer.public_key
    digest = hashlib.blake2b(b"\x00\x00\x00" + raw, digest_size=32).digest()
    Ed25519PublicKey.from_public_bytes(signer.public_key).verify(serialized[1:65], digest)


def _der(r: int, s: int) -> bytes:
    def integer(v: int) -> bytes:
        body = v.to_bytes((v.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(body)]) + body

    seq = integer(r) + integer(s)
    return b"\x30" + bytes([len(seq)]) + seq


@pytest.mark.parametrize(("text", "canonical"), [
    ("0x6", "0x" + "0" * 63 + "6"), ("0x2", "0x" + "0" * 63 + "2"), ("0x" + "AB" * 32, "0x" + "ab" * 32),
])
def test_canonical_id(text: str, canonical: str) -> None:
    assert tx.canonical_id(text) == canonical


@pytest.mark.parametrize("bad", ["6", "0x", "0x" + "a" * 65, "0xg1", 6, None])
def test_canonical_id_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match="is not a 0x-prefixed hex Sui address of at most 32 bytes"):
        tx.canonical_id(bad)


def test_object_ref_refuses_a_bad_digest() -> None:
    with pytest.raises(ValueError, match="is not 32 bytes of base58"):
        tx.ObjectRef("0x1", 1, "0OIl")
    with pytest.raises(ValueError, match="is not a u64"):
        tx.ObjectRef("0x1", -1, GAS.digest)
