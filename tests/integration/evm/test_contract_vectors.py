"""tests/vectors/evm.json against the real contract: the enclave's bytes are accepted exactly as pinned.

A fresh anvil makes the vector's world: AuraOracle is account 0's first transaction (so it lands at the
vector's verifyingContract), account 1 makes the oracle's first request in block 100 at timestamp 1700000000
with the TTL 3600, so the request id, its block and expiry are the vector's. The vector's block hash is fixed, not
anvil's: once block 100 is older than 256 blocks the contract asks the EIP-2935 history contract, whose
storage slot for block 100 the test sets to the vector's hash. The three-signer case (`quorum`) gets a world of
its own, the same but for its three signers and threshold 3, and so does the private case (`private`), the same but
for a request made with `requestPrivateAssessment`, which takes the private payload and refuses the public one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from chains.evm.artifacts import contract, deploy
from chains.evm.facts import pack_facts
from chains.evm.signature import compact
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "evm.json"
TTL = 3600
REQUEST_AT = 1_700_000_000
BLOCK_HASH_HISTORY = "0x0000F90827F1C53a10cb7A02335B175320002935"
HISTORY_WINDOW = 8191


def b32(value: str) -> bytes:
    raw = bytes.fromhex(value[2:])
    assert len(raw) == 32
    return raw


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    if not VECTOR.is_file():
        pytest.fail(f"{VECTOR} is missing: run `.venv/bin/python tests/vectors/make_evm_vector.py`", pytrace=False)
    return json.loads(VECTOR.read_text())


@pytest.fixture(scope="module")
def w3(artefacts: None) -> Iterator[Web3]:
    with Anvil(genesis_timestamp=REQUEST_AT - 1000) as node:
        yield Web3(Web3.HTTPProvider(node.url))


@pytest.fixture(scope="module")
def quorum_w3(artefacts: None) -> Iterator[Web3]:
    """A world of its own: the oracle must again be account 0's first transaction."""
    with Anvil(genesis_timestamp=REQUEST_AT - 1000) as node:
        yield Web3(Web3.HTTPProvider(node.url))


@pytest.fixture(scope="module")
def private_w3(artefacts: None) -> Iterator[Web3]:
    """The private case's world, as `quorum_w3`."""
    with Anvil(genesis_timestamp=REQUEST_AT - 1000) as node:
        yield Web3(Web3.HTTPProvider(node.url))


def rpc(w3: Web3, method: str, *params: Any) -> Any:
    resp = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in resp, resp
    return resp["result"]


def send(w3: Web3, fn: Any, key: str, at: int | None = None) -> Any:
    if at is not None:
        w3.provider.make_request("evm_setNextBlockTimestamp", [at])  # type: ignore[arg-type]
    acct = Account.from_key(key)
    tx = fn.build_transaction({"from": acct.address, "gas": 1_000_000, "chainId": 31337,
                               "nonce": w3.eth.get_transaction_count(acct.address, "pending")})
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction), poll_latency=0.01)
    assert receipt["status"] == 1
    return receipt


def test_vector_is_self_consistent(vector):
    """eth_account (independent of node/enclave) agrees with the vector's digest and signer."""
    msg = encode_typed_data(full_message=vector["typed_data"])
    assert keccak(b"\x19" + msg.version + msg.header + msg.body) == b32(vector["digest"])
    assert Account.recover_message(msg, signature=bytes.fromhex(vector["signature"][2:])) == vector["signer"]
    assert Account.from_key(vector["private_key"]).address == vector["signer"]
    r = vector["request"]
    commitment = keccak(abi_encode(["address", "address", "uint96", "uint64", "uint64"],
                                   [r["requester"], r["subject"], int(r["fee"]), r["expires_at"], r["block_number"]]))
    if "request_commitment" in vector:
        assert commitment == b32(vector["request_commitment"])


def test_quorum_vector_is_self_consistent(vector):
    """Three fixed keys: the vector's own and two from their labels, each signing the vector's digest (eth_account
    recovers each), in ascending order of address."""
    q = vector["quorum"]
    derived = {"0x" + hashlib.sha256(label.encode()).hexdigest() for label in q["key_labels"]}
    assert set(q["private_keys"]) == derived | {vector["private_key"]}
    assert [Account.from_key(k).address for k in q["private_keys"]] == q["signers"]
    assert [int(a, 16) for a in q["signers"]] == sorted(int(a, 16) for a in q["signers"])
    assert len(set(q["signers"])) == 3 == q["threshold"]
    assert q["digest"] == vector["digest"]
    msg = encode_typed_data(full_message=vector["typed_data"])
    for signer, signature in zip(q["signers"], q["signatures"]):
        assert Account.recover_message(msg, signature=bytes.fromhex(signature[2:])) == signer
    assert vector["signature"] in q["signatures"]  # the vector's own key signs as it does alone


def _world(w3: Web3, vector: dict[str, Any], signers: list[str], threshold: int = 1,
           private: bool = False) -> tuple[Any, tuple, tuple]:
    """The vector's world on a fresh anvil: AuraOracle deployed at the vector's address, `signers` registered with
    the vector's measurement, the threshold set, the vector's request made in block 100 (a private one when
    `private`) and block 100 pushed out of BLOCKHASH's window (its hash set in the EIP-2935 history contract).
    Returns the oracle, the request and the assessment as the contract takes them (the private case's payload
    when `private`)."""
    owner, requester = DEFAULT_KEYS[0], DEFAULT_KEYS[1]
    assert w3.eth.get_transaction_count(Account.from_key(owner).address) == 0
    address = deploy(w3, "AuraOracle", [0, TTL, 100_000], owner)
    expected_contract = vector.get("verifying_contract", vector["typed_data"]["domain"]["verifyingContract"])
    assert address == to_checksum_address(expected_contract)
    oracle = contract(w3, "AuraOracle", address)
    if "domain_separator" in vector:
        assert bytes(oracle.functions.domainSeparator().call()) == b32(vector["domain_separator"])
    if "type_hash" in vector:
        assert bytes(oracle.functions.ASSESSMENT_TYPEHASH().call()) == b32(vector["type_hash"])

    a = vector["assessment"]
    measurement = b32(a["measurement"])
    for signer in signers:
        send(w3, oracle.functions.registerSigner(signer, measurement, Account.from_key(owner).address), owner)
    if threshold != 1:
        send(w3, oracle.functions.setThreshold(threshold), owner)

    r = vector["request"]
    assert Account.from_key(requester).address == r["requester"]
    rpc(w3, "anvil_mine", hex(r["block_number"] - 1 - w3.eth.block_number))
    ask = oracle.functions.requestPrivateAssessment if private else oracle.functions.requestAssessment
    receipt = send(w3, ask(r["subject"], b""), requester, at=REQUEST_AT)
    assert receipt["blockNumber"] == r["block_number"] == a["block_number"]
    (ev,) = oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)
    assert bytes(ev["args"]["requestId"]) == b32(r["id"])
    assert ev["args"]["expiresAt"] == r["expires_at"]
    assert ev["args"]["fee"] == int(r["fee"])
    assert ev["args"]["isPrivate"] is private

    req = (b32(r["id"]), r["requester"], r["subject"], int(r["fee"]), r["expires_at"], r["block_number"])
    signed = a | vector["private"]["assessment"] if private else a
    facts = pack_facts(signed["score"], signed["tier"], signed["pd_bps"], signed["flags"], a["timestamp"],
                       a["expiry"])
    body = (facts, measurement, b32(a["commitment"]), a["block_number"], b32(a["block_hash"]), b32(a["features_hash"]))
    digest = vector["private"]["digest"] if private else vector["digest"]
    assert bytes(oracle.functions.assessmentDigest(req, body).call()) == b32(digest)

    rpc(w3, "anvil_mine", hex(300), hex(1))  # block 100 leaves BLOCKHASH's window
    slot = "0x" + (a["block_number"] % HISTORY_WINDOW).to_bytes(32, "big").hex()
    rpc(w3, "anvil_setStorageAt", BLOCK_HASH_HISTORY, slot, a["block_hash"])
    return oracle, req, body


def test_contract_accepts_the_vector(w3, vector):
    oracle, req, body = _world(w3, vector, [vector["signer"]])
    a, r = vector["assessment"], vector["request"]
    signature = bytes.fromhex(vector["signature"][2:])
    receipt = send(w3, oracle.functions.fulfil(req, body, compact(signature)), DEFAULT_KEYS[3], at=a["timestamp"] + 400)
    (ev,) = oracle.events.AssessmentFulfilled().process_receipt(receipt, errors=DISCARD)
    assert ev["args"]["signer"] == vector["signer"]
    stored = oracle.functions.latestAssessment(r["subject"]).call()
    assert stored == (True, a["score"], a["tier"], a["pd_bps"], a["flags"], a["timestamp"], a["expiry"],
                      vector["signer"], b32(a["measurement"]), b32(a["commitment"]))
    assert oracle.functions.requestStatus(req[0]).call() == 2


def test_contract_accepts_the_quorum_vector(quorum_w3, vector):
    q = vector["quorum"]
    oracle, req, body = _world(quorum_w3, vector, q["signers"], q["threshold"])
    a, r = vector["assessment"], vector["request"]
    signatures = [compact(bytes.fromhex(s[2:])) for s in q["signatures"]]
    transmitter = Account.from_key(DEFAULT_KEYS[3]).address
    quorum_w3.provider.make_request("evm_setNextBlockTimestamp", [a["timestamp"] + 400])  # type: ignore[arg-type]
    with pytest.raises(ContractCustomError) as refused:  # one signature short of the threshold
        oracle.functions.fulfilQuorum(req, body, signatures[:2]).call({"from": transmitter}, "pending")
    assert refused.value.data == "0x" + (keccak(text="QuorumNotMet(uint256,uint256)")[:4]
                                         + abi_encode(["uint256", "uint256"], [2, 3])).hex()

    receipt = send(quorum_w3, oracle.functions.fulfilQuorum(req, body, signatures), DEFAULT_KEYS[3])
    (ev,) = oracle.events.AssessmentFulfilled().process_receipt(receipt, errors=DISCARD)
    assert ev["args"]["signer"] == q["signers"][0]
    signers, threshold, active = oracle.functions.latestSigners(r["subject"]).call()
    assert (list(signers), threshold, active) == (q["signers"], q["threshold"], 3)
    stored = oracle.functions.latestAssessment(r["subject"]).call()
    assert stored == (True, a["score"], a["tier"], a["pd_bps"], a["flags"], a["timestamp"], a["expiry"],
                      q["signers"][0], b32(a["measurement"]), b32(a["commitment"]))


def test_private_vector_is_self_consistent(vector):
    """The private payload differs from the public one in score, tier and PD alone; eth_account recovers its
    signer."""
    p = vector["private"]
    assert p["assessment"] == {"score": 0, "tier": 255, "pd_bps": 0, "flags": vector["assessment"]["flags"]}
    public, hidden = vector["typed_data"]["message"], p["typed_data"]["message"]
    assert {k for k in public if public[k] != hidden[k]} == {"score", "tier", "pdBps"}
    msg = encode_typed_data(full_message=p["typed_data"])
    assert keccak(b"\x19" + msg.version + msg.header + msg.body) == b32(p["digest"])
    assert Account.recover_message(msg, signature=bytes.fromhex(p["signature"][2:])) == vector["signer"]


def test_contract_accepts_the_private_vector_and_refuses_the_public_one(private_w3, vector):
    oracle, req, body = _world(private_w3, vector, [vector["signer"]], private=True)
    a, r = vector["assessment"], vector["request"]
    transmitter = Account.from_key(DEFAULT_KEYS[3]).address
    public_body = (pack_facts(a["score"], a["tier"], a["pd_bps"], a["flags"], a["timestamp"], a["expiry"]), *body[1:])
    private_w3.provider.make_request("evm_setNextBlockTimestamp", [a["timestamp"] + 400])  # type: ignore[arg-type]
    with pytest.raises(ContractCustomError) as refused:  # the public payload, signed as the public vector is
        public_signature = compact(bytes.fromhex(vector["signature"][2:]))
        oracle.functions.fulfil(req, public_body, public_signature).call({"from": transmitter}, "pending")
    assert refused.value.data == "0x" + (keccak(text="PrivacyMismatch(bytes32)")[:4] + req[0]).hex()

    signature = compact(bytes.fromhex(vector["private"]["signature"][2:]))
    send(private_w3, oracle.functions.fulfil(req, body, signature), DEFAULT_KEYS[3])
    stored = oracle.functions.latestAssessment(r["subject"]).call()
    assert stored == (True, 0, 255, 0, a["flags"], a["timestamp"], a["expiry"], vector["signer"],
                      b32(a["measurement"]), b32(a["commitment"]))
