"""Threshold proofs on Solana (docs/solana.md, "Threshold proofs"): `set_verifying_key` and `verify_threshold`
with the Groth16 proof of tests/vectors/zk.json, verified by the program with LiteSVM's alt_bn128 syscalls.

These tests write the subject's Score account themselves (LiteSVM `set_account`), holding the vector's Poseidon
commitment (the one the enclave signs for the vector's inputs), signed by the registered enclave.
Every refusal is asserted with its exact program error.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import TransactionMetadata

from chains.solana import groth16, program

ROOT = Path(__file__).resolve().parents[3]
VECTOR: dict[str, Any] = json.loads((ROOT / "tests" / "vectors" / "zk.json").read_text())
SUBJECT = Pubkey.from_bytes(bytes.fromhex(VECTOR["inputs"]["subject"][2:]))
COMMITMENT = int(VECTOR["commitment"])
THRESHOLD = int(VECTOR["inputs"]["threshold"])
SCOPE = int(VECTOR["inputs"]["scope"])
NULLIFIER = int(VECTOR["nullifier"])
PROOF = groth16.proof_bytes(VECTOR["proof"])
KEY = groth16.verifying_key_bytes(VECTOR["verification_key"])
SCORE_LEN = 314
KEY_LEN = 941  # VerifyingKey account: discriminator, oracle, the key (896), version, bump
NULLIFIER_LEN = 177
PACKET = 1232
CU_LIMIT = 200_000
CU_AIM = 100_000  # issue 16: a verifying call at most 100k compute units


def discriminator(kind: str, name: str) -> bytes:
    return hashlib.sha256(f"{kind}:{name}".encode()).digest()[:8]


def score_data(sol, subject: Pubkey, commitment: bytes, *, expiry: int, signer: bytes) -> bytes:
    """A Score account of docs/solana.md's layout (the fields the proof needs; the rest plausible)."""
    body = (bytes(sol.oracle.pubkey()) + bytes(subject) + struct.pack("<HBHI", 712, 1, 350, 0) + sol.MEASUREMENT
            + commitment + struct.pack("<Q", sol.slot) + bytes(32) + bytes(32) + struct.pack("<qq", sol.now, expiry)
            + signer + bytes(32) + struct.pack("<qqQIB", sol.now, sol.now, sol.slot, 1, 255))
    data = discriminator("account", "Score") + body
    assert len(data) == SCORE_LEN
    return data


def write_score(sol, subject: Pubkey = SUBJECT, commitment: int | bytes = COMMITMENT,
                expiry: int | None = None) -> Pubkey:
    """Writes `subject`'s Score account (at its PDA) holding `commitment`, signed by the default enclave."""
    raw = commitment if isinstance(commitment, bytes) else commitment.to_bytes(32, "big")
    address = sol.score_pda(subject)
    sol.set_account(address, sol.rent(SCORE_LEN), score_data(
        sol, subject, raw, expiry=sol.now + 86_400 if expiry is None else expiry, signer=sol.enclave.address),
        owner=sol.PROGRAM_ID)
    return address


def key_pda(sol) -> Pubkey:
    return Pubkey.find_program_address([b"verifying_key", bytes(sol.oracle.pubkey())], sol.PROGRAM_ID)[0]


def nullifier_pda(sol, authority: Pubkey, nullifier: int = NULLIFIER) -> Pubkey:
    return Pubkey.find_program_address(
        [b"nullifier", bytes(sol.oracle.pubkey()), bytes(authority), nullifier.to_bytes(32, "big")],
        sol.PROGRAM_ID)[0]


def key_args(raw: bytes = KEY) -> dict[str, Any]:
    ic = raw[448:]
    return {"alpha_g1": list(raw[:64]), "beta_g2": list(raw[64:192]), "gamma_g2": list(raw[192:320]),
            "delta_g2": list(raw[320:448]), "ic": [list(ic[i:i + 64]) for i in range(0, len(ic), 64)]}


def set_key_ix(sol, raw: bytes = KEY, admin: Keypair | None = None, **kw: Any) -> Instruction:
    return sol.instruction("set_verifying_key", key_args(raw),
                           {"oracle": sol.oracle.pubkey(), "verifying_key": key_pda(sol),
                            "admin": (admin or sol.admin).pubkey(), "system_program": sol.SYSTEM_PROGRAM}, **kw)


def send_paid_by(sol, payer: Keypair, *instructions: Instruction):
    """A transaction whose fee payer is `payer` (its only signer): the smallest one, as an admin sends it."""
    sol.svm.expire_blockhash()
    tx = Transaction([payer], Message(list(instructions), payer.pubkey()), sol.svm.latest_blockhash())
    return tx, sol.svm.send_transaction(tx)


def verify_ix(sol, *, proof: bytes = PROOF, threshold: int = THRESHOLD, scope: int = SCOPE,
              nullifier: int = NULLIFIER, spend: bool = False, subject: Pubkey = SUBJECT,
              authority: Keypair | None = None, accounts: dict[str, Pubkey] | None = None) -> Instruction:
    authority = authority or sol.requester
    acc = {"oracle": sol.oracle.pubkey(), "score": sol.score_pda(subject), "verifying_key": key_pda(sol),
           "nullifier": nullifier_pda(sol, authority.pubkey(), nullifier), "authority": authority.pubkey(),
           "system_program": sol.SYSTEM_PROGRAM}
    acc.update(accounts or {})
    args = {"proof_a": list(proof[:64]), "proof_b": list(proof[64:192]), "proof_c": list(proof[192:256]),
            "threshold": threshold, "scope": list(scope.to_bytes(32, "big")),
            "nullifier": list(nullifier.to_bytes(32, "big")), "spend": spend}
    ix = sol.instruction("verify_threshold", args, acc, not_signer=() if spend else ("authority",),
                         not_writable=() if spend else ("nullifier", "authority"))
    # the remaining account: the enclave that signed the score
    return Instruction(ix.program_id, bytes(ix.data), [*ix.accounts, AccountMeta(sol.enclave_pda(), False, False)])


def logs_of(result: Any) -> list[str]:
    meta = result if isinstance(result, TransactionMetadata) else result.meta()
    return list(meta.logs())


def budget() -> Instruction:
    return set_compute_unit_limit(CU_LIMIT)


@pytest.fixture
def zk(ready):
    """The ready oracle with the vector's verifying key set and the vector subject's Score written."""
    tx, result = send_paid_by(ready, ready.admin, set_key_ix(ready))
    assert isinstance(result, TransactionMetadata), result
    write_score(ready)
    return ready


# ------------------------------------------------------------------------------------------------ the key

def test_the_stored_key_is_the_encoders_and_fits_one_transaction(ready):
    tx, result = send_paid_by(ready, ready.admin, set_key_ix(ready))
    assert isinstance(result, TransactionMetadata), result
    assert len(bytes(tx)) <= PACKET
    account = ready.account(key_pda(ready))
    assert account is not None and account.owner == ready.PROGRAM_ID and len(account.data) == KEY_LEN
    assert account.lamports == ready.rent(KEY_LEN)
    data = bytes(account.data)
    assert data[:8] == discriminator("account", "VerifyingKey")
    assert data[8:40] == bytes(ready.oracle.pubkey())
    assert data[40:936] == KEY == groth16.verifying_key_bytes(VECTOR["verification_key"])
    decoded = ready.decode(key_pda(ready))
    assert (decoded.version, bytes(decoded.alpha_g1), [bytes(p) for p in decoded.ic]) == (
        1, KEY[:64], [KEY[448 + 64 * i:512 + 64 * i] for i in range(7)])
    (event,) = ready.events(result)
    assert (event.name, bytes(event.data.oracle), bytes(event.data.key_hash), event.data.version) == (
        "VerifyingKeySet", bytes(ready.oracle.pubkey()), keccak(KEY), 1)
    # a new ceremony's key replaces it, and the version counts
    other = groth16.verifying_key_bytes({**VECTOR["verification_key"],
                                         "vk_delta_2": VECTOR["verification_key"]["vk_gamma_2"]})
    _, result = send_paid_by(ready, ready.admin, set_key_ix(ready, other))
    assert isinstance(result, TransactionMetadata), result
    assert bytes(ready.account(key_pda(ready)).data)[40:936] == other
    assert ready.decode(key_pda(ready)).version == 2


def test_only_the_admin_sets_the_key(ready):
    ready.fails("Unauthorized", set_key_ix(ready, admin=ready.stranger))
    ready.fails("MissingSignature", set_key_ix(ready, not_signer=("admin",)))


def test_a_key_point_off_the_curve_is_refused(ready):
    off_curve = bytearray(KEY)
    off_curve[448 + 64 * 3 + 63] ^= 1  # IC[3].y
    ready.fails("InvalidVerifyingKey", set_key_ix(ready, bytes(off_curve)))
    swapped = bytearray(KEY)  # gamma with its coordinate parts in snarkjs' order: not a point of G2
    swapped[192:320] = KEY[224:256] + KEY[192:224] + KEY[288:320] + KEY[256:288]
    ready.fails("InvalidVerifyingKey", set_key_ix(ready, bytes(swapped)))
    assert ready.account(key_pda(ready)) is None


# ------------------------------------------------------------------------------------------------ proofs

def test_the_vector_proof_verifies(zk, record_property):
    result = zk.ok(budget(), verify_ix(zk))
    assert "Program log: Instruction: VerifyThreshold" in result.logs()
    units = result.compute_units_consumed()
    record_property("verify_cu_solana", units)
    print(f"verify_threshold (6 public inputs, no spend): {units} compute units, 150 of them the compute-budget instruction")
    assert units <= 110_000, f"{units} compute units (aim {CU_AIM})"
    assert zk.account(nullifier_pda(zk, zk.requester.pubkey())) is None  # nothing spent without `spend`


def test_a_proof_verifies_against_a_private_assessments_commitment(ready):
    """A private request for the vector's subject, fulfilled (not written) with the vector's commitment: the Score
    holds score 0, PD 0, tier 255 and the commitment, and the vector's proof verifies against it, unchanged."""
    sol = ready
    _, result = send_paid_by(sol, sol.admin, set_key_ix(sol))
    assert isinstance(result, TransactionMetadata), result
    request = sol.request(subject=SUBJECT, private=True)
    signed = sol.Assessment(timestamp=sol.now, expiry=sol.now + 86_400, commitment=COMMITMENT.to_bytes(32, "big"))
    sol.fulfil(request, signed.private(), subject=SUBJECT)
    score = sol.decode(sol.score_pda(SUBJECT))
    assert (score.score, score.tier, score.pd_bps, int.from_bytes(bytes(score.commitment), "big")) == (
        0, sol.PRIVATE_TIER, 0, COMMITMENT)
    sol.fails("InvalidProof", budget(), verify_ix(sol, threshold=THRESHOLD + 1))
    sol.ok(budget(), verify_ix(sol, spend=True))
    assert sol.decode(nullifier_pda(sol, sol.requester.pubkey())).spent_at == sol.now


def test_spending_the_nullifier_once(zk, record_property):
    authority = zk.requester
    before = zk.balance(authority.pubkey())
    result = zk.ok(budget(), verify_ix(zk, spend=True))
    record_property("verify_spend_cu_solana", result.compute_units_consumed())
    print(f"verify_threshold with spend: {result.compute_units_consumed()} compute units")
    address = nullifier_pda(zk, authority.pubkey())
    assert zk.balance(authority.pubkey()) == before - zk.rent(NULLIFIER_LEN)
    spent = zk.decode(address)
    assert (bytes(spent.oracle), bytes(spent.authority), bytes(spent.nullifier), bytes(spent.subject),
            bytes(spent.scope), spent.spent_at) == (
        bytes(zk.oracle.pubkey()), bytes(authority.pubkey()), NULLIFIER.to_bytes(32, "big"), bytes(SUBJECT),
        SCOPE.to_bytes(32, "big"), zk.now)
    zk.fails("NullifierSpent", budget(), verify_ix(zk, spend=True))
    # another authority keeps its own set; a plain verification still passes
    zk.ok(budget(), verify_ix(zk, spend=True, authority=zk.transmitter))
    zk.ok(budget(), verify_ix(zk))


def test_the_nullifier_account_must_be_its_pda(zk):
    zk.fails("WrongPda", budget(), verify_ix(zk, spend=True, accounts={"nullifier": Keypair().pubkey()}))
    zk.fails("MissingSignature", budget(), zk.instruction(
        "verify_threshold", {"proof_a": [0] * 64, "proof_b": [0] * 128, "proof_c": [0] * 64, "threshold": 0,
                             "scope": [0] * 32, "nullifier": [0] * 32, "spend": True},
        {"oracle": zk.oracle.pubkey(), "score": zk.score_pda(SUBJECT), "verifying_key": key_pda(zk),
         "nullifier": nullifier_pda(zk, zk.requester.pubkey()), "authority": zk.requester.pubkey(),
         "system_program": zk.SYSTEM_PROGRAM}, not_signer=("authority",)))


@pytest.mark.parametrize(("name", "changes"), [
    ("a higher threshold", {"threshold": THRESHOLD + 50}),
    ("a lower threshold", {"threshold": THRESHOLD - 1}),
    ("another scope", {"scope": SCOPE + 1}),
    ("another nullifier", {"nullifier": NULLIFIER + 1}),
])
def test_a_proof_for_other_public_inputs_is_refused(zk, name, changes):
    zk.fails("InvalidProof", budget(), verify_ix(zk, **changes))


def test_a_tampered_proof_is_refused(zk):
    a, b, c = PROOF[:64], PROOF[64:192], PROOF[192:]
    zk.fails("InvalidProof", budget(), verify_ix(zk, proof=c + b + a))  # A and C swapped: valid points
    off_curve = bytearray(PROOF)
    off_curve[255] ^= 1  # C.y
    zk.fails("InvalidProof", budget(), verify_ix(zk, proof=bytes(off_curve)))
    q_plus = a[:32] + (int.from_bytes(a[32:], "big") + groth16.FIELD_MODULUS).to_bytes(32, "big")
    zk.fails("InvalidProof", budget(), verify_ix(zk, proof=q_plus + b + c))  # A.y not below q
    snarkjs_order = b[32:64] + b[:32] + b[96:] + b[64:96]  # B's coordinate parts in snarkjs' order
    zk.fails("InvalidProof", budget(), verify_ix(zk, proof=a + snarkjs_order + c))


def test_a_proof_against_another_subjects_score_is_refused(zk):
    other = Keypair().pubkey()
    write_score(zk, other)  # the same commitment, stored for another subject
    zk.fails("InvalidProof", budget(), verify_ix(zk, subject=other))


def test_the_commitment_comes_from_the_score(zk):
    write_score(zk, commitment=COMMITMENT + 1)
    zk.fails("InvalidProof", budget(), verify_ix(zk))
    write_score(zk, commitment=bytes([0xff]) * 32)  # a keccak commitment above r: not a field element
    zk.fails("PublicInputOutOfField", budget(), verify_ix(zk))
    assert "Program log: PublicInputOutOfField(0)" in logs_of(zk.send(budget(), verify_ix(zk)))


def test_public_inputs_outside_the_field_are_refused(zk):
    zk.fails("PublicInputOutOfField", budget(), verify_ix(zk, scope=groth16.SCALAR_ORDER))
    assert "Program log: PublicInputOutOfField(4)" in logs_of(zk.send(budget(), verify_ix(zk, scope=groth16.SCALAR_ORDER)))
    too_big = groth16.SCALAR_ORDER + NULLIFIER  # the same scalar modulo r
    assert "Program log: PublicInputOutOfField(5)" in logs_of(zk.send(budget(), verify_ix(zk, nullifier=too_big)))


def test_an_expired_assessment_is_refused(zk):
    write_score(zk, expiry=zk.now - 1)
    zk.fails("AssessmentExpired", budget(), verify_ix(zk))
    write_score(zk, expiry=zk.now)  # at its expiry it still counts
    zk.ok(budget(), verify_ix(zk))


def test_a_revoked_signers_assessment_is_refused(zk):
    zk.ok(zk.revoke_ix())
    zk.fails("EnclaveRevoked", budget(), verify_ix(zk))


def test_the_signer_accounts_are_the_scores(zk):
    other = zk.EnclaveKey.random()
    zk.register(other)
    ix = verify_ix(zk)
    wrong = Instruction(ix.program_id, bytes(ix.data), [*ix.accounts[:-1],
                                                        AccountMeta(zk.enclave_pda(other), False, False)])
    zk.fails("WrongPda", budget(), wrong)
    zk.fails("NotEnoughAccounts", budget(), Instruction(ix.program_id, bytes(ix.data), list(ix.accounts[:-1])))


def test_the_key_and_score_must_be_this_oracles(zk):
    zk.fails("WrongOwner", budget(), verify_ix(zk, accounts={"verifying_key": Keypair().pubkey()}))
    zk.fails("WrongAccountType", budget(), verify_ix(zk, accounts={"verifying_key": zk.score_pda(SUBJECT)}))
    zk.fails("WrongOwner", budget(), verify_ix(zk, subject=Keypair().pubkey()))  # no Score there


# ------------------------------------------------------------------- build/zk's key, with the client builders

def test_build_zk_key_verifies_a_fresh_proof_through_the_client_builders(ready):
    """The stored-key path end to end with this machine's ceremony: build/zk's verification key set with
    `program.set_verifying_key_ix`, a proof made now by snarkjs for a new subject, verified and spent with
    `program.verify_threshold_ix`. The vector's proof, made under another ceremony's key, is refused."""
    from node.zk import snarkjs  # noqa: PLC0415
    from node.zk.poseidon_commitment import commitment, limbs, nullifier  # noqa: PLC0415

    try:
        build = snarkjs.locate()
    except snarkjs.ZkError as e:
        pytest.skip(str(e))
    key = json.loads(build.verification_key.read_text())
    sol, subject, blinding = ready, Keypair().pubkey(), 12345678901234567890
    scope = int.from_bytes(bytes(sol.requester.pubkey())[:31], "big")  # a protocol's key, cut to fit the field
    hi, lo = limbs(bytes(subject))
    inputs = {"commitment": commitment(640, blinding, bytes(subject)), "threshold": 600, "subject_hi": hi,
              "subject_lo": lo, "scope": scope, "nullifier": nullifier(blinding, scope), "score": 640,
              "blinding": blinding}
    proof, public_signals = snarkjs.prove(build, inputs)
    assert public_signals == [str(inputs[name]) for name in snarkjs.PUBLIC_SIGNALS]

    tx, result = send_paid_by(sol, sol.admin, program.set_verifying_key_ix(
        sol.PROGRAM_ID, sol.oracle.pubkey(), sol.admin.pubkey(), groth16.verifying_key_bytes(key)))
    assert isinstance(result, TransactionMetadata), result
    assert len(bytes(tx)) <= PACKET
    assert bytes(sol.account(key_pda(sol)).data)[40:936] == groth16.verifying_key_bytes(key)
    write_score(sol, subject, inputs["commitment"])

    def ix(spend: bool) -> Instruction:
        return program.verify_threshold_ix(sol.PROGRAM_ID, sol.oracle.pubkey(), subject, groth16.proof_bytes(proof),
                                           600, scope, inputs["nullifier"], [sol.enclave.address],
                                           sol.requester.pubkey(), spend=spend)

    sol.ok(budget(), ix(False))
    sol.ok(budget(), ix(True))
    sol.fails("NullifierSpent", budget(), ix(True))
    if key != VECTOR["verification_key"]:
        write_score(sol)
        sol.fails("InvalidProof", budget(), verify_ix(sol))
