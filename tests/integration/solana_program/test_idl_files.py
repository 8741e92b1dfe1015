"""The IDL's client files: `idl.json` (Anchor's current format, the source) and what
`programs/aura_oracle/generate_idl.py` makes of it (the legacy form the node reads, the `AuraOracle` TypeScript
type), committed as the generator makes them now, and read by Anchor's TypeScript client (pinned in package.json)
as the type says."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from solders.pubkey import Pubkey

from chains.solana import program as prog

ROOT = Path(__file__).resolve().parents[3]
PROGRAM_DIR = ROOT / "programs" / "aura_oracle"
SCRIPT = Path(__file__).with_name("anchor_idl.mjs")
IDL_JSON = json.loads((PROGRAM_DIR / "idl.json").read_text())
LEGACY_ONLY_KEYS = {"isMut", "isSigner", "index", "fields"}  # `fields` only in an event


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aura_generate_idl", PROGRAM_DIR / "generate_idl.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


@pytest.fixture(scope="module")
def anchor() -> dict[str, Any]:
    """What @coral-xyz/anchor's Program and coder make of idl.json (anchor_idl.mjs)."""
    out = subprocess.run(["node", str(SCRIPT), str(PROGRAM_DIR / "idl.json")], capture_output=True, text=True,
                         timeout=120, check=False, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    answer: dict[str, Any] = json.loads(out.stdout)
    return answer


def test_committed_files_are_what_the_generator_makes_now() -> None:
    assert GEN.stale() == []
    assert GEN.main(["--check"]) == 0


def test_check_names_each_stale_file(tmp_path: Path) -> None:
    source = tmp_path / "idl.json"
    source.write_text(json.dumps({**IDL_JSON, "metadata": {**IDL_JSON["metadata"], "description": "another"}}))
    assert GEN.check(source) == [
        "programs/aura_oracle/idl.legacy.json is not what idl.json makes: run generate_idl.py",
        "programs/aura_oracle/types/aura_oracle.ts is not what idl.json makes: run generate_idl.py"]


def test_source_is_the_current_format_only() -> None:
    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        return {k for v in value for k in keys(v)} if isinstance(value, list) else set()

    assert keys(IDL_JSON["instructions"]) & LEGACY_ONLY_KEYS == set()
    assert set(IDL_JSON) == {"address", "metadata", "instructions", "accounts", "events", "errors", "types"}
    assert all(set(a) == {"name", "discriminator"} for a in IDL_JSON["accounts"] + IDL_JSON["events"])
    assert "publicKey" not in json.dumps(IDL_JSON)


def test_public_keys_are_typed_pubkey() -> None:
    keys = sorted(f"{t['name']}.{f['name']}" for t in IDL_JSON["types"] for f in t["type"]["fields"]
                  if f["type"] == "pubkey")
    keys += sorted(f"{ix['name']}({a['name']})" for ix in IDL_JSON["instructions"] for a in ix["args"]
                   if a["type"] == "pubkey")
    assert keys == [
        "AssessmentCancelled.oracle", "AssessmentCancelled.request", "AssessmentCancelled.requester",
        "AssessmentFulfilled.oracle", "AssessmentFulfilled.request", "AssessmentFulfilled.subject",
        "AssessmentFulfilled.transmitter", "AssessmentRequested.oracle", "AssessmentRequested.request",
        "AssessmentRequested.requester", "AssessmentRequested.subject", "Enclave.oracle", "Enclave.payee",
        "EnclaveRegistered.oracle", "EnclaveRevoked.oracle", "Nullifier.authority", "Nullifier.oracle",
        "Nullifier.subject", "Oracle.admin", "QuorumSigned.oracle", "QuorumSigned.request", "Request.oracle",
        "Request.requester", "Request.subject", "RequestCounter.oracle", "RequestCounter.requester",
        "RequestRepinned.oracle", "RequestRepinned.request", "Score.oracle", "Score.request", "Score.subject",
        "ThresholdSet.oracle", "VerifyingKey.oracle", "VerifyingKeySet.oracle", "register_enclave(payee)",
        "request_assessment(subject)", "request_private_assessment(subject)"]
    # the other 32-byte fields are hashes and field elements, not keys
    others = {f"{t['name']}.{f['name']}" for t in IDL_JSON["types"] for f in t["type"]["fields"]
              if f["type"] == {"array": ["u8", 32]}}
    assert others == {"Enclave.measurement", "Score.measurement", "Score.commitment", "Score.slot_hash",
                      "Score.features_hash", "EnclaveRegistered.measurement", "Nullifier.nullifier",
                      "Nullifier.scope", "VerifyingKeySet.key_hash"}


def test_legacy_form_is_the_same_program_in_bytes() -> None:
    legacy = json.loads((PROGRAM_DIR / "idl.legacy.json").read_text())
    assert (legacy["name"], legacy["version"], legacy["metadata"]) == (
        "aura_oracle", "0.1.0", {"address": IDL_JSON["address"]})
    assert "pubkey" not in json.dumps(legacy)
    assert [a["name"] for a in legacy["accounts"]] == [a["name"] for a in IDL_JSON["accounts"]]
    assert [t["name"] for t in legacy["types"]] == ["OracleQuorum", "ScoreQuorum"]
    assert legacy["errors"] == IDL_JSON["errors"]
    for name in ("request_assessment", "request_private_assessment"):
        request = next(ix for ix in legacy["instructions"] if ix["name"] == name)
        assert [a["name"] for a in request["accounts"]] == [
            "oracle", "counter", "request", "requester", "system_program"]
        assert request["accounts"][1]["pda"]["seeds"] == [
            {"kind": "const", "type": "bytes", "value": list(b"counter")},
            {"kind": "account", "type": "publicKey", "path": "oracle"},
            {"kind": "account", "type": "publicKey", "path": "requester"}]
        assert request["accounts"][2]["pda"]["seeds"] == [
            {"kind": "const", "type": "bytes", "value": list(b"request")},
            {"kind": "account", "type": "publicKey", "path": "oracle"},
            {"kind": "account", "type": "publicKey", "path": "requester"},
            {"kind": "account", "type": "u64", "path": "counter.next_nonce", "account": "RequestCounter"}]


def test_typescript_type_is_the_idl_anchor_works_with(anchor: dict[str, Any]) -> None:
    text = (PROGRAM_DIR / "types" / "aura_oracle.ts").read_text()
    match = re.search(r"^export type AuraOracle = (\{.*\});\n\Z", text, flags=re.S | re.M)
    assert match is not None
    assert json.loads(match.group(1)) == anchor["camel"]
    assert anchor["methods"] == ["initialize", "registerEnclave", "revokeEnclave", "requestAssessment",
                                 "requestPrivateAssessment", "fulfil", "repin", "cancel", "setThreshold",
                                 "fulfilQuorum", "scoreStatus", "setVerifyingKey", "verifyThreshold", "update"]
    assert anchor["accounts"] == ["oracle", "enclave", "request", "score", "verifyingKey", "nullifier",
                                  "requestCounter"]


def test_anchor_reads_keys_as_public_keys(anchor: dict[str, Any]) -> None:
    assert anchor["programId"] == IDL_JSON["address"]
    admin = anchor["oracleAdmin"]
    assert admin["isPublicKey"] is True and admin["base58"] == admin["expected"]
    # the Oracle's 65 bytes (layout 3, no next_nonce) and a RequestCounter's 81 decode field by field
    assert (anchor["oracleLength"], anchor["oracleFields"]) == (
        65, {"feeLamports": "5", "requestTtlS": "60", "layoutVersion": 3, "clusterId": "900"})
    assert anchor["counter"] == {"length": 81, "oracle": True, "requester": True, "nextNonce": "7", "bump": 254}
    # a PublicKey argument is encoded as its 32 bytes, as the node's legacy coder encodes them
    subject = bytes(Pubkey.from_string(anchor["subject"]))
    node_bytes = prog.coder().instruction.encode("request_assessment", {"subject": list(subject),
                                                                         "params": b"\x01\x02\x03"})
    assert anchor["requestData"] == node_bytes.hex()
