"""Off-chain assessments (chains/core/offchain.py): the same engine and enclave, signed under a domain of their own.
eth_account, ethers and viem recover the enclave's signer from them; the digest is never the one any oracle
checks; the enclave derives the request id itself and refuses another."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from chains.core.base58 import b58decode, b58encode
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import keccak256
from chains.evm import payload as eip712
from chains.evm.codec import EvmCodec
from node.enclave.keys import EnclaveKey
from node.enclave.params import InvalidParams
from node.enclave.service import EnclaveService
from tests.clients.typed_data import recover_with_clients

from .conftest import SERVICE_NOW as NOW
from .conftest import SUBJECT, features, params, request
from .test_solana_service import solana_request


def offchain_call(req: dict[str, Any], subject: bytes) -> dict[str, Any]:
    feat = features(NOW)
    block_hash = bytes.fromhex(feat["as_of_block_hash"][2:])
    request_id = offchain_request_id(req["family"], req["chain_id"], subject, 123, block_hash)
    written = b58encode(request_id) if req["family"] == "solana" else "0x" + request_id.hex()
    return params({**req, "request_id": written}, feat, offchain=True)


def evm_call() -> dict[str, Any]:
    return offchain_call(request(NOW), bytes.fromhex(SUBJECT[2:]))


def test_an_offchain_assessment_is_the_engines_signed_under_its_own_domain(service: EnclaveService,
                                                                             service_key: EnclaveKey) -> None:
    call = evm_call()
    out = service.assess(call)
    on_chain = service.assess({**call, "offchain": False})
    assert (out["offchain"], on_chain["offchain"]) == (True, False)
    for name in ("score", "tier", "pd_bps", "flags", "features_hash", "block_hash", "expiry"):
        assert out[name] == on_chain[name]
    typed = out["typed_data"]
    assert typed["domain"] == {"name": "Aura off-chain assessment", "version": "1"}
    assert typed["primaryType"] == "OffchainAssessment"
    message = typed["message"]
    assert (message["requestId"], message["family"], message["chainId"], message["subject"]) == (
        call["request"]["request_id"], "evm", 31337, SUBJECT.lower())
    assert (message["score"], message["commitment"]) == (out["score"], out["commitment"])
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=bytes.fromhex(out["signature"][2:])) == service_key.address
    assert out["digest"] == "0x" + keccak256(b"\x19" + signable.version + signable.header + signable.body).hex()
    assert out == service.assess(copy.deepcopy(call))  # byte for byte, asked again


def test_ethers_and_viem_recover_the_signer(service: EnclaveService, service_key: EnclaveKey) -> None:
    out = service.assess(evm_call())
    [recovered] = recover_with_clients([out])
    assert (recovered["ethers"], recovered["viem_v4"], recovered["viem_ethers"]) == (service_key.address,) * 3


def test_no_oracle_digest_is_the_offchain_digest(service: EnclaveService, service_key: EnclaveKey) -> None:
    """The host asks for an off-chain assessment and presents it as a fulfilment of a pending request of the same
    subject: the oracle recomputes its own digest, over which the signature recovers another address."""
    call = evm_call()
    out = service.assess(call)
    codec = EvmCodec()
    pending = codec.parse_request({k: v for k, v in request(NOW).items() if k != "family"})
    message = out["typed_data"]["message"]
    facts = eip712.AssessmentFacts(
        score=out["score"], tier=out["tier"], pd_bps=out["pd_bps"], flags=out["flags"],
        measurement=bytes.fromhex(out["measurement"][2:]), commitment=bytes.fromhex(out["commitment"][2:]),
        block_number=out["block_number"], block_hash=bytes.fromhex(out["block_hash"][2:]),
        features_hash=bytes.fromhex(out["features_hash"][2:]), timestamp=out["timestamp"], expiry=out["expiry"])
    for request_id in (pending.request_id, bytes.fromhex(message["requestId"][2:])):
        oracle_digest = eip712.digest(eip712.Domain(31337, pending.contract),
                                      eip712.Assessment(request_id, pending.subject, facts))
        assert "0x" + oracle_digest.hex() != out["digest"]
        assert codec.signer_address({"digest": "0x" + oracle_digest.hex(), "signature": out["signature"]}) != \
            service_key.address


def test_solana_subjects_are_signed_as_their_32_bytes(service: EnclaveService, service_key: EnclaveKey) -> None:
    req = solana_request()
    subject = b58decode(req["subject"])
    out = service.assess(offchain_call(req, subject))
    message = out["typed_data"]["message"]
    assert (message["subject"], message["family"], message["chainId"]) == ("0x" + subject.hex(), "solana", 103)
    assert "payload" not in out  # the program's payload is never signed off-chain
    signable = encode_typed_data(full_message=out["typed_data"])
    assert Account.recover_message(signable, signature=bytes.fromhex(out["signature"][2:])) == service_key.address


def test_another_request_id_is_refused(service: EnclaveService) -> None:
    call = evm_call()
    expected = call["request"]["request_id"]
    with pytest.raises(InvalidParams) as info:
        service.assess({**call, "request": {**call["request"], "request_id": "0x" + "ab" * 32}})
    assert str(info.value) == (f"request.request_id: an off-chain assessment of this subject at this block is "
                               f"{expected} (chains/core/offchain.py)")


@pytest.mark.parametrize(("extra", "error"), [
    ({"offchain": "yes"}, "offchain: must be true or false"),
    ({"private": True}, "private: an off-chain assessment is signed for whoever asked for it; it cannot be private"),
])
def test_malformed_offchain_params(service: EnclaveService, extra: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidParams) as info:
        service.assess({**evm_call(), **extra})
    assert str(info.value) == error
