"""Each family's `signer_address` (chains/<family>/codec.py), called through the registry as the node calls it,
over the signed envelopes of tests/vectors with the keys they use: the vector's signer; another address or a
refusal for a tampered digest; the other key's address for another signer; refusals for malformed envelopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chains.core.secp256k1 import LOW_S_REQUIRED, SECP256K1_N, address_from_public_key, keccak256
from chains.registry import FAMILIES
from chains.solana import payload as solana_payload
from node.enclave.keys import EnclaveKey

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
OTHER = EnclaveKey(keccak256(b"aura quorum test: another enclave"))


def vector(family: str) -> dict[str, Any]:
    return json.loads((VECTORS / f"{family}.json").read_text())


def tampered(hex_digest: str) -> str:
    raw = bytearray(bytes.fromhex(hex_digest[2:]))
    raw[-1] ^= 1
    return "0x" + raw.hex()


def high_s(signature: str, size: int) -> str:
    """The same signature with s replaced by n - s (and, for 65 bytes, the recovery bit flipped)."""
    raw = bytearray(bytes.fromhex(signature[2:]))
    s = int.from_bytes(raw[32:64], "big")
    raw[32:64] = (SECP256K1_N - s).to_bytes(32, "big")
    if size == 65:
        raw[64] = 55 - raw[64] if raw[64] in (27, 28) else raw[64] ^ 1
    return "0x" + raw.hex()


def address_of(family: str, envelope: dict[str, Any]) -> str:
    return FAMILIES[family].codec.signer_address(envelope)


# EVM: r || s || v over the EIP-712 digest


def evm_envelope() -> dict[str, Any]:
    v = vector("evm")
    return {"digest": v["digest"], "signature": v["signature"], "typed_data": v["typed_data"]}


def test_evm_recovers_the_vector_signer() -> None:
    assert address_of("evm", evm_envelope()) == vector("evm")["signer"] == "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"


def test_evm_tampered_digest_recovers_another_address() -> None:
    envelope = evm_envelope()
    recovered = address_of("evm", {**envelope, "digest": tampered(envelope["digest"])})
    assert recovered != vector("evm")["signer"] and recovered.startswith("0x") and len(recovered) == 42


def test_evm_another_signer_recovers_its_own_address() -> None:
    envelope = evm_envelope()
    signature = OTHER.sign_digest(bytes.fromhex(envelope["digest"][2:]))
    assert address_of("evm", {**envelope, "signature": "0x" + signature.hex()}) == OTHER.address


@pytest.mark.parametrize(("change", "error"), [
    ({"signature": None}, "envelope signature: must be 0x and 65 bytes in hex"),
    ({"digest": "0x" + "zz" * 32}, "envelope digest: must be 0x and 32 bytes in hex"),
    ({"digest": "0x" + "00" * 31}, "envelope digest: must be 0x and 32 bytes in hex"),
    ({"signature": "0x" + "00" * 64 + "1b"}, LOW_S_REQUIRED),
    ({"signature": "0x" + "11" * 64 + "01"}, "signature v must be 27 or 28"),
])
def test_evm_refuses_a_malformed_envelope(change: dict[str, Any], error: str) -> None:
    envelope = {k: v for k, v in {**evm_envelope(), **change}.items() if v is not None}
    with pytest.raises(ValueError) as refused:
        address_of("evm", envelope)
    assert str(refused.value) == error


def test_evm_refuses_high_s() -> None:
    envelope = evm_envelope()
    with pytest.raises(ValueError) as refused:
        address_of("evm", {**envelope, "signature": high_s(envelope["signature"], 65)})
    assert str(refused.value) == LOW_S_REQUIRED


# Solana: r || s || recovery id over keccak256(payload), with `public_key` (64 bytes x || y)


def solana_envelope() -> dict[str, Any]:
    result = vector("solana")["result"]
    return {k: result[k] for k in ("public_key", "payload", "digest", "signature")}


def test_solana_recovers_the_vector_signer() -> None:
    assert address_of("solana", solana_envelope()) == vector("solana")["signer"]


def test_solana_tampered_digest_is_refused() -> None:
    envelope = solana_envelope()
    with pytest.raises(ValueError) as refused:
        address_of("solana", {**envelope, "digest": tampered(envelope["digest"])})
    assert str(refused.value) == "envelope signature: not made by its public_key over its digest"


def test_solana_another_signer() -> None:
    envelope = solana_envelope()
    signature = solana_payload.recovery_id_signature(OTHER.sign_digest(bytes.fromhex(envelope["digest"][2:])))
    other = {**envelope, "signature": "0x" + signature.hex()}
    with pytest.raises(ValueError) as refused:  # still naming the vector's public key
        address_of("solana", other)
    assert str(refused.value) == "envelope signature: not made by its public_key over its digest"
    own_key = "0x" + solana_payload.uncompressed_public_key(OTHER.public_key).hex()
    assert address_of("solana", {**other, "public_key": own_key}) == OTHER.address


@pytest.mark.parametrize(("change", "error"), [
    ({"public_key": None}, "envelope public_key: must be 0x and 64 bytes in hex"),
    ({"signature": "0x" + "11" * 64 + "1b"}, "recovery id must be 0 or 1"),
    ({"signature": "0x" + "00" * 65}, LOW_S_REQUIRED),
])
def test_solana_refuses_a_malformed_envelope(change: dict[str, Any], error: str) -> None:
    envelope = {k: v for k, v in {**solana_envelope(), **change}.items() if v is not None}
    with pytest.raises(ValueError) as refused:
        address_of("solana", envelope)
    assert str(refused.value) == error


def test_solana_refuses_high_s() -> None:
    envelope = solana_envelope()
    with pytest.raises(ValueError) as refused:
        address_of("solana", {**envelope, "signature": high_s(envelope["signature"], 65)})
    assert str(refused.value) == LOW_S_REQUIRED


# Sui: 64-byte low-S r || s by `public_key` (33 bytes) over the intent message, whose SHA-256 is `digest`


def sui_envelope() -> dict[str, Any]:
    v = vector("sui")
    case = v["cases"]["first"]
    return {"public_key": v["public_key"], "intent_message": case["intent_message"], "digest": case["digest"],
            "signature": case["signature"]}


def test_sui_verifies_and_derives_the_vector_signer() -> None:
    assert address_of("sui", sui_envelope()) == vector("sui")["signer"]


def test_sui_tampered_digest_is_refused() -> None:
    envelope = sui_envelope()
    with pytest.raises(ValueError) as refused:
        address_of("sui", {**envelope, "digest": tampered(envelope["digest"])})
    assert str(refused.value) == "envelope digest: not the SHA-256 of its intent_message"


def test_sui_tampered_message_with_its_digest_does_not_verify() -> None:
    import hashlib

    envelope = sui_envelope()
    message = tampered(envelope["intent_message"])
    digest = "0x" + hashlib.sha256(bytes.fromhex(message[2:])).hexdigest()
    with pytest.raises(ValueError) as refused:
        address_of("sui", {**envelope, "intent_message": message, "digest": digest})
    assert str(refused.value) == "envelope signature: does not verify with its public_key over its digest"


def test_sui_another_signer() -> None:
    v = vector("sui")
    other = {**sui_envelope(), "signature": v["first_signature_other_key"]}
    with pytest.raises(ValueError) as refused:  # still naming the vector's public key
        address_of("sui", other)
    assert str(refused.value) == "envelope signature: does not verify with its public_key over its digest"
    assert address_of("sui", {**other, "public_key": v["other_public_key"]}) == address_from_public_key(
        bytes.fromhex(v["other_public_key"][2:]))


@pytest.mark.parametrize(("change", "error"), [
    ({"intent_message": None}, "envelope intent_message: must be 0x and 262 bytes in hex"),
    ({"public_key": "0x04" + "11" * 32}, "envelope signature: does not verify with its public_key over its digest"),
    ({"signature": "0x" + "11" * 65}, "envelope signature: must be 0x and 64 bytes in hex"),
])
def test_sui_refuses_a_malformed_envelope(change: dict[str, Any], error: str) -> None:
    envelope = {k: v for k, v in {**sui_envelope(), **change}.items() if v is not None}
    with pytest.raises(ValueError) as refused:
        address_of("sui", envelope)
    assert str(refused.value) == error


def test_sui_refuses_high_s() -> None:
    v = vector("sui")
    with pytest.raises(ValueError) as refused:
        address_of("sui", {**sui_envelope(), "signature": v["first_signature_high_s"]})
    assert str(refused.value) == "envelope signature: does not verify with its public_key over its digest"


def test_a_non_object_envelope_is_refused_by_every_family() -> None:
    for family in ("evm", "solana", "sui"):
        with pytest.raises(ValueError) as refused:
            address_of(family, "0x00")  # type: ignore[arg-type]
        assert str(refused.value) == "envelope digest: must be 0x and 32 bytes in hex"
