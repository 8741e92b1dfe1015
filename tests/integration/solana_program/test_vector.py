"""tests/vectors/solana.json checked by the program itself: the vector's accounts recreated at their
addresses, and `fulfil` with the vector's fields and 65-byte signature accepted as they are; its `private` case
for the same request made private; then its three-signer `quorum` accepted by `fulfil_quorum` at threshold 3. The instructions are built, and the accounts
read, by the node's own client code (chains/solana/program.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from solders.clock import Clock
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata

from chains.base import SignedAssessment
from chains.solana import program as prog

VECTOR = json.loads((Path(__file__).parents[2] / "vectors" / "solana.json").read_text())
ACC = VECTOR["accounts"]


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def _keypair(name: str) -> Keypair:
    kp = Keypair.from_seed(_hex(ACC[name]["seed"]))
    assert str(kp.pubkey()) == ACC[name]["pubkey"]
    return kp


class Chain:
    def __init__(self, program_bytes: bytes) -> None:
        self.svm = LiteSVM()
        self.program = Pubkey.from_string(ACC["program"]["pubkey"])
        self.svm.add_program(self.program, program_bytes)
        self.admin, self.transmitter, self.payee = Keypair(), Keypair(), Keypair()
        self.oracle, self.requester = _keypair("oracle"), _keypair("requester")
        self.subject = Pubkey.from_string(ACC["subject"]["pubkey"])
        for kp in (self.admin, self.transmitter, self.requester, self.payee):
            self.svm.airdrop(kp.pubkey(), 10**11)

    def at(self, unix_timestamp: int, slot: int | None = None) -> None:
        """The clock at this time (and slot); SlotHashes then holds the vector's slot and its hash."""
        c = self.svm.get_clock()
        slot = c.slot if slot is None else slot
        if slot != c.slot:
            self.svm.warp_to_slot(slot)
        self.svm.set_clock(Clock(slot=slot, epoch_start_timestamp=0, epoch=0, leader_schedule_epoch=0,
                                 unix_timestamp=unix_timestamp))
        self.svm.set_slot_hashes([(VECTOR["request"]["pinned_slot"], Hash(_hex(VECTOR["slot_hash"])))])

    def send(self, signers: list[Keypair], *ixs: Any) -> Any:
        self.svm.expire_blockhash()
        tx = Transaction(signers, Message(list(ixs), signers[0].pubkey()), self.svm.latest_blockhash())
        return self.svm.send_transaction(tx)

    def ok(self, signers: list[Keypair], *ixs: Any) -> Any:
        result = self.send(signers, *ixs)
        assert not isinstance(result, FailedTransactionMetadata), "\n".join(result.meta().logs())
        return result


def make_chain(program_bytes: bytes, private: bool = False) -> Chain:
    """The vector's oracle, enclave and request (a private one when `private`), at the vector's slot."""
    c = Chain(program_bytes)
    c.at(VECTOR["request"]["created_at"], VECTOR["request"]["created_slot"])
    o = VECTOR["oracle"]
    c.ok([c.admin, c.oracle], prog.initialize_ix(c.program, c.oracle.pubkey(), c.admin.pubkey(),
                                                 o["fee_lamports"], o["request_ttl_s"], o["cluster_id"]))
    c.ok([c.admin], prog.register_enclave_ix(c.program, c.oracle.pubkey(), c.admin.pubkey(),
                                             _hex(VECTOR["public_key"]), _hex(VECTOR["assessment"]["measurement"]),
                                             c.payee.pubkey()))
    c.ok([c.requester], prog.request_assessment_ix(c.program, c.oracle.pubkey(), c.requester.pubkey(), c.subject,
                                                   VECTOR["request"]["nonce"], private=private))
    request = prog.decode_account("Request", bytes(c.svm.get_account(
        Pubkey.from_string(ACC["request"]["pubkey"])).data))
    assert (request.fee, request.expires_at, request.pinned_slot) == (
        VECTOR["request"]["fee"], VECTOR["request"]["expires_at"], VECTOR["request"]["pinned_slot"])
    assert request.private is private
    c.at(VECTOR["assessment"]["timestamp"], VECTOR["request"]["pinned_slot"] + 1)
    return c


@pytest.fixture
def chain(program_bytes: bytes) -> Chain:
    return make_chain(program_bytes)


def _fulfil(c: Chain, case: dict[str, Any] = VECTOR, **change: Any) -> Any:
    """`fulfil` with the vector's assessment and signature, or its `private` case's (`case`)."""
    a = SignedAssessment.from_wire({**case["assessment"], "signature": case["signature"],
                                    "signer": VECTOR["signer"], "digest": case["digest"], **change})
    enclave = Pubkey.from_string(ACC["enclave"]["pubkey"])
    assert enclave == prog.enclave_pda(c.program, c.oracle.pubkey(), _hex(VECTOR["address"]))[0]
    ix = prog.fulfil_ix(c.program, c.oracle.pubkey(), Pubkey.from_string(ACC["request"]["pubkey"]), enclave,
                        c.subject, c.requester.pubkey(), c.transmitter.pubkey(), c.payee.pubkey(), a)
    return c.send([c.transmitter], ix)


def test_the_vector_signature_fulfils_its_request(chain: Chain) -> None:
    result = _fulfil(chain)
    assert not isinstance(result, FailedTransactionMetadata), "\n".join(result.meta().logs())
    score_at = Pubkey.from_string(ACC["score"]["pubkey"])
    assert score_at == prog.score_pda(chain.program, chain.oracle.pubkey(), chain.subject)[0]
    stored = prog.decode_account("Score", bytes(chain.svm.get_account(score_at).data))
    a = VECTOR["assessment"]
    assert (stored.score, stored.tier, stored.pd_bps, stored.flags) == (a["score"], a["tier"], a["pd_bps"], a["flags"])
    assert bytes(stored.measurement) == _hex(a["measurement"]) and bytes(stored.commitment) == _hex(a["commitment"])
    assert (stored.assessed_at, stored.expiry, stored.version) == (a["timestamp"], a["expiry"], 1)
    assert (stored.slot, bytes(stored.slot_hash), bytes(stored.features_hash)) == (
        a["block_number"], _hex(a["block_hash"]), _hex(a["features_hash"]))
    assert bytes(stored.signer) == _hex(VECTOR["address"])
    assert str(prog.pubkey(stored.request)) == ACC["request"]["pubkey"]
    # one signer at threshold 1: no quorum tail on the score, nor on the oracle
    score_data = bytes(chain.svm.get_account(score_at).data)
    assert len(score_data) == prog.SCORE_LEN
    assert prog.score_signers(score_data) == prog.ScoreSigners(1, (_hex(VECTOR["address"]),))
    assert prog.oracle_threshold(bytes(chain.svm.get_account(chain.oracle.pubkey()).data)) == 1
    assert chain.svm.get_account(Pubkey.from_string(ACC["request"]["pubkey"])) is None or \
        chain.svm.get_account(Pubkey.from_string(ACC["request"]["pubkey"])).lamports == 0


@pytest.mark.parametrize("change, error", [
    ({"score": 743}, "UnknownSigner"),
    ({"flags": 0}, "UnknownSigner"),
    ({"expiry": VECTOR["assessment"]["expiry"] + 1}, "UnknownSigner"),
    ({"features_hash": "0x" + "00" * 32}, "UnknownSigner"),
    ({"block_number": VECTOR["assessment"]["block_number"] - 1}, "SlotMismatch"),
    ({"block_hash": "0x" + "00" * 32}, "SlotHashMismatch"),
    # the other recovery id (whichever the vector's is) recovers another key
    ({"signature": VECTOR["signature"][:-2] + ("01" if VECTOR["signature"].endswith("00") else "00")}, "UnknownSigner"),
    ({"signature": VECTOR["signature"][:-2] + "02"}, "InvalidRecoveryId"),
])
def test_any_changed_byte_is_refused(chain: Chain, change: dict[str, Any], error: str) -> None:
    result = _fulfil(chain, **change)
    assert isinstance(result, FailedTransactionMetadata)
    err = result.err()
    assert prog.error_name(err.err.code) == error


# ------------------------------------------------------------------------------------------------ private

PRIVATE = VECTOR["private"]


def test_the_private_vector_fulfils_the_private_request(program_bytes: bytes) -> None:
    chain = make_chain(program_bytes, private=True)
    result = _fulfil(chain, PRIVATE)
    assert not isinstance(result, FailedTransactionMetadata), "\n".join(result.meta().logs())
    stored = prog.decode_account("Score", bytes(chain.svm.get_account(Pubkey.from_string(ACC["score"]["pubkey"])).data))
    a = PRIVATE["assessment"]
    assert (stored.score, stored.tier, stored.pd_bps, stored.flags) == (0, 255, 0, VECTOR["assessment"]["flags"])
    assert (a["score"], a["tier"], a["pd_bps"]) == (0, 255, 0)
    assert bytes(stored.commitment) == _hex(a["commitment"]) == _hex(VECTOR["assessment"]["commitment"])


def test_each_vector_is_refused_for_the_other_privacy(program_bytes: bytes) -> None:
    for private, case in ((True, VECTOR), (False, PRIVATE)):
        result = _fulfil(make_chain(program_bytes, private=private), case)
        assert isinstance(result, FailedTransactionMetadata)
        assert prog.error_name(result.err().err.code) == "PrivacyMismatch"


# ------------------------------------------------------------------------------------------------ the quorum

QUORUM = VECTOR["quorum"]


@pytest.fixture
def quorum_chain(chain: Chain) -> tuple[Chain, list[Keypair]]:
    """The vector's chain with the quorum's other two keys registered (each with its own payee) and the oracle's
    threshold set to the vector's; returns the chain and the payees, in the quorum's signer order."""
    payees = []
    for signer in QUORUM["signers"]:
        if signer["address"] == VECTOR["address"]:
            payees.append(chain.payee)
            continue
        payee = Keypair()
        chain.svm.airdrop(payee.pubkey(), 10**9)
        chain.ok([chain.admin], prog.register_enclave_ix(chain.program, chain.oracle.pubkey(), chain.admin.pubkey(),
                                                         _hex(signer["public_key"]),
                                                         _hex(VECTOR["assessment"]["measurement"]), payee.pubkey()))
        payees.append(payee)
    chain.ok([chain.admin], prog.set_threshold_ix(chain.program, chain.oracle.pubkey(), chain.admin.pubkey(),
                                                  QUORUM["threshold"]))
    oracle = chain.svm.get_account(chain.oracle.pubkey())
    assert prog.oracle_threshold(bytes(oracle.data)) == QUORUM["threshold"]
    return chain, payees


def _fulfil_quorum(c: Chain, payees: list[Keypair], signers: list[dict[str, Any]] | None = None,
                   **change: Any) -> Any:
    facts = SignedAssessment.from_wire({**VECTOR["assessment"], "signature": VECTOR["signature"],
                                        "signer": VECTOR["signer"], "digest": VECTOR["digest"], **change}).facts
    by_address = {s["address"]: p for s, p in zip(QUORUM["signers"], payees)}
    signatures = [prog.QuorumSignature(_hex(s["address"]), by_address[s["address"]].pubkey(), _hex(s["signature"]))
                  for s in (QUORUM["signers"] if signers is None else signers)]
    ix = prog.fulfil_quorum_ix(c.program, c.oracle.pubkey(), Pubkey.from_string(ACC["request"]["pubkey"]),
                               c.subject, c.requester.pubkey(), c.transmitter.pubkey(), facts, signatures)
    return c.send([c.transmitter], ix)


def test_the_quorum_vector_fulfils_its_request(quorum_chain: tuple[Chain, list[Keypair]]) -> None:
    chain, payees = quorum_chain
    assert _hex(QUORUM["digest"]) == _hex(VECTOR["digest"])  # the single signer's payload, unchanged
    before = [chain.svm.get_balance(p.pubkey()) for p in payees]
    result = _fulfil_quorum(chain, payees)
    assert not isinstance(result, FailedTransactionMetadata), "\n".join(result.meta().logs())
    data = bytes(chain.svm.get_account(Pubkey.from_string(ACC["score"]["pubkey"])).data)
    stored = prog.decode_account("Score", data)
    assert (stored.score, bytes(stored.signer)) == (VECTOR["assessment"]["score"], _hex(QUORUM["signers"][0]["address"]))
    assert prog.score_signers(data) == prog.ScoreSigners(
        QUORUM["threshold"], tuple(_hex(s["address"]) for s in QUORUM["signers"]))
    fee = VECTOR["request"]["fee"]
    assert [chain.svm.get_balance(p.pubkey()) - b for p, b in zip(payees, before)] == [
        fee - 2 * (fee // 3), fee // 3, fee // 3]
    status = chain.ok([chain.transmitter], prog.score_status_ix(chain.program, chain.oracle.pubkey(), chain.subject,
                                                                prog.score_signers(data).signers))
    assert bytes(status.return_data().data) == b"\x01"


def test_the_quorum_builder_orders_the_signers(quorum_chain: tuple[Chain, list[Keypair]]) -> None:
    chain, payees = quorum_chain
    result = _fulfil_quorum(chain, payees, signers=QUORUM["signers"][::-1])
    assert not isinstance(result, FailedTransactionMetadata), "\n".join(result.meta().logs())


@pytest.mark.parametrize("change, signers, error", [
    ({"score": 743}, None, "UnknownSigner"),
    ({"features_hash": "0x" + "00" * 32}, None, "UnknownSigner"),
    ({}, QUORUM["signers"][:2], "QuorumNotMet"),
    ({}, [QUORUM["signers"][0], QUORUM["signers"][1], {**QUORUM["signers"][2],
                                                       "signature": QUORUM["signers"][1]["signature"]}],
     "UnknownSigner"),
])
def test_any_changed_quorum_byte_is_refused(quorum_chain: tuple[Chain, list[Keypair]], change: dict[str, Any],
                                            signers: list[dict[str, Any]] | None, error: str) -> None:
    chain, payees = quorum_chain
    result = _fulfil_quorum(chain, payees, signers, **change)
    assert isinstance(result, FailedTransactionMetadata)
    assert prog.error_name(result.err().err.code) == error
