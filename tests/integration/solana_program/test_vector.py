"""tests/vectors/solana.json checked by the program itself: the vector's accounts recreated at their
addresses, and `fulfil` with the vector's fields and 65-byte signature accepted as they are. The
instructions are built by the node's own client code (chains/solana/program.py)."""

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


@pytest.fixture
def chain(program_bytes: bytes) -> Chain:
    c = Chain(program_bytes)
    c.at(VECTOR["request"]["created_at"], VECTOR["request"]["created_slot"])
    o = VECTOR["oracle"]
    c.ok([c.admin, c.oracle], prog.initialize_ix(c.program, c.oracle.pubkey(), c.admin.pubkey(),
                                                 o["fee_lamports"], o["request_ttl_s"], o["cluster_id"]))
    c.ok([c.admin], prog.register_enclave_ix(c.program, c.oracle.pubkey(), c.admin.pubkey(),
                                             _hex(VECTOR["public_key"]), _hex(VECTOR["assessment"]["measurement"]),
                                             c.payee.pubkey()))
    c.ok([c.requester], prog.request_assessment_ix(c.program, c.oracle.pubkey(), c.requester.pubkey(), c.subject,
                                                   VECTOR["request"]["nonce"]))
    request = prog.decode_account("Request", bytes(c.svm.get_account(
        Pubkey.from_string(ACC["request"]["pubkey"])).data))
    assert (request.fee, request.expires_at, request.pinned_slot) == (
        VECTOR["request"]["fee"], VECTOR["request"]["expires_at"], VECTOR["request"]["pinned_slot"])
    c.at(VECTOR["assessment"]["timestamp"], VECTOR["request"]["pinned_slot"] + 1)
    return c


def _fulfil(c: Chain, **change: Any) -> Any:
    a = SignedAssessment.from_wire({**VECTOR["assessment"], "signature": VECTOR["signature"],
                                    "signer": VECTOR["signer"], "digest": VECTOR["digest"], **change})
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
    assert chain.svm.get_account(Pubkey.from_string(ACC["request"]["pubkey"])) is None or \
        chain.svm.get_account(Pubkey.from_string(ACC["request"]["pubkey"])).lamports == 0


@pytest.mark.parametrize("change, error", [
    ({"score": 743}, "UnknownSigner"),
    ({"flags": 0}, "UnknownSigner"),
    ({"expiry": VECTOR["assessment"]["expiry"] + 1}, "UnknownSigner"),
    ({"features_hash": "0x" + "00" * 32}, "UnknownSigner"),
    ({"block_number": VECTOR["assessment"]["block_number"] - 1}, "SlotMismatch"),
    ({"block_hash": "0x" + "00" * 32}, "SlotHashMismatch"),
    ({"signature": VECTOR["signature"][:-2] + "00"}, "UnknownSigner"),
    ({"signature": VECTOR["signature"][:-2] + "02"}, "InvalidRecoveryId"),
])
def test_any_changed_byte_is_refused(chain: Chain, change: dict[str, Any], error: str) -> None:
    result = _fulfil(chain, **change)
    assert isinstance(result, FailedTransactionMetadata)
    err = result.err()
    assert prog.error_name(err.err.code) == error
