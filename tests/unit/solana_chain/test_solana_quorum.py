"""The Solana quorum fulfilment's parts that need no chain (chains/solana/quorum.py, chains/solana/adapter.py's
`explain`): how many signatures one transaction fits, which cosigner the program would not count and why, and the
values the program logs with its quorum errors. The adapter suite (tests/adapter_suite/test_solana.py) sends them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from solders.pubkey import Pubkey
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from chains.base import SignedAssessment, SignerStatus
from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import keccak256
from chains.solana import quorum
from chains.solana.adapter import explain
from chains.solana.payload import recovery_id_signature
from node.enclave.keys import EnclaveKey

DIGEST = keccak256(b"a solana payload")
FACTS = AssessmentFacts(score=742, tier=1, pd_bps=350, flags=8, measurement=bytes(32), commitment=bytes(32),
                        block_number=9, block_hash=bytes(32), features_hash=bytes(32), timestamp=1, expiry=2)
COSIGNER = EnclaveKey(keccak256(b"aura solana quorum cosigner"))
OTHER = EnclaveKey(keccak256(b"aura solana quorum other"))
QUORUM_NOT_MET = TransactionErrorInstructionError(2, InstructionErrorCustom(6046))


def signed_by(key: EnclaveKey) -> SignedAssessment:
    signature = recovery_id_signature(key.sign_digest(DIGEST))
    return SignedAssessment(facts=FACTS, signer=key.address, signature=signature, digest=DIGEST)


def test_four_signatures_fit_a_legacy_transaction_and_eight_a_v0_one() -> None:
    """Up to four a legacy transaction (five would take 1,249 bytes); from five a v0 one looking the signers'
    accounts up in a table, eight of which fit (nine would take 1,251)."""
    sizes = [quorum.transaction_size(n) for n in range(1, 10)]
    assert sizes == [725, 856, 987, 1118, 975, 1044, 1113, 1182, 1251]
    assert sizes[7] <= quorum.PACKET_SIZE < sizes[8]
    assert quorum.max_signatures() == 8  # the program's most


def test_each_signature_brings_its_data_and_two_accounts() -> None:
    """65 bytes of signature and two accounts (enclave, payee): in a legacy transaction two 32-byte keys and two
    one-byte indexes; looked up in a table, two one-byte table indexes and two one-byte instruction indexes."""
    legacy = {quorum.transaction_size(n + 1) - quorum.transaction_size(n) for n in range(1, 4)}
    looked_up = {quorum.transaction_size(n + 1) - quorum.transaction_size(n) for n in range(5, 9)}
    assert (legacy, looked_up) == ({65 + 2 * 33}, {65 + 2 * 2})


def test_too_many_names_the_count_and_the_most() -> None:
    assert quorum.too_many(9) == "9 signatures on one assessment; a Solana fulfilment carries at most 8"


def test_an_active_cosigner_whose_signature_is_its_own_counts() -> None:
    assert quorum.refusal("sol", signed_by(COSIGNER), SignerStatus.ACTIVE) is None


@pytest.mark.parametrize(("status", "error"), [
    (SignerStatus.UNREGISTERED, "UnknownSigner"),
    (SignerStatus.REVOKED, "EnclaveRevoked"),
    (SignerStatus.OTHER_MEASUREMENT, "MeasurementMismatch"),
])  # fmt: skip
def test_a_cosigner_its_enclave_account_does_not_count_is_named(status: SignerStatus, error: str) -> None:
    refused = quorum.refusal("sol", replace(signed_by(COSIGNER), signer=COSIGNER.address.lower()), status)
    assert refused is not None
    assert (refused.signer, str(refused)) == (COSIGNER.address,
                                              f"sol: fulfilment would fail: {error}({COSIGNER.address})")


@pytest.mark.parametrize("signature", [
    recovery_id_signature(OTHER.sign_digest(DIGEST)),  # another key's
    recovery_id_signature(COSIGNER.sign_digest(keccak256(b"another payload"))),  # over another digest
    bytes(65),  # no key recovers from it
])  # fmt: skip
def test_an_active_cosigner_whose_signature_is_not_its_keys_is_an_unknown_signer(signature: bytes) -> None:
    refused = quorum.refusal("sol", replace(signed_by(COSIGNER), signature=signature), SignerStatus.ACTIVE)
    assert refused is not None
    assert (refused.signer, str(refused)) == (COSIGNER.address,
                                              f"sol: fulfilment would fail: UnknownSigner({COSIGNER.address})")


def test_a_quorum_error_carries_the_values_the_program_logged() -> None:
    logs = ["Program log: Instruction: fulfil_quorum", "Program log: QuorumNotMet(2, 3)",
            "Program log: AnchorError occurred. Error Code: QuorumNotMet. Error Number: 6046. Error Message: Fewer "
            "signatures than the oracle's threshold."]
    assert explain(QUORUM_NOT_MET, logs) == "QuorumNotMet(2, 3)"
    assert explain(QUORUM_NOT_MET, logs[:1] + logs[2:]) == "QuorumNotMet"
    assert explain(QUORUM_NOT_MET) == "QuorumNotMet"


def test_quorum_signatures_carry_the_signers_address_and_payee() -> None:
    payee = Pubkey.new_unique()
    part = quorum.quorum_signature(signed_by(COSIGNER), payee)
    assert (part.address, part.payee, part.signature) == (bytes.fromhex(COSIGNER.address[2:]), payee,
                                                          signed_by(COSIGNER).signature)
