"""Fixtures for the contract tests: one anvil per session with the contracts deployed once, and a chain
snapshot reverted after every test.

Contracts must be built first (`node contracts/build.js`, which `make contracts` runs).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from chains.core.assessment import PRIVATE_TIER
from chains.evm.artifacts import ArtifactError, contract, deploy, load_artifact
from chains.evm.facts import pack_facts, unpack_facts
from chains.evm.signature import compact
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil

CHAIN_ID = 31337
FEE = 10**15
REQUEST_TTL = 3600
CALLBACK_GAS_LIMIT = 200_000
RETURN_BOMB_SIZE = 250_000
OWNER_KEY, REQUESTER_KEY, _, TRANSMITTER_KEY, STRANGER_KEY, ENCLAVE_KEY, PAYEE_KEY = DEFAULT_KEYS[:7]
SUBJECT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil account 2; only its address is needed
MEASUREMENT = keccak(b"aura test enclave measurement")
GAS = 3_000_000
HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0

CONTRACTS = ("AuraOracle", "ExampleLender", "RecordingConsumer", "RevertingConsumer", "GasBurningConsumer",
             "ReturnBombConsumer", "RejectingTransmitter", "SwitchableBurner",
             "LateCodeFactory")

ASSESSMENT_TYPES = [
    {"name": "requestId", "type": "bytes32"},
    {"name": "subject", "type": "address"},
    {"name": "score", "type": "uint16"},
    {"name": "tier", "type": "uint8"},
    {"name": "pdBps", "type": "uint16"},
    {"name": "flags", "type": "uint32"},
    {"name": "measurement", "type": "bytes32"},
    {"name": "commitment", "type": "bytes32"},
    {"name": "blockNumber", "type": "uint64"},
    {"name": "blockHash", "type": "bytes32"},
    {"name": "featuresHash", "type": "bytes32"},
    {"name": "timestamp", "type": "uint64"},
    {"name": "expiry", "type": "uint64"},
]
DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def address_of(key: str) -> str:
    return Account.from_key(key).address


@dataclass(frozen=True)
class Req:
    """The oracle's `Request` struct."""

    id: bytes
    requester: str
    subject: str
    fee: int
    expires_at: int
    block_number: int

    def tuple(self) -> tuple[Any, ...]:
        return (self.id, self.requester, self.subject, self.fee, self.expires_at, self.block_number)


@dataclass(frozen=True)
class Asmt:
    """The oracle's `Assessment` struct."""

    score: int = 742
    tier: int = 1
    pd_bps: int = 350
    flags: int = 8
    measurement: bytes = MEASUREMENT
    commitment: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    timestamp: int = 0
    expiry: int = 0
    block_number: int | None = None  # None: the request's block, filled in by `Chain.pin`
    block_hash: bytes | None = None  # None: that block's hash on the chain
    features_hash: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def tuple(self) -> tuple[Any, ...]:
        assert self.block_number is not None and self.block_hash is not None, "pin the assessment first"
        facts = pack_facts(self.score, self.tier, self.pd_bps, self.flags, self.timestamp, self.expiry)
        return (facts, self.measurement, self.commitment, self.block_number, self.block_hash, self.features_hash)


def typed_data(req: Req, a: Asmt, chain_id: int, verifying_contract: str) -> dict[str, Any]:
    """The eth_signTypedData_v4 JSON of docs/protocol.md for `a` answering `req`."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPES, "Assessment": ASSESSMENT_TYPES},
        "primaryType": "Assessment",
        "domain": {"name": "AuraOracle", "version": "1", "chainId": chain_id,
                   "verifyingContract": verifying_contract},
        "message": {"requestId": req.id, "subject": req.subject, "score": a.score, "tier": a.tier,
                    "pdBps": a.pd_bps, "flags": a.flags, "measurement": a.measurement,
                    "commitment": a.commitment, "blockNumber": a.block_number, "blockHash": a.block_hash,
                    "featuresHash": a.features_hash, "timestamp": a.timestamp, "expiry": a.expiry},
    }


def sign(req: Req, a: Asmt, verifying_contract: str, key: str = ENCLAVE_KEY, chain_id: int = CHAIN_ID) -> bytes:
    """65-byte r || s || v signature by eth_account over the EIP-712 digest."""
    signed = Account.sign_typed_data(key, full_message=typed_data(req, a, chain_id, verifying_contract))
    return bytes(signed.signature)


def digest(req: Req, a: Asmt, verifying_contract: str, chain_id: int = CHAIN_ID) -> bytes:
    msg = encode_typed_data(full_message=typed_data(req, a, chain_id, verifying_contract))
    return keccak(b"\x19" + msg.version + msg.header + msg.body)


def with_facts(args: dict[str, Any]) -> dict[str, Any]:
    """An `AssessmentFulfilled`'s arguments and the fields of its `facts` word, named as the contract names them."""
    f = unpack_facts(args["facts"])
    return {**args, "score": f.score, "tier": f.tier, "pdBps": f.pd_bps, "flags": f.flags, "timestamp": f.timestamp,
            "expiry": f.expiry}


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def abi_request_id(oracle: str, seq: int, chain_id: int = CHAIN_ID) -> bytes:
    """The id `requestAssessment` gives request `seq` (the oracle's `requestCount` before it):
    keccak256(abi.encode(chainId, oracle, seq)) with its low 64 bits replaced by `seq`."""
    digest = keccak(abi_encode(["uint256", "address", "uint64"], [chain_id, oracle, seq]))
    return digest[:24] + seq.to_bytes(8, "big")


class ErrorDecoder:
    """Custom-error selector -> (name, argument types), from every contract's ABI."""

    def __init__(self, abis: list[list[dict[str, Any]]]) -> None:
        self.errors: dict[bytes, tuple[str, list[str]]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") == "error":
                    types = [_abi_type(i) for i in item["inputs"]]
                    self.errors[selector(f"{item['name']}({','.join(types)})")] = (item["name"], types)

    def selector_of(self, name: str) -> bytes:
        for sel, (n, _) in self.errors.items():
            if n == name:
                return sel
        raise KeyError(name)

    def decode(self, data: bytes) -> tuple[Any, ...]:
        """(name, *args) of a custom error's revert data; ("<raw>", hex) when not a known custom error."""
        if len(data) >= 4 and data[:4] in self.errors:
            name, types = self.errors[data[:4]]
            args = abi_decode(types, data[4:])
            return (name, *(_norm(t, v) for t, v in zip(types, args)))
        return ("<raw>", data.hex())


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


def _norm(abi_type: str, value: Any) -> Any:
    return to_checksum_address(value) if abi_type == "address" else value


class Reverted(AssertionError):
    """A transaction expected to succeed reverted."""


class Chain:
    """The session's deployment plus helpers to transact against it (tests reach everything through it)."""

    FEE = FEE
    REQUEST_TTL = REQUEST_TTL
    CALLBACK_GAS_LIMIT = CALLBACK_GAS_LIMIT
    MEASUREMENT = MEASUREMENT
    OWNER_KEY = OWNER_KEY
    REQUESTER_KEY = REQUESTER_KEY
    TRANSMITTER_KEY = TRANSMITTER_KEY
    STRANGER_KEY = STRANGER_KEY
    ENCLAVE_KEY = ENCLAVE_KEY
    PAYEE_KEY = PAYEE_KEY
    payee = address_of(PAYEE_KEY)
    owner = address_of(OWNER_KEY)
    requester = address_of(REQUESTER_KEY)
    subject = SUBJECT
    transmitter = address_of(TRANSMITTER_KEY)
    stranger = address_of(STRANGER_KEY)
    enclave = address_of(ENCLAVE_KEY)
    HALF_N = HALF_N
    CALLBACK_NONE, CALLBACK_SUCCEEDED, CALLBACK_REVERTED = 0, 1, 2  # `AssessmentFulfilled.callback`
    digest_of = staticmethod(digest)
    address_of = staticmethod(address_of)
    request_id_of = staticmethod(abi_request_id)

    def __init__(self, w3: Web3, addresses: dict[str, str]) -> None:
        self.w3 = w3
        self.addresses = addresses
        self.c: dict[str, Contract] = {name: contract(w3, name, addr) for name, addr in addresses.items()}
        self.oracle = self.c["AuraOracle"]
        self.lender = self.c["ExampleLender"]
        self.errors = ErrorDecoder([load_artifact(n).abi for n in CONTRACTS])

    # ---- raw chain control
    def rpc(self, method: str, *params: Any) -> Any:
        resp = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in resp:
            raise RuntimeError(f"{method}: {resp['error']}")
        return resp["result"]

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def set_next_timestamp(self, ts: int) -> None:
        self.rpc("evm_setNextBlockTimestamp", ts)

    def mine_at(self, ts: int) -> None:
        self.set_next_timestamp(ts)
        self.rpc("evm_mine")

    def balance(self, who: str) -> int:
        return int(self.w3.eth.get_balance(to_checksum_address(who)))

    # ---- transactions
    def transact(self, fn: Any, key: str, value: int = 0, gas: int = GAS) -> TxReceipt:
        """Send `fn` signed with `key`, mined; no gas estimation unless `gas` is None."""
        acct = Account.from_key(key)
        params: dict[str, Any] = {"from": acct.address, "value": value, "chainId": CHAIN_ID,
                                  "nonce": self.w3.eth.get_transaction_count(acct.address, "pending"),
                                  "maxFeePerGas": 100 * 10**9, "maxPriorityFeePerGas": 10**9}
        if gas is not None:
            params["gas"] = gas
        tx = fn.build_transaction(params)
        tx_hash = self.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)

    def send(self, fn: Any, key: str, value: int = 0, gas: int = GAS) -> TxReceipt:
        receipt = self.transact(fn, key, value, gas)
        if receipt["status"] != 1:
            raise Reverted(f"transaction reverted: {self.errors.decode(self.revert_data(receipt))}")
        return receipt

    def revert_data(self, receipt: TxReceipt) -> bytes:
        trace = self.rpc("debug_traceTransaction", receipt["transactionHash"].to_0x_hex(), {"tracer": "callTracer"})
        return bytes.fromhex(trace.get("output", "0x")[2:])

    def expect_revert(self, fn: Any, key: str, value: int = 0, gas: int = GAS) -> tuple[Any, ...]:
        """Send `fn`; it must be mined and revert. Returns the decoded custom error (name, *args)."""
        receipt = self.transact(fn, key, value, gas)
        assert receipt["status"] == 0, "transaction unexpectedly succeeded"
        return self.errors.decode(self.revert_data(receipt))

    def try_call(self, fn: Any, key: str, value: int = 0, gas: int | None = None,
                 block: str = "latest") -> tuple[bool, bytes]:
        """eth_call `fn` as `key`'s account: (succeeded, returndata or revert data)."""
        tx: dict[str, Any] = {"from": address_of(key), "to": fn.address, "data": _calldata(fn),
                              "value": hex(value)}
        if gas is not None:
            tx["gas"] = hex(gas)
        resp = self.w3.provider.make_request("eth_call", [tx, block])  # type: ignore[arg-type]
        if "error" in resp:
            data = resp["error"].get("data") or "0x"
            return False, bytes.fromhex(data[2:] if isinstance(data, str) else "")
        return True, bytes.fromhex(resp["result"][2:])

    def call_revert(self, fn: Any, key: str = OWNER_KEY, value: int = 0) -> tuple[Any, ...]:
        """eth_call `fn` (a view, usually); it must revert. Returns the decoded custom error."""
        ok, data = self.try_call(fn, key, value)
        assert not ok, "call unexpectedly succeeded"
        return self.errors.decode(data)

    def selector(self, error_name: str) -> bytes:
        return self.errors.selector_of(error_name)

    @staticmethod
    def cost(receipt: TxReceipt) -> int:
        return int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])

    def events(self, receipt: TxReceipt, name: str, contract_name: str = "AuraOracle") -> list[dict[str, Any]]:
        """The `name` events of `receipt`'s logs; an `AssessmentFulfilled`'s `facts` also unpacked, by name."""
        c = self.c[contract_name]
        found = [dict(e["args"]) for e in getattr(c.events, name)().process_receipt(receipt, errors=DISCARD)]
        return [with_facts(e) for e in found] if name == "AssessmentFulfilled" else found

    # ---- oracle flows
    def request(self, requester_key: str = REQUESTER_KEY, subject: str | None = None, value: int = FEE,
                params: bytes = b"", private: bool = False) -> Req:
        """A request by `requester_key`'s account; for a private assessment (`requestPrivateAssessment`) when
        `private`."""
        subject = subject or SUBJECT
        call = self.oracle.functions.requestPrivateAssessment if private else self.oracle.functions.requestAssessment
        receipt = self.send(call(subject, params), requester_key, value)
        return self.request_from(receipt)

    def request_via(self, consumer: str, subject: str | None = None, value: int = FEE) -> Req:
        """A request made by one of the test consumer contracts (so the oracle calls it back)."""
        subject = subject or SUBJECT
        fn = self.c[consumer].functions.request(self.oracle.address, subject)
        return self.request_from(self.send(fn, REQUESTER_KEY, value))

    def request_from(self, receipt: TxReceipt) -> Req:
        (ev,) = self.events(receipt, "AssessmentRequested")
        return Req(bytes(ev["requestId"]), ev["requester"], ev["subject"], ev["fee"], ev["expiresAt"],
                   int(receipt["blockNumber"]))

    def assessment(self, **overrides: Any) -> Asmt:
        """An assessment valid now: timestamp = latest block, expiry 10 minutes later."""
        now = self.now()
        return replace(Asmt(timestamp=now, expiry=now + 600), **overrides)

    def private_assessment(self, **overrides: Any) -> Asmt:
        """`assessment` in the private form a private request takes: score 0, tier PRIVATE_TIER, pdBps 0."""
        return self.assessment(**{"score": 0, "tier": PRIVATE_TIER, "pd_bps": 0, **overrides})

    def block_hash(self, number: int) -> bytes:
        return bytes(self.w3.eth.get_block(number)["hash"])

    def pin(self, req: Req, a: Asmt) -> Asmt:
        """`a` computed at `req`'s block, where it does not name a block (or hash) of its own."""
        number = req.block_number if a.block_number is None else a.block_number
        block_hash = self.block_hash(number) if a.block_hash is None else a.block_hash
        return replace(a, block_number=number, block_hash=block_hash)

    def sign(self, req: Req, a: Asmt, key: str = ENCLAVE_KEY, chain_id: int = CHAIN_ID,
             verifying_contract: str | None = None) -> bytes:
        return sign(req, self.pin(req, a), verifying_contract or self.oracle.address, key, chain_id)

    @staticmethod
    def sig_arg(signature: bytes | tuple[bytes, bytes]) -> tuple[bytes, bytes]:
        """The contract's `Signature` (EIP-2098) of a 65-byte signature; a tuple is passed as it is."""
        return compact(signature) if isinstance(signature, bytes) else signature

    def fulfil_fn(self, req: Req, a: Asmt, signature: bytes | tuple[bytes, bytes] | None = None) -> Any:
        a = self.pin(req, a)
        sig = self.sign(req, a) if signature is None else signature
        return self.oracle.functions.fulfil(req.tuple(), a.tuple(), self.sig_arg(sig))

    def fulfil(self, req: Req, a: Asmt | None = None, signature: bytes | tuple[bytes, bytes] | None = None,
               key: str = TRANSMITTER_KEY, gas: int = GAS) -> TxReceipt:
        return self.send(self.fulfil_fn(req, a or self.assessment(), signature), key, gas=gas)

    def fulfil_revert(self, req: Req, a: Asmt | None = None, signature: bytes | tuple[bytes, bytes] | None = None,
                      key: str = TRANSMITTER_KEY, gas: int = GAS) -> tuple[Any, ...]:
        return self.expect_revert(self.fulfil_fn(req, a or self.assessment(), signature), key, gas=gas)

    def update(self, a: Asmt, subject: str | None = None, fee: int = 0) -> tuple[Req, Asmt]:
        """An operator's update of `subject` with `a`: the update form of `Request` (requester zero, id
        `updateId(subject, a.timestamp)`, expiresAt 0) pinned to the latest block unless `a` names one, and `a`
        pinned to it."""
        subject = subject or SUBJECT
        number = self.w3.eth.block_number if a.block_number is None else a.block_number
        update_id = bytes(self.oracle.functions.updateId(subject, a.timestamp).call())
        req = Req(update_id, "0x" + "00" * 20, subject, fee, 0, number)
        return req, self.pin(req, a)

    # ---- quorum
    def signatures(self, req: Req, a: Asmt, keys: Sequence[str]) -> list[bytes]:
        """`keys`' 65-byte signatures of `a` answering `req`, in ascending order of signer address (an order
        `fulfilQuorum` takes: the first any signer's, the lowest here, the others ascending)."""
        return [self.sign(req, a, key=k) for k in sorted(keys, key=lambda k: int(address_of(k), 16))]

    def fulfil_quorum_fn(self, req: Req, a: Asmt, signatures: Sequence[bytes | tuple[bytes, bytes]]) -> Any:
        return self.oracle.functions.fulfilQuorum(req.tuple(), self.pin(req, a).tuple(),
                                                  [self.sig_arg(s) for s in signatures])

    def set_threshold(self, threshold: int) -> TxReceipt:
        return self.send(self.oracle.functions.setThreshold(threshold), OWNER_KEY)

    def latest_signers(self, subject: str | None = None) -> tuple[list[str], int, int]:
        """`latestSigners(subject)`: the signers of its latest assessment, the threshold it met, how many are
        active."""
        signers, threshold, active = self.oracle.functions.latestSigners(subject or SUBJECT).call()
        return list(signers), threshold, active

    def latest(self, subject: str) -> dict[str, Any]:
        names = ("exists", "score", "tier", "pdBps", "flags", "timestamp", "expiry", "signer", "measurement",
                 "commitment")
        return dict(zip(names, self.oracle.functions.latestAssessment(subject).call()))

    def status(self, req: Req | bytes) -> int:
        """`requestStatus` of `req` (or of a bare id)."""
        return int(self.oracle.functions.requestStatus(req.id if isinstance(req, Req) else req).call())


def _calldata(fn: Any) -> str:
    c = fn.w3.eth.contract(address=fn.address, abi=fn.contract_abi)
    return str(c.encode_abi(fn.fn_name, args=list(fn.args)))


def _require_artefacts() -> None:
    try:
        for name in CONTRACTS:
            load_artifact(name)
    except ArtifactError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def artefacts() -> None:
    """Fails the tests with `run make contracts` when the contracts are not built."""
    _require_artefacts()


@pytest.fixture(scope="session")
def anvil(artefacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anvil]:
    log = Path(tmp_path_factory.mktemp("anvil")) / "anvil.log"
    node = Anvil(log_path=log)
    node.start()
    try:
        yield node
    finally:
        node.stop()
        if os.environ.get("AURA_SHOW_ANVIL_LOG") and log.exists():
            print(log.read_text(errors="replace"))


@pytest.fixture(scope="session")
def deployment(anvil: Anvil) -> tuple[Web3, dict[str, str]]:
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    oracle = deploy(w3, "AuraOracle", [FEE, REQUEST_TTL, CALLBACK_GAS_LIMIT], OWNER_KEY)
    addresses = {
        "AuraOracle": oracle,
        "ExampleLender": deploy(w3, "ExampleLender", [oracle], OWNER_KEY),
        "RecordingConsumer": deploy(w3, "RecordingConsumer", [], OWNER_KEY),
        "RevertingConsumer": deploy(w3, "RevertingConsumer", [], OWNER_KEY),
        "GasBurningConsumer": deploy(w3, "GasBurningConsumer", [], OWNER_KEY),
        "ReturnBombConsumer": deploy(w3, "ReturnBombConsumer", [RETURN_BOMB_SIZE], OWNER_KEY),
        "RejectingTransmitter": deploy(w3, "RejectingTransmitter", [], OWNER_KEY),
        "SwitchableBurner": deploy(w3, "SwitchableBurner", [], OWNER_KEY),
        "LateCodeFactory": deploy(w3, "LateCodeFactory", [], OWNER_KEY),
    }
    chain = Chain(w3, addresses)
    chain.send(chain.oracle.functions.registerSigner(address_of(ENCLAVE_KEY), MEASUREMENT, address_of(PAYEE_KEY)),
               OWNER_KEY)
    return w3, addresses


@pytest.fixture
def chain(deployment: tuple[Web3, dict[str, str]]) -> Iterator[Chain]:
    """The deployed contracts, with every change (time included) undone after the test."""
    w3, addresses = deployment
    c = Chain(w3, addresses)
    snapshot = c.rpc("evm_snapshot")
    try:
        yield c
    finally:
        assert c.rpc("evm_revert", snapshot) is True


QUORUM_KEYS = (ENCLAVE_KEY, DEFAULT_KEYS[7], DEFAULT_KEYS[8])


@pytest.fixture
def trio(chain: Chain) -> list[str]:
    """Three active signers with the test measurement: the deployment's enclave and two more, registered here.
    Their keys, in ascending order of address (`signatures` orders them so)."""
    for key in QUORUM_KEYS[1:]:
        chain.send(chain.oracle.functions.registerSigner(address_of(key), MEASUREMENT, address_of(PAYEE_KEY)),
                   OWNER_KEY)
    return sorted(QUORUM_KEYS, key=lambda k: int(address_of(k), 16))
