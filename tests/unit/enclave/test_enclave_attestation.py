"""Attestation documents: the signature binds the enclave key to the measurement."""

from __future__ import annotations

import copy

import pytest

from chains.core.errors import EnclaveError
from chains.core.secp256k1 import recover_public_key
from node.enclave.attestation import (
    AttestationError,
    build_document,
    document_digest,
    sign_document,
    verify_attestation,
)
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.targets import Targets

from .conftest import TARGETS


@pytest.fixture(scope="module")
def key() -> EnclaveKey:
    return EnclaveKey.generate()


@pytest.fixture(scope="module")
def attestation(key: EnclaveKey) -> dict:
    return sign_document(build_document(key.public_key, measure(), Targets.parse(TARGETS)), key.sign_digest)


def test_document_fields(attestation: dict, key: EnclaveKey) -> None:
    doc = attestation["document"]
    assert set(doc) == {"protocol_version", "backend", "public_key", "signer", "measurement", "parts", "targets"}
    assert doc["targets"] == TARGETS
    assert doc["protocol_version"] == 1 and doc["signer"] == key.address
    assert doc["public_key"] == "0x" + key.public_key.hex() and len(key.public_key) == 33
    assert doc["measurement"] == measure().hex


def test_verifies_and_binds_key_to_measurement(attestation: dict, key: EnclaveKey) -> None:
    assert verify_attestation(attestation) == key.address
    assert verify_attestation(attestation, expected_measurement=measure().hex.upper().replace("0X", "0x")) == key.address
    sig = bytes.fromhex(attestation["signature"][2:])
    assert recover_public_key(document_digest(attestation["document"]), sig) == key.public_key


def test_expected_measurement_mismatch(attestation: dict) -> None:
    with pytest.raises(AttestationError, match="expected 0x00"):
        verify_attestation(attestation, expected_measurement="0x" + "00" * 32)


def _tampered(attestation: dict, mutate) -> dict:
    doc = copy.deepcopy(attestation)
    mutate(doc)
    return doc


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["document"].__setitem__("measurement", "0x" + "11" * 32),
        lambda d: d["document"]["parts"][0].__setitem__(1, "00" * 32),
        lambda d: d["document"].__setitem__("signer", "0x" + "22" * 20),
        lambda d: d["document"].__setitem__("public_key", "0x" + EnclaveKey.generate().public_key.hex()),
        lambda d: d.__setitem__("signature", d["signature"][:-2] + ("1c" if d["signature"].endswith("1b") else "1b")),
        lambda d: d.__setitem__("signature", "0x" + "00" * 65),
        lambda d: d.__setitem__("signature", "nothex"),
        lambda d: d["document"].__setitem__("protocol_version", 2),
        lambda d: d.pop("document"),
    ],
    ids=["measurement", "part", "signer", "public_key", "v", "zero_sig", "not_hex", "version", "missing"],
)
def test_tampering_fails(attestation: dict, mutate) -> None:
    with pytest.raises(AttestationError):
        verify_attestation(_tampered(attestation, mutate))


def test_measurement_consistent_with_parts_but_resigned_by_another_key(attestation: dict) -> None:
    """A document re-signed by another key with the first key's identity does not verify."""
    other = EnclaveKey.generate()
    forged = sign_document(copy.deepcopy(attestation["document"]), other.sign_digest)
    with pytest.raises(AttestationError, match="not made by"):
        verify_attestation(forged)


def test_attestation_error_is_an_enclave_error() -> None:
    assert issubclass(AttestationError, EnclaveError)
