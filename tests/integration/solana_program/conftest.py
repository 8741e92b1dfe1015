"""Fixtures for the `aura_oracle` program tests: the program built once per session (`programs/sbf`), a
fresh LiteSVM per test with the program loaded, and a `Sol` harness that builds every instruction and decodes
every account and event through the IDL (anchorpy's coder), so that the IDL is what is tested.

`AURA_ORACLE_SO` names a prebuilt program (say, one `cargo build-sbf` made) to test instead of building.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import secrets
import struct
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from anchorpy import Idl
from anchorpy.coder.coder import Coder
from anchorpy.program.common import Event
from coincurve import PrivateKey
from eth_hash.auto import keccak
from solders.account import Account
from solders.clock import Clock
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from chains.core.assessment import PRIVATE_TIER

ROOT = Path(__file__).resolve().parents[3]
PROGRAM_DIR = ROOT / "programs" / "aura_oracle"
IDL_TEXT = (PROGRAM_DIR / "idl.legacy.json").read_text()  # the form anchorpy reads, made from idl.json
IDL_JSON: dict[str, Any] = json.loads(IDL_TEXT)
IDL = Idl.from_json(IDL_TEXT)
CODER = Coder(IDL)
PROGRAM_ID = Pubkey.from_string(IDL_JSON["metadata"]["address"])
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
ERROR_CODES: dict[str, int] = {e["name"]: e["code"] for e in IDL_JSON["errors"]}
ERROR_NAMES: dict[int, str] = {code: name for name, code in ERROR_CODES.items()}
ERROR_MSGS: dict[str, str] = {e["name"]: e["msg"] for e in IDL_JSON["errors"]}
# accounts and their flags as Anchor clients read them (idl.json, the current format)
INSTRUCTIONS: dict[str, dict[str, Any]] = {
    ix["name"]: ix for ix in json.loads((PROGRAM_DIR / "idl.json").read_text())["instructions"]}

HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
N = 2 * HALF_N + 1
T0 = 1_750_000_000  # the clock's unix time when each test starts
SLOT0 = 1_000
TTL = 3_600
FEE = 2_500_000
MEASUREMENT = keccak(b"aura test enclave measurement")
PAYLOAD_DOMAIN = b"AURA/solana/assessment"
PAYLOAD_VERSION = 2
CLUSTER_ID = 103
ORACLE_LEN, ENCLAVE_LEN, REQUEST_BASE_LEN, SCORE_LEN = 65, 206, 159, 314
COUNTER_LEN = 81
FULFIL_CU_LIMIT = 40_000
SLOT_HASHES = Pubkey.from_string("SysvarS1otHashes111111111111111111111111111")
SLOT_HASHES_MAX = 512


def slot_hash(slot: int) -> bytes:
    """The hash the harness's SlotHashes holds for `slot`."""
    return hashlib.sha256(b"aura test slot %d" % slot).digest()


def discriminator(kind: str, name: str) -> bytes:
    return hashlib.sha256(f"{kind}:{name}".encode()).digest()[:8]


# ------------------------------------------------------------------------------------------ the program

def _build_program() -> Path:
    prebuilt = os.environ.get("AURA_ORACLE_SO")
    if prebuilt:
        return Path(prebuilt)
    build_py = ROOT / "programs" / "sbf" / "build.py"
    if not build_py.exists():
        pytest.fail(f"{build_py.relative_to(ROOT)} is missing: the program cannot be built")
    spec = importlib.util.spec_from_file_location("aura_sbf_build", build_py)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the module look themselves up there
    spec.loader.exec_module(module)
    return Path(module.build_program(PROGRAM_DIR))


@pytest.fixture(scope="session")
def program_bytes() -> bytes:
    return _build_program().read_bytes()


# -------------------------------------------------------------------------------------- keys and payloads

@dataclass(frozen=True)
class EnclaveKey:
    """An enclave's secp256k1 key, as the program knows it: 64-byte public key and 20-byte address."""

    key: PrivateKey

    @classmethod
    def random(cls) -> EnclaveKey:
        return cls(PrivateKey(secrets.token_bytes(32)))

    @property
    def public_key(self) -> bytes:
        return self.key.public_key.format(compressed=False)[1:]

    @property
    def address(self) -> bytes:
        return keccak(self.public_key)[12:]

    def sign(self, payload: bytes) -> bytes:
        """65 bytes r || s || recovery_id over keccak256(payload), s low (coincurve normalises)."""
        return self.key.sign_recoverable(keccak(payload), hasher=None)


@dataclass(frozen=True)
class Assessment:
    """`fulfil`'s arguments but the signature."""

    score: int = 742
    tier: int = 1
    pd_bps: int = 350
    flags: int = 8
    measurement: bytes = MEASUREMENT
    commitment: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    slot: int | None = None  # None: the request's pinned slot
    slot_hash: bytes | None = None  # None: the SlotHashes sysvar's hash of `slot`
    features_hash: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    timestamp: int = T0
    expiry: int = T0 + 86_400

    def private(self) -> Assessment:
        """The form a private request takes: score 0, PD 0 and PRIVATE_TIER, the rest (flags, commitment) kept."""
        return replace(self, score=0, tier=PRIVATE_TIER, pd_bps=0)

    def args(self, signature: bytes) -> dict[str, Any]:
        assert self.slot is not None and self.slot_hash is not None
        return {"score": self.score, "tier": self.tier, "pd_bps": self.pd_bps, "flags": self.flags,
                "measurement": list(self.measurement), "commitment": list(self.commitment), "slot": self.slot,
                "slot_hash": list(self.slot_hash), "features_hash": list(self.features_hash),
                "timestamp": self.timestamp, "expiry": self.expiry, "signature": list(signature)}


def payload(program_id: Pubkey, oracle: Pubkey, request: Pubkey, subject: Pubkey, a: Assessment,
            cluster_id: int = CLUSTER_ID) -> bytes:
    """The 320 signed bytes of docs/solana.md, "The signed payload"."""
    assert a.slot is not None and a.slot_hash is not None
    body = (PAYLOAD_DOMAIN + bytes([PAYLOAD_VERSION]) + struct.pack("<Q", cluster_id) + bytes(program_id)
            + bytes(oracle) + bytes(request) + bytes(subject)
            + struct.pack("<HBHI", a.score, a.tier, a.pd_bps, a.flags) + a.measurement + a.commitment
            + struct.pack("<Q", a.slot) + a.slot_hash + a.features_hash + struct.pack("<qq", a.timestamp, a.expiry))
    assert len(body) == 320
    return body


def high_s(signature: bytes) -> bytes:
    """The same signature with s replaced by n - s and the recovery id flipped: valid, but malleable."""
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (N - s).to_bytes(32, "big") + bytes([signature[64] ^ 1])


# ----------------------------------------------------------------------------------------------- results

class TxFailed(AssertionError):
    """A transaction expected to succeed failed."""


def error_code(result: TransactionMetadata | FailedTransactionMetadata) -> int | None:
    """The custom error code a failed transaction returned (None if it succeeded; raises if not custom)."""
    if isinstance(result, TransactionMetadata):
        return None
    err = result.err()
    if isinstance(err, TransactionErrorInstructionError) and isinstance(err.err, InstructionErrorCustom):
        return int(err.err.code)
    raise AssertionError(f"not a custom program error: {err}\n" + "\n".join(result.meta().logs()))


def logs_of(result: TransactionMetadata | FailedTransactionMetadata) -> list[str]:
    meta = result if isinstance(result, TransactionMetadata) else result.meta()
    return list(meta.logs())


# --------------------------------------------------------------------------------------------- the harness

class Sol:
    """A LiteSVM with the program loaded, the actors funded, and helpers for every instruction."""

    FEE = FEE
    TTL = TTL
    CLUSTER_ID = CLUSTER_ID
    SLOT_HASHES = SLOT_HASHES
    SLOT_HASHES_MAX = SLOT_HASHES_MAX
    slot_hash = staticmethod(slot_hash)
    T0 = T0
    MEASUREMENT = MEASUREMENT
    PROGRAM_ID = PROGRAM_ID
    SYSTEM_PROGRAM = SYSTEM_PROGRAM
    ERROR_CODES = ERROR_CODES
    FULFIL_CU_LIMIT = FULFIL_CU_LIMIT
    PRIVATE_TIER = PRIVATE_TIER
    REQUEST_BASE_LEN = REQUEST_BASE_LEN
    COUNTER_LEN = COUNTER_LEN
    HALF_N = HALF_N
    Assessment = Assessment
    EnclaveKey = EnclaveKey
    payload = staticmethod(payload)
    high_s = staticmethod(high_s)

    def __init__(self, program: bytes) -> None:
        self.svm = LiteSVM()
        self.svm.add_program(PROGRAM_ID, program)
        self.keys: dict[Pubkey, Keypair] = {}
        # The fee payer of every transaction, so that the actors' balances move only by what the program does.
        self.payer = self.keypair(10**12)
        self.admin = self.keypair(10**11)
        self.requester = self.keypair(10**11)
        self.transmitter = self.keypair(10**11)
        self.stranger = self.keypair(10**11)
        self.payee = self.keypair(10**9)
        self.oracle = self.keypair(0)
        self.subject = Keypair().pubkey()
        self.enclave = EnclaveKey.random()
        self.set_time(T0, SLOT0)

    # ------------------------------------------------------------------------------------------- basics

    def keypair(self, lamports: int) -> Keypair:
        kp = Keypair()
        self.keys[kp.pubkey()] = kp
        if lamports:
            self.svm.airdrop(kp.pubkey(), lamports)
        return kp

    def set_time(self, unix_timestamp: int, slot: int | None = None) -> None:
        current = self.svm.get_clock()
        slot = current.slot if slot is None else slot
        if slot != current.slot:
            self.svm.warp_to_slot(slot)
        self.svm.set_clock(Clock(slot=slot, epoch_start_timestamp=T0, epoch=0, leader_schedule_epoch=0,
                                 unix_timestamp=unix_timestamp))
        # SlotHashes as the runtime keeps it: the slots before this one, newest first, at most 512.
        self.svm.set_slot_hashes([(s, Hash(slot_hash(s))) for s in range(slot - 1, max(-1, slot - 1 - SLOT_HASHES_MAX), -1)])

    def next_slot(self, slots: int = 1) -> None:
        """Moves to a later slot (same clock time): the slots passed enter SlotHashes."""
        self.set_time(self.now, self.slot + slots)

    @property
    def now(self) -> int:
        return int(self.svm.get_clock().unix_timestamp)

    @property
    def slot(self) -> int:
        return int(self.svm.get_clock().slot)

    def balance(self, key: Pubkey) -> int:
        return self.svm.get_balance(key) or 0

    def rent(self, space: int) -> int:
        return int(self.svm.minimum_balance_for_rent_exemption(space))

    def account(self, key: Pubkey) -> Account | None:
        account = self.svm.get_account(key)
        return None if account is None or (account.lamports == 0 and not account.data) else account

    def decode(self, key: Pubkey) -> Any:
        """The account decoded by the IDL's account coder (which checks the discriminator)."""
        account = self.account(key)
        assert account is not None, f"no account at {key}"
        assert account.owner == PROGRAM_ID
        return CODER.accounts.decode(bytes(account.data))

    def set_account(self, key: Pubkey, lamports: int, data: bytes = b"", owner: Pubkey = SYSTEM_PROGRAM) -> None:
        self.svm.set_account(key, Account(lamports=lamports, data=data, owner=owner, executable=False,
                                          rent_epoch=0))

    @staticmethod
    def events(result: TransactionMetadata) -> list[Event]:
        """The Anchor events of a transaction, decoded by the IDL's event coder."""
        out = []
        for line in logs_of(result):
            if line.startswith("Program data: "):
                event = CODER.events.parse(base64.b64decode(line[len("Program data: "):]))
                assert event is not None, line
                out.append(event)
        return out

    # -------------------------------------------------------------------------------------- transactions

    def instruction(self, name: str, args: dict[str, Any], accounts: dict[str, Pubkey], *,
                    signer: Sequence[str] = (), not_signer: Sequence[str] = (),
                    not_writable: Sequence[str] = ()) -> Instruction:
        """`name` encoded by the IDL's instruction coder, its accounts in the IDL's order with its flags."""
        metas = []
        for item in INSTRUCTIONS[name]["accounts"]:
            acc = item["name"]
            is_signer = (item.get("signer", False) or acc in signer) and acc not in not_signer
            is_writable = item.get("writable", False) and acc not in not_writable
            metas.append(AccountMeta(accounts[acc], is_signer=is_signer, is_writable=is_writable))
        return Instruction(PROGRAM_ID, CODER.instruction.encode(name, args), metas)

    def send(self, *instructions: Instruction) -> TransactionMetadata | FailedTransactionMetadata:
        signers: dict[Pubkey, Keypair] = {self.payer.pubkey(): self.payer}
        for ix in instructions:
            for meta in ix.accounts:
                if meta.is_signer:
                    signers[meta.pubkey] = self.keys[meta.pubkey]
        self.svm.expire_blockhash()
        message = Message(list(instructions), self.payer.pubkey())
        tx = Transaction(list(signers.values()), message, self.svm.latest_blockhash())
        return self.svm.send_transaction(tx)

    def ok(self, *instructions: Instruction) -> TransactionMetadata:
        result = self.send(*instructions)
        if isinstance(result, FailedTransactionMetadata):
            raise TxFailed(f"{result.err()}\n" + "\n".join(result.meta().logs()))
        return result

    def error_name(self, *instructions: Instruction) -> str | None:
        """The IDL name of the custom error the transaction fails with (None if it succeeds)."""
        code = error_code(self.send(*instructions))
        return None if code is None else ERROR_NAMES[code]

    def fails(self, expected: str, *instructions: Instruction) -> None:
        """Asserts the transaction fails with the IDL error named `expected`, code and log line both."""
        result = self.send(*instructions)
        code = error_code(result)
        assert code is not None, f"expected {expected}, but the transaction succeeded"
        assert ERROR_NAMES.get(code) == expected, (
            f"expected {expected} ({ERROR_CODES[expected]}), got {ERROR_NAMES.get(code)} ({code})\n"
            + "\n".join(logs_of(result)))
        assert code == ERROR_CODES[expected]
        anchor_log = (f"Program log: AnchorError occurred. Error Code: {expected}. Error Number: {code}. "
                      f"Error Message: {ERROR_MSGS[expected]}.")
        assert anchor_log in logs_of(result)

    # ------------------------------------------------------------------------------------------ addresses

    def enclave_pda(self, enclave: EnclaveKey | None = None, oracle: Pubkey | None = None) -> Pubkey:
        enclave = enclave or self.enclave
        oracle = oracle or self.oracle.pubkey()
        return Pubkey.find_program_address([b"enclave", bytes(oracle), enclave.address], PROGRAM_ID)[0]

    def counter_pda(self, requester: Pubkey | None = None, oracle: Pubkey | None = None) -> Pubkey:
        requester = requester or self.requester.pubkey()
        oracle = oracle or self.oracle.pubkey()
        return Pubkey.find_program_address([b"counter", bytes(oracle), bytes(requester)], PROGRAM_ID)[0]

    def request_pda(self, nonce: int, requester: Pubkey | None = None, oracle: Pubkey | None = None) -> Pubkey:
        requester = requester or self.requester.pubkey()
        oracle = oracle or self.oracle.pubkey()
        return Pubkey.find_program_address([b"request", bytes(oracle), bytes(requester), struct.pack("<Q", nonce)],
                                           PROGRAM_ID)[0]

    def next_nonce(self, requester: Pubkey | None = None) -> int:
        """The requester's next request number: its counter's, 0 before its first request."""
        counter = self.counter_pda(requester)
        account = self.account(counter)
        return 0 if account is None or account.owner != PROGRAM_ID else int(self.decode(counter).next_nonce)

    def score_pda(self, subject: Pubkey | None = None, oracle: Pubkey | None = None) -> Pubkey:
        subject = subject or self.subject
        oracle = oracle or self.oracle.pubkey()
        return Pubkey.find_program_address([b"score", bytes(oracle), bytes(subject)], PROGRAM_ID)[0]

    def subject_with_bump_attempts(self, attempts: int) -> Pubkey:
        """A subject whose score PDA `find_program_address` finds at its `attempts`-th try (bump 256 - attempts):
        creating a score costs 1,500 compute units more per further try, so a figure of units names its subject's."""
        while True:
            subject = Keypair().pubkey()
            if Pubkey.find_program_address([b"score", bytes(self.oracle.pubkey()), bytes(subject)],
                                           PROGRAM_ID)[1] == 256 - attempts:
                return subject

    # --------------------------------------------------------------------------------------- instructions

    def initialize_ix(self, fee: int = FEE, ttl: int = TTL, oracle: Keypair | None = None,
                      cluster_id: int = CLUSTER_ID, **kw: Any) -> Instruction:
        oracle = oracle or self.oracle
        return self.instruction("initialize", {"fee_lamports": fee, "request_ttl_s": ttl, "cluster_id": cluster_id},
                                {"oracle": oracle.pubkey(), "admin": self.admin.pubkey(),
                                 "system_program": SYSTEM_PROGRAM}, **kw)

    def initialize(self, fee: int = FEE, ttl: int = TTL, cluster_id: int = CLUSTER_ID) -> TransactionMetadata:
        return self.ok(self.initialize_ix(fee, ttl, cluster_id=cluster_id))

    def register_ix(self, enclave: EnclaveKey | None = None, measurement: bytes = MEASUREMENT,
                    admin: Keypair | None = None, accounts: dict[str, Pubkey] | None = None,
                    payee: Pubkey | None = None, **kw: Any) -> Instruction:
        enclave = enclave or self.enclave
        acc = {"oracle": self.oracle.pubkey(), "enclave": self.enclave_pda(enclave),
               "admin": (admin or self.admin).pubkey(), "system_program": SYSTEM_PROGRAM}
        acc.update(accounts or {})
        payee = payee or self.payee.pubkey()
        return self.instruction("register_enclave", {"public_key": list(enclave.public_key),
                                                     "measurement": list(measurement), "payee": list(bytes(payee))},
                                acc, **kw)

    def register(self, enclave: EnclaveKey | None = None, measurement: bytes = MEASUREMENT) -> TransactionMetadata:
        return self.ok(self.register_ix(enclave, measurement))

    def revoke_ix(self, enclave: EnclaveKey | None = None, admin: Keypair | None = None,
                  accounts: dict[str, Pubkey] | None = None, **kw: Any) -> Instruction:
        acc = {"oracle": self.oracle.pubkey(), "enclave": self.enclave_pda(enclave),
               "admin": (admin or self.admin).pubkey()}
        acc.update(accounts or {})
        return self.instruction("revoke_enclave", {}, acc, **kw)

    def request_ix(self, subject: Pubkey | None = None, params: bytes = b"", nonce: int | None = None,
                   requester: Keypair | None = None, accounts: dict[str, Pubkey] | None = None,
                   private: bool = False, **kw: Any) -> Instruction:
        """`request_assessment`, or `request_private_assessment` (the same args and accounts) when `private`."""
        who = (requester or self.requester).pubkey()
        if nonce is None:
            nonce = self.next_nonce(who)
        acc = {"oracle": self.oracle.pubkey(), "counter": self.counter_pda(who), "request": self.request_pda(nonce, who),
               "requester": who, "system_program": SYSTEM_PROGRAM}
        acc.update(accounts or {})
        subject = self.subject if subject is None else subject
        name = "request_private_assessment" if private else "request_assessment"
        return self.instruction(name, {"subject": list(bytes(subject)), "params": params}, acc, **kw)

    def request(self, subject: Pubkey | None = None, params: bytes = b"", private: bool = False) -> Pubkey:
        """Makes a request (a private one when `private`), then moves to the next slot (its pinned slot enters
        SlotHashes); returns its address."""
        nonce = self.next_nonce()
        self.ok(self.request_ix(subject, params, nonce, private=private))
        self.next_slot()
        return self.request_pda(nonce)

    def pinned_slot(self, request: Pubkey) -> int:
        """The request's pinned slot, or the current slot if there is no such request."""
        account = self.account(request)
        if account is None or account.owner != PROGRAM_ID:
            return self.slot
        try:
            return int(self.decode(request).pinned_slot)
        except Exception:  # noqa: BLE001 - another account type, given in place of a request
            return self.slot

    def resolve(self, request: Pubkey, a: Assessment) -> Assessment:
        """`a` with its slot (the request's pinned slot) and slot hash (the harness's) filled in when unset."""
        if a.slot is None:
            a = replace(a, slot=self.pinned_slot(request))
        if a.slot_hash is None:
            assert a.slot is not None
            a = replace(a, slot_hash=slot_hash(a.slot))
        return a

    def sign(self, request: Pubkey, a: Assessment, *, enclave: EnclaveKey | None = None,
             subject: Pubkey | None = None, oracle: Pubkey | None = None,
             program_id: Pubkey = PROGRAM_ID, cluster_id: int = CLUSTER_ID) -> bytes:
        return (enclave or self.enclave).sign(payload(program_id, oracle or self.oracle.pubkey(), request,
                                                      subject or self.subject, self.resolve(request, a), cluster_id))

    def fulfil_ix(self, request: Pubkey, a: Assessment | None = None, signature: bytes | None = None, *,
                  enclave: EnclaveKey | None = None, subject: Pubkey | None = None,
                  accounts: dict[str, Pubkey] | None = None, **kw: Any) -> Instruction:
        a = self.resolve(request, a or Assessment(timestamp=self.now, expiry=self.now + 86_400))
        if signature is None:
            signature = self.sign(request, a, enclave=enclave, subject=subject)
        acc = {"oracle": self.oracle.pubkey(), "request": request, "enclave": self.enclave_pda(enclave),
               "score": self.score_pda(subject), "requester": self.requester.pubkey(),
               "transmitter": self.transmitter.pubkey(), "system_program": SYSTEM_PROGRAM,
               "payee": self.payee.pubkey(), "slot_hashes": SLOT_HASHES}
        acc.update(accounts or {})
        return self.instruction("fulfil", a.args(signature), acc, **kw)

    def repin_ix(self, request: Pubkey, accounts: dict[str, Pubkey] | None = None, **kw: Any) -> Instruction:
        acc = {"oracle": self.oracle.pubkey(), "request": request, "slot_hashes": SLOT_HASHES}
        acc.update(accounts or {})
        return self.instruction("repin", {}, acc, **kw)

    def fulfil(self, request: Pubkey, a: Assessment | None = None, **kw: Any) -> TransactionMetadata:
        return self.ok(self.fulfil_ix(request, a, **kw))

    def cancel_ix(self, request: Pubkey, requester: Keypair | None = None,
                  accounts: dict[str, Pubkey] | None = None, **kw: Any) -> Instruction:
        acc = {"oracle": self.oracle.pubkey(), "request": request,
               "requester": (requester or self.requester).pubkey()}
        acc.update(accounts or {})
        return self.instruction("cancel", {}, acc, **kw)

    def raw(self, name: str, data: bytes, accounts: dict[str, Pubkey]) -> Instruction:
        """`name`'s accounts with arbitrary instruction data."""
        ix = self.instruction(name, _zero_args(name), accounts)
        return Instruction(PROGRAM_ID, data, ix.accounts)

    def ready(self) -> Sol:
        """Initialised oracle with the default enclave registered."""
        self.initialize()
        self.register()
        return self


def _zero_args(name: str) -> dict[str, Any]:
    """Zero for each of `name`'s arguments, as the (legacy-form) coder takes them."""
    zero: dict[str, Any] = {}
    (ix,) = [ix for ix in IDL_JSON["instructions"] if ix["name"] == name]
    for arg in ix["args"]:
        ty = arg["type"]
        zero[arg["name"]] = [0] * ty["array"][1] if isinstance(ty, dict) else (b"" if ty == "bytes" else 0)
    return zero


@pytest.fixture
def sol(program_bytes: bytes) -> Sol:
    """A fresh runtime with the program and funded actors; nothing initialised."""
    return Sol(program_bytes)


@pytest.fixture
def ready(sol: Sol) -> Iterator[Sol]:
    """An initialised oracle with one registered enclave."""
    yield sol.ready()


