"""Write tests/vectors/sui.json and move/aura_oracle/tests/vector_data.move: Sui assessments (docs/sui.md)
signed by a fixed key.

Run from the project root: `.venv/bin/python tests/vectors/make_sui_vector.py`. The bytes come from the
enclave's own `assess` (node/enclave/service.py) with the fixed, public test key of evm.json, a fixed
measurement and a stub engine that returns fixed score fields, so the vector does not move when the
scoring model does. Before anything is written, each message is rebuilt field by field with `struct` (its
blinding and Poseidon commitment by tests/vectors/independent_commitment.py), hashed with hashlib, and each signature made again by fastcrypto (Sui's own signing library, through
pysui-fastcrypto) and verified by it.

`ORACLE_ID` and the request IDs are the object IDs `sui::test_scenario` gives the Oracle and the two requests
in the Move tests' fixed set-up (move/aura_oracle/tests), so the Move tests check these very signatures.

The private case (docs/sui.md, "Private assessments") answers a third request, the private one the requester makes
right after that set-up (`request_private_assessment`, in the next transaction): the enclave is asked with
`"private": true`, so it signs score 0, tier 255 and pd 0 with the commitment to the case's real score.

The quorum case (docs/sui.md, "Quorum"): three more keys, each the SHA-256 of a fixed label and its index (as the
other key is of its label), sign both cases' messages unchanged; they are listed in ascending order of their
20-byte addresses, the order `oracle::fulfil_quorum` takes them in. Each address is computed here from the
uncompressed key with pycryptodome's keccak and checked against the enclave key's own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pysui_fastcrypto  # noqa: E402
from coincurve import PrivateKey  # noqa: E402
from Crypto.Hash import keccak as pycryptodome_keccak  # noqa: E402

from chains.core.secp256k1 import SECP256K1_N  # noqa: E402
from chains.sui import payload as sui  # noqa: E402
from node.enclave.commitment import blinding  # noqa: E402
from node.enclave.keys import EnclaveKey  # noqa: E402
from node.enclave.measurement import Measurement  # noqa: E402
from node.enclave.service import EnclaveService  # noqa: E402
from node.scoring.engine import Assessment as EngineAssessment  # noqa: E402
from node.scoring.flags import Flag  # noqa: E402
from tests.vectors.independent_commitment import independent_blinding, independent_commitment  # noqa: E402

OUT = Path(__file__).with_name("sui.json")
MOVE_OUT = ROOT / "move" / "aura_oracle" / "tests" / "vector_data.move"

PRIVATE_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"  # the key of evm.json
OTHER_KEY_LABEL = b"aura test sui other enclave key"
QUORUM_KEY_LABEL = "aura test sui quorum enclave key {}"  # formatted with the index 0, 1, 2
QUORUM_SIZE = 3
QUORUM_HIGH_S_SIGNER = 1  # whose signature over the first message also gets its high-S twin
SECP256K1_SCHEME = 1  # fastcrypto's scheme number for secp256k1 (Sui's signature flag 0x01)

# Object IDs from the Move tests' fixed scenario set-up (see the module docstring).
ORACLE_ID = "0x034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96"
FIRST_REQUEST_ID = "0x01c5e4703d8ab941c77c53ac590c7764b9e6f197cd1bb6692613a1d3df9a2564"
SECOND_REQUEST_ID = "0x489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7"
PRIVATE_REQUEST_ID = "0x4b91c69db001e4d18e0c79058e6b83167d016a3ff50d13f17f35d3ef9e32fe5f"
PRIVATE_TIER = 255  # chains/core/assessment.py's, written out

ADDRESS_LABELS = {
    "admin": b"aura test sui admin",
    "requester": b"aura test sui requester",
    "subject": b"aura test sui subject",
    "transmitter": b"aura test sui transmitter",
}
PACKAGE_ID = "0x" + hashlib.sha256(b"aura test sui package").hexdigest()  # informative: not signed
CHAIN_ID = 0  # the network's number in the node's config: informative, not signed
FEE_MIST = 50_000_000
REQUEST_TTL_MS = 3_600_000
MAX_AGE_MS = 600_000
MAX_SKEW_MS = 60_000
ASSESSMENT_TTL_S = 600
MEASUREMENT = hashlib.sha256(b"aura test measurement").digest()
BALANCE_MIST = 2_500_000_000

# Two assessments of one subject: the second is later and answers the second request. Each is pinned to its own
# checkpoint (the one holding its request, four a second apart); a checkpoint's digest is a fixed label's SHA-256.
CASES: dict[str, dict[str, Any]] = {
    "first": {"request_id": FIRST_REQUEST_ID, "score": 742, "tier": 1, "pd_bps": 350, "flags": 8,
              "timestamp": 1_700_000_000, "expires_at": 1_700_003_500, "checkpoint": 90_000_000},
    "second": {"request_id": SECOND_REQUEST_ID, "score": 801, "tier": 0, "pd_bps": 210, "flags": 8,
               "timestamp": 1_700_000_060, "expires_at": 1_700_003_560, "checkpoint": 90_000_240},
    # the score fields are the engine's; the enclave signs the private form of them (the module docstring)
    "private": {"request_id": PRIVATE_REQUEST_ID, "score": 655, "tier": 1, "pd_bps": 240, "flags": 8,
                "timestamp": 1_700_000_030, "expires_at": 1_700_003_480, "checkpoint": 90_000_120, "private": True},
}  # fmt: skip


def checkpoint_digest(checkpoint: int) -> bytes:
    return hashlib.sha256(f"aura test sui checkpoint {checkpoint}".encode()).digest()


def address(label: bytes) -> str:
    return "0x" + hashlib.sha256(label).hexdigest()


class FixedEngine:
    """Stands in for the scoring engine: the case's fixed score fields, the measured config's clock settings."""

    config = SimpleNamespace(assessment_ttl_s=ASSESSMENT_TTL_S, max_clock_skew_s=900)

    def __init__(self, case: dict[str, Any]) -> None:
        self.case = case

    def read_questionnaire(self, questionnaire: Any, facts: Any) -> tuple[int, int, tuple[str, ...]]:
        raise AssertionError("the vector carries no questionnaire")

    def assess(self, features: Any, **_: Any) -> EngineAssessment:
        c = self.case
        return EngineAssessment(
            score=c["score"], tier=c["tier"], pd_bps=c["pd_bps"], flags=Flag(c["flags"]), dimensions={},
            scorecard=c["score"], model_points=None, anomaly_bps=0, rules=(), reasons={"risks": [], "strengths": []},
            terms={},
        )  # fmt: skip


def keccak(data: bytes) -> bytes:
    return pycryptodome_keccak.new(digest_bits=256, data=data).digest()


def hx(raw: bytes) -> str:
    return "0x" + raw.hex()


def signed_fields(case: dict[str, Any]) -> tuple[int, int, int]:
    """The score, tier and pd the enclave signs for a case: the private form (0, 255, 0) for a private one."""
    return (0, PRIVATE_TIER, 0) if case.get("private") else (case["score"], case["tier"], case["pd_bps"])


def params(case: dict[str, Any]) -> dict[str, Any]:
    """The `assess` params the host sends for a case's request (docs/protocol.md, Sui requests)."""
    private = {"private": True} if case.get("private") else {}
    return {
        **private,
        "request": {
            "family": "sui",
            "chain_id": CHAIN_ID,
            "package": PACKAGE_ID,
            "contract": ORACLE_ID,
            "request_id": case["request_id"],
            "requester": address(ADDRESS_LABELS["requester"]),
            "subject": address(ADDRESS_LABELS["subject"]),
            "fee": str(FEE_MIST),
            "expires_at": case["expires_at"],
            "block_number": case["checkpoint"],
        },
        "features": {
            "as_of_block": case["checkpoint"],
            "as_of_block_hash": hx(checkpoint_digest(case["checkpoint"])),
            "as_of_timestamp": case["timestamp"],
            "tx_count": 57,
            "balance_wei": str(BALANCE_MIST * 10**9),
            "first_seen_timestamp": case["timestamp"] - 400 * 86_400,
        },
    }


def independent_features_hash(case: dict[str, Any]) -> bytes:
    """keccak-256 of the features' canonical JSON (docs/protocol.md): sorted keys, no spaces, written here with
    json.dumps rather than chains/core/features.py."""
    text = json.dumps(params(case)["features"], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return keccak(text.encode())


def independent_message(case: dict[str, Any], commitment: bytes) -> bytes:
    """docs/sui.md's table written out with struct, not with chains/sui/payload.py."""
    ts_ms = case["timestamp"] * 1000
    return (
        struct.pack("<BQ", 1, ts_ms) + bytes.fromhex(ORACLE_ID[2:]) + bytes.fromhex(case["request_id"][2:])
        + bytes.fromhex(address(ADDRESS_LABELS["subject"])[2:])
        + struct.pack("<HBHI", *signed_fields(case), case["flags"])
        + b"\x20" + MEASUREMENT + b"\x20" + commitment
        + struct.pack("<Q", case["checkpoint"]) + b"\x20" + checkpoint_digest(case["checkpoint"])
        + b"\x20" + independent_features_hash(case)
        + struct.pack("<Q", ts_ms + ASSESSMENT_TTL_S * 1000)
    )  # fmt: skip


def fastcrypto_sign(secret: bytes, message: bytes) -> bytes:
    return base64.b64decode(pysui_fastcrypto.sign_message(SECP256K1_SCHEME, secret, base64.b64encode(message).decode()))


def fastcrypto_verify(secret: bytes, message: bytes, signature: bytes) -> bool:
    return bool(pysui_fastcrypto.verify(SECP256K1_SCHEME, secret, base64.b64encode(message).decode(),
                                        base64.b64encode(signature).decode()))


def build_case(name: str, case: dict[str, Any], key: EnclaveKey) -> dict[str, Any]:
    service = EnclaveService(key, Measurement(MEASUREMENT, ()), FixedEngine(case),  # type: ignore[arg-type]
                             clock=lambda: case["timestamp"])
    result = service.assess(params(case))
    request_id = bytes.fromhex(case["request_id"][2:])
    commitment = bytes.fromhex(result["commitment"][2:])
    message = bytes.fromhex(result["intent_message"][2:])
    digest = bytes.fromhex(result["digest"][2:])
    signature = bytes.fromhex(result["signature"][2:])
    secret = bytes.fromhex(PRIVATE_KEY[2:])

    # Independent cross-checks before writing anything.
    subject = bytes.fromhex(address(ADDRESS_LABELS["subject"])[2:])
    blind = blinding(key.commitment_secret, request_id, subject)
    assert blind == independent_blinding(key.commitment_secret, request_id, subject), name
    assert commitment == independent_commitment(case["score"], blind, subject), name  # the real score, always
    assert message == independent_message(case, commitment), name
    assert len(message) == 262 and digest == hashlib.sha256(message).digest()
    assert signature == fastcrypto_sign(secret, message), f"{name}: fastcrypto signs differently"
    assert fastcrypto_verify(secret, message, signature)
    assert int.from_bytes(signature[32:], "big") <= SECP256K1_N // 2
    assert sui.verify(key.public_key, message, signature)
    assert (result["timestamp_ms"], result["expiry_ms"]) == (case["timestamp"] * 1000,
                                                             (case["timestamp"] + ASSESSMENT_TTL_S) * 1000)
    # what the chain takes and stores: the signed fields (the enclave's answer keeps the real ones for its host)
    assessment = {k: result[k] for k in ("score", "tier", "pd_bps", "flags", "measurement", "commitment",
                                         "block_number", "block_hash", "features_hash", "timestamp", "expiry",
                                         "timestamp_ms", "expiry_ms")}
    if case.get("private"):
        assert result["private"] is True and result["score"] == case["score"], name
        assessment.update(zip(("score", "tier", "pd_bps"), signed_fields(case), strict=True),
                          committed_score=case["score"])
    return {
        "params": params(case),
        "assessment": assessment,
        "intent_message": hx(message),
        "digest": hx(digest),
        "signature": hx(signature),
    }


def high_s(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:], "big")
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big")


def independent_address(secret: bytes) -> str:
    """The 20-byte address of a key (keccak-256 of the uncompressed point, last 20 bytes), lower-case hex."""
    point = PrivateKey(secret).public_key.format(compressed=False)[1:]
    return hx(keccak(point)[12:])


def build_quorum(cases: dict[str, Any]) -> dict[str, Any]:
    """Three keys signing each case's message as it is, sorted by address (see the module docstring)."""
    signers = []
    for index in range(QUORUM_SIZE):
        label = QUORUM_KEY_LABEL.format(index)
        secret = hashlib.sha256(label.encode()).digest()
        key = EnclaveKey(secret)
        assert key.address.lower() == independent_address(secret), label
        signers.append({"label": label, "private_key": hx(secret), "public_key": hx(key.public_key),
                        "address": key.address})
    signers.sort(key=lambda s: bytes.fromhex(s["address"][2:]))
    signatures: dict[str, list[str]] = {}
    for name, case in cases.items():
        message = bytes.fromhex(case["intent_message"][2:])
        signatures[name] = []
        for signer in signers:
            secret, public_key = bytes.fromhex(signer["private_key"][2:]), bytes.fromhex(signer["public_key"][2:])
            signature = fastcrypto_sign(secret, message)
            assert fastcrypto_verify(secret, message, signature) and sui.verify(public_key, message, signature)
            assert int.from_bytes(signature[32:], "big") <= SECP256K1_N // 2
            signatures[name].append(hx(signature))
    first_message = bytes.fromhex(cases["first"]["intent_message"][2:])
    second_message = bytes.fromhex(cases["second"]["intent_message"][2:])
    chosen = signers[QUORUM_HIGH_S_SIGNER]
    chosen_key = bytes.fromhex(chosen["public_key"][2:])
    twin = high_s(bytes.fromhex(signatures["first"][QUORUM_HIGH_S_SIGNER][2:]))
    assert not sui.verify(chosen_key, first_message, twin)
    assert not sui.verify(chosen_key, first_message, bytes.fromhex(signatures["second"][QUORUM_HIGH_S_SIGNER][2:]))
    assert not sui.verify(chosen_key, second_message, bytes.fromhex(signatures["first"][QUORUM_HIGH_S_SIGNER][2:]))
    return {
        "description": "Three more keys (SHA-256 of each label) sign each case's intent_message unchanged; signers "
        "and signatures are in ascending order of the signers' 20-byte addresses, as fulfil_quorum takes them.",
        "signers": signers,
        "signatures": signatures,
        "first_signature_high_s": {"signer": QUORUM_HIGH_S_SIGNER, "signature": hx(twin)},
    }


def build() -> dict[str, Any]:
    key = EnclaveKey(bytes.fromhex(PRIVATE_KEY[2:]))
    other_secret = hashlib.sha256(OTHER_KEY_LABEL).digest()
    other = PrivateKey(other_secret)
    cases = {name: build_case(name, case, key) for name, case in CASES.items()}
    first_message = bytes.fromhex(cases["first"]["intent_message"][2:])
    first_sig = bytes.fromhex(cases["first"]["signature"][2:])
    other_sig = fastcrypto_sign(other_secret, first_message)
    assert not sui.verify(key.public_key, first_message, other_sig)
    assert sui.verify(other.public_key.format(compressed=True), first_message, other_sig)
    assert not sui.verify(key.public_key, first_message, high_s(first_sig))
    return {
        "description": "Sui assessments of docs/sui.md (BCS IntentMessage<AssessmentPayload>, SHA-256, 64-byte "
        "low-S secp256k1), signed by the fixed public test key of evm.json through the enclave's assess (score "
        "fields fixed by a stub engine). Never use these keys for anything else.",
        "private_key": PRIVATE_KEY,
        "public_key": hx(key.public_key),
        "signer": key.address,
        "other_private_key": hx(other_secret),
        "other_public_key": hx(other.public_key.format(compressed=True)),
        "measurement": hx(MEASUREMENT),
        "package": PACKAGE_ID,
        "oracle": ORACLE_ID,
        "addresses": {role: address(label) for role, label in ADDRESS_LABELS.items()},
        "address_labels": {role: label.decode() for role, label in ADDRESS_LABELS.items()},
        "oracle_settings": {"fee": FEE_MIST, "request_ttl_ms": REQUEST_TTL_MS, "max_age_ms": MAX_AGE_MS,
                            "max_skew_ms": MAX_SKEW_MS},
        "cases": cases,
        "first_signature_high_s": hx(high_s(first_sig)),
        "first_signature_other_key": hx(other_sig),
        "quorum": build_quorum(cases),
    }


def _bytes(raw: str) -> str:
    return f'x"{raw[2:]}"'


def _byte_vectors(raws: list[str]) -> str:
    return "vector[" + ", ".join(_bytes(raw) for raw in raws) + "]"


def move_module(vector: dict[str, Any]) -> str:
    """The Move test module carrying the vector's values (docs/sui.md names its functions)."""
    addr = vector["addresses"]
    settings = vector["oracle_settings"]
    lines = [
        "// Written by tests/vectors/make_sui_vector.py from tests/vectors/sui.json: do not edit.",
        "#[test_only]",
        "module aura_oracle::vector_data;",
        "",
        f"public fun oracle_id(): ID {{ object::id_from_address(@{vector['oracle']}) }}",
        *(f"public fun {role}(): address {{ @{addr[role]} }}" for role in ("admin", "requester", "subject",
                                                                          "transmitter")),
        f"public fun public_key(): vector<u8> {{ {_bytes(vector['public_key'])} }}",
        f"public fun other_public_key(): vector<u8> {{ {_bytes(vector['other_public_key'])} }}",
        f"public fun measurement(): vector<u8> {{ {_bytes(vector['measurement'])} }}",
        *(f"public fun {name}(): u64 {{ {settings[name]} }}" for name in ("fee", "request_ttl_ms", "max_age_ms",
                                                                         "max_skew_ms")),
    ]
    for name, case in vector["cases"].items():
        a = case["assessment"]
        lines += [
            "",
            f"public fun {name}_request_id(): ID {{ object::id_from_address(@{case['params']['request']['request_id']}) }}",
            f"public fun {name}_score(): u16 {{ {a['score']} }}",
            f"public fun {name}_tier(): u8 {{ {a['tier']} }}",
            f"public fun {name}_pd_bps(): u16 {{ {a['pd_bps']} }}",
            f"public fun {name}_flags(): u32 {{ {a['flags']} }}",
            f"public fun {name}_commitment(): vector<u8> {{ {_bytes(a['commitment'])} }}",
            f"public fun {name}_checkpoint(): u64 {{ {a['block_number']} }}",
            f"public fun {name}_checkpoint_digest(): vector<u8> {{ {_bytes(a['block_hash'])} }}",
            f"public fun {name}_features_hash(): vector<u8> {{ {_bytes(a['features_hash'])} }}",
            f"public fun {name}_timestamp_ms(): u64 {{ {a['timestamp_ms']} }}",
            f"public fun {name}_expiry_ms(): u64 {{ {a['expiry_ms']} }}",
            f"public fun {name}_intent_message(): vector<u8> {{ {_bytes(case['intent_message'])} }}",
            f"public fun {name}_digest(): vector<u8> {{ {_bytes(case['digest'])} }}",
            f"public fun {name}_signature(): vector<u8> {{ {_bytes(case['signature'])} }}",
        ]  # fmt: skip
    lines += [
        "",
        f"public fun first_signature_high_s(): vector<u8> {{ {_bytes(vector['first_signature_high_s'])} }}",
        f"public fun first_signature_other_key(): vector<u8> {{ {_bytes(vector['first_signature_other_key'])} }}",
    ]
    quorum = vector["quorum"]
    signers = quorum["signers"]
    lines += [
        "",
        "// The quorum: three keys in ascending order of their addresses, and their signatures over each message.",
        f"public fun quorum_public_keys(): vector<vector<u8>> {{ {_byte_vectors([s['public_key'] for s in signers])} }}",
        f"public fun quorum_addresses(): vector<vector<u8>> {{ {_byte_vectors([s['address'].lower() for s in signers])} }}",
        *(f"public fun quorum_{name}_signatures(): vector<vector<u8>> {{ {_byte_vectors(sigs)} }}"
          for name, sigs in quorum["signatures"].items()),
        f"public fun quorum_high_s_signer(): u64 {{ {quorum['first_signature_high_s']['signer']} }}",
        f"public fun quorum_first_signature_high_s(): vector<u8> {{ {_bytes(quorum['first_signature_high_s']['signature'])} }}",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    vector = build()
    OUT.write_text(json.dumps(vector, indent=2) + "\n")
    MOVE_OUT.parent.mkdir(parents=True, exist_ok=True)
    MOVE_OUT.write_text(move_module(vector))
    print(f"wrote {OUT.relative_to(ROOT)} and {MOVE_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
