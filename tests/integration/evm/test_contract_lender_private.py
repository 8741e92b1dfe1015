"""ExampleLender's private path on anvil: a borrower proves, with a Groth16 proof of circuits/threshold.circom
(build/zk from `make zk`), that the score its assessment commits to is at least 600, and borrows at the minimum
loan-to-value without the lender ever being given the score.

It lends on the record of a private assessment (`requestPrivateAssessment`: tier PRIVATE_TIER) as on a public
one's. Refused, each with its exact error: a proof for a threshold below 600, a second loan on the same assessment
(nullifier spent), another borrower's proof, a revoked signer's, an expired or a stale assessment, flags that
reject or call for review, and a lender whose verifier is not set; the verifier is set once, by the deployer.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.logs import DISCARD

from chains.core.assessment import PRIVATE_TIER
from chains.evm.artifacts import contract, deploy, load_artifact
from node.scoring.flags import Flag
from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.zk import snarkjs
from tests.integration.evm.conftest import OWNER_KEY, STRANGER_KEY, Chain, ErrorDecoder
from tests.integration.evm.zk_helpers import (
    DEPLOYER_KEY,
    SCORE,
    Proven,
    deploy_verifier,
    locate_build,
    stored_commitment,
)

BORROWER_KEY = DEFAULT_KEYS[2]  # Chain.subject's key: the borrower proves for its own wallet
OTHER_KEY = STRANGER_KEY  # a second borrower
OTHER = Account.from_key(OTHER_KEY).address
AMOUNT = 5 * 10**18
APPROVED, MANUAL_REVIEW, REJECTED = 1, 2, 3
# A whole borrowWithProof transaction's gas (measured 304,853; docs/evm.md): the verifier's ~292k and the lender's
# read of the assessment. A ceiling that catches a regression, with room for the proof's varying zero bytes.
BORROW_GAS_CEILING = 307_000


@pytest.fixture(scope="module")
def zk_build() -> snarkjs.ZkBuild:
    return locate_build()


@pytest.fixture(scope="module")
def lender_address(deployment: tuple[Web3, dict[str, str]], zk_build: snarkjs.ZkBuild) -> str:
    """A lender of the session's oracle with its verifier set, both deployed from DEPLOYER_KEY."""
    w3, addresses = deployment
    verifier = deploy_verifier(w3, addresses["AuraOracle"], zk_build)
    lender = deploy(w3, "ExampleLender", [addresses["AuraOracle"]], DEPLOYER_KEY)
    Chain(w3, addresses).send(contract(w3, "ExampleLender", lender).functions.setVerifier(verifier), DEPLOYER_KEY)
    return str(lender)


@pytest.fixture(scope="module")
def scope(deployment: tuple[Web3, dict[str, str]], lender_address: str) -> int:
    return int(contract(deployment[0], "ExampleLender", lender_address).functions.privateScope().call())


@pytest.fixture(scope="module")
def proven(zk_build: snarkjs.ZkBuild, scope: int) -> Proven:
    """SCORE >= 600 for the borrower, in the lender's scope."""
    return Proven(zk_build, 600, scope, Chain.subject)


class Lending:
    """The test chain with the lender: stores commitments, borrows with proofs, decodes the errors of both."""

    def __init__(self, chain: Chain, address: str) -> None:
        self.chain = chain
        self.lender = contract(chain.w3, "ExampleLender", address)
        self.verifier = contract(chain.w3, "AuraThresholdVerifier", self.lender.functions.verifier().call())
        self.errors = ErrorDecoder([load_artifact("ExampleLender").abi, load_artifact("IAuraThresholdVerifier").abi])

    def store(self, subject: str = Chain.subject, private: bool = False, **overrides: Any) -> dict[str, Any]:
        """Fulfils an assessment of `subject` committing to SCORE (a score-free record: score 0; a private
        request's private payload when `private`); the record."""
        req = self.chain.request(subject=subject, private=private)
        fields = {"score": 0, "flags": 0, "commitment": stored_commitment(subject).to_bytes(32, "big")} | overrides
        self.chain.fulfil(req, self.chain.private_assessment(**fields) if private else self.chain.assessment(**fields))
        return self.chain.latest(subject)

    def borrow(self, p: Proven, key: str = BORROWER_KEY, amount: int = AMOUNT) -> tuple[Any, str]:
        """`borrowWithProof` with `p`'s nullifier and proof, and the key to send it with."""
        return self.lender.functions.borrowWithProof(amount, p.nullifier, p.proof), key

    def refused(self, p: Proven, key: str = BORROWER_KEY) -> tuple[Any, ...]:
        """The borrowing transaction must revert: its decoded error."""
        fn, key = self.borrow(p, key)
        receipt = self.chain.transact(fn, key)
        assert receipt["status"] == 0, "borrowWithProof unexpectedly succeeded"
        return self.errors.decode(self.chain.revert_data(receipt))


def events(event: Any, receipt: Any) -> list[dict[str, Any]]:
    """The arguments of the logs of `receipt` that decode as `event` (whichever contract emitted them)."""
    return [dict(e["args"]) for e in event().process_receipt(receipt, errors=DISCARD)]


@pytest.fixture
def lending(chain: Chain, lender_address: str) -> Lending:
    return Lending(chain, lender_address)


def test_a_proof_of_600_borrows_at_the_minimum_ltv_without_the_score(lending: Lending, proven: Proven) -> None:
    lending.store()
    fn, key = lending.borrow(proven)
    assert fn.call({"from": Chain.subject}) == 5000
    receipt = lending.chain.send(fn, key)
    (loan,) = events(lending.lender.events.PrivateLoanTaken, receipt)
    assert loan == {"borrower": Chain.subject, "nullifier": proven.nullifier, "amount": AMOUNT, "maxLtvBps": 5000}
    (verified,) = events(lending.verifier.events.ThresholdVerified, receipt)
    assert verified == {"subject": Chain.subject, "verifier": lending.lender.address, "threshold": 600,
                        "scope": proven.scope, "nullifier": proven.nullifier}
    assert lending.verifier.functions.nullifierSpent(lending.lender.address, proven.nullifier).call() is True
    # The score is in no argument, event or record: the call data is the amount, the nullifier and the proof.
    abi = {item["name"]: item for item in load_artifact("ExampleLender").abi if item["type"] == "function"}
    assert [i["name"] for i in abi["borrowWithProof"]["inputs"]] == ["amount", "nullifier", "proof"]
    tx = lending.chain.w3.eth.get_transaction(receipt["transactionHash"])
    assert SCORE.to_bytes(32, "big") not in bytes(tx["input"])
    assert lending.chain.latest(Chain.subject)["score"] == 0
    assert receipt["gasUsed"] <= BORROW_GAS_CEILING
    print(f"borrowWithProof gasUsed: {receipt['gasUsed']}")


def test_a_private_assessment_lends_on_a_proof_against_its_stored_commitment(lending: Lending,
                                                                            proven: Proven) -> None:
    record = lending.store(private=True)
    assert (record["score"], record["tier"], record["pdBps"]) == (0, PRIVATE_TIER, 0)
    assert int.from_bytes(record["commitment"], "big") == stored_commitment(Chain.subject)
    receipt = lending.chain.send(*lending.borrow(proven))
    (verified,) = events(lending.verifier.events.ThresholdVerified, receipt)
    assert (verified["subject"], verified["threshold"], verified["nullifier"]) == (Chain.subject, 600,
                                                                                   proven.nullifier)
    (loan,) = events(lending.lender.events.PrivateLoanTaken, receipt)
    assert (loan["borrower"], loan["amount"], loan["maxLtvBps"]) == (Chain.subject, AMOUNT, 5000)


def test_a_proof_for_a_threshold_below_600_is_refused(
        lending: Lending, zk_build: snarkjs.ZkBuild, scope: int) -> None:
    lending.store()
    assert lending.refused(Proven(zk_build, 599, scope, Chain.subject)) == ("InvalidProof",)


def test_a_second_loan_on_the_same_assessment_is_refused(lending: Lending, proven: Proven) -> None:
    lending.store()
    lending.chain.send(*lending.borrow(proven))
    assert lending.refused(proven) == ("NullifierSpent", proven.nullifier)


def test_a_proof_for_another_scope_is_refused(lending: Lending, zk_build: snarkjs.ZkBuild, scope: int) -> None:
    # A proof made for another protocol's scope carries that scope's nullifier: it verifies nowhere here.
    lending.store()
    assert lending.refused(Proven(zk_build, 600, scope + 1, Chain.subject)) == ("InvalidProof",)


def test_another_borrowers_proof_is_refused(lending: Lending, proven: Proven) -> None:
    lending.store(OTHER)
    # The borrower's proof sent by another account is checked against that account's commitment.
    assert lending.refused(proven, OTHER_KEY) == ("InvalidProof",)
    lending.store()
    lending.chain.send(*lending.borrow(proven))


def test_a_revoked_signers_assessment_is_refused(lending: Lending, proven: Proven) -> None:
    lending.store()
    lending.chain.send(lending.chain.oracle.functions.revokeSigner(lending.chain.enclave), OWNER_KEY)
    assert lending.refused(proven) == ("NoAssessment",)


def test_an_expired_or_stale_assessment_is_refused(lending: Lending, proven: Proven) -> None:
    record = lending.store()
    lending.chain.set_next_timestamp(record["expiry"] + 1)
    assert lending.refused(proven) == ("ExpiredAssessment", record["expiry"])
    record = lending.store(expiry=lending.chain.now() + 7200)
    lending.chain.set_next_timestamp(record["timestamp"] + 3601)
    assert lending.refused(proven) == ("StaleAssessment", record["timestamp"])


def test_no_assessment_is_refused(lending: Lending, proven: Proven) -> None:
    assert lending.refused(proven) == ("NoAssessment",)


@pytest.mark.parametrize(("flag", "decision"), [(Flag.LIQUIDATED, REJECTED), (Flag.UNDISCLOSED_LIABILITY, REJECTED),
                                                (Flag.BURST_ACTIVITY, MANUAL_REVIEW), (Flag.ANOMALOUS, MANUAL_REVIEW)])
def test_a_flagged_assessment_is_refused(lending: Lending, proven: Proven, flag: Flag, decision: int) -> None:
    lending.store(flags=int(flag | Flag.LIMITED_DATA))
    assert lending.refused(proven) == ("NotApproved", decision)
    assert lending.verifier.functions.nullifierSpent(lending.lender.address, proven.nullifier).call() is False


def test_a_zero_amount_is_refused(lending: Lending, proven: Proven) -> None:
    lending.store()
    fn, key = lending.borrow(proven, amount=0)
    receipt = lending.chain.transact(fn, key)
    assert lending.errors.decode(lending.chain.revert_data(receipt)) == ("ZeroAmount",)


def test_the_verifier_is_set_once_by_the_deployer(chain: Chain, lender_address: str, zk_build: snarkjs.ZkBuild,
                                                 proven: Proven) -> None:
    # The session's lender has none: the private path is closed.
    closed = chain.lender
    fn = closed.functions.borrowWithProof(AMOUNT, proven.nullifier, proven.proof)
    assert chain.expect_revert(fn, BORROWER_KEY) == ("NoVerifier",)
    verifier = contract(chain.w3, "ExampleLender", lender_address).functions.verifier().call()
    deployer = closed.functions.deployer().call()
    assert deployer == Account.from_key(OWNER_KEY).address
    assert chain.expect_revert(closed.functions.setVerifier(verifier), BORROWER_KEY) == ("NotDeployer", Chain.subject)
    # A verifier of another oracle's commitments: refused.
    other_oracle = deploy(chain.w3, "AuraOracle", [chain.FEE, chain.REQUEST_TTL, chain.CALLBACK_GAS_LIMIT],
                          OWNER_KEY)
    foreign = deploy_verifier(chain.w3, other_oracle, zk_build)
    assert chain.expect_revert(closed.functions.setVerifier(foreign), OWNER_KEY) == (
        "VerifierOfAnotherOracle", other_oracle)
    receipt = chain.send(closed.functions.setVerifier(verifier), OWNER_KEY)
    assert chain.events(receipt, "VerifierSet", "ExampleLender") == [{"verifier": verifier}]
    assert chain.expect_revert(closed.functions.setVerifier(verifier), OWNER_KEY) == ("VerifierAlreadySet", verifier)
