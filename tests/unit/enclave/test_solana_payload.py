"""tests/vectors/solana.json and the Solana request params: the enclave reproduces the vector byte for byte,
the payload follows docs/solana.md's table, signatures recover and are low-S, bad params are refused."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import re
import struct
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from coincurve import PrivateKey, PublicKey
from eth_keys import keys as eth_keys
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import SECP256K1_HALF_N, SECP256K1_N, keccak256
from chains.core.wire import MAX_UINT64
from chains.solana import payload as solana
from chains.solana.codec import SolanaRequest
from node.enclave.commitment import BLINDING_LABEL, blinding, derive_commitment_secret, score_commitment
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams, parse_assess
from tests.vectors.independent_commitment import independent_blinding, independent_commitment

from .conftest import features, request

ROOT = Path(__file__).resolve().parents[3]
VECTOR: dict[str, Any] = __import__("json").loads((ROOT / "tests" / "vectors" / "solana.json").read_text())


def b(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))


def _generator() -> ModuleType:
    path = ROOT / "tests" / "vectors" / "make_solana_vector.py"
    spec = importlib.util.spec_from_file_location("make_solana_vector", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


# --- the vector -----------------------------------------------------------------------------------


def test_vector_inputs_are_the_agreed_ones() -> None:
    assert VECTOR["private_key"] == "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    assert VECTOR["signer"] == "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"  # the evm.json signer
    assert b(VECTOR["assessment"]["measurement"]) == hashlib.sha256(b"aura test measurement").digest()
    accounts = VECTOR["accounts"]
    for role in ("program", "oracle", "requester", "subject"):
        seed = hashlib.sha256(accounts[role]["seed_label"].encode()).digest()
        assert b(accounts[role]["seed"]) == seed
        assert str(Keypair.from_seed(seed).pubkey()) == accounts[role]["pubkey"]
    program = Pubkey.from_string(accounts["program"]["pubkey"])
    oracle = Pubkey.from_string(accounts["oracle"]["pubkey"])
    requester = Pubkey.from_string(accounts["requester"]["pubkey"])
    nonce = VECTOR["request"]["nonce"]
    assert Pubkey.find_program_address([b"request", bytes(oracle), bytes(requester), nonce.to_bytes(8, "little")],
                                       program) == (
        Pubkey.from_string(accounts["request"]["pubkey"]), accounts["request"]["bump"])
    subject = Pubkey.from_string(accounts["subject"]["pubkey"])
    assert Pubkey.find_program_address([b"score", bytes(oracle), bytes(subject)], program)[0] == Pubkey.from_string(
        accounts["score"]["pubkey"])
    assert Pubkey.find_program_address([b"enclave", bytes(oracle), b(VECTOR["address"])], program)[0] == (
        Pubkey.from_string(accounts["enclave"]["pubkey"]))
    req = VECTOR["params"]["request"]
    assert req == {
        "family": "solana", "chain_id": VECTOR["oracle"]["cluster_id"], "program": accounts["program"]["pubkey"],
        "contract": accounts["oracle"]["pubkey"], "request_id": accounts["request"]["pubkey"],
        "requester": accounts["requester"]["pubkey"], "subject": accounts["subject"]["pubkey"],
        "fee": str(VECTOR["request"]["fee"]), "expires_at": VECTOR["request"]["expires_at"],
        "block_number": VECTOR["request"]["pinned_slot"],
    }  # fmt: skip
    assert VECTOR["params"]["features"]["as_of_block"] == VECTOR["request"]["pinned_slot"]
    assert VECTOR["params"]["features"]["as_of_block_hash"] == VECTOR["slot_hash"] == VECTOR["assessment"]["block_hash"]
    assert VECTOR["request"]["expires_at"] == VECTOR["request"]["created_at"] + VECTOR["oracle"]["request_ttl_s"]


def test_enclave_assess_reproduces_the_vector_byte_for_byte() -> None:
    result = GEN.service().assess(copy.deepcopy(VECTOR["params"]))
    assert result == VECTOR["result"]
    for name in ("payload", "digest", "signature", "public_key", "signer"):
        assert result[name] == VECTOR[name]
    for name, value in VECTOR["assessment"].items():
        assert result[name] == value
    assert "typed_data" not in result


def test_payload_builder_reproduces_the_vector_from_its_fields() -> None:
    a, accounts = VECTOR["assessment"], VECTOR["accounts"]
    assessment = solana.Assessment(
        cluster_id=VECTOR["oracle"]["cluster_id"],
        program=bytes(Pubkey.from_string(accounts["program"]["pubkey"])),
        oracle=bytes(Pubkey.from_string(accounts["oracle"]["pubkey"])),
        request=bytes(Pubkey.from_string(accounts["request"]["pubkey"])),
        subject=bytes(Pubkey.from_string(accounts["subject"]["pubkey"])),
        facts=AssessmentFacts(score=a["score"], tier=a["tier"], pd_bps=a["pd_bps"], flags=a["flags"],
                              measurement=b(a["measurement"]), commitment=b(a["commitment"]),
                              block_number=a["block_number"], block_hash=b(a["block_hash"]),
                              features_hash=b(a["features_hash"]), timestamp=a["timestamp"], expiry=a["expiry"]),
    )  # fmt: skip
    payload = assessment.payload()
    assert payload == b(VECTOR["payload"]) and len(payload) == 320
    assert solana.digest(payload) == keccak256(payload) == b(VECTOR["digest"])
    assert solana.parse_payload(payload) == assessment
    key = EnclaveKey(b(VECTOR["private_key"]))
    assert solana.recovery_id_signature(key.sign_digest(solana.digest(payload))) == b(VECTOR["signature"])


def test_commitment_follows_the_rule_of_every_family_with_the_request_account_and_subject_bytes() -> None:
    key = EnclaveKey(b(VECTOR["private_key"]))
    request_id = bytes(Pubkey.from_string(VECTOR["accounts"]["request"]["pubkey"]))
    subject = bytes(Pubkey.from_string(VECTOR["accounts"]["subject"]["pubkey"]))
    assert derive_commitment_secret(b(VECTOR["private_key"])) == key.commitment_secret == b(VECTOR["commitment_secret"])
    blind = blinding(key.commitment_secret, request_id, subject)
    assert blind == independent_blinding(key.commitment_secret, request_id, subject)
    assert blind.to_bytes(32, "big") == b(VECTOR["blinding"]) and VECTOR["blinding_label"] == BLINDING_LABEL.decode()
    score = VECTOR["assessment"]["score"]
    expected = independent_commitment(score, blind, subject)
    assert score_commitment(score, blind, subject) == expected == b(VECTOR["assessment"]["commitment"])


def _doc_layout() -> list[tuple[int, int, str]]:
    text = (ROOT / "docs" / "solana.md").read_text()
    section = text[text.index("## The signed payload"):]
    block = section[section.index("```") + 3:]
    block = block[:block.index("```")]
    rows = [re.match(r"^(\d+)\s+(\d+)\s+(.+)$", line.strip()) for line in block.splitlines()]
    total = re.search(r"(\d+) bytes in all", block)
    assert total and int(total.group(1)) == solana.PAYLOAD_SIZE
    return [(int(m.group(1)), int(m.group(2)), m.group(3)) for m in rows if m]


DOC_NAMES = {
    "tag": '"AURA/solana/assessment"', "version": "payload version = 2", "cluster_id": "cluster id (u64 LE)",
    "program": "program id", "slot": "slot (u64 LE)", "slot_hash": "slot hash", "features_hash": "features_hash",
    "oracle": "oracle account", "request": "request account", "subject": "subject", "score": "score (u16 LE)",
    "tier": "tier", "pd_bps": "pd_bps (u16 LE)", "flags": "flags (u32 LE)", "measurement": "measurement",
    "commitment": "commitment", "timestamp": "timestamp (i64 LE)", "expiry": "expiry (i64 LE)",
}  # fmt: skip


def test_offsets_match_the_docs_table_field_by_field() -> None:
    doc = _doc_layout()
    assert len(doc) == len(solana.PAYLOAD_LAYOUT)
    payload = b(VECTOR["payload"])
    a, accounts = VECTOR["assessment"], VECTOR["accounts"]

    def key(role: str) -> bytes:
        return bytes(Pubkey.from_string(accounts[role]["pubkey"]))

    expected = {
        "tag": b"AURA/solana/assessment", "version": b"\x02", "cluster_id": struct.pack("<Q", VECTOR["oracle"]["cluster_id"]),
        "slot": struct.pack("<Q", a["block_number"]), "slot_hash": b(a["block_hash"]),
        "features_hash": b(a["features_hash"]), "program": key("program"), "oracle": key("oracle"),
        "request": key("request"), "subject": key("subject"), "score": struct.pack("<H", a["score"]),
        "tier": struct.pack("<B", a["tier"]), "pd_bps": struct.pack("<H", a["pd_bps"]),
        "flags": struct.pack("<I", a["flags"]), "measurement": b(a["measurement"]),
        "commitment": b(a["commitment"]), "timestamp": struct.pack("<q", a["timestamp"]),
        "expiry": struct.pack("<q", a["expiry"]),
    }  # fmt: skip
    end = 0
    for (offset, size, description), (our_offset, our_size, name) in zip(doc, solana.PAYLOAD_LAYOUT):
        assert (offset, size) == (our_offset, our_size), name
        assert description.startswith(DOC_NAMES[name]), (name, description)
        assert offset == end, f"{name} does not follow the previous field"
        end = offset + size
        assert payload[offset:end] == expected[name], name
        assert VECTOR["payload_fields"][name] == "0x" + expected[name].hex()
    assert end == solana.PAYLOAD_SIZE == len(payload)


def test_signature_recovers_to_the_key() -> None:
    digest, signature = b(VECTOR["digest"]), b(VECTOR["signature"])
    public_key = b(VECTOR["public_key"])
    assert len(public_key) == 64 and len(signature) == 65
    assert signature[64] in (0, 1) and signature[64] == VECTOR["signature_parts"]["recovery_id"]
    assert signature[:32] == b(VECTOR["signature_parts"]["r"]) and signature[32:64] == b(VECTOR["signature_parts"]["s"])
    assert int.from_bytes(signature[32:64], "big") <= SECP256K1_HALF_N
    assert solana.recover_public_key(digest, signature) == public_key
    assert PublicKey.from_signature_and_message(signature, digest, hasher=None).format(compressed=False)[1:] == public_key
    assert PrivateKey(b(VECTOR["private_key"])).public_key.format(compressed=False)[1:] == public_key
    assert solana.address_of(public_key) == b(VECTOR["address"]) == bytes.fromhex(VECTOR["signer"][2:])
    theirs = eth_keys.Signature(vrs=(signature[64], int.from_bytes(signature[:32], "big"),
                                     int.from_bytes(signature[32:64], "big")))
    assert theirs.recover_public_key_from_msg_hash(digest).to_bytes() == public_key


def test_generator_is_reproducible() -> None:
    assert GEN.build() == VECTOR


# --- recovery checks mirror the program's ----------------------------------------------------------


def test_recover_refuses_what_the_program_refuses() -> None:
    digest, signature = b(VECTOR["digest"]), b(VECTOR["signature"])
    r, s, rid = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    high = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([rid ^ 1])
    assert PublicKey.from_signature_and_message(high, digest, hasher=None).format(compressed=False)[1:] == b(
        VECTOR["public_key"])  # the same key: only the low-S rule refuses it
    cases = [
        (high, "signature r/s out of range (s must be in the lower half of the curve order)"),
        (signature[:64] + bytes([rid + 27]), "recovery id must be 0 or 1"),
        (signature[:64] + b"\x02", "recovery id must be 0 or 1"),
        (bytes(32) + signature[32:], "signature r/s out of range (s must be in the lower half of the curve order)"),
        (signature[:32] + bytes(32) + signature[64:], "signature r/s out of range (s must be in the lower half of the curve order)"),
        (signature[:64], "a signature is 65 bytes r || s || recovery_id"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError) as info:
            solana.recover_public_key(digest, bad)
        assert str(info.value) == message


def test_parse_payload_refuses_other_bytes() -> None:
    payload = b(VECTOR["payload"])
    for bad, message in [
        (payload[:-1], "a payload is 320 bytes, got 319"),
        (payload + b"\0", "a payload is 320 bytes, got 321"),
        (b"AURA/solana/assessmenT" + payload[22:], "not a version 2 Aura Solana assessment payload"),
        (payload[:22] + b"\x01" + payload[23:], "not a version 2 Aura Solana assessment payload"),
    ]:
        with pytest.raises(ValueError) as info:
            solana.parse_payload(bad)
        assert str(info.value) == message


def test_payload_builder_refuses_out_of_range_fields() -> None:
    a = solana.parse_payload(b(VECTOR["payload"]))
    for change, message in [
        ({"score": 1 << 16}, "score: 65536 does not fit u16"),
        ({"tier": -1}, "tier: -1 does not fit u8"),
        ({"flags": 1 << 32}, "flags: 4294967296 does not fit u32"),
        ({"expiry": 1 << 63}, f"expiry: {1 << 63} does not fit i64"),
        ({"subject": bytes(31)}, "subject: must be 32 bytes"),
        ({"commitment": "00" * 32}, "commitment: must be 32 bytes"),
        ({"cluster_id": 1 << 64}, f"cluster_id: {1 << 64} does not fit u64"),
        ({"block_number": -1}, "slot: -1 does not fit u64"),
        ({"block_hash": bytes(31)}, "slot_hash: must be 32 bytes"),
        ({"features_hash": bytes(33)}, "features_hash: must be 32 bytes"),
    ]:
        with pytest.raises(ValueError) as info:
            facts = replace(a.facts, **{k: v for k, v in change.items() if hasattr(a.facts, k)})
            replace(a, facts=facts, **{k: v for k, v in change.items() if not hasattr(a.facts, k)}).payload()
        assert str(info.value) == message


# --- low-S and determinism through the service -----------------------------------------------------


def _request_account(i: int) -> str:
    return solana.b58encode(hashlib.sha256(b"request %d" % i).digest())


def test_signatures_are_always_low_s_and_recover() -> None:
    service = GEN.service()
    public_key = b(VECTOR["public_key"])
    recovery_ids = set()
    for i in range(48):
        params = copy.deepcopy(VECTOR["params"])
        params["request"]["request_id"] = _request_account(i)
        out = service.assess(params)
        signature, digest = b(out["signature"]), b(out["digest"])
        assert len(signature) == 65 and signature[64] in (0, 1)
        assert 0 < int.from_bytes(signature[32:64], "big") <= SECP256K1_HALF_N
        assert digest == keccak256(b(out["payload"]))
        assert solana.recover_public_key(digest, signature) == public_key
        recovery_ids.add(signature[64])
    assert recovery_ids == {0, 1}  # both parities occur, both are handled


def test_deterministic() -> None:
    params = copy.deepcopy(VECTOR["params"])
    first = GEN.service().assess(copy.deepcopy(params))
    again = GEN.service().assess(copy.deepcopy(params))
    assert again == first
    assert again["payload"] == first["payload"] == VECTOR["payload"]
    assert again["signature"] == first["signature"] == VECTOR["signature"]


# --- request params --------------------------------------------------------------------------------

NOW = 1_750_000_000
PROGRAM = VECTOR["accounts"]["program"]["pubkey"]
ORACLE = VECTOR["accounts"]["oracle"]["pubkey"]
REQUEST = VECTOR["accounts"]["request"]["pubkey"]
REQUESTER = VECTOR["accounts"]["requester"]["pubkey"]
SUBJECT = VECTOR["accounts"]["subject"]["pubkey"]
ZERO_LED = solana.b58encode(b"\0" + hashlib.sha256(b"zero-led").digest()[:31])  # a key whose first byte is 0
assert ZERO_LED.startswith("1") and not ZERO_LED.startswith("11")
KEY_43 = next(t for i in range(1000) if len(t := solana.b58encode(hashlib.sha256(b"k%d" % i).digest())) == 43)
SOLANA_GOOD = {
    "request": {"family": "solana", "chain_id": 103, "program": PROGRAM, "contract": ORACLE, "request_id": REQUEST,
                "requester": REQUESTER, "subject": SUBJECT, "fee": "5000000", "expires_at": NOW + 3600,
                "block_number": 123},
    "features": features(NOW),
}  # fmt: skip
DELETE = object()
NOT_B58 = "must be a base58 string"
LEN_32 = "must decode to exactly 32 bytes, got {}"

SOLANA_INVALID: list[tuple[str, str, Any, str]] = [
    ("missing program", "program", DELETE, "request: missing key(s) program"),
    ("missing subject", "subject", DELETE, "request: missing key(s) subject"),
    ("unknown key", "nonce", 0, "request: unknown key(s) nonce"),
    ("family capitalised", "family", "Solana", "request.family: unsupported family 'Solana' (supported: evm, solana, sui)"),
    ("evm contract", "contract", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "request.contract: must be base58, not 0x-prefixed hex"),
    ("evm request id", "request_id", "0x" + "ab" * 32, "request.request_id: must be base58, not 0x-prefixed hex"),
    ("evm subject", "subject", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "request.subject: must be base58, not 0x-prefixed hex"),
    ("program not a string", "program", 12345, f"request.program: {NOT_B58}"),
    ("program as byte list", "program", list(range(32)), f"request.program: {NOT_B58}"),
    ("oracle null", "contract", None, f"request.contract: {NOT_B58}"),
    ("bad base58 0", "subject", "0" + SUBJECT[1:], "request.subject: character '0' at position 0 is not base58"),
    ("bad base58 O", "program", PROGRAM[:5] + "O" + PROGRAM[6:], "request.program: character 'O' at position 5 is not base58"),
    ("bad base58 I", "request_id", REQUEST[:-1] + "I", f"request.request_id: character 'I' at position {len(REQUEST) - 1} is not base58"),
    ("bad base58 l", "requester", "l" + REQUESTER[1:], "request.requester: character 'l' at position 0 is not base58"),
    ("whitespace", "contract", " " + ORACLE, "request.contract: character ' ' at position 0 is not base58"),
    ("trailing newline", "contract", ORACLE + "\n", f"request.contract: character '\\n' at position {len(ORACLE)} is not base58"),
    ("non-canonical extra leading 1", "subject", "1" + KEY_43, "request.subject: " + LEN_32.format(33)),
    ("non-canonical dropped leading 1", "subject", ZERO_LED[1:], "request.subject: " + LEN_32.format(31)),
    ("31 bytes", "program", solana.b58encode(bytes(range(1, 32))), "request.program: " + LEN_32.format(31)),
    ("33 bytes", "request_id", solana.b58encode(b"\0" + solana.b58decode(KEY_43)), "request.request_id: " + LEN_32.format(33)),
    ("45 characters", "contract", "2" * 45, "request.contract: must be base58 of 32 bytes (at most 44 characters), got 45 characters"),
    ("empty", "requester", "", "request.requester: " + LEN_32.format(0)),
    ("fee 2^64", "fee", str(MAX_UINT64 + 1), f"request.fee: must be at most {MAX_UINT64}"),
    ("fee int", "fee", 5000000, "request.fee: must be a decimal string of a non-negative integer (no sign, no leading zeros)"),
    ("fee negative", "fee", "-1", "request.fee: must be a decimal string of a non-negative integer (no sign, no leading zeros)"),
    ("fee leading zero", "fee", "05", "request.fee: must be a decimal string of a non-negative integer (no sign, no leading zeros)"),
    ("chain_id negative", "chain_id", -1, "request.chain_id: must be between 1 and 9007199254740991"),
    ("chain_id 0", "chain_id", 0, "request.chain_id: must be between 1 and 9007199254740991"),
    ("chain_id 2^53", "chain_id", 2**53, "request.chain_id: must be between 1 and 9007199254740991"),
    ("missing block_number", "block_number", DELETE, "request: missing key(s) block_number"),
    ("block_number 2^64", "block_number", 2**64, f"request.block_number: must be between 0 and {MAX_UINT64}"),
    ("block_number negative", "block_number", -1, f"request.block_number: must be between 0 and {MAX_UINT64}"),
    ("block_number string", "block_number", "123", "request.block_number: must be an integer"),
    ("chain_id string", "chain_id", "0", "request.chain_id: must be an integer"),
    ("chain_id bool", "chain_id", False, "request.chain_id: must be an integer"),
    ("expires_at 2^63", "expires_at", 2**63, "request.expires_at: must be between 0 and 9223372036854775807"),
    ("expires_at negative", "expires_at", -1, "request.expires_at: must be between 0 and 9223372036854775807"),
    ("expires_at float", "expires_at", 1.5, "request.expires_at: must be an integer"),
]


def _with(key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(SOLANA_GOOD)
    if value is DELETE:
        del out["request"][key]
    else:
        out["request"][key] = value
    return out


@pytest.mark.parametrize(("label", "key", "value", "message"), SOLANA_INVALID, ids=[c[0] for c in SOLANA_INVALID])
def test_invalid_solana_request(label: str, key: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidParams) as info:
        parse_assess(_with(key, value))
    assert str(info.value) == message


@pytest.mark.parametrize("field", ["program", "contract", "request_id", "requester", "subject"])
def test_every_key_field_is_checked(field: str) -> None:
    with pytest.raises(InvalidParams) as info:
        parse_assess(_with(field, solana.b58encode(bytes(31) + b"\1")[1:]))
    assert str(info.value) == f"request.{field}: " + LEN_32.format(31)


def test_evm_request_must_not_carry_program() -> None:
    evm = {"request": request(NOW, program=PROGRAM), "features": features(NOW)}
    with pytest.raises(InvalidParams) as info:
        parse_assess(evm)
    assert str(info.value) == "request: unknown key(s) program"


def test_evm_request_relabelled_solana() -> None:
    """An EVM request relabelled solana has no program: refused before any value is read."""
    relabelled = {"request": request(NOW, family="solana"), "features": features(NOW)}
    with pytest.raises(InvalidParams) as info:
        parse_assess(relabelled)
    assert str(info.value) == "request: missing key(s) program"


def test_valid_solana_request() -> None:
    parsed = parse_assess(SOLANA_GOOD).request
    assert isinstance(parsed, SolanaRequest)
    assert parsed == SolanaRequest(
        chain_id=103, program=bytes(Pubkey.from_string(PROGRAM)), contract=bytes(Pubkey.from_string(ORACLE)),
        request_id=bytes(Pubkey.from_string(REQUEST)), requester=bytes(Pubkey.from_string(REQUESTER)),
        subject=bytes(Pubkey.from_string(SUBJECT)), fee=5_000_000, expires_at=NOW + 3600, block_number=123,
    )  # fmt: skip
    edges = parse_assess(_with("fee", str(MAX_UINT64))).request
    assert edges.fee == MAX_UINT64
    zero_led = parse_assess(_with("subject", ZERO_LED)).request
    assert zero_led.subject[0] == 0 and solana.b58encode(zero_led.subject) == ZERO_LED
    system = parse_assess(_with("requester", "1" * 32)).request
    assert system.requester == bytes(32)
    assert parse_assess(_with("chain_id", 2**53 - 1)).request.chain_id == 2**53 - 1
    assert parse_assess(_with("expires_at", 2**63 - 1)).request.expires_at == 2**63 - 1
