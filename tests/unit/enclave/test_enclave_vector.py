"""tests/vectors/evm.json: the enclave's signing code reproduces it; eth_account independently agrees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data

from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import SECP256K1_HALF_N, keccak256, parse_address, recover_address
from chains.evm import payload as eip712
from node.enclave.commitment import BLINDING_LABEL, blinding, derive_commitment_secret, score_commitment
from node.enclave.keys import EnclaveKey
from tests.vectors.independent_commitment import independent_blinding, independent_commitment

VECTOR = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "evm.json").read_text())


def b(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))


@pytest.fixture(scope="module")
def built() -> tuple[eip712.Domain, eip712.Assessment]:
    a = VECTOR["assessment"]
    domain = eip712.Domain(VECTOR["chain_id"], parse_address(VECTOR["verifying_contract"]))
    assessment = eip712.Assessment(
        request_id=b(VECTOR["request"]["id"]),
        subject=parse_address(VECTOR["request"]["subject"]),
        facts=AssessmentFacts(score=a["score"], tier=a["tier"], pd_bps=a["pd_bps"], flags=a["flags"],
                              measurement=b(a["measurement"]), commitment=b(a["commitment"]),
                              block_number=a["block_number"], block_hash=b(a["block_hash"]),
                              features_hash=b(a["features_hash"]), timestamp=a["timestamp"], expiry=a["expiry"]),
    )
    return domain, assessment


def test_vector_inputs_are_the_agreed_ones() -> None:
    assert VECTOR["private_key"] == "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    assert VECTOR["chain_id"] == 31337
    assert VECTOR["verifying_contract"] == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert VECTOR["request"]["requester"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert VECTOR["request"]["subject"] == "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    assert VECTOR["request"]["fee"] == "0" and VECTOR["request"]["expires_at"] == 1700003600
    assert VECTOR["assessment"]["timestamp"] == 1700000000 and VECTOR["assessment"]["expiry"] == 1700000600
    assert VECTOR["request"]["block_number"] == VECTOR["assessment"]["block_number"] == 100
    assert b(VECTOR["assessment"]["block_hash"]) == __import__("hashlib").sha256(b"aura test block 100").digest()
    assert b(VECTOR["assessment"]["features_hash"]) == __import__("hashlib").sha256(b"aura test features").digest()
    assert b(VECTOR["assessment"]["measurement"]) == __import__("hashlib").sha256(b"aura test measurement").digest()
    expected_id = keccak256(
        abi_encode(["uint256", "address", "uint64"], [31337, VECTOR["verifying_contract"], 0])
    )[:24] + (0).to_bytes(8, "big")  # the low 64 bits carry the oracle's sequence number
    assert b(VECTOR["request"]["id"]) == expected_id


def test_enclave_code_reproduces_digest_and_signature(built: tuple[eip712.Domain, eip712.Assessment]) -> None:
    domain, assessment = built
    key = EnclaveKey(b(VECTOR["private_key"]))
    assert key.address == VECTOR["signer"]
    assert "0x" + key.public_key.hex() == VECTOR["public_key"]
    assert "0x" + domain.separator().hex() == VECTOR["domain_separator"]
    assert "0x" + assessment.struct_hash().hex() == VECTOR["struct_hash"]
    digest = eip712.digest(domain, assessment)
    assert "0x" + digest.hex() == VECTOR["digest"]
    signature = key.sign_digest(digest)
    assert "0x" + signature.hex() == VECTOR["signature"]
    assert eip712.typed_data(domain, assessment) == VECTOR["typed_data"]
    assert recover_address(digest, signature) == VECTOR["signer"]


def test_commitment_follows_the_spec() -> None:
    key = EnclaveKey(b(VECTOR["private_key"]))
    request_id = b(VECTOR["request"]["id"])
    secret = derive_commitment_secret(b(VECTOR["private_key"]))
    assert secret == key.commitment_secret == b(VECTOR["commitment_secret"])
    subject = parse_address(VECTOR["request"]["subject"])
    blind = blinding(secret, request_id, subject)
    assert blind == independent_blinding(secret, request_id, subject)
    assert blind.to_bytes(32, "big") == b(VECTOR["blinding"]) and VECTOR["blinding_label"] == BLINDING_LABEL.decode()
    expected = independent_commitment(VECTOR["assessment"]["score"], blind, subject)
    assert score_commitment(VECTOR["assessment"]["score"], blind, subject) == expected == b(VECTOR["assessment"]["commitment"])


def test_eth_account_agrees_independently() -> None:
    signable = encode_typed_data(full_message=VECTOR["typed_data"])
    digest = keccak256(b"\x19" + signable.version + signable.header + signable.body)
    assert "0x" + digest.hex() == VECTOR["digest"]
    assert Account.recover_message(signable, signature=b(VECTOR["signature"])) == VECTOR["signer"]
    signed = Account.sign_message(signable, VECTOR["private_key"])
    assert "0x" + bytes(signed.signature).hex() == VECTOR["signature"]
    assert Account.from_key(VECTOR["private_key"]).address == VECTOR["signer"]


def test_signature_shape() -> None:
    sig = b(VECTOR["signature"])
    assert len(sig) == 65 and sig[64] in (27, 28)
    assert int.from_bytes(sig[32:64], "big") <= SECP256K1_HALF_N


def test_type_string_is_the_protocol_one() -> None:
    assert eip712.ASSESSMENT_TYPE == (
        "Assessment(bytes32 requestId,address subject,uint16 score,uint8 tier,uint16 pdBps,uint32 flags,"
        "bytes32 measurement,bytes32 commitment,uint64 blockNumber,bytes32 blockHash,bytes32 featuresHash,"
        "uint64 timestamp,uint64 expiry)"
    )
    assert eip712.DOMAIN_TYPE == "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    assert "0x" + eip712.ASSESSMENT_TYPEHASH.hex() == VECTOR["type_hash"]


def test_generator_is_reproducible() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "vectors" / "make_evm_vector.py"
    spec = importlib.util.spec_from_file_location("make_evm_vector", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == VECTOR
