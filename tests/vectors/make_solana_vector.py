"""Write tests/vectors/solana.json: one Solana assessment payload (docs/solana.md) signed by a fixed key.

Run from the project root: `.venv/bin/python tests/vectors/make_solana_vector.py`. The bytes come from the
enclave's own `assess` (node/enclave/service.py) with the fixed, public test key of evm.json, a fixed
measurement and a stub engine that returns fixed score fields, so the vector does not move when the
scoring model does. Before anything is written, the payload is rebuilt field by field with `struct`,
hashed with pycryptodome's keccak, the blinding and Poseidon commitment rebuilt by
tests/vectors/independent_commitment.py, the features hash recomputed from the features' canonical JSON written out
here, the signature recomputed with eth_keys and recovered with coincurve, and every base58 text checked
against solders.

The Solana accounts are made from fixed seeds (`Keypair.from_seed(sha256(label))`), so a program test can
recreate the program, oracle, requester and subject keypairs; the request account is the PDA
`["request", oracle, nonce as u64 LE]` of the program.

`private` is the same request asked for privately (`request_private_assessment`; docs/solana.md, "Private
assessments"): the enclave's own `assess` with `private`, which signs score 0, pd_bps 0 and tier 255 with the same
commitment (to the real score) and flags; its payload is rebuilt with `struct` and its signature checked as above.

`quorum` adds a three-signer case (docs/solana.md, "Quorum"): the same digest signed by the vector's key and
two more fixed keys, each derived as sha256 of a label (the labels and keys of evm.json's `quorum`), in
ascending order of address, as `fulfil_quorum` takes them at threshold 3. Each signature is checked with the
program's own rules (recovery id 0 or 1, low s, recovered with coincurve) and eth_keys. The single-signer fields
are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from coincurve import PublicKey  # noqa: E402
from Crypto.Hash import keccak as pycryptodome_keccak  # noqa: E402
from eth_keys import keys as eth_keys  # noqa: E402
from solders.hash import Hash  # noqa: E402
from solders.keypair import Keypair  # noqa: E402
from solders.pubkey import Pubkey  # noqa: E402

from chains.core.assessment import PRIVATE_TIER  # noqa: E402
from chains.solana import payload as solana  # noqa: E402
from node.enclave.commitment import BLINDING_LABEL, COMMITMENT_SECRET_LABEL, blinding  # noqa: E402
from node.enclave.keys import EnclaveKey  # noqa: E402
from node.enclave.measurement import Measurement  # noqa: E402
from node.enclave.service import EnclaveService  # noqa: E402
from node.scoring.engine import Assessment as EngineAssessment  # noqa: E402
from node.scoring.flags import Flag  # noqa: E402
from tests.vectors.independent_commitment import independent_blinding, independent_commitment  # noqa: E402

OUT = Path(__file__).with_name("solana.json")

PRIVATE_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"  # the key of evm.json
SEED_LABELS = {
    "program": b"aura test solana program",
    "oracle": b"aura test solana oracle",
    "requester": b"aura test solana requester",
    "subject": b"aura test solana subject",
}
CLUSTER_ID = 103  # the cluster id the oracle account stores and the payload carries (the config's chain_id)
NONCE = 0
FEE_LAMPORTS = 5_000_000
REQUEST_TTL_S = 3_600
CREATED_AT = 1_699_999_900
EXPIRES_AT = CREATED_AT + REQUEST_TTL_S
SLOT = 250_000_000  # the request's pinned slot
SLOT_HASH = hashlib.sha256(b"aura test solana slot hash").digest()  # SlotHashes' hash of SLOT
BALANCE_LAMPORTS = 2_500_000_000
LAMPORTS_TO_18_DECIMALS = 10**9
SCORE, TIER, PD_BPS, FLAGS = 742, 1, 350, 8  # flags 8 = LIMITED_DATA (node/scoring/flags.py)
TIMESTAMP = 1_700_000_000
ASSESSMENT_TTL_S = 600
EXPIRY = TIMESTAMP + ASSESSMENT_TTL_S
MEASUREMENT = hashlib.sha256(b"aura test measurement").digest()
QUORUM_KEY_LABELS = (b"aura test quorum signer 2", b"aura test quorum signer 3")  # evm.json's
QUORUM_THRESHOLD = 3
HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


class FixedEngine:
    """Stands in for the scoring engine: fixed score fields, the measured config's two clock settings."""

    config = SimpleNamespace(assessment_ttl_s=ASSESSMENT_TTL_S, max_clock_skew_s=900)

    def read_questionnaire(self, questionnaire: Any, facts: Any) -> tuple[int, int, tuple[str, ...]]:
        raise AssertionError("the vector carries no questionnaire")

    def assess(self, features: Any, **_: Any) -> EngineAssessment:
        return EngineAssessment(
            score=SCORE, tier=TIER, pd_bps=PD_BPS, flags=Flag(FLAGS), dimensions={}, scorecard=SCORE,
            model_points=None, anomaly_bps=0, rules=(), reasons={"risks": [], "strengths": []}, terms={},
        )  # fmt: skip


def hx(raw: bytes) -> str:
    return "0x" + raw.hex()


def keypairs() -> dict[str, Keypair]:
    return {role: Keypair.from_seed(hashlib.sha256(label).digest()) for role, label in SEED_LABELS.items()}


def service() -> EnclaveService:
    key = EnclaveKey(bytes.fromhex(PRIVATE_KEY[2:]))
    engine: Any = FixedEngine()
    return EnclaveService(key, Measurement(MEASUREMENT, ()), engine, clock=lambda: TIMESTAMP)


def request_pda(program: Pubkey, oracle: Pubkey) -> tuple[Pubkey, int]:
    """The requester's first request on the oracle (its counter starts at NONCE)."""
    requester = keypairs()["requester"].pubkey()
    return Pubkey.find_program_address(
        [b"request", bytes(oracle), bytes(requester), NONCE.to_bytes(8, "little")], program)


def params() -> dict[str, Any]:
    """The `assess` params the host sends for the vector's request (docs/protocol.md)."""
    kp = keypairs()
    program, oracle = kp["program"].pubkey(), kp["oracle"].pubkey()
    request, _ = request_pda(program, oracle)
    return {
        "request": {
            "family": "solana",
            "chain_id": CLUSTER_ID,
            "program": str(program),
            "contract": str(oracle),
            "request_id": str(request),
            "requester": str(kp["requester"].pubkey()),
            "subject": str(kp["subject"].pubkey()),
            "fee": str(FEE_LAMPORTS),
            "expires_at": EXPIRES_AT,
            "block_number": SLOT,
        },
        "features": {
            "as_of_block": SLOT,
            "as_of_block_hash": hx(SLOT_HASH),
            "as_of_timestamp": TIMESTAMP,
            "tx_count": 57,
            "balance_wei": str(BALANCE_LAMPORTS * LAMPORTS_TO_18_DECIMALS),
            "first_seen_timestamp": TIMESTAMP - 400 * 86_400,
        },
    }


def independent_payload(program: bytes, oracle: bytes, request: bytes, subject: bytes, commitment: bytes,
                        features_hash: bytes, scored: tuple[int, int, int] = (SCORE, TIER, PD_BPS)) -> bytes:
    """docs/solana.md's table written out with struct, not with chains/solana/payload.py; `scored` is the signed
    (score, tier, pd_bps)."""
    return (
        b"AURA/solana/assessment" + b"\x02" + struct.pack("<Q", CLUSTER_ID) + program + oracle + request + subject
        + struct.pack("<HBHI", *scored, FLAGS) + MEASUREMENT + commitment
        + struct.pack("<Q", SLOT) + SLOT_HASH + features_hash + struct.pack("<qq", TIMESTAMP, EXPIRY)
    )  # fmt: skip


def independent_features_hash(features: dict[str, Any]) -> bytes:
    """keccak256 of the features' canonical JSON (sorted keys, no spaces), written out here."""
    return keccak(json.dumps(features, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode())


def quorum(key: EnclaveKey, digest: bytes) -> dict[str, Any]:
    """The three-signer case: `digest` signed by `key` and the two label-derived keys, ascending by address, each
    signature in the program's `r || s || recovery_id` form and cross-checked before it is written."""
    keys = sorted([key, *(EnclaveKey(hashlib.sha256(label).digest()) for label in QUORUM_KEY_LABELS)],
                  key=lambda k: int(k.address, 16))
    signers = []
    for k in keys:
        signature = solana.recovery_id_signature(k.sign_digest(digest))
        public_key = PublicKey(k.public_key).format(compressed=False)[1:]
        theirs = eth_keys.PrivateKey(k.secret_bytes()).sign_msg_hash(digest)
        assert signature == theirs.r.to_bytes(32, "big") + theirs.s.to_bytes(32, "big") + bytes([theirs.v])
        assert signature[64] in (0, 1) and 0 < int.from_bytes(signature[32:64], "big") <= HALF_ORDER
        recovered = PublicKey.from_signature_and_message(signature, digest, hasher=None)
        assert recovered.format(compressed=False)[1:] == public_key
        assert hx(keccak(public_key)[12:]) == k.address.lower()
        signers.append({"private_key": hx(k.secret_bytes()), "public_key": hx(public_key),
                        "address": k.address.lower(), "signature": hx(signature)})
    assert len({s["address"] for s in signers}) == 3
    return {
        "description": "The same digest signed by three fixed public test keys: the vector's own and two derived as "
        "sha256 of their labels (evm.json's). Signers in ascending order of address, as fulfil_quorum takes them; "
        "all three registered with the vector's measurement, threshold 3. Every signer signs the same payload, the "
        "commitment included (the one the vector's key made).",
        "threshold": QUORUM_THRESHOLD,
        "key_labels": [label.decode() for label in QUORUM_KEY_LABELS],
        "digest": hx(digest),
        "signers": signers,
    }


def private(wire: dict[str, Any], public: dict[str, Any], accounts: tuple[bytes, bytes, bytes, bytes]) -> dict[str, Any]:
    """The vector's request asked privately: `assess` with `private` signs score 0, pd_bps 0 and PRIVATE_TIER in
    place of the public result's, the rest (commitment, flags, slot, features hash, times) the same; cross-checked as
    the public case is before it is written."""
    result = service().assess({**wire, "private": True})
    assessment = {**public, "score": 0, "tier": PRIVATE_TIER, "pd_bps": 0}
    payload = bytes.fromhex(result["payload"][2:])
    digest = bytes.fromhex(result["digest"][2:])
    signature = bytes.fromhex(result["signature"][2:])
    assert result["private"] is True and result["commitment"] == public["commitment"]
    assert payload == independent_payload(*accounts, bytes.fromhex(public["commitment"][2:]),
                                          bytes.fromhex(public["features_hash"][2:]), (0, PRIVATE_TIER, 0))
    assert len(payload) == 320 and digest == keccak(payload)
    theirs = eth_keys.PrivateKey(bytes.fromhex(PRIVATE_KEY[2:])).sign_msg_hash(digest)
    assert signature == theirs.r.to_bytes(32, "big") + theirs.s.to_bytes(32, "big") + bytes([theirs.v])
    return {
        "description": "The same request made with request_private_assessment: the enclave signs score 0, pd_bps 0 "
        "and tier 255 with the public case's commitment and flags; fulfil stores exactly that.",
        "params": {"private": True},
        "assessment": assessment,
        "payload": hx(payload),
        "digest": hx(digest),
        "signature": hx(signature),
    }


def build() -> dict[str, Any]:
    kp = keypairs()
    key = EnclaveKey(bytes.fromhex(PRIVATE_KEY[2:]))
    wire = params()
    result = service().assess(wire)

    req = wire["request"]
    program, oracle = kp["program"].pubkey(), kp["oracle"].pubkey()
    request, request_bump = request_pda(program, oracle)
    subject = kp["subject"].pubkey()
    public_key = PublicKey(key.public_key).format(compressed=False)[1:]
    address = keccak(public_key)[12:]
    enclave, enclave_bump = Pubkey.find_program_address([b"enclave", bytes(oracle), address], program)
    score_account, score_bump = Pubkey.find_program_address([b"score", bytes(oracle), bytes(subject)], program)
    blind = blinding(key.commitment_secret, bytes(request), bytes(subject))
    commitment = bytes.fromhex(result["commitment"][2:])
    features_hash = bytes.fromhex(result["features_hash"][2:])
    payload = bytes.fromhex(result["payload"][2:])
    digest = bytes.fromhex(result["digest"][2:])
    signature = bytes.fromhex(result["signature"][2:])

    # Independent cross-checks before writing anything.
    for role, pair in kp.items():
        assert Pubkey.from_string(req["contract" if role == "oracle" else role]) == pair.pubkey()
        assert solana.parse_pubkey(str(pair.pubkey())) == bytes(pair.pubkey())
        assert solana.b58encode(bytes(pair.pubkey())) == str(pair.pubkey())
    assert req["request_id"] == str(request) == solana.b58encode(bytes(request))
    assert blind == independent_blinding(key.commitment_secret, bytes(request), bytes(subject))
    assert commitment == independent_commitment(SCORE, blind, bytes(subject))
    assert features_hash == independent_features_hash(wire["features"])
    assert (result["block_number"], result["block_hash"]) == (SLOT, hx(SLOT_HASH))
    assert payload == independent_payload(bytes(program), bytes(oracle), bytes(request), bytes(subject), commitment,
                                          features_hash)
    assert len(payload) == 320 and digest == keccak(payload)
    assert str(Hash(SLOT_HASH)) == solana.b58encode(SLOT_HASH)
    theirs = eth_keys.PrivateKey(bytes.fromhex(PRIVATE_KEY[2:])).sign_msg_hash(digest)
    assert signature == theirs.r.to_bytes(32, "big") + theirs.s.to_bytes(32, "big") + bytes([theirs.v])
    recovered = PublicKey.from_signature_and_message(signature, digest, hasher=None)
    assert recovered.format(compressed=False)[1:] == public_key
    assert result["public_key"] == hx(public_key) and result["signer"] == key.address
    assert key.address.lower() == hx(address)
    assert (result["score"], result["tier"], result["pd_bps"], result["flags"]) == (SCORE, TIER, PD_BPS, FLAGS)
    assert (result["timestamp"], result["expiry"]) == (TIMESTAMP, EXPIRY)

    assessment = {
        "score": SCORE,
        "tier": TIER,
        "pd_bps": PD_BPS,
        "flags": FLAGS,
        "measurement": hx(MEASUREMENT),
        "commitment": hx(commitment),
        "block_number": SLOT,
        "block_hash": hx(SLOT_HASH),
        "features_hash": hx(features_hash),
        "timestamp": TIMESTAMP,
        "expiry": EXPIRY,
    }
    return {
        "description": "Solana assessment payload of docs/solana.md, signed by the fixed public test key of "
        "evm.json through the enclave's assess (score fields fixed by a stub engine). Never use these keys "
        "for anything else.",
        "private_key": PRIVATE_KEY,
        "public_key": hx(public_key),
        "public_key_compressed": hx(key.public_key),
        "signer": key.address,
        "address": hx(address),
        "accounts": {
            **{
                role: {"pubkey": str(pair.pubkey()), "seed": hx(hashlib.sha256(SEED_LABELS[role]).digest()),
                       "seed_label": SEED_LABELS[role].decode()}
                for role, pair in kp.items()
            },
            "request": {"pubkey": str(request), "bump": request_bump,
                        "seeds": ["request", "oracle", "requester", "nonce as u64 LE"]},
            "enclave": {"pubkey": str(enclave), "bump": enclave_bump, "seeds": ["enclave", "oracle", "address"]},
            "score": {"pubkey": str(score_account), "bump": score_bump, "seeds": ["score", "oracle", "subject"]},
        },  # fmt: skip
        "oracle": {"fee_lamports": FEE_LAMPORTS, "request_ttl_s": REQUEST_TTL_S, "cluster_id": CLUSTER_ID},
        "request": {"nonce": NONCE, "fee": FEE_LAMPORTS, "created_at": CREATED_AT, "expires_at": EXPIRES_AT,
                    "created_slot": SLOT, "pinned_slot": SLOT},
        "slot_hash": hx(SLOT_HASH),
        "assessment": assessment,
        "commitment_secret_label": COMMITMENT_SECRET_LABEL.decode(),
        "commitment_secret": hx(key.commitment_secret),
        "blinding_label": BLINDING_LABEL.decode(),
        "blinding": hx(blind.to_bytes(32, "big")),
        "params": wire,
        "payload": hx(payload),
        "payload_fields": {name: hx(payload[o : o + n]) for o, n, name in solana.PAYLOAD_LAYOUT},
        "digest": hx(digest),
        "signature": hx(signature),
        "signature_parts": {"r": hx(signature[:32]), "s": hx(signature[32:64]), "recovery_id": signature[64]},
        "result": result,
        "quorum": quorum(key, digest),
        "private": private(wire, assessment, (bytes(program), bytes(oracle), bytes(request), bytes(subject))),
    }


def keccak(data: bytes) -> bytes:
    return pycryptodome_keccak.new(digest_bits=256, data=data).digest()


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
