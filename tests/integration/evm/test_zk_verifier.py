"""contracts/AuraThresholdVerifier.sol on anvil, with proofs of circuits/threshold.circom made by the pinned snarkjs
(build/zk from `make zk`): the oracle stores a Poseidon commitment (node/zk/poseidon_commitment) for the subject,
and a proof that its score clears a threshold verifies against that stored commitment, and against nothing else.

Refused, each with its exact error: a proof for another subject, a tampered proof, a proof in snarkjs' own G2 order,
a revoked signer's or an expired assessment, none at all, a spent nullifier, a public input at or over the scalar
field order; and no proof exists for a threshold above the score. The caller cannot choose the commitment: the
ABI has no argument for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from chains.evm.artifacts import contract, load_artifact
from chains.evm.groth16 import FIELD_MODULUS, SCALAR_ORDER, field_element, g2, proof_arg, verifying_key_arg
from node.zk import snarkjs
from node.zk.poseidon_commitment import commitment, nullifier
from tests.integration.evm.conftest import OWNER_KEY, REQUESTER_KEY, STRANGER_KEY, Chain, ErrorDecoder
from tests.integration.evm.zk_helpers import (
    BLINDING,
    SCORE,
    Proven,
    circuit_inputs,
    deploy_verifier,
    locate_build,
    subject_bytes,
    verification_key,
)

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "circuits" / "threshold.circom"
PROTOCOL_KEY = STRANGER_KEY  # the protocol that checks proofs
OTHER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # anvil account 3's address: a second subject
SCOPE = 0xA0A0  # the protocol's scope
# The main template's instance name in circom 2.2.3's messages (as tests/integration/zk names it).
MAIN = "ScoreThreshold_149"
# A whole verifying transaction's gas, nullifier spent (measured 291,668; docs/evm.md): a ceiling that catches a
# regression, with room for the calldata's zero bytes, which vary with the proof.
VERIFY_GAS_CEILING = 293_000


@pytest.fixture(scope="module")
def zk_build() -> snarkjs.ZkBuild:
    return locate_build()


@pytest.fixture(scope="module")
def vkey(zk_build: snarkjs.ZkBuild) -> dict[str, Any]:
    return verification_key(zk_build)


@pytest.fixture(scope="module")
def verifier_address(deployment: tuple[Web3, dict[str, str]], zk_build: snarkjs.ZkBuild) -> str:
    w3, addresses = deployment
    return deploy_verifier(w3, addresses["AuraOracle"], zk_build)


@pytest.fixture(scope="module")
def scoped(zk_build: snarkjs.ZkBuild) -> Proven:
    """SCORE >= 600 for the test subject, scope SCOPE: a nullifier to spend."""
    return Proven(zk_build, 600, SCOPE, Chain.subject)


@pytest.fixture(scope="module")
def unscoped(zk_build: snarkjs.ZkBuild) -> Proven:
    """SCORE >= SCORE (the threshold at the score itself) for the test subject, scope 0: nothing spent."""
    return Proven(zk_build, SCORE, 0, Chain.subject)


class Zk:
    """The test chain with the verifier: fulfils commitments, calls the verifier, decodes its errors."""

    def __init__(self, chain: Chain, address: str) -> None:
        self.chain = chain
        self.verifier = contract(chain.w3, "AuraThresholdVerifier", address)
        self.errors = ErrorDecoder([load_artifact("AuraThresholdVerifier").abi])

    def store(self, subject: str, committed: int) -> dict[str, Any]:
        """Fulfils a request for `subject` whose assessment commits to `committed`; the stored record."""
        req = self.chain.request(subject=subject)
        self.chain.fulfil(req, self.chain.assessment(score=SCORE, commitment=committed.to_bytes(32, "big")))
        return self.chain.latest(subject)

    def verify(self, args: list[Any], key: str = PROTOCOL_KEY) -> Any:
        return self.chain.send(self.verifier.functions.verifyThreshold(*args), key)

    def refused(self, args: list[Any], key: str = PROTOCOL_KEY) -> tuple[Any, ...]:
        """The verifying transaction must revert, and the view with the same error: that error."""
        receipt = self.chain.transact(self.verifier.functions.verifyThreshold(*args), key)
        assert receipt["status"] == 0, "verifyThreshold unexpectedly succeeded"
        error = self.errors.decode(self.chain.revert_data(receipt))
        assert self.check(args, key) == error
        return error

    def check(self, args: list[Any], key: str = PROTOCOL_KEY) -> tuple[Any, ...] | None:
        """None when `checkThreshold` passes for `key`'s account, else its decoded error."""
        ok, data = self.chain.try_call(self.verifier.functions.checkThreshold(*args), key)
        return None if ok else self.errors.decode(data)

    def spent(self, verifier: str, value: int) -> bool:
        return bool(self.verifier.functions.nullifierSpent(verifier, value).call())


@pytest.fixture
def zk(chain: Chain, verifier_address: str) -> Zk:
    return Zk(chain, verifier_address)


def stored_commitment(subject: str = Chain.subject) -> int:
    return commitment(SCORE, BLINDING, subject_bytes(subject))


def test_a_proof_at_or_below_the_committed_score_verifies_and_spends_its_nullifier(
        zk: Zk, scoped: Proven, unscoped: Proven) -> None:
    record = zk.store(Chain.subject, stored_commitment())
    assert int.from_bytes(record["commitment"], "big") == stored_commitment()
    protocol = Account.from_key(PROTOCOL_KEY).address
    assert zk.check(scoped.args()) is None
    assert not zk.spent(protocol, scoped.nullifier)

    receipt = zk.verify(scoped.args())
    (event,) = [dict(e["args"]) for e in zk.verifier.events.ThresholdVerified().process_receipt(receipt)]
    assert event == {"subject": Chain.subject, "verifier": protocol, "threshold": 600, "scope": SCOPE,
                     "nullifier": nullifier(BLINDING, SCOPE)}
    assert zk.spent(protocol, scoped.nullifier)
    assert receipt["gasUsed"] <= VERIFY_GAS_CEILING
    print(f"verifyThreshold gasUsed (scope set, nullifier spent): {receipt['gasUsed']}")

    # The threshold at the score itself, scope 0: verifies, and again, with nothing spent.
    first, second = zk.verify(unscoped.args()), zk.verify(unscoped.args())
    assert first["status"] == second["status"] == 1
    assert not zk.spent(protocol, unscoped.nullifier)
    print(f"verifyThreshold gasUsed (scope 0): {second['gasUsed']}")


def test_no_proof_exists_for_a_threshold_above_the_committed_score(zk_build: snarkjs.ZkBuild) -> None:
    line = next(n for n, text in enumerate(SOURCE.read_text().splitlines(), 1) if text.strip() == "clears.out === 1;")
    with pytest.raises(snarkjs.WitnessRejected) as info:
        snarkjs.prove(zk_build, circuit_inputs(SCORE + 1, SCOPE, Chain.subject))
    assert str(info.value) == f"Error: Error: Assert Failed. Error in template {MAIN} line: {line}"


def test_the_caller_cannot_name_the_commitment(zk: Zk) -> None:
    abi = {item["name"]: item for item in load_artifact("AuraThresholdVerifier").abi if item["type"] == "function"}
    for name in ("verifyThreshold", "checkThreshold"):
        assert [i["name"] for i in abi[name]["inputs"]] == ["subject", "threshold", "scope", "nullifier", "proof"]


def test_a_proof_opens_only_the_commitment_stored_for_its_subject(zk: Zk, scoped: Proven) -> None:
    # Another commitment stored for the subject (a score and blinding the proof does not know): refused.
    zk.store(Chain.subject, commitment(SCORE, BLINDING + 1, subject_bytes(Chain.subject)))
    assert zk.refused(scoped.args()) == ("InvalidProof",)
    # The subject's own commitment stored for another subject, and the proof shown for it: the limbs differ.
    zk.store(OTHER, stored_commitment())
    assert zk.refused(scoped.args(subject=OTHER)) == ("InvalidProof",)
    # Back to the subject's own commitment: the same proof verifies.
    zk.store(Chain.subject, stored_commitment())
    assert zk.check(scoped.args()) is None


def test_a_proof_for_another_subject_is_refused(zk: Zk, zk_build: snarkjs.ZkBuild, scoped: Proven) -> None:
    other = Proven(zk_build, 600, SCOPE, OTHER)
    zk.store(Chain.subject, stored_commitment())
    zk.store(OTHER, stored_commitment(OTHER))
    assert zk.check(other.args()) is None
    assert zk.refused(other.args(subject=Chain.subject)) == ("InvalidProof",)
    assert zk.refused(scoped.args(subject=OTHER)) == ("InvalidProof",)


def test_a_tampered_proof_is_refused(zk: Zk, scoped: Proven) -> None:
    zk.store(Chain.subject, stored_commitment())
    p = scoped.proof
    off_curve = [*p[:6], p[6], p[7] ^ 1]  # C moved off the curve: the pairing precompile fails
    swapped = [*p[:2], p[3], p[2], p[5], p[4], *p[6:]]  # B in snarkjs' [c0, c1] order
    a_for_c = [*p[6:8], *p[2:6], *p[6:8]]  # valid points, the wrong ones
    a_over_field = [p[0], p[1] + FIELD_MODULUS, *p[2:]]  # A.y + q: the same point if it were reduced
    for proof in (off_curve, swapped, a_for_c, a_over_field):
        assert zk.refused(scoped.args(proof=proof)) == ("InvalidProof",)
    assert g2(scoped.json["pi_b"]) == p[2:6]
    # Another threshold, scope or nullifier than the proof's: refused as well.
    for changed in ({"threshold": 599}, {"scope": SCOPE + 1}, {"nullifier": scoped.nullifier + 1}):
        assert zk.refused(scoped.args(**changed)) == ("InvalidProof",)
    assert zk.check(scoped.args()) is None


def test_an_assessment_that_no_longer_counts_is_refused(zk: Zk, scoped: Proven) -> None:
    zk.store(Chain.subject, stored_commitment())
    zk.chain.send(zk.chain.oracle.functions.revokeSigner(zk.chain.enclave), OWNER_KEY)
    assert zk.refused(scoped.args()) == ("AssessmentRevoked", Chain.subject)


def test_an_expired_assessment_is_refused(zk: Zk, scoped: Proven) -> None:
    record = zk.store(Chain.subject, stored_commitment())
    zk.chain.mine_at(record["expiry"])
    assert zk.check(scoped.args()) is None  # valid through its expiry second
    zk.chain.set_next_timestamp(record["expiry"] + 1)
    assert zk.refused(scoped.args()) == ("AssessmentExpired", record["expiry"])


def test_a_subject_without_an_assessment_is_refused(zk: Zk, scoped: Proven) -> None:
    assert zk.refused(scoped.args()) == ("NoAssessment", Chain.subject)


def test_a_nullifier_is_spent_once_per_caller(zk: Zk, scoped: Proven) -> None:
    zk.store(Chain.subject, stored_commitment())
    zk.verify(scoped.args())
    assert zk.refused(scoped.args()) == ("NullifierSpent", scoped.nullifier)
    # Spent for the protocol that verified, not for every caller: one who copies the proof cannot burn it for
    # another, and another protocol can still verify (its own scope would give it another nullifier).
    assert zk.check(scoped.args(), REQUESTER_KEY) is None
    zk.verify(scoped.args(), REQUESTER_KEY)
    assert zk.refused(scoped.args(), REQUESTER_KEY) == ("NullifierSpent", scoped.nullifier)


def test_a_public_input_at_or_over_the_field_order_is_refused(zk: Zk, scoped: Proven) -> None:
    zk.store(Chain.subject, stored_commitment())
    # scope + r and nullifier + r are the same field elements: the precompiles would reduce them and accept the
    # proof, so one proof would make several nullifiers. Refused before any pairing.
    assert zk.refused(scoped.args(scope=SCOPE + SCALAR_ORDER)) == ("PublicInputOutOfField", 4)
    assert zk.refused(scoped.args(nullifier=scoped.nullifier + SCALAR_ORDER)) == ("PublicInputOutOfField", 5)
    assert zk.refused(scoped.args(nullifier=SCALAR_ORDER)) == ("PublicInputOutOfField", 5)
    # A stored commitment that is no field element (a keccak commitment may be one) opens to no proof.
    zk.store(Chain.subject, 2**256 - 1)
    assert zk.refused(scoped.args()) == ("PublicInputOutOfField", 0)
    with pytest.raises(ValueError, match="^21888242871839275222246405745257275088548364400416034343698204186575808495617 "
                                         "is not below the BN254 scalar field order$"):
        field_element(SCALAR_ORDER)


def test_a_verifying_key_with_a_point_off_its_curve_is_not_deployed(
        zk: Zk, vkey: dict[str, Any]) -> None:
    good = verifying_key_arg(vkey)
    bad_alpha = ([good[0][0], good[0][1] ^ 1], *good[1:])
    bad_gamma = (good[0], good[1], [good[2][1], good[2][0], *good[2][2:]], *good[3:])
    bad_ic = (*good[:4], [*good[4][:13], good[4][13] ^ 1])
    factory = zk.chain.w3.eth.contract(abi=load_artifact("AuraThresholdVerifier").abi,
                                       bytecode=load_artifact("AuraThresholdVerifier").bytecode)
    for key in (good, bad_alpha, bad_gamma, bad_ic):
        data = factory.constructor(zk.chain.oracle.address, key).data_in_transaction
        resp = zk.chain.w3.provider.make_request(  # type: ignore[arg-type]
            "eth_call", [{"from": Account.from_key(OWNER_KEY).address, "data": data}, "latest"])
        if key is good:
            assert "error" not in resp
        else:
            assert zk.errors.decode(bytes.fromhex(resp["error"]["data"][2:])) == ("InvalidVerifyingKey",)


def test_the_verifier_implements_its_interface() -> None:
    contract_abi = {json.dumps(item, sort_keys=True) for item in load_artifact("AuraThresholdVerifier").abi}
    interface = load_artifact("IAuraThresholdVerifier").abi
    assert interface and [item for item in interface if json.dumps(item, sort_keys=True) not in contract_abi] == []


def test_the_encoder_refuses_what_the_verifier_cannot_take(vkey: dict[str, Any], scoped: Proven) -> None:
    with pytest.raises(ValueError, match="^the key is for 5 public inputs, the verifier takes 6$"):
        verifying_key_arg(vkey | {"nPublic": 5, "IC": vkey["IC"][:6]})
    with pytest.raises(ValueError, match=r"^not a Groth16 proof over BN254 \(bn128\)$"):
        proof_arg(scoped.json | {"protocol": "plonk"})
    with pytest.raises(ValueError, match=r"^the point is not in affine form \(z = 2\)$"):
        proof_arg(scoped.json | {"pi_a": [*scoped.json["pi_a"][:2], "2"]})
