"""tests/vectors/sui.json and the Sui request params: the enclave reproduces the vector byte for byte, the
BCS follows docs/sui.md's table, signatures are 64-byte low-S and verify as `secp256k1_verify(.., 1)` does,
the Move tests carry the same bytes, and bad params are refused with the exact message."""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.util
import json
import re
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pysui_fastcrypto
import pytest
from coincurve import PrivateKey

from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import SECP256K1_HALF_N, SECP256K1_N, keccak256
from chains.sui import payload as sui
from node.enclave.commitment import blinding
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams, parse_assess
from tests.vectors.independent_commitment import independent_blinding, independent_commitment

from .conftest import features

ROOT = Path(__file__).resolve().parents[3]
VECTOR: dict[str, Any] = json.loads((ROOT / "tests" / "vectors" / "sui.json").read_text())
FIRST = VECTOR["cases"]["first"]
MOVE_DATA = ROOT / "move" / "aura_oracle" / "tests" / "vector_data.move"


def b(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))


def _generator() -> ModuleType:
    path = ROOT / "tests" / "vectors" / "make_sui_vector.py"
    spec = importlib.util.spec_from_file_location("make_sui_vector", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def fastcrypto_verify(public_secret: bytes, message: bytes, signature: bytes) -> bool:
    """Sui's own library (fastcrypto, through pysui-fastcrypto): secp256k1 over SHA-256, as Move's verify."""
    return bool(pysui_fastcrypto.verify(1, public_secret, base64.b64encode(message).decode(),
                                        base64.b64encode(signature).decode()))


# --- the vector -----------------------------------------------------------------------------------


def test_vector_inputs_are_the_agreed_ones() -> None:
    assert VECTOR["private_key"] == "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    assert VECTOR["signer"] == "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"  # the evm.json signer
    key = EnclaveKey(b(VECTOR["private_key"]))
    assert b(VECTOR["public_key"]) == key.public_key and len(key.public_key) == 33 and key.public_key[0] in (2, 3)
    assert b(VECTOR["measurement"]) == hashlib.sha256(b"aura test measurement").digest()
    for role, label in VECTOR["address_labels"].items():
        assert VECTOR["addresses"][role] == "0x" + hashlib.sha256(label.encode()).hexdigest()
    other = PrivateKey(b(VECTOR["other_private_key"]))
    assert other.public_key.format(compressed=True) == b(VECTOR["other_public_key"])


def test_generator_is_reproducible() -> None:
    assert GEN.build() == VECTOR


def test_enclave_assess_reproduces_every_case_byte_for_byte() -> None:
    key = EnclaveKey(b(VECTOR["private_key"]))
    for name, case in VECTOR["cases"].items():
        out = GEN.EnclaveService(key, GEN.Measurement(GEN.MEASUREMENT, ()), GEN.FixedEngine(GEN.CASES[name]),
                                 clock=lambda c=GEN.CASES[name]: c["timestamp"]).assess(copy.deepcopy(case["params"]))
        assert out["intent_message"] == case["intent_message"], name
        assert out["digest"] == case["digest"] and out["signature"] == case["signature"], name
        assert out["public_key"] == VECTOR["public_key"]


def test_message_builder_reproduces_the_vector_from_its_fields() -> None:
    for case in VECTOR["cases"].values():
        a, req = case["assessment"], case["params"]["request"]
        message = sui.Assessment(
            oracle=b(req["contract"]), request_id=b(req["request_id"]), subject=b(req["subject"]),
            facts=AssessmentFacts(score=a["score"], tier=a["tier"], pd_bps=a["pd_bps"], flags=a["flags"],
                                  measurement=b(a["measurement"]), commitment=b(a["commitment"]),
                                  block_number=a["block_number"], block_hash=b(a["block_hash"]),
                                  features_hash=b(a["features_hash"]), timestamp=a["timestamp_ms"] // 1000,
                                  expiry=a["expiry_ms"] // 1000),
        )  # fmt: skip
        raw = message.to_bcs()
        assert raw == b(case["intent_message"])
        assert sui.digest(raw) == hashlib.sha256(raw).digest() == b(case["digest"])
        assert sui.parse_intent_message(raw) == message


def test_the_payload_pins_the_request_checkpoint_and_the_scored_features() -> None:
    """The checkpoint is the request's (`block_number`), its digest the features' `as_of_block_hash`, and the
    features hash is keccak-256 of exactly the features the enclave was given, canonically encoded."""
    for case in VECTOR["cases"].values():
        request, feats = case["params"]["request"], case["params"]["features"]
        signed = sui.parse_intent_message(b(case["intent_message"])).facts
        assert signed.block_number == request["block_number"] == feats["as_of_block"]
        assert signed.block_hash == b(feats["as_of_block_hash"]) == b(case["assessment"]["block_hash"])
        canonical = json.dumps(feats, sort_keys=True, separators=(",", ":")).encode()
        assert signed.features_hash == keccak256(canonical) == b(case["assessment"]["features_hash"])
    first, second = (VECTOR["cases"][n]["assessment"] for n in ("first", "second"))
    assert first["block_number"] != second["block_number"] and first["block_hash"] != second["block_hash"]


def test_a_changed_checkpoint_or_features_hash_breaks_the_signature() -> None:
    """What the host might want to swap after signing (the checkpoint, its digest, the features hash): each is
    signed, so the signature no longer verifies over the changed message."""
    raw, public_key, signature = b(FIRST["intent_message"]), b(VECTOR["public_key"]), b(FIRST["signature"])
    second = sui.parse_intent_message(b(VECTOR["cases"]["second"]["intent_message"])).facts
    message = sui.parse_intent_message(raw)
    for change in ({"block_number": second.block_number}, {"block_hash": second.block_hash},
                   {"features_hash": second.features_hash}):
        forged = replace(message, facts=replace(message.facts, **change)).to_bcs()
        assert forged != raw and len(forged) == sui.PAYLOAD_SIZE
        assert not sui.verify(public_key, forged, signature)


def test_commitment_follows_the_rule_of_every_family_with_the_request_id_and_subject_bytes() -> None:
    key = EnclaveKey(b(VECTOR["private_key"]))
    for case in VECTOR["cases"].values():
        rid, subject = (b(case["params"]["request"][name]) for name in ("request_id", "subject"))
        score = case["assessment"].get("committed_score", case["assessment"]["score"])  # a private case signs 0
        blind = blinding(key.commitment_secret, rid, subject)
        assert blind == independent_blinding(key.commitment_secret, rid, subject)
        assert b(case["assessment"]["commitment"]) == independent_commitment(score, blind, subject)


def _doc_layout() -> list[tuple[int, int, str]]:
    """(offset, size, field) of docs/sui.md's table; a "32 (length)" row is named after the vector it precedes."""
    text = (ROOT / "docs" / "sui.md").read_text()
    section = text[text.index("## The signed payload"):]
    rows = re.findall(r"^\| (\d+) \| (\d+) \| ([^|]+?) \|$", section, flags=re.M)
    total = re.search(r"(\d+) bytes in all", section)
    assert total and int(total.group(1)) == sui.PAYLOAD_SIZE
    out: list[tuple[int, int, str]] = []
    for i, (offset, size, cell) in enumerate(rows):
        name = cell.split(" ")[0]
        if cell == "32 (length)":
            name = rows[i + 1][2] + "_len"
        out.append((int(offset), int(size), name))
    return out


def test_offsets_match_the_docs_table_field_by_field() -> None:
    assert _doc_layout() == list(sui.PAYLOAD_LAYOUT)
    end = 0
    for offset, size, _ in sui.PAYLOAD_LAYOUT:
        assert offset == end
        end += size
    assert end == sui.PAYLOAD_SIZE == len(b(FIRST["intent_message"]))


def test_signatures_verify_with_fastcrypto_and_are_low_s() -> None:
    secret = b(VECTOR["private_key"])
    public_key = b(VECTOR["public_key"])
    for case in VECTOR["cases"].values():
        message, signature = b(case["intent_message"]), b(case["signature"])
        assert len(signature) == 64 and 0 < int.from_bytes(signature[32:], "big") <= SECP256K1_HALF_N
        assert fastcrypto_verify(secret, message, signature)
        assert sui.verify(public_key, message, signature)


def test_the_attack_signatures_fail() -> None:
    message, public_key = b(FIRST["intent_message"]), b(VECTOR["public_key"])
    high = b(VECTOR["first_signature_high_s"])
    other = b(VECTOR["first_signature_other_key"])
    assert high[:32] == b(FIRST["signature"])[:32]
    assert int.from_bytes(high[32:], "big") == SECP256K1_N - int.from_bytes(b(FIRST["signature"])[32:], "big")
    assert not sui.verify(public_key, message, high)
    assert not sui.verify(public_key, message, other)
    assert sui.verify(b(VECTOR["other_public_key"]), message, other)
    second = b(VECTOR["cases"]["second"]["intent_message"])
    assert not sui.verify(public_key, second, b(FIRST["signature"]))  # a signature is bound to its message


def test_move_tests_carry_the_vector() -> None:
    """move/aura_oracle/tests/vector_data.move is what the generator writes from sui.json: the Move tests
    check these very bytes."""
    assert MOVE_DATA.read_text() == GEN.move_module(VECTOR)
    text = MOVE_DATA.read_text()
    assert f'public fun first_signature(): vector<u8> {{ x"{FIRST["signature"][2:]}" }}' in text
    assert f'public fun public_key(): vector<u8> {{ x"{VECTOR["public_key"][2:]}" }}' in text


def test_the_quorum_keys_are_derived_from_their_labels_and_sorted_by_address() -> None:
    """Three more keys, each the SHA-256 of its label, listed in strictly ascending order of their 20-byte
    addresses (keccak-256 of the uncompressed point, last 20 bytes): the order `fulfil_quorum` takes them in."""
    signers = VECTOR["quorum"]["signers"]
    assert sorted(s["label"] for s in signers) == [f"aura test sui quorum enclave key {i}" for i in range(3)]
    numbers = []
    for signer in signers:
        secret = b(signer["private_key"])
        assert secret == hashlib.sha256(signer["label"].encode()).digest()
        point = PrivateKey(secret).public_key
        assert b(signer["public_key"]) == point.format(compressed=True)
        assert b(signer["address"]) == keccak256(point.format(compressed=False)[1:])[12:]
        numbers.append(int.from_bytes(b(signer["address"]), "big"))
    assert numbers == sorted(set(numbers)) and len(numbers) == 3
    assert [s["label"] for s in signers] != sorted(s["label"] for s in signers)  # the order is the addresses'


def test_the_quorum_signs_each_case_message_unchanged() -> None:
    """Each quorum key signs the very bytes the single signer signed (the payload does not change with k), with a
    64-byte low-S signature that Sui's own library and the node's verify accept."""
    signers = VECTOR["quorum"]["signers"]
    assert set(VECTOR["quorum"]["signatures"]) == set(VECTOR["cases"])
    for name, signatures in VECTOR["quorum"]["signatures"].items():
        message = b(VECTOR["cases"][name]["intent_message"])
        assert len(signatures) == len(signers) == len(set(signatures))
        for signer, signature in zip(signers, signatures, strict=True):
            raw = b(signature)
            assert len(raw) == 64 and 0 < int.from_bytes(raw[32:], "big") <= SECP256K1_HALF_N
            assert fastcrypto_verify(b(signer["private_key"]), message, raw)
            assert sui.verify(b(signer["public_key"]), message, raw)


def test_the_quorum_attack_signatures_fail() -> None:
    quorum = VECTOR["quorum"]
    index = quorum["first_signature_high_s"]["signer"]
    public_key = b(quorum["signers"][index]["public_key"])
    first, second = (b(VECTOR["cases"][n]["intent_message"]) for n in ("first", "second"))
    valid = b(quorum["signatures"]["first"][index])
    high = b(quorum["first_signature_high_s"]["signature"])
    assert high[:32] == valid[:32]
    assert int.from_bytes(high[32:], "big") == SECP256K1_N - int.from_bytes(valid[32:], "big")
    assert not sui.verify(public_key, first, high)
    # A signature over the other case's payload does not verify over this one, and another signer's neither.
    assert not sui.verify(public_key, first, b(quorum["signatures"]["second"][index]))
    assert not sui.verify(public_key, second, valid)
    assert not sui.verify(public_key, first, b(quorum["signatures"]["first"][(index + 1) % 3]))


# --- verify mirrors secp256k1_verify's refusals -----------------------------------------------------


def test_verify_refuses_malformed_inputs() -> None:
    message, signature, public_key = b(FIRST["intent_message"]), b(FIRST["signature"]), b(VECTOR["public_key"])
    uncompressed = PrivateKey(b(VECTOR["private_key"])).public_key.format(compressed=False)
    for key, sig in (
        (public_key[:32], signature), (uncompressed, signature), (b"\x05" + public_key[1:], signature),
        (public_key, signature[:63]), (public_key, signature + b"\0"), (public_key, b"\0" * 32 + signature[32:]),
        (public_key, signature[:32] + b"\0" * 32), (public_key, SECP256K1_N.to_bytes(32, "big") + signature[32:]),
    ):
        assert not sui.verify(key, message, sig)
    assert not sui.verify(public_key, message[:-1] + bytes([message[-1] ^ 1]), signature)


def test_compact_signature_refuses_high_s_and_other_sizes() -> None:
    sig = b(FIRST["signature"])
    assert sui.compact_signature(sig + b"\x1b") == sig
    high = sig[:32] + (SECP256K1_N - int.from_bytes(sig[32:], "big")).to_bytes(32, "big") + b"\x1b"
    with pytest.raises(ValueError, match=r"^signature r/s out of range \(s must be in the lower half"):
        sui.compact_signature(high)
    with pytest.raises(ValueError, match=r"^expected a 65-byte r \|\| s \|\| v signature$"):
        sui.compact_signature(sig)


def test_parse_intent_message_refuses_other_bytes() -> None:
    raw = b(FIRST["intent_message"])
    vectors = "measurement, commitment, checkpoint_digest and features_hash must be 32-byte vectors"
    for bad, message in (
        (raw[:-1], "an intent message is 262 bytes, got 261"),
        (raw + b"\0", "an intent message is 262 bytes, got 263"),
        (b"\x00" + raw[1:], "intent must be 1 (an Aura assessment)"),
        (raw[:114] + b"\x21" + raw[115:], vectors),
        (raw[:147] + b"\x1f" + raw[148:], vectors),
        (raw[:188] + b"\x1f" + raw[189:], vectors),
        (raw[:221] + b"\x21" + raw[222:], vectors),
    ):
        with pytest.raises(ValueError) as err:
            sui.parse_intent_message(bad)
        assert str(err.value) == message


def test_message_builder_refuses_out_of_range_fields() -> None:
    a = sui.parse_intent_message(b(FIRST["intent_message"]))
    for change, message in (
        ({"score": 1 << 16}, "score: 65536 does not fit u16"),
        ({"tier": -1}, "tier: -1 does not fit u8"),
        ({"flags": True}, "flags: True does not fit u32"),
        ({"timestamp": 1 << 64}, f"timestamp_ms: {(1 << 64) * 1000} does not fit u64"),
        ({"block_number": 1 << 64}, f"checkpoint: {1 << 64} does not fit u64"),
        ({"block_hash": b"\0" * 33}, "checkpoint_digest: must be 32 bytes"),
        ({"features_hash": b"\0" * 31}, "features_hash: must be 32 bytes"),
        ({"oracle": b"\0" * 31}, "oracle: must be 32 bytes"),
        ({"commitment": "00" * 32}, "commitment: must be 32 bytes"),
    ):
        with pytest.raises(ValueError) as err:
            facts = replace(a.facts, **{k: v for k, v in change.items() if hasattr(a.facts, k)})
            replace(a, facts=facts, **{k: v for k, v in change.items() if not hasattr(a.facts, k)}).to_bcs()
        assert str(err.value) == message


# --- request params --------------------------------------------------------------------------------

NOW = 1_750_000_000
DELETE = object()
HEX64 = "must be 0x followed by 64 lower-case hex digits (a full Sui address)"


def sui_params(**changes: Any) -> dict[str, Any]:
    params = copy.deepcopy(FIRST["params"])
    params["features"] = features(NOW)
    params["request"]["block_number"] = params["features"]["as_of_block"]
    for key, value in changes.items():
        if value is DELETE:
            del params["request"][key]
        else:
            params["request"][key] = value
    return params


SUI_INVALID: list[tuple[str, str, Any, str]] = [
    ("missing package", "package", DELETE, "request: missing key(s) package"),
    ("solana program key", "program", "x", "request: unknown key(s) program"),
    ("short oracle", "contract", "0x2", f"request.contract: {HEX64}"),
    ("upper-case hex", "subject", VECTOR["addresses"]["subject"].upper().replace("0X", "0x"), f"request.subject: {HEX64}"),
    ("evm address", "requester", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", f"request.requester: {HEX64}"),
    ("no 0x", "request_id", FIRST["params"]["request"]["request_id"][2:], f"request.request_id: {HEX64}"),
    ("bytes as list", "package", list(range(32)), "request.package: must be a string"),
    ("negative chain id", "chain_id", -1, "request.chain_id: must be between 0 and 9007199254740991"),
    ("fee as number", "fee", 5, "request.fee: must be a decimal string of a non-negative integer (no sign, no leading zeros)"),
    ("fee over u64", "fee", str(1 << 64), f"request.fee: must be at most {(1 << 64) - 1}"),
    ("expiry over u64 ms", "expires_at", ((1 << 64) - 1) // 1000 + 1, f"request.expires_at: must be between 0 and {((1 << 64) - 1) // 1000}"),
    ("missing checkpoint", "block_number", DELETE, "request: missing key(s) block_number"),
    ("checkpoint over u64", "block_number", 1 << 64, f"request.block_number: must be between 0 and {(1 << 64) - 1}"),
    ("checkpoint as string", "block_number", "123", "request.block_number: must be an integer"),
    ("another checkpoint", "block_number", 124, "features.as_of_block: 123 is not the request's pinned block 124"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "key", "value", "message"), SUI_INVALID, ids=[c[0] for c in SUI_INVALID])
def test_invalid_sui_request(label: str, key: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidParams) as err:
        parse_assess(sui_params(**{key: value}))
    assert str(err.value) == message


def test_valid_sui_request_parses_to_raw_bytes() -> None:
    parsed = parse_assess(sui_params())
    req = FIRST["params"]["request"]
    assert parsed.request.contract == b(req["contract"]) and parsed.request.subject == b(req["subject"])
    assert parsed.request.package == b(req["package"]) and parsed.request.fee == int(req["fee"])  # type: ignore[union-attr]
    assert parsed.request.block_number == parsed.as_of_block == 123
