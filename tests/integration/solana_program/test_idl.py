"""The IDL: `idl.json` in Anchor's current format, and what anchorpy makes of its legacy form (`idl.legacy.json`,
generated from it) matches docs/solana.md byte for byte (no runtime needed)."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path

from anchorpy import Context, Idl, Program, Provider, Wallet
from anchorpy.coder.coder import Coder
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

ROOT = Path(__file__).resolve().parents[3]
PROGRAM_DIR = ROOT / "programs" / "aura_oracle"
IDL_JSON = json.loads((PROGRAM_DIR / "idl.json").read_text())
IDL_TEXT = (PROGRAM_DIR / "idl.legacy.json").read_text()
LEGACY_JSON = json.loads(IDL_TEXT)
CODER = Coder(Idl.from_json(IDL_TEXT))
SPEC = (ROOT / "docs" / "solana.md").read_text()


def sha8(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:8]


def test_address_is_the_program_keypair():
    keypair = Keypair.from_bytes(bytes(json.loads((PROGRAM_DIR / "program-keypair.json").read_text())))
    assert IDL_JSON["address"] == str(keypair.pubkey())


def test_anchor_030_metadata_and_discriminators():
    assert IDL_JSON["metadata"]["name"] == "aura_oracle"
    assert IDL_JSON["metadata"]["spec"] == "0.1.0"
    assert [ix["name"] for ix in IDL_JSON["instructions"]] == [
        "initialize", "register_enclave", "revoke_enclave", "request_assessment", "request_private_assessment",
        "fulfil", "repin", "cancel", "set_threshold", "fulfil_quorum", "score_status", "set_verifying_key",
        "verify_threshold", "update"]
    for ix in IDL_JSON["instructions"]:
        assert bytes(ix["discriminator"]) == sha8(f"global:{ix['name']}")
    assert [acc["name"] for acc in IDL_JSON["accounts"]] == [
        "Oracle", "Enclave", "Request", "Score", "VerifyingKey", "Nullifier", "RequestCounter"]
    for acc in IDL_JSON["accounts"]:
        assert bytes(acc["discriminator"]) == sha8(f"account:{acc['name']}")
    for ev in IDL_JSON["events"]:
        assert bytes(ev["discriminator"]) == sha8(f"event:{ev['name']}")
    # Every account and event struct is also under "types" (where Anchor 0.30 clients look for it).
    types = {t["name"] for t in IDL_JSON["types"]}
    assert {a["name"] for a in IDL_JSON["accounts"]} | {e["name"] for e in IDL_JSON["events"]} <= types


def test_errors_are_the_spec_table():
    rows = re.findall(r"^\| (\d{4}) \| (\w+) \|", SPEC, flags=re.M)
    assert [(e["code"], e["name"]) for e in IDL_JSON["errors"]] == [(int(c), n) for c, n in rows]
    assert [e["code"] for e in IDL_JSON["errors"]] == list(range(6000, 6000 + len(rows)))


def test_instruction_accounts_are_the_spec_table():
    def flags(acc: dict) -> tuple[bool, bool]:
        return acc.get("writable", False), acc.get("signer", False)

    expected = {
        "initialize": [("oracle", (True, True)), ("admin", (True, True)), ("system_program", (False, False))],
        "register_enclave": [("oracle", (False, False)), ("enclave", (True, False)), ("admin", (True, True)),
                             ("system_program", (False, False))],
        "revoke_enclave": [("oracle", (False, False)), ("enclave", (True, False)), ("admin", (False, True))],
        "request_assessment": [("oracle", (False, False)), ("counter", (True, False)), ("request", (True, False)),
                               ("requester", (True, True)), ("system_program", (False, False))],
        "request_private_assessment": [("oracle", (False, False)), ("counter", (True, False)),
                                       ("request", (True, False)), ("requester", (True, True)),
                                       ("system_program", (False, False))],
        "fulfil": [("oracle", (False, False)), ("request", (True, False)), ("enclave", (False, False)),
                   ("score", (True, False)), ("requester", (True, False)), ("transmitter", (True, True)),
                   ("system_program", (False, False)), ("payee", (True, False)), ("slot_hashes", (False, False))],
        "repin": [("oracle", (False, False)), ("request", (True, False)), ("slot_hashes", (False, False))],
        "cancel": [("oracle", (False, False)), ("request", (True, False)), ("requester", (True, True))],
        "set_threshold": [("oracle", (True, False)), ("admin", (True, True)), ("system_program", (False, False))],
        "fulfil_quorum": [("oracle", (False, False)), ("request", (True, False)), ("score", (True, False)),
                          ("requester", (True, False)), ("transmitter", (True, True)),
                          ("system_program", (False, False)), ("slot_hashes", (False, False))],
        "score_status": [("oracle", (False, False)), ("score", (False, False))],
        "set_verifying_key": [("oracle", (False, False)), ("verifying_key", (True, False)), ("admin", (True, True)),
                              ("system_program", (False, False))],
        "verify_threshold": [("oracle", (False, False)), ("score", (False, False)),
                             ("verifying_key", (False, False)), ("nullifier", (True, False)),
                             ("authority", (True, True)), ("system_program", (False, False))],
        "update": [("oracle", (False, False)), ("subject", (False, False)), ("score", (True, False)),
                   ("transmitter", (True, True)), ("system_program", (False, False)), ("slot_hashes", (False, False))],
    }
    for ix, legacy in zip(IDL_JSON["instructions"], LEGACY_JSON["instructions"], strict=True):
        assert [(a["name"], flags(a)) for a in ix["accounts"]] == expected[ix["name"]]
        # the legacy flags anchorpy reads say the same
        assert [(a["name"], (a["isMut"], a["isSigner"])) for a in legacy["accounts"]] == expected[ix["name"]]


def test_anchorpy_program_builds_instructions():
    """anchorpy's Program (what a client uses) builds `initialize` with the IDL's address and flags."""
    program = Program(Idl.from_json(IDL_TEXT), Pubkey.from_string(IDL_JSON["address"]),
                      Provider(AsyncClient("http://127.0.0.1:1"), Wallet.dummy()))
    assert sorted(program.account.keys()) == [
        "Enclave", "Nullifier", "Oracle", "Request", "RequestCounter", "Score", "VerifyingKey"]
    oracle, admin = Keypair().pubkey(), Keypair().pubkey()
    system = Pubkey.from_string("11111111111111111111111111111111")
    ix = program.instruction["initialize"](
        5, 3600, 103, ctx=Context(accounts={"oracle": oracle, "admin": admin, "system_program": system}))
    assert str(ix.program_id) == IDL_JSON["address"]
    assert [(m.pubkey, m.is_writable, m.is_signer) for m in ix.accounts] == [
        (oracle, True, True), (admin, True, True), (system, False, False)]
    assert bytes(ix.data) == sha8("global:initialize") + struct.pack("<QqQ", 5, 3600, 103)


def test_instruction_coder_encodes_the_spec_bytes():
    key = bytes(range(32))
    cases = {
        "initialize": ({"fee_lamports": 5, "request_ttl_s": 3600, "cluster_id": 103}, struct.pack("<QqQ", 5, 3600, 103)),
        "register_enclave": ({"public_key": [7] * 64, "measurement": [9] * 32, "payee": list(key)},
                             bytes([7] * 64 + [9] * 32) + key),
        "revoke_enclave": ({}, b""),
        "request_assessment": ({"subject": list(key), "params": b"\x01\x02\x03"},
                               key + struct.pack("<I", 3) + b"\x01\x02\x03"),
        "request_private_assessment": ({"subject": list(key), "params": b"\x01\x02\x03"},
                                       key + struct.pack("<I", 3) + b"\x01\x02\x03"),
        "fulfil": ({"score": 742, "tier": 2, "pd_bps": 9999, "flags": 0x01020304, "measurement": [1] * 32,
                    "commitment": [2] * 32, "slot": 2**63 + 1, "slot_hash": [4] * 32, "features_hash": [5] * 32,
                    "timestamp": -5, "expiry": 2**62, "signature": [3] * 65},
                   struct.pack("<HBHI", 742, 2, 9999, 0x01020304) + bytes([1] * 32 + [2] * 32)
                   + struct.pack("<Q", 2**63 + 1) + bytes([4] * 32 + [5] * 32)
                   + struct.pack("<qq", -5, 2**62) + bytes([3] * 65)),
        "repin": ({}, b""),
        "cancel": ({}, b""),
    }
    for name, (args, body) in cases.items():
        assert CODER.instruction.encode(name, args) == sha8(f"global:{name}") + body, name
    assert len(CODER.instruction.encode("fulfil", cases["fulfil"][0])) == 8 + 226


def test_account_coder_decodes_the_spec_offsets():
    oracle = sha8("account:Oracle") + bytes([1] * 32) + struct.pack("<QqBQ", 10, 3600, 3, 103)
    assert len(oracle) == 65
    d = CODER.accounts.decode(oracle)
    assert (bytes(d.admin), d.fee_lamports, d.request_ttl_s, d.layout_version, d.cluster_id) == (
        bytes([1] * 32), 10, 3600, 3, 103)
    assert not hasattr(d, "next_nonce")  # requests are numbered by the requester's RequestCounter

    counter = sha8("account:RequestCounter") + bytes([1] * 32) + bytes([2] * 32) + struct.pack("<QB", 7, 251)
    assert len(counter) == 81
    d = CODER.accounts.decode(counter)
    assert (bytes(d.oracle), bytes(d.requester), d.next_nonce, d.bump) == (bytes([1] * 32), bytes([2] * 32), 7, 251)

    enclave = (sha8("account:Enclave") + bytes([1] * 32) + bytes([2] * 64) + bytes([3] * 20) + bytes([4] * 32)
               + struct.pack("<BqqB", 1, 100, 0, 254) + bytes([5] * 32))
    assert len(enclave) == 206
    d = CODER.accounts.decode(enclave)
    assert (bytes(d.public_key), bytes(d.address), bytes(d.measurement), d.active, d.registered_at, d.bump,
            bytes(d.payee)) == (bytes([2] * 64), bytes([3] * 20), bytes([4] * 32), 1, 100, 254, bytes([5] * 32))

    request = (sha8("account:Request") + bytes([1] * 32) + bytes([2] * 32) + bytes([3] * 32)
               + struct.pack("<QQQqqQBB?", 4, 5, 6, 7, 8, 9, 0, 253, True) + struct.pack("<I", 2) + b"\xaa\xbb")
    assert len(request) == 159 + 2
    d = CODER.accounts.decode(request)
    assert (bytes(d.subject), d.nonce, d.fee, d.created_slot, d.created_at, d.expires_at, d.pinned_slot, d.status,
            d.bump, d.private, d.params) == (bytes([3] * 32), 4, 5, 6, 7, 8, 9, 0, 253, True, b"\xaa\xbb")

    score = (sha8("account:Score") + bytes([1] * 32) + bytes([2] * 32) + struct.pack("<HBHI", 1000, 2, 10000, 9)
             + bytes([3] * 32) + bytes([4] * 32) + struct.pack("<Q", 17) + bytes([7] * 32) + bytes([8] * 32)
             + struct.pack("<qq", 11, 12) + bytes([5] * 20) + bytes([6] * 32)
             + struct.pack("<qqQIB", 13, 14, 15, 16, 252))
    assert len(score) == 314
    d = CODER.accounts.decode(score)
    assert (d.score, d.tier, d.pd_bps, d.flags, d.slot, bytes(d.slot_hash), bytes(d.features_hash), bytes(d.signer),
            bytes(d.request), d.assessed_at, d.expiry, d.created_at, d.updated_at, d.updated_slot, d.version,
            d.bump) == (1000, 2, 10000, 9, 17, bytes([7] * 32), bytes([8] * 32), bytes([5] * 20), bytes([6] * 32),
                        11, 12, 13, 14, 15, 16, 252)


def test_event_coder_decodes_every_event():
    k = [bytes([i] * 32) for i in range(1, 5)]
    events = {
        "AssessmentRequested": k[0] + k[1] + k[2] + k[3] + struct.pack("<QQq?I", 1, 2, 3, True, 1) + b"\x09",
        "AssessmentFulfilled": k[0] + k[1] + k[2] + k[3] + struct.pack("<HBHI", 5, 1, 6, 7) + bytes([8] * 20)
        + b"\x01",
        "AssessmentCancelled": k[0] + k[1] + k[2],
        "EnclaveRegistered": k[0] + bytes([2] * 20) + bytes([3] * 32),
        "EnclaveRevoked": k[0] + bytes([2] * 20),
        "RequestRepinned": k[0] + k[1] + struct.pack("<QQ", 5, 600),
    }
    for name, body in events.items():
        event = CODER.events.parse(sha8(f"event:{name}") + body)
        assert event is not None and event.name == name
    requested = CODER.events.parse(sha8("event:AssessmentRequested") + events["AssessmentRequested"]).data
    assert (requested.expires_at, requested.private, requested.params) == (3, True, b"\x09")
    fulfilled = CODER.events.parse(sha8("event:AssessmentFulfilled") + events["AssessmentFulfilled"]).data
    assert (fulfilled.score, fulfilled.tier, fulfilled.pd_bps, fulfilled.flags, fulfilled.replaced) == (
        5, 1, 6, 7, True)


def test_every_error_is_asserted_by_a_test():
    sources = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    missing = [e["name"] for e in IDL_JSON["errors"] if f'fails("{e["name"]}"' not in sources]
    assert missing == []
