"""The quorum's part of the IDL (docs/solana.md, "Quorum"): what anchorpy makes of `set_threshold`,
`fulfil_quorum` and `score_status`, the two events and the two tail types, byte for byte (no runtime needed)."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

from anchorpy import Idl
from anchorpy.coder.coder import Coder

ROOT = Path(__file__).resolve().parents[3]
IDL_JSON = json.loads((ROOT / "programs" / "aura_oracle" / "idl.json").read_text())
LEGACY_JSON = json.loads((ROOT / "programs" / "aura_oracle" / "idl.legacy.json").read_text())
IDL = Idl.from_json(json.dumps(LEGACY_JSON))
CODER = Coder(IDL)
INSTRUCTIONS = {ix["name"]: ix for ix in IDL_JSON["instructions"]}
LEGACY_INSTRUCTIONS = {ix["name"]: ix for ix in LEGACY_JSON["instructions"]}


def sha8(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:8]


def test_quorum_instructions_and_their_accounts():
    def accounts(name: str) -> list[tuple[str, bool, bool]]:
        ix = INSTRUCTIONS[name]
        assert bytes(ix["discriminator"]) == sha8(f"global:{name}")
        rows = [(a["name"], a.get("writable", False), a.get("signer", False)) for a in ix["accounts"]]
        legacy = LEGACY_INSTRUCTIONS[name]["accounts"]
        assert rows == [(a["name"], a["isMut"], a["isSigner"]) for a in legacy]  # the legacy flags agree
        return rows

    assert accounts("set_threshold") == [("oracle", True, False), ("admin", True, True),
                                         ("system_program", False, False)]
    assert accounts("fulfil_quorum") == [
        ("oracle", False, False), ("request", True, False), ("score", True, False), ("requester", True, False),
        ("transmitter", True, True), ("system_program", False, False), ("slot_hashes", False, False)]
    assert accounts("score_status") == [("oracle", False, False), ("score", False, False)]
    # the enclaves (and payees) after them are remaining accounts, which only the docs describe
    assert "Remaining accounts" in " ".join(INSTRUCTIONS["fulfil_quorum"]["docs"])
    assert "Remaining accounts" in " ".join(INSTRUCTIONS["score_status"]["docs"])
    assert accounts("update") == [
        ("oracle", False, False), ("subject", False, False), ("score", True, False), ("transmitter", True, True),
        ("system_program", False, False), ("slot_hashes", False, False)]
    assert "Remaining accounts" in " ".join(INSTRUCTIONS["update"]["docs"])
    returns = {ix.name: ix.returns for ix in IDL.instructions}
    assert str(returns["score_status"]) == "IdlTypeSimple.Bool"
    assert returns["fulfil_quorum"] is None and returns["update"] is None


def test_quorum_instruction_coder_encodes_the_spec_bytes():
    assert CODER.instruction.encode("set_threshold", {"threshold": 3}) == sha8("global:set_threshold") + b"\x03"
    assert CODER.instruction.encode("score_status", {}) == sha8("global:score_status")
    signed = {"score": 742, "tier": 2, "pd_bps": 9999, "flags": 0x01020304, "measurement": [1] * 32,
              "commitment": [2] * 32, "slot": 2**63 + 1, "slot_hash": [4] * 32, "features_hash": [5] * 32,
              "timestamp": -5, "expiry": 2**62}
    body = (struct.pack("<HBHI", 742, 2, 9999, 0x01020304) + bytes([1] * 32 + [2] * 32) + struct.pack("<Q", 2**63 + 1)
            + bytes([4] * 32 + [5] * 32) + struct.pack("<qq", -5, 2**62))
    assert len(body) == 161
    sigs = [bytes([7] * 65), bytes([8] * 65)]
    encoded = CODER.instruction.encode("fulfil_quorum", {**signed, "signatures": [list(s) for s in sigs]})
    assert encoded == sha8("global:fulfil_quorum") + body + struct.pack("<I", 2) + b"".join(sigs)
    # the signed part is fulfil's, byte for byte
    single = CODER.instruction.encode("fulfil", {**signed, "signature": [3] * 65})
    assert single[8:8 + 161] == encoded[8:8 + 161]
    # `update` takes `fulfil_quorum`'s args, byte for byte, under its own discriminator
    update = CODER.instruction.encode("update", {**signed, "signatures": [list(s) for s in sigs]})
    assert update == sha8("global:update") + encoded[8:]


def test_quorum_events_and_tails_decode():
    oracle, request = bytes([1] * 32), bytes([2] * 32)
    event = CODER.events.parse(sha8("event:ThresholdSet") + oracle + b"\x01\x03")
    assert event is not None and (bytes(event.data.oracle), event.data.previous, event.data.threshold) == (
        oracle, 1, 3)
    signers = [bytes([9] * 20), bytes([10] * 20)]
    event = CODER.events.parse(sha8("event:QuorumSigned") + request + oracle + b"\x02" + struct.pack("<I", 2)
                               + b"".join(signers))
    assert event is not None and event.name == "QuorumSigned"
    assert (bytes(event.data.request), event.data.threshold, [bytes(s) for s in event.data.signers]) == (
        request, 2, signers)
    tail = CODER.types.decode("ScoreQuorum", b"\x02" + struct.pack("<I", 2) + b"".join(signers))
    assert (tail.threshold, [bytes(s) for s in tail.signers]) == (2, signers)
    assert CODER.types.decode("OracleQuorum", b"\x05").threshold == 5


def test_accounts_with_a_tail_decode_as_before():
    """The Oracle and Score structs are unchanged: a client decoding them reads the k = 1 fields and ignores the
    quorum tail after them."""
    oracle = sha8("account:Oracle") + bytes([1] * 32) + struct.pack("<QqBQ", 10, 3600, 3, 103)
    assert CODER.accounts.decode(oracle + b"\x03").cluster_id == 103
    score = (sha8("account:Score") + bytes(64) + struct.pack("<HBHI", 1000, 2, 10000, 9) + bytes(64)
             + struct.pack("<Q", 17) + bytes(64) + struct.pack("<qq", 11, 12) + bytes([5] * 20) + bytes(32)
             + struct.pack("<qqQIB", 13, 14, 15, 16, 252))
    assert len(score) == 314
    tail = b"\x02" + struct.pack("<I", 2) + bytes([5] * 20) + bytes([6] * 20)
    decoded = CODER.accounts.decode(score + tail)
    assert (decoded.score, bytes(decoded.signer), decoded.bump) == (1000, bytes([5] * 20), 252)


def test_quorum_errors_follow_the_others():
    errors = {e["name"]: (e["code"], e["msg"]) for e in IDL_JSON["errors"]}
    assert errors["InvalidThreshold"] == (6045, "The threshold is outside 1 ..= 8")
    assert errors["QuorumNotMet"] == (6046, "Fewer signatures than the oracle's threshold")
    assert errors["SignersNotAscending"] == (6047, "The signers are not in strictly ascending order of address")
    assert errors["TooManySignatures"] == (6048, "More than 8 signatures")
