"""Measure the gas of AuraOracle's hot paths on a fresh anvil and print it as JSON.

Usage: node contracts/build.js && python scripts/gas_report.py [--batch N]

Every figure is a whole transaction's gasUsed (21,000 base and calldata included) except `*_per_item`,
the marginal cost of one more item in a batch. Fresh subjects are used for "first write", so each figure
includes the zero-to-nonzero storage writes it would pay on a real chain. Requests are fulfilled in the next
block (their block hash from BLOCKHASH) except `*_block_older_than_256` (from the EIP-2935 history contract).
Blocks are one second apart and an assessment's timestamp is its pinned block's, so the figures repeat.
The `quorum` section (fee paid) has k of three registered signers sign each assessment once the threshold is k:
`fulfil` and `fulfilBatch` for k = 1, `fulfilQuorum` and `fulfilBatchQuorum` with k signatures above it.
The `private` section (fee paid) is a private request (`requestPrivateAssessment`) and its fulfilment by the private
payload (score 0, tier 255, PD 0), a first write and an overwrite, beside the public ones of `fee_paid`.
The `updates` section is operator updates (the update form of `Request`, no fee): one signer's first write and
overwrite, and an overwrite with two signatures at threshold 2.
The `zk` section is AuraThresholdVerifier's `verifyThreshold` of a snarkjs proof (build/zk from `make zk`) against a
stored Poseidon commitment: with a scope (the nullifier spent) and with scope 0; the first call of each is the
first touch of the oracle's slots in that transaction (cold, as a protocol's lone call is).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account import Account  # noqa: E402
from eth_utils import keccak  # noqa: E402
from web3 import Web3  # noqa: E402
from web3.contract import Contract  # noqa: E402
from web3.logs import DISCARD  # noqa: E402

from chains.core.assessment import PRIVATE_TIER  # noqa: E402
from chains.evm.artifacts import artifacts_dir, contract, deploy  # noqa: E402
from chains.evm.facts import pack_facts  # noqa: E402
from chains.evm.groth16 import field_element, proof_arg, verifying_key_arg  # noqa: E402
from chains.evm.signature import compact  # noqa: E402
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil  # noqa: E402
from node.zk import poseidon_commitment, snarkjs  # noqa: E402

OWNER, REQUESTER, TRANSMITTER, ENCLAVE = DEFAULT_KEYS[0], DEFAULT_KEYS[1], DEFAULT_KEYS[3], DEFAULT_KEYS[5]
QUORUM_KEYS = (ENCLAVE, DEFAULT_KEYS[6], DEFAULT_KEYS[7])  # the quorum section's three signers
MEASUREMENT = keccak(b"gas report measurement")
FEE = 10**15
CALLBACK_GAS_LIMIT = 200_000

TYPES = {
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                     {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
    "Assessment": [{"name": n, "type": t} for n, t in (
        ("requestId", "bytes32"), ("subject", "address"), ("score", "uint16"), ("tier", "uint8"),
        ("pdBps", "uint16"), ("flags", "uint32"), ("measurement", "bytes32"), ("commitment", "bytes32"),
        ("blockNumber", "uint64"), ("blockHash", "bytes32"), ("featuresHash", "bytes32"), ("timestamp", "uint64"),
        ("expiry", "uint64"))],
}


class Bench:
    def __init__(self, w3: Web3, fee: int) -> None:
        self.w3 = w3
        self.oracle: Contract = contract(w3, "AuraOracle", deploy(w3, "AuraOracle", [fee, 3600, CALLBACK_GAS_LIMIT],
                                                                  OWNER))
        self.fee = fee
        self.send(self.oracle.functions.registerSigner(Account.from_key(ENCLAVE).address, MEASUREMENT,
                                                       Account.from_key(TRANSMITTER).address), OWNER)

    def send(self, fn: Any, key: str, value: int = 0) -> Any:
        acct = Account.from_key(key)
        tx = fn.build_transaction({"from": acct.address, "value": value, "gas": 5_000_000, "chainId": 31337,
                                   "nonce": self.w3.eth.get_transaction_count(acct.address, "pending"),
                                   "maxFeePerGas": 100 * 10**9, "maxPriorityFeePerGas": 10**9})
        receipt = self.w3.eth.wait_for_transaction_receipt(
            self.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction), poll_latency=0.01)
        if receipt["status"] != 1:
            raise SystemExit(f"transaction reverted: {receipt['transactionHash'].to_0x_hex()}")
        return receipt

    def request(self, subject: str, fn: Any = None) -> tuple[tuple[Any, ...], int]:
        fn = fn or self.oracle.functions.requestAssessment(subject, b"")
        receipt = self.send(fn, REQUESTER, self.fee)
        (ev,) = self.oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)
        a = ev["args"]
        return ((bytes(a["requestId"]), a["requester"], a["subject"], a["fee"], a["expiresAt"], receipt["blockNumber"]),
                receipt["gasUsed"])

    def signed(self, req: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[bytes, bytes]]:
        a, sigs = self.signed_by(req, (ENCLAVE,))
        return a, sigs[0]

    def signed_by(self, req: tuple[Any, ...], keys: tuple[str, ...], commitment: bytes | None = None,
                  private: bool = False) -> tuple[tuple[Any, ...], list[tuple[bytes, bytes]]]:
        """The assessment for `req` and its signatures by `keys`: the first key's (the transmitting node's own, which
        earns the fee), then the others' in ascending order of signer address, the order `fulfilQuorum` takes.
        Its commitment is `commitment`, or random; in the private form (score 0, tier 255, PD 0) when `private`."""
        block = self.w3.eth.get_block(req[5])
        pinned_at = int(block["timestamp"])  # the assessment's timestamp is its pinned block's
        commitment = secrets.token_bytes(32) if commitment is None else commitment
        score, tier, pd_bps = (0, PRIVATE_TIER, 0) if private else (742, 1, 350)
        fields = (score, tier, pd_bps, 8, MEASUREMENT, commitment, req[5], bytes(block["hash"]),
                  secrets.token_bytes(32), pinned_at, pinned_at + 600)
        message: dict[str, Any] = {"requestId": req[0], "subject": req[2]}
        message.update(zip([f["name"] for f in TYPES["Assessment"][2:]], fields))
        a = (pack_facts(*fields[:4], *fields[9:]), *fields[4:9])
        typed = {"types": TYPES, "primaryType": "Assessment", "message": message,
                 "domain": {"name": "AuraOracle", "version": "1", "chainId": 31337,
                            "verifyingContract": self.oracle.address}}
        ordered = [keys[0], *sorted(keys[1:], key=lambda k: int(Account.from_key(k).address, 16))]
        return a, [compact(bytes(Account.sign_typed_data(k, full_message=typed).signature)) for k in ordered]

    def fulfil(self, req: tuple[Any, ...], commitment: bytes | None = None, private: bool = False) -> int:
        a, sigs = self.signed_by(req, (ENCLAVE,), commitment, private)
        return int(self.send(self.oracle.functions.fulfil(req, a, sigs[0]), TRANSMITTER)["gasUsed"])

    def batch(self, reqs: list[tuple[Any, ...]]) -> int:
        items = [self.signed(r) for r in reqs]
        fn = self.oracle.functions.fulfilBatch(reqs, [i[0] for i in items], [i[1] for i in items])
        return int(self.send(fn, TRANSMITTER)["gasUsed"])

    def fulfil_quorum(self, req: tuple[Any, ...], keys: tuple[str, ...]) -> int:
        a, sigs = self.signed_by(req, keys)
        return int(self.send(self.oracle.functions.fulfilQuorum(req, a, sigs), TRANSMITTER)["gasUsed"])

    def batch_quorum(self, reqs: list[tuple[Any, ...]], keys: tuple[str, ...]) -> int:
        items = [self.signed_by(r, keys) for r in reqs]
        fn = self.oracle.functions.fulfilBatchQuorum(reqs, [i[0] for i in items], [i[1] for i in items])
        return int(self.send(fn, TRANSMITTER)["gasUsed"])


def fresh() -> str:
    return Account.create().address


def measure(w3: Web3, fee: int, batch: int) -> dict[str, int]:
    b = Bench(w3, fee)
    out: dict[str, int] = {}
    subject = fresh()
    req1, out["request_first"] = b.request(subject)
    req2, out["request_second"] = b.request(subject)
    req3, _ = b.request(subject)
    out["fulfil_first_write"] = b.fulfil(req1)
    out["fulfil_overwrite"] = b.fulfil(req2)
    b.fulfil(req3)
    old, _ = b.request(subject)
    w3.provider.make_request("anvil_mine", [hex(300)])  # type: ignore[arg-type]
    out["fulfil_overwrite_block_older_than_256"] = b.fulfil(old)  # its hash from the EIP-2935 contract

    one = b.batch([b.request(fresh())[0]])
    many = b.batch([b.request(fresh())[0] for _ in range(batch)])
    out["fulfil_batch_1_first_write"] = one
    out[f"fulfil_batch_{batch}_first_write"] = many
    out["fulfil_batch_per_item_first_write"] = (many - one) // (batch - 1)
    same = fresh()
    b.batch([b.request(same)[0]])
    one = b.batch([b.request(same)[0]])
    many = b.batch([b.request(same)[0] for _ in range(batch)])
    out["fulfil_batch_per_item_overwrite"] = (many - one) // (batch - 1)

    consumer = contract(w3, "RecordingConsumer", deploy(w3, "RecordingConsumer", [], OWNER))
    req, _ = b.request(fresh(), consumer.functions.request(b.oracle.address, fresh()))
    out["fulfil_first_write_with_callback_recording_consumer"] = b.fulfil(req)
    lender = contract(w3, "ExampleLender", deploy(w3, "ExampleLender", [b.oracle.address], OWNER))
    req, out["lender_apply_for_loan"] = b.request("", lender.functions.applyForLoan(10**18))
    out["fulfil_first_write_with_callback_example_lender"] = b.fulfil(req)
    return out


def measure_private(w3: Web3) -> dict[str, int]:
    """A private request and its fulfilment, fee paid: a first write and an overwrite."""
    b = Bench(w3, FEE)
    subject = fresh()
    out: dict[str, int] = {}
    first, out["request_private"] = b.request(subject, b.oracle.functions.requestPrivateAssessment(subject, b""))
    second, _ = b.request(subject, b.oracle.functions.requestPrivateAssessment(subject, b""))
    out["fulfil_private_first_write"] = b.fulfil(first, private=True)
    out["fulfil_private_overwrite"] = b.fulfil(second, private=True)
    return out


def measure_quorum(w3: Web3, batch: int) -> dict[str, int]:
    """k of three signers, fee paid: a lone first write and overwrite per k, and a batched overwrite per item
    (`fulfil` and `fulfilBatch` at k = 1, as a node sends them; `fulfilQuorum` and `fulfilBatchQuorum` above)."""
    b = Bench(w3, FEE)
    for key in QUORUM_KEYS[1:]:
        b.send(b.oracle.functions.registerSigner(Account.from_key(key).address, MEASUREMENT,
                                                 Account.from_key(TRANSMITTER).address), OWNER)
    out: dict[str, int] = {}
    for k in (1, 2, 3):
        b.send(b.oracle.functions.setThreshold(k), OWNER)
        keys = QUORUM_KEYS[:k]
        subject = fresh()
        first, second = b.request(subject)[0], b.request(subject)[0]
        out[f"fulfil_first_write_k{k}"] = b.fulfil(first) if k == 1 else b.fulfil_quorum(first, keys)
        out[f"fulfil_overwrite_k{k}"] = b.fulfil(second) if k == 1 else b.fulfil_quorum(second, keys)
        same = fresh()
        sizes = []
        for n in (1, 1, batch):
            reqs = [b.request(same)[0] for _ in range(n)]
            sizes.append(b.batch(reqs) if k == 1 else b.batch_quorum(reqs, keys))
        out[f"fulfil_batch_per_item_overwrite_k{k}"] = (sizes[2] - sizes[1]) // (batch - 1)
    out["fulfil_overwrite_per_extra_signature"] = out["fulfil_overwrite_k3"] - out["fulfil_overwrite_k2"]
    b.send(b.oracle.functions.setThreshold(1), OWNER)
    subject = fresh()
    b.fulfil(b.request(subject)[0])
    out["fulfil_quorum_overwrite_one_signature_k1"] = b.fulfil_quorum(b.request(subject)[0], QUORUM_KEYS[:1])
    return out


def measure_updates(w3: Web3) -> dict[str, int]:
    """Operator updates (no request, no fee): a first write and an overwrite by one signer, and an overwrite with
    two signatures at threshold 2."""
    b = Bench(w3, FEE)
    b.send(b.oracle.functions.registerSigner(Account.from_key(QUORUM_KEYS[1]).address, MEASUREMENT,
                                             Account.from_key(TRANSMITTER).address), OWNER)

    def update(subject: str, keys: tuple[str, ...]) -> int:
        number = w3.eth.block_number
        timestamp = int(w3.eth.get_block(number)["timestamp"])
        update_id = bytes(b.oracle.functions.updateId(subject, timestamp).call())
        req = (update_id, "0x" + "00" * 20, subject, 0, 0, number)
        a, sigs = b.signed_by(req, keys)
        fn = b.oracle.functions.fulfil(req, a, sigs[0]) if len(keys) == 1 else \
            b.oracle.functions.fulfilQuorum(req, a, sigs)
        return int(b.send(fn, TRANSMITTER)["gasUsed"])

    subject = fresh()
    out = {"update_first_write": update(subject, (ENCLAVE,)), "update_overwrite": update(subject, (ENCLAVE,))}
    b.send(b.oracle.functions.setThreshold(2), OWNER)
    out["update_overwrite_k2"] = update(subject, QUORUM_KEYS[:2])
    return out


def measure_zk(w3: Web3, build: snarkjs.ZkBuild) -> dict[str, int]:
    """`verifyThreshold` of a proof that the score 742 committed for a fresh subject is at least 600."""
    b = Bench(w3, FEE)
    key = json.loads(build.verification_key.read_text())
    verifier = contract(w3, "AuraThresholdVerifier",
                        deploy(w3, "AuraThresholdVerifier", [b.oracle.address, verifying_key_arg(key)], OWNER))
    subject = fresh()
    blinding = int.from_bytes(secrets.token_bytes(31), "big")
    committed = poseidon_commitment.commitment(742, blinding, bytes.fromhex(subject[2:]))
    b.fulfil(b.request(subject)[0], committed.to_bytes(32, "big"))
    out: dict[str, int] = {}
    for name, scope in (("verify_threshold_spending_nullifier", 1), ("verify_threshold_scope_zero", 0)):
        hi, lo = poseidon_commitment.limbs(bytes.fromhex(subject[2:]))
        proof, public = snarkjs.prove(build, {
            "commitment": committed, "threshold": 600, "subject_hi": hi, "subject_lo": lo, "scope": scope,
            "nullifier": poseidon_commitment.nullifier(blinding, scope), "score": 742, "blinding": blinding})
        fn = verifier.functions.verifyThreshold(subject, 600, scope, field_element(public[5]), proof_arg(proof))
        out[name] = int(b.send(fn, REQUESTER)["gasUsed"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10, help="items in the large batch (default 10)")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with Anvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        # One second per block: each request's block has its own timestamp, so an overwrite always changes the
        # stored assessment (two fulfilments within one wall-clock second would otherwise rewrite equal values).
        w3.provider.make_request("anvil_setBlockTimestampInterval", [1])  # type: ignore[arg-type]
        report["fee_paid"] = measure(w3, FEE, args.batch)
        report["fee_zero"] = measure(w3, 0, args.batch)
        report["private"] = measure_private(w3)
        report["quorum"] = measure_quorum(w3, args.batch)
        report["updates"] = measure_updates(w3)
        try:
            build = snarkjs.locate()
        except snarkjs.ZkError as e:
            report["zk"] = {"not_measured": str(e)}
        else:
            report["zk"] = measure_zk(w3, build)
    art = json.loads((artifacts_dir() / "AuraOracle.json").read_text())
    report["compiler"] = art["compiler"]
    report["deployed_bytecode_bytes"] = (len(art["deployedBytecode"]) - 2) // 2
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
