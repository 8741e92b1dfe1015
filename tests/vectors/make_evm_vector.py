"""Write tests/vectors/evm.json: one EIP-712 Assessment signed by a fixed (public, test-only) key.

Run from the project root: `.venv/bin/python tests/vectors/make_evm_vector.py`. The bytes come from the
enclave's own signing code (node/enclave); eth_account cross-checks digest, signer and signature, and
tests/vectors/independent_commitment.py the blinding and the Poseidon commitment, before anything is written. Consumers: tests/unit/enclave/test_vector.py and the contract tests.

`quorum` adds a three-signer case (docs/protocol.md, "Quorum"): the same digest signed by the vector's key and
two more fixed keys, each derived as sha256 of a label (as the vector's other fixed values are), the signatures
in ascending order of signer address, for `fulfilQuorum` at threshold 3. The single-signer fields above it are
unchanged.

`private` adds the same request asked as a private assessment (`requestPrivateAssessment`; docs/protocol.md,
"Private assessments"): the payload the enclave signs then, score 0, tier PRIVATE_TIER and PD 0 beside the same
commitment to the real score, its digest and the vector key's signature.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eth_abi import encode as abi_encode  # noqa: E402
from eth_account import Account  # noqa: E402
from eth_account.messages import SignableMessage, encode_typed_data  # noqa: E402

from chains.core.assessment import PRIVATE_TIER, AssessmentFacts  # noqa: E402
from chains.core.secp256k1 import keccak256, parse_address  # noqa: E402
from chains.evm import payload as eip712  # noqa: E402
from node.enclave.commitment import BLINDING_LABEL, COMMITMENT_SECRET_LABEL, blinding, score_commitment  # noqa: E402
from node.enclave.keys import EnclaveKey  # noqa: E402
from tests.vectors.independent_commitment import independent_blinding, independent_commitment  # noqa: E402

OUT = Path(__file__).with_name("evm.json")

PRIVATE_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
CHAIN_ID = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
REQUESTER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SUBJECT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
SEQ = 0  # the oracle's first request
FEE = 0
EXPIRES_AT = 1_700_003_600
SCORE, TIER, PD_BPS, FLAGS = 742, 1, 350, 8  # flags 8 = LIMITED_DATA (node/scoring/flags.py)
TIMESTAMP, EXPIRY = 1_700_000_000, 1_700_000_600
MEASUREMENT = hashlib.sha256(b"aura test measurement").digest()
# The pinned block: the request's own block. Its hash is fixed here; the contract test makes it canonical
# through the EIP-2935 history contract's storage.
BLOCK_NUMBER = 100
BLOCK_HASH = hashlib.sha256(b"aura test block 100").digest()
FEATURES_HASH = hashlib.sha256(b"aura test features").digest()
QUORUM_KEY_LABELS = (b"aura test quorum signer 2", b"aura test quorum signer 3")
QUORUM_THRESHOLD = 3


def hx(raw: bytes) -> str:
    return "0x" + raw.hex()


def quorum(key: EnclaveKey, digest: bytes, signable: SignableMessage) -> dict:
    """The three-signer case: `digest` signed by `key` and the two label-derived keys, in ascending address order
    (`signable` is the same message for eth_account's independent check)."""
    keys = sorted([key, *(EnclaveKey(hashlib.sha256(label).digest()) for label in QUORUM_KEY_LABELS)],
                  key=lambda k: int(k.address, 16))
    signatures = [k.sign_digest(digest) for k in keys]
    for k, signature in zip(keys, signatures):  # independent cross-check
        assert Account.recover_message(signable, signature=signature) == k.address
    return {
        "description": "The same digest signed by three fixed public test keys: the vector's own and two derived as "
        "sha256 of their labels. Signers and signatures in ascending order of address, as fulfilQuorum takes them; "
        "all three registered with the vector's measurement, threshold 3. Every signer signs the same payload, the "
        "commitment included (the one the vector's key made).",
        "threshold": QUORUM_THRESHOLD,
        "key_labels": [label.decode() for label in QUORUM_KEY_LABELS],
        "private_keys": [hx(k.secret_bytes()) for k in keys],
        "signers": [k.address for k in keys],
        "public_keys": [hx(k.public_key) for k in keys],
        "digest": hx(digest),
        "signatures": [hx(signature) for signature in signatures],
    }


def private(key: EnclaveKey, domain: eip712.Domain, assessment: eip712.Assessment) -> dict:
    """The private case: `assessment`'s request asked privately, so its payload in the private form, signed by
    `key` (eth_account cross-checks it)."""
    hidden = replace(assessment, facts=replace(assessment.facts, score=0, tier=PRIVATE_TIER, pd_bps=0))
    digest = eip712.digest(domain, hidden)
    signature = key.sign_digest(digest)
    typed = eip712.typed_data(domain, hidden)
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=signature) == key.address
    f = hidden.facts
    return {
        "description": "The vector's request made with requestPrivateAssessment: the enclave signs score 0, tier "
        "PRIVATE_TIER (255) and PD 0 in place of the score's own; flags, commitment (to the real score) and the "
        "rest as in the public case.",
        "assessment": {"score": f.score, "tier": f.tier, "pd_bps": f.pd_bps, "flags": f.flags},
        "struct_hash": hx(hidden.struct_hash()),
        "typed_data": typed,
        "digest": hx(digest),
        "signature": hx(signature),
    }


def build() -> dict:
    key = EnclaveKey(bytes.fromhex(PRIVATE_KEY[2:]))
    # the contract's id: the keccak of (chain id, oracle, sequence number) with its low 64 bits replaced by the
    # sequence number
    request_id = keccak256(abi_encode(["uint256", "address", "uint64"], [CHAIN_ID, CONTRACT, SEQ]))[:24] + SEQ.to_bytes(
        8, "big"
    )
    subject = parse_address(SUBJECT)
    blind = blinding(key.commitment_secret, request_id, subject)
    commitment = score_commitment(SCORE, blind, subject)
    domain = eip712.Domain(CHAIN_ID, parse_address(CONTRACT))
    assessment = eip712.Assessment(
        request_id=request_id,
        subject=subject,
        facts=AssessmentFacts(score=SCORE, tier=TIER, pd_bps=PD_BPS, flags=FLAGS, measurement=MEASUREMENT,
                              commitment=commitment, block_number=BLOCK_NUMBER, block_hash=BLOCK_HASH,
                              features_hash=FEATURES_HASH, timestamp=TIMESTAMP, expiry=EXPIRY),
    )
    digest = eip712.digest(domain, assessment)
    signature = key.sign_digest(digest)
    typed = eip712.typed_data(domain, assessment)

    # Independent cross-checks before writing anything.
    assert blind == independent_blinding(key.commitment_secret, request_id, subject)
    assert commitment == independent_commitment(SCORE, blind, subject)
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=signature) == key.address
    assert Account.sign_message(signable, PRIVATE_KEY).signature == signature
    assert Account.from_key(PRIVATE_KEY).address == key.address

    return {
        "description": "EIP-712 Assessment of docs/protocol.md signed by a fixed public test key. "
        "Never use this key for anything else.",
        "private_key": PRIVATE_KEY,
        "signer": key.address,
        "public_key": hx(key.public_key),
        "chain_id": CHAIN_ID,
        "verifying_contract": CONTRACT,
        "request": {
            "id": hx(request_id),
            "seq": SEQ,
            "requester": REQUESTER,
            "subject": SUBJECT,
            "fee": str(FEE),
            "expires_at": EXPIRES_AT,
            "block_number": BLOCK_NUMBER,
        },
        "request_commitment": hx(
            keccak256(
                abi_encode(
                    ["address", "address", "uint96", "uint64", "uint64"],
                    [REQUESTER, SUBJECT, FEE, EXPIRES_AT, BLOCK_NUMBER],
                )
            )
        ),
        "assessment": {
            "score": SCORE,
            "tier": TIER,
            "pd_bps": PD_BPS,
            "flags": FLAGS,
            "measurement": hx(MEASUREMENT),
            "commitment": hx(commitment),
            "block_number": BLOCK_NUMBER,
            "block_hash": hx(BLOCK_HASH),
            "features_hash": hx(FEATURES_HASH),
            "timestamp": TIMESTAMP,
            "expiry": EXPIRY,
        },
        "commitment_secret_label": COMMITMENT_SECRET_LABEL.decode(),
        "commitment_secret": hx(key.commitment_secret),
        "blinding_label": BLINDING_LABEL.decode(),
        "blinding": hx(blind.to_bytes(32, "big")),
        "type_hash": hx(eip712.ASSESSMENT_TYPEHASH),
        "domain_separator": hx(domain.separator()),
        "struct_hash": hx(assessment.struct_hash()),
        "typed_data": typed,
        "digest": hx(digest),
        "signature": hx(signature),
        "quorum": quorum(key, digest, signable),
        "private": private(key, domain, assessment),
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
