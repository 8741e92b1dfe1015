"""node/enclave/commitment.py: the blinding as a field element derived from the commitment secret, the request id
and the subject's 32-byte form, and the Poseidon commitment as 32 big-endian bytes (docs/protocol.md, "Commitment").
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from node.enclave.commitment import BLINDING_LABEL, blinding, score_commitment
from node.zk.poseidon_commitment import FIELD_MODULUS, commitment
from tests.vectors.independent_commitment import independent_blinding, independent_commitment

SECRET = hashlib.sha256(b"aura test commitment secret").digest()
REQUEST_ID = hashlib.sha256(b"aura test commitment request").digest()
EVM_SUBJECT = bytes.fromhex("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
SOLANA_SUBJECT = hashlib.sha256(b"aura test commitment subject").digest()


def test_blinding_is_hmac_sha512_of_label_request_and_subject_reduced_into_the_field() -> None:
    for subject in (EVM_SUBJECT, SOLANA_SUBJECT):
        value = blinding(SECRET, REQUEST_ID, subject)
        assert value == independent_blinding(SECRET, REQUEST_ID, subject)
        assert 0 <= value < FIELD_MODULUS
    word = bytes(12) + EVM_SUBJECT
    digest = hmac.new(SECRET, BLINDING_LABEL + REQUEST_ID + word, hashlib.sha512).digest()
    assert blinding(SECRET, REQUEST_ID, EVM_SUBJECT) == int.from_bytes(digest, "big") % FIELD_MODULUS


def test_the_label_separates_the_blinding_from_other_uses_of_the_secret() -> None:
    unlabelled = hmac.new(SECRET, REQUEST_ID + SOLANA_SUBJECT, hashlib.sha512).digest()
    assert blinding(SECRET, REQUEST_ID, SOLANA_SUBJECT) != int.from_bytes(unlabelled, "big") % FIELD_MODULUS


def test_blinding_depends_on_the_secret_the_request_and_the_subject() -> None:
    base = blinding(SECRET, REQUEST_ID, SOLANA_SUBJECT)
    assert blinding(SECRET, REQUEST_ID, SOLANA_SUBJECT) == base  # deterministic: every enclave of a quorum alike
    assert blinding(bytes(32), REQUEST_ID, SOLANA_SUBJECT) != base
    assert blinding(SECRET, bytes(32), SOLANA_SUBJECT) != base
    assert blinding(SECRET, REQUEST_ID, EVM_SUBJECT) != base


def test_an_evm_address_and_its_left_padded_32_byte_form_are_one_subject() -> None:
    padded = bytes(12) + EVM_SUBJECT
    assert blinding(SECRET, REQUEST_ID, EVM_SUBJECT) == blinding(SECRET, REQUEST_ID, padded)
    blind = blinding(SECRET, REQUEST_ID, EVM_SUBJECT)
    assert score_commitment(700, blind, EVM_SUBJECT) == score_commitment(700, blind, padded)


def test_score_commitment_is_the_circuit_commitment_as_32_big_endian_bytes() -> None:
    blind = blinding(SECRET, REQUEST_ID, SOLANA_SUBJECT)
    raw = score_commitment(712, blind, SOLANA_SUBJECT)
    assert raw == commitment(712, blind, SOLANA_SUBJECT).to_bytes(32, "big") == independent_commitment(
        712, blind, SOLANA_SUBJECT)
    assert score_commitment(713, blind, SOLANA_SUBJECT) != raw


def test_blinding_refuses_a_request_id_of_another_length() -> None:
    with pytest.raises(ValueError, match=r"^request id must be 32 bytes, not 31$"):
        blinding(SECRET, bytes(31), SOLANA_SUBJECT)


def test_blinding_refuses_a_subject_of_another_length() -> None:
    with pytest.raises(ValueError, match=r"^subject must be 20 or 32 bytes, not 31$"):
        blinding(SECRET, REQUEST_ID, bytes(31))


def test_score_commitment_refuses_a_score_over_1000() -> None:
    with pytest.raises(ValueError, match=r"^score must be an integer in 0\.\.1000$"):
        score_commitment(1001, 1, SOLANA_SUBJECT)
