"""node/zk/poseidon_commitment.py: circomlib's Poseidon, the subject limbs, the commitment and nullifier, and the
values stored in tests/vectors/zk.json (which the circuit's own witness checks in tests/integration/zk)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from node.enclave.commitment import blinding as enclave_blinding
from node.enclave.commitment import score_commitment
from node.zk.poseidon_commitment import FIELD_MODULUS, commitment, limbs, nullifier, poseidon, subject_word

VECTOR = json.loads((Path(__file__).parents[2] / "vectors" / "zk.json").read_text())


def test_poseidon_matches_circomlib_published_values() -> None:
    # Poseidon([1]) is also Sui's and Solana's sol_poseidon test value; Poseidon([1, 2]) is circomlibjs' test value.
    assert poseidon([1]) == 18586133768512220936620570745912940619677854269274689475585506675881198879027
    assert poseidon([1, 2]) == 7853200120776062878684798364095072458815029376092732009249414926327459813530


def test_limbs_split_a_32_byte_subject_into_two_128_bit_halves() -> None:
    subject = bytes(range(1, 33))
    assert limbs(subject) == [int.from_bytes(subject[:16], "big"), int.from_bytes(subject[16:], "big")]


def test_limbs_of_an_evm_address_put_its_top_32_bits_in_the_high_limb() -> None:
    address = bytes.fromhex("ff" * 4 + "00" * 15 + "01")
    assert limbs(address) == [0xFFFFFFFF, 1]


def test_an_evm_address_s_32_byte_form_is_left_padded_and_has_the_same_limbs() -> None:
    address = bytes(range(1, 21))
    assert subject_word(address) == bytes(12) + address
    assert subject_word(bytes(range(32))) == bytes(range(32))
    assert limbs(address) == limbs(bytes(12) + address)


def test_limbs_reject_a_subject_of_another_length() -> None:
    with pytest.raises(ValueError, match=r"^subject must be 20 or 32 bytes, not 31$"):
        limbs(bytes(31))


def test_commitment_is_poseidon_of_score_blinding_and_limbs() -> None:
    subject = hashlib.sha256(b"s").digest()
    assert commitment(600, 5, subject) == poseidon([600, 5, *limbs(subject)])
    assert commitment(600, 5, subject) != commitment(600, 6, subject)
    assert commitment(600, 5, subject) != commitment(600, 5, hashlib.sha256(b"t").digest())


@pytest.mark.parametrize("score", [-1, 1001, True])
def test_commitment_rejects_a_score_outside_0_to_1000(score: int) -> None:
    with pytest.raises(ValueError, match=r"^score must be an integer in 0\.\.1000$"):
        commitment(score, 1, bytes(20))


def test_commitment_rejects_a_blinding_outside_the_field() -> None:
    with pytest.raises(ValueError, match=r"^blinding must be an integer in 0\.\.p-1 \(BN254 scalar field\)$"):
        commitment(1, FIELD_MODULUS, bytes(20))


def test_nullifier_rejects_a_scope_outside_the_field() -> None:
    with pytest.raises(ValueError, match=r"^scope must be an integer in 0\.\.p-1 \(BN254 scalar field\)$"):
        nullifier(1, FIELD_MODULUS)


def test_poseidon_rejects_seventeen_inputs() -> None:
    with pytest.raises(ValueError, match=r"^Poseidon takes 1 to 16 inputs, not 17$"):
        poseidon([0] * 17)


def test_vector_commitment_nullifier_and_public_signals_are_the_python_ones() -> None:
    inputs = VECTOR["inputs"]
    subject = bytes.fromhex(inputs["subject"].removeprefix("0x"))
    blinding, scope = int(inputs["blinding"]), int(inputs["scope"])
    assert VECTOR["subject_limbs"] == [str(limb) for limb in limbs(subject)]
    assert VECTOR["commitment"] == str(commitment(inputs["score"], blinding, subject))
    assert VECTOR["nullifier"] == str(nullifier(blinding, scope))
    assert VECTOR["public_signals"] == [
        VECTOR["commitment"], str(inputs["threshold"]), *VECTOR["subject_limbs"], str(scope), VECTOR["nullifier"]]


def test_vector_blinding_and_commitment_are_the_enclave_s_for_its_secret_request_and_subject() -> None:
    inputs = VECTOR["inputs"]
    secret, request_id, subject = (bytes.fromhex(inputs[name].removeprefix("0x"))
                                   for name in ("commitment_secret", "request_id", "subject"))
    assert int(inputs["blinding"]) == enclave_blinding(secret, request_id, subject)
    signed = score_commitment(inputs["score"], int(inputs["blinding"]), subject)
    assert int.from_bytes(signed, "big") == int(VECTOR["commitment"])
