"""The enclave's EVM result gives its EIP-712 typed data in both forms clients take, and each client recovers the
enclave's signer from the form it takes: ethers 6 from `typed_data_ethers`, viem 2 from either (npm, pinned in
package.json, run by Node). ethers refuses the eth_signTypedData_v4 form as is, which is why there are two."""

from __future__ import annotations

from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from tests.clients.typed_data import ETHERS_V4_ERROR, recover_with_clients

from .conftest import features, params, request

NOW = 1_750_000_000


def test_ethers_and_viem_recover_the_enclave_signer_from_the_forms_they_take() -> None:
    key = EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))
    service = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)
    results = [service.assess(params(request(NOW, request_id="0x" + f"{i + 1:064x}", chain_id=chain), features(NOW)))
               for i, chain in enumerate((31337, 1, 2**53 - 1))]
    recovered = recover_with_clients(results)
    assert recovered == [{"ethers": key.address, "viem_v4": key.address, "viem_ethers": key.address,
                          "ethers_v4_error": ETHERS_V4_ERROR}] * len(results)


def test_a_signature_over_other_facts_recovers_another_address() -> None:
    key = EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))
    service = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)
    signed = service.assess(params(request(NOW), features(NOW)))
    for form in ("typed_data", "typed_data_ethers"):
        signed[form]["message"]["score"] = signed["score"] + 1
    [recovered] = recover_with_clients([signed])
    assert key.address not in (recovered["ethers"], recovered["viem_v4"], recovered["viem_ethers"])
    assert recovered["ethers"] == recovered["viem_v4"] == recovered["viem_ethers"]
