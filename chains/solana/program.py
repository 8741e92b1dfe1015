"""The `aura_oracle` program as its clients see it: the committed IDL, PDAs, instructions, accounts, events.

Instructions are encoded and accounts decoded with anchorpy's coder from `programs/aura_oracle/idl.legacy.json`,
the form of the IDL anchorpy reads, generated from `programs/aura_oracle/idl.json` (the IDL Anchor clients use;
docs/solana.md), so every client here goes through the same program description an Anchor client does.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from anchorpy import Idl
from anchorpy.coder.coder import Coder
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from chains.base import SignedAssessment
from chains.core.assessment import AssessmentFacts
from chains.core.errors import AuraError
from chains.solana import groth16

REPO = Path(__file__).resolve().parents[2]
REQUEST_STATUS_OFFSET = 152
REQUEST_ORACLE_OFFSET = 8
PENDING = 0
CLOCK_SYSVAR = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
SLOT_HASHES_SYSVAR = Pubkey.from_string("SysvarS1otHashes111111111111111111111111111")
SLOT_HASHES_ENTRY = 40  # slot u64, hash [u8; 32]
SLOT_HASHES_MAX = 512  # entries the sysvar keeps
ORACLE_LEN = 65  # an Oracle account without its quorum tail (threshold 1)
SCORE_LEN = 314  # a Score account without its quorum tail (one signer)
MAX_QUORUM_SIGNERS = 8  # the most signatures `fulfil_quorum` takes (docs/solana.md, "Quorum")


class IdlError(AuraError, FileNotFoundError):
    """The program's IDL is missing or unreadable."""


def pubkey(value: Any) -> Pubkey:
    """A public key from an account or event field: the legacy IDL types keys as `[u8; 32]` (the same bytes as
    the `pubkey` of `idl.json`), which anchorpy decodes to a list of ints."""
    return value if isinstance(value, Pubkey) else Pubkey.from_bytes(bytes(value))


def idl_path() -> Path:
    """The legacy-format IDL the node reads (`AURA_SOLANA_IDL` to read another)."""
    return Path(os.environ.get("AURA_SOLANA_IDL", REPO / "programs" / "aura_oracle" / "idl.legacy.json"))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Idl, Coder, dict[str, Any]]:
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise IdlError(f"cannot read the aura_oracle IDL {path}: {e.strerror}") from None
    raw = json.loads(text)
    idl = Idl.from_json(text)
    return idl, Coder(idl), raw


def idl() -> Idl:
    return _load(str(idl_path()))[0]


def coder() -> Coder:
    return _load(str(idl_path()))[1]


def idl_address() -> Pubkey:
    """The program id the IDL names (the devnet deployment's)."""
    raw = _load(str(idl_path()))[2]
    address = raw.get("address") or (raw.get("metadata") or {}).get("address")
    if not address:
        raise IdlError("the aura_oracle IDL names no program address")
    return Pubkey.from_string(address)


@lru_cache(maxsize=1)
def error_names() -> dict[int, str]:
    """Custom error code -> name, from the IDL."""
    return {e.code: e.name for e in (idl().errors or [])}


def error_name(code: int) -> str:
    return error_names().get(code, f"custom error {code}")


# PDAs (docs/solana.md)
def enclave_pda(program: Pubkey, oracle: Pubkey, address: bytes) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"enclave", bytes(oracle), address], program)


def counter_pda(program: Pubkey, oracle: Pubkey, requester: Pubkey) -> tuple[Pubkey, int]:
    """The requester's RequestCounter on the oracle: its request numbers (created by its first request)."""
    return Pubkey.find_program_address([b"counter", bytes(oracle), bytes(requester)], program)


def request_pda(program: Pubkey, oracle: Pubkey, requester: Pubkey, nonce: int) -> tuple[Pubkey, int]:
    """The requester's request number `nonce` on the oracle."""
    return Pubkey.find_program_address(
        [b"request", bytes(oracle), bytes(requester), nonce.to_bytes(8, "little")], program)


def score_pda(program: Pubkey, oracle: Pubkey, subject: Pubkey) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"score", bytes(oracle), bytes(subject)], program)


def verifying_key_pda(program: Pubkey, oracle: Pubkey) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"verifying_key", bytes(oracle)], program)


def nullifier_pda(program: Pubkey, oracle: Pubkey, authority: Pubkey, nullifier: bytes) -> tuple[Pubkey, int]:
    """Where `authority`'s spend of `nullifier` (32 bytes, big-endian) is recorded."""
    return Pubkey.find_program_address([b"nullifier", bytes(oracle), bytes(authority), nullifier], program)


def _ix(program: Pubkey, name: str, args: dict[str, Any], metas: list[AccountMeta]) -> Instruction:
    return Instruction(program, coder().instruction.encode(name, args), metas)


def _meta(key: Pubkey, signer: bool = False, writable: bool = False) -> AccountMeta:
    return AccountMeta(key, is_signer=signer, is_writable=writable)


def initialize_ix(program: Pubkey, oracle: Pubkey, admin: Pubkey, fee_lamports: int, request_ttl_s: int,
                  cluster_id: int) -> Instruction:
    """`initialize`; `cluster_id` (nonzero) is the node config's `chain_id` for this cluster."""
    return _ix(program, "initialize",
               {"fee_lamports": fee_lamports, "request_ttl_s": request_ttl_s, "cluster_id": cluster_id},
               [_meta(oracle, True, True), _meta(admin, True, True), _meta(SYSTEM_PROGRAM_ID)])


def register_enclave_ix(program: Pubkey, oracle: Pubkey, admin: Pubkey, public_key: bytes,
                        measurement: bytes, payee: Pubkey) -> Instruction:
    """`register_enclave`; the fee of every request the enclave's signature fulfils goes to `payee`."""
    from chains.core.secp256k1 import keccak256  # noqa: PLC0415

    enclave, _ = enclave_pda(program, oracle, keccak256(public_key)[12:])
    return _ix(program, "register_enclave", {"public_key": list(public_key), "measurement": list(measurement),
                                             "payee": list(bytes(payee))},
               [_meta(oracle), _meta(enclave, writable=True), _meta(admin, True, True), _meta(SYSTEM_PROGRAM_ID)])


def revoke_enclave_ix(program: Pubkey, oracle: Pubkey, admin: Pubkey, address: bytes) -> Instruction:
    enclave, _ = enclave_pda(program, oracle, address)
    return _ix(program, "revoke_enclave", {}, [_meta(oracle), _meta(enclave, writable=True), _meta(admin, True)])


def request_assessment_ix(program: Pubkey, oracle: Pubkey, requester: Pubkey, subject: Pubkey, nonce: int,
                          params: bytes = b"", *, private: bool = False) -> Instruction:
    """`request_assessment` for the requester's next nonce `nonce` (`next_nonce`), or `request_private_assessment`
    (the same args and accounts) when `private`: the fulfilment then carries score 0, PD 0 and PRIVATE_TIER, so the
    subject's Score holds the commitment to the score and not the score (docs/protocol.md, "Private assessments")."""
    counter, _ = counter_pda(program, oracle, requester)
    request, _ = request_pda(program, oracle, requester, nonce)
    name = "request_private_assessment" if private else "request_assessment"
    return _ix(program, name, {"subject": list(bytes(subject)), "params": params},
               [_meta(oracle), _meta(counter, writable=True), _meta(request, writable=True),
                _meta(requester, True, True), _meta(SYSTEM_PROGRAM_ID)])


def next_request_ix(program: Pubkey, oracle: Pubkey, requester: Pubkey, subject: Pubkey, counter: Account | None,
                    params: bytes = b"", *, private: bool = False) -> tuple[Instruction, Pubkey]:
    """`request_assessment_ix` for the requester's next nonce, read from its RequestCounter account `counter` (as the
    RPC returns the account at `counter_pda`; None before its first request), and the request's address."""
    nonce = next_nonce(counter)
    ix = request_assessment_ix(program, oracle, requester, subject, nonce, params, private=private)
    return ix, request_pda(program, oracle, requester, nonce)[0]


SIGNER_ACCOUNTS_FROM = {"fulfil_quorum": 7, "update": 6}
"""Where the per-signature accounts (each signer's Enclave account, and for `fulfil_quorum` its payee) start in the
instructions that carry them (docs/solana.md, "Instructions")."""


def signer_accounts(ix: Instruction) -> list[Pubkey]:
    """The per-signature accounts of a `fulfil_quorum` or `update` instruction (none of any other): the accounts an
    address lookup table holds for a fulfilment too large for a legacy transaction."""
    for name, start in SIGNER_ACCOUNTS_FROM.items():
        if bytes(ix.data[:8]) == coder().instruction.sighashes[name]:
            return [m.pubkey for m in ix.accounts[start:]]
    return []


def _signed_args(f: AssessmentFacts) -> dict[str, Any]:
    """The signed arguments `fulfil`, `fulfil_quorum` and `update` share (the payload's last 161 bytes), by IDL
    name."""
    return {"score": f.score, "tier": f.tier, "pd_bps": f.pd_bps, "flags": f.flags,
            "measurement": list(f.measurement), "commitment": list(f.commitment), "slot": f.block_number,
            "slot_hash": list(f.block_hash), "features_hash": list(f.features_hash),
            "timestamp": f.timestamp, "expiry": f.expiry}


def fulfil_ix(program: Pubkey, oracle: Pubkey, request: Pubkey, enclave: Pubkey, subject: Pubkey,
              requester: Pubkey, transmitter: Pubkey, payee: Pubkey, a: SignedAssessment) -> Instruction:
    """`fulfil` for one signed assessment `a` (docs/protocol.md); `payee` is the enclave's registered one."""
    score, _ = score_pda(program, oracle, subject)
    args = {**_signed_args(a.facts), "signature": list(a.signature)}
    return _ix(program, "fulfil", args,
               [_meta(oracle), _meta(request, writable=True), _meta(enclave), _meta(score, writable=True),
                _meta(requester, writable=True), _meta(transmitter, True, True), _meta(SYSTEM_PROGRAM_ID),
                _meta(payee, writable=True), _meta(SLOT_HASHES_SYSVAR)])


@dataclass(frozen=True)
class QuorumSignature:
    """One enclave's part of a quorum fulfilment: its 20-byte address, the payee registered with it (read from its
    Enclave account: the program refuses any other) and its 65-byte signature over the assessment's payload."""

    address: bytes
    payee: Pubkey
    signature: bytes


def set_threshold_ix(program: Pubkey, oracle: Pubkey, admin: Pubkey, threshold: int) -> Instruction:
    """`set_threshold`: how many enclave signatures a fulfilment needs (1 ..= MAX_QUORUM_SIGNERS); the admin pays
    the rent of the oracle's one-byte quorum tail the first time."""
    return _ix(program, "set_threshold", {"threshold": threshold},
               [_meta(oracle, writable=True), _meta(admin, True, True), _meta(SYSTEM_PROGRAM_ID)])


def fulfil_quorum_ix(program: Pubkey, oracle: Pubkey, request: Pubkey, subject: Pubkey, requester: Pubkey,
                     transmitter: Pubkey, facts: AssessmentFacts,
                     signatures: Sequence[QuorumSignature]) -> Instruction:
    """`fulfil_quorum` for the assessment `facts` signed by each of `signatures` (the same payload as `fulfil`'s).
    They go in ascending order of address, as the program requires, whatever order they are given in; each
    brings its enclave account and payee after the fixed accounts."""
    ordered = sorted(signatures, key=lambda s: s.address)
    score, _ = score_pda(program, oracle, subject)
    args = {**_signed_args(facts), "signatures": [list(s.signature) for s in ordered]}
    metas = [_meta(oracle), _meta(request, writable=True), _meta(score, writable=True),
             _meta(requester, writable=True), _meta(transmitter, True, True), _meta(SYSTEM_PROGRAM_ID),
             _meta(SLOT_HASHES_SYSVAR)]
    for s in ordered:
        metas += [_meta(enclave_pda(program, oracle, s.address)[0]), _meta(s.payee, writable=True)]
    return _ix(program, "fulfil_quorum", args, metas)


def update_ix(program: Pubkey, oracle: Pubkey, subject: Pubkey, transmitter: Pubkey, facts: AssessmentFacts,
              signatures: Sequence[tuple[bytes, bytes]]) -> Instruction:
    """`update`: an operator's update of `subject` (docs/solana.md, "Operator updates"), the assessment `facts`
    signed by each of `signatures` ((20-byte address, 65-byte signature) pairs; one when the threshold is 1) over
    the payload whose request is the update id (chains/solana/update_id.py). They go in ascending order of
    address, as the program requires, whatever order they are given in; each brings its enclave account after the
    fixed accounts. No request, no fee, no payee."""
    ordered = sorted(signatures, key=lambda s: s[0])
    score, _ = score_pda(program, oracle, subject)
    args = {**_signed_args(facts), "signatures": [list(signature) for _, signature in ordered]}
    metas = [_meta(oracle), _meta(subject), _meta(score, writable=True), _meta(transmitter, True, True),
             _meta(SYSTEM_PROGRAM_ID), _meta(SLOT_HASHES_SYSVAR)]
    metas += [_meta(enclave_pda(program, oracle, address)[0]) for address, _ in ordered]
    return _ix(program, "update", args, metas)


def score_status_ix(program: Pubkey, oracle: Pubkey, subject: Pubkey, signers: Sequence[bytes]) -> Instruction:
    """`score_status`: whether the subject's stored assessment still counts (the instruction's return data, one
    byte). `signers` are the score's (`score_signers`), in its order."""
    score, _ = score_pda(program, oracle, subject)
    return _ix(program, "score_status", {},
               [_meta(oracle), _meta(score)] + [_meta(enclave_pda(program, oracle, a)[0]) for a in signers])


def set_verifying_key_ix(program: Pubkey, oracle: Pubkey, admin: Pubkey, key: bytes) -> Instruction:
    """`set_verifying_key` with `key` in the syscalls' encodings (`chains.solana.groth16.verifying_key_bytes`); the
    admin pays the VerifyingKey account's rent the first time. The transaction fits 1232 bytes when the admin is its
    fee payer and only signer."""
    if len(key) != groth16.KEY_LEN:
        raise ValueError(f"a verifying key is {groth16.KEY_LEN} bytes, not {len(key)}")
    g1, g2 = groth16.G1_LEN, groth16.G2_LEN
    ic = key[g1 + 3 * g2:]
    args = {"alpha_g1": list(key[:g1]), "beta_g2": list(key[g1:g1 + g2]), "gamma_g2": list(key[g1 + g2:g1 + 2 * g2]),
            "delta_g2": list(key[g1 + 2 * g2:g1 + 3 * g2]), "ic": [list(ic[i:i + g1]) for i in range(0, len(ic), g1)]}
    return _ix(program, "set_verifying_key", args,
               [_meta(oracle), _meta(verifying_key_pda(program, oracle)[0], writable=True), _meta(admin, True, True),
                _meta(SYSTEM_PROGRAM_ID)])


def verify_threshold_ix(program: Pubkey, oracle: Pubkey, subject: Pubkey, proof: bytes, threshold: int, scope: int,
                        nullifier: int, signers: Sequence[bytes], authority: Pubkey,
                        spend: bool = False) -> Instruction:
    """`verify_threshold`: succeeds only if `proof` (`chains.solana.groth16.proof_bytes`) shows that the subject's
    committed score is at least `threshold` for `scope` and `nullifier`. `signers` are the Score's (`score_signers`),
    in its order. With `spend`, `authority` signs and pays for the Nullifier account; without, it is not read."""
    if len(proof) != groth16.PROOF_LEN:
        raise ValueError(f"a proof is {groth16.PROOF_LEN} bytes, not {len(proof)}")
    g1, g2 = groth16.G1_LEN, groth16.G2_LEN
    nullifier_bytes = groth16.field_element(nullifier)
    args = {"proof_a": list(proof[:g1]), "proof_b": list(proof[g1:g1 + g2]), "proof_c": list(proof[g1 + g2:]),
            "threshold": threshold, "scope": list(groth16.field_element(scope)), "nullifier": list(nullifier_bytes),
            "spend": spend}
    score, _ = score_pda(program, oracle, subject)
    spent, _ = nullifier_pda(program, oracle, authority, nullifier_bytes)
    return _ix(program, "verify_threshold", args,
               [_meta(oracle), _meta(score), _meta(verifying_key_pda(program, oracle)[0]),
                _meta(spent, writable=spend), _meta(authority, spend, spend), _meta(SYSTEM_PROGRAM_ID)]
               + [_meta(enclave_pda(program, oracle, a)[0]) for a in signers])


def repin_ix(program: Pubkey, oracle: Pubkey, request: Pubkey) -> Instruction:
    """`repin`: moves a request whose pinned slot has left SlotHashes to the current slot (anyone may send it)."""
    return _ix(program, "repin", {}, [_meta(oracle), _meta(request, writable=True), _meta(SLOT_HASHES_SYSVAR)])


def cancel_ix(program: Pubkey, oracle: Pubkey, request: Pubkey, requester: Pubkey) -> Instruction:
    return _ix(program, "cancel", {}, [_meta(oracle), _meta(request, writable=True), _meta(requester, True, True)])


# accounts
def discriminator(account: str) -> bytes:
    return coder().accounts.acc_name_to_discriminator[account]


def decode_account(name: str, data: bytes) -> Any:
    """The named account's fields (anchorpy Container); ValueError when the data is another account's."""
    if data[:8] != discriminator(name):
        raise ValueError(f"not a {name} account")
    return coder().accounts.decode(data)


def next_nonce(counter: Account | None) -> int:
    """The nonce a requester's next request takes, from its RequestCounter account as an RPC returns it: 0 when
    there is none yet (no account, or only lamports sent there), as the program starts it.

    Raises:
        ValueError: the account holds data that is not a RequestCounter.
    """
    if counter is None or not bytes(counter.data):
        return 0
    return int(decode_account("RequestCounter", bytes(counter.data)).next_nonce)


def oracle_threshold(data: bytes) -> int:
    """An Oracle account's threshold: its quorum tail's (`OracleQuorum`), 1 when it has none.

    Raises:
        ValueError: the data is not an Oracle account.
    """
    decode_account("Oracle", data)
    return data[ORACLE_LEN] if len(data) > ORACLE_LEN else 1


@dataclass(frozen=True)
class ScoreSigners:
    """Who signed a stored assessment, ascending by address, and the threshold in force when it was stored. It
    counts while at least `threshold` of them are active (`score_status`)."""

    threshold: int
    signers: tuple[bytes, ...]


def score_signers(data: bytes) -> ScoreSigners:
    """A Score account's signers: its quorum tail (`ScoreQuorum`), or its one `signer` at threshold 1.

    Raises:
        ValueError: the data is not a Score account.
    """
    score = decode_account("Score", data)
    if len(data) <= SCORE_LEN:
        return ScoreSigners(1, (bytes(score.signer),))
    tail = coder().types.decode("ScoreQuorum", data[SCORE_LEN:])
    return ScoreSigners(int(tail.threshold), tuple(bytes(a) for a in tail.signers))


@dataclass(frozen=True)
class ClockReading:
    slot: int
    unix_timestamp: int


def decode_clock(data: bytes) -> ClockReading:
    """The Clock sysvar: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp."""
    if len(data) < 40:
        raise ValueError("the Clock sysvar is 40 bytes")
    return ClockReading(slot=int.from_bytes(data[0:8], "little"),
                        unix_timestamp=int.from_bytes(data[32:40], "little", signed=True))


def decode_slot_hashes(data: bytes) -> dict[int, bytes]:
    """The SlotHashes sysvar: slot -> its 32-byte hash (the sysvar holds them newest first)."""
    if len(data) < 8:
        raise ValueError("the SlotHashes sysvar starts with an 8-byte count")
    count = min(int.from_bytes(data[:8], "little"), (len(data) - 8) // SLOT_HASHES_ENTRY)
    out = {}
    for i in range(count):
        at = 8 + i * SLOT_HASHES_ENTRY
        out[int.from_bytes(data[at:at + 8], "little")] = data[at + 8:at + SLOT_HASHES_ENTRY]
    return out


# events
def events_in_logs(logs: list[str]) -> list[tuple[str, Any]]:
    """(name, fields) of every event in `Program data:` log lines, in order."""
    out = []
    events = coder().events
    for line in logs:
        if not line.startswith("Program data: "):
            continue
        try:
            raw = base64.b64decode(line[len("Program data: "):].split(" ")[0])
            event = events.parse(raw)
        except Exception:  # noqa: BLE001 - another program's data line
            continue
        if event is not None:
            out.append((event.name, event.data))
    return out
