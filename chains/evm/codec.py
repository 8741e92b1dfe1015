"""The EVM half of the enclave: an AuraOracle request, and the EIP-712 `Assessment` signed for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chains.codec import BoundRequest, Proven, RequestCodec, envelope_bytes
from chains.core.assessment import AssessmentFacts, Signer
from chains.core.errors import InvalidParams
from chains.core.secp256k1 import parse_address, recover_address
from chains.core.wire import MAX_FEE, MAX_SAFE_INT, MAX_UINT64, decimal, parsed_by, ranged, read_bytes32, read_object
from chains.evm import payload as eip712
from chains.evm.proof import EMPTY_CODE_HASH, ProofError, verify_account, verify_header
from chains.evm.update_id import update_request_id

_address = parsed_by(parse_address)
MAX_HEADER_BYTES = 4096
MAX_PROOF_NODES = 64
MAX_NODE_BYTES = 1024  # a branch node is at most 532 bytes
READERS = {"chain_id": ranged(1, MAX_SAFE_INT), "contract": _address, "request_id": read_bytes32,
           "requester": _address, "subject": _address, "fee": decimal(MAX_FEE), "expires_at": ranged(0, MAX_UINT64),
           "block_number": ranged(0, MAX_UINT64)}


class EvmCodec(RequestCodec[BoundRequest]):
    family = "evm"
    request_type = BoundRequest
    readers = READERS

    def check_state(self, request: BoundRequest, features: Mapping[str, Any], proof: Any) -> Proven:
        """The header must hash to `as_of_block_hash` and be block `as_of_block` of time `as_of_timestamp`; the
        account proof under its state root gives `tx_count` (the nonce) and `balance_wei`. Anything else in
        `features` is host-supplied and only committed by the features hash (docs/protocol.md)."""
        if proof is None:
            raise InvalidParams("proof: required for an evm request (the pinned block's header and the subject's "
                                "account proof)")
        body = read_object(proof, "proof", ("header", "account_proof"))
        header_rlp = _hex(body["header"], "proof.header", MAX_HEADER_BYTES)
        nodes = body["account_proof"]
        if not isinstance(nodes, list) or not 1 <= len(nodes) <= MAX_PROOF_NODES:
            raise InvalidParams(f"proof.account_proof: must be a list of 1 to {MAX_PROOF_NODES} trie nodes")
        account_proof = [_hex(node, f"proof.account_proof[{i}]", MAX_NODE_BYTES) for i, node in enumerate(nodes)]
        block_hash = read_bytes32(features["as_of_block_hash"], "features.as_of_block_hash")
        try:
            header = verify_header(header_rlp, block_hash, features["as_of_block"])
            account = verify_account(header.state_root, request.subject, account_proof)
        except ProofError as e:
            raise InvalidParams(f"proof: {e}") from None
        if header.timestamp != features["as_of_timestamp"]:
            raise InvalidParams(f"features.as_of_timestamp: {features['as_of_timestamp']} is not the pinned block's "
                                f"time {header.timestamp}")
        if account.nonce != features["tx_count"]:
            raise InvalidParams(f"features.tx_count: {features['tx_count']} is not the nonce the account proof shows "
                                f"({account.nonce})")
        if account.balance != int(features["balance_wei"]):
            raise InvalidParams(f"features.balance_wei: {features['balance_wei']} is not the balance the account "
                                f"proof shows ({account.balance})")
        return Proven(has_code=account.code_hash != EMPTY_CODE_HASH)

    def update_id(self, request: BoundRequest, timestamp: int) -> tuple[bytes, str]:
        """The update form of AuraOracle's `Request`: id `updateId(subject, timestamp)` (chains/evm/update_id.py),
        requester zero, fee 0 (`check_update`)."""
        expected = update_request_id(request.chain_id, request.contract, request.subject, timestamp)
        return expected, f"0x{expected.hex()} (chains/evm/update_id.py)"

    def sign(self, request: BoundRequest, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
        """EIP-712: `digest`, `signature` (r || s || v, v 27/28), and the typed data in both forms clients take:
        `typed_data` (eth_signTypedData_v4's, with `EIP712Domain` and `primaryType`) and `typed_data_ethers`
        (ethers' `domain`, `types` and `message`)."""
        assessment = eip712.Assessment(request_id=request.request_id, subject=request.subject, facts=facts)
        domain = eip712.Domain(request.chain_id, request.contract)
        digest = eip712.digest(domain, assessment)
        return {
            "digest": "0x" + digest.hex(),
            "signature": "0x" + signer.sign_digest(digest).hex(),
            "typed_data": eip712.typed_data(domain, assessment),
            "typed_data_ethers": eip712.ethers_typed_data(domain, assessment),
        }

    def signer_address(self, envelope: Mapping[str, Any]) -> str:
        """ecrecover of `signature` (r || s || v, low-S, v 27/28) over `digest`, as the contract does: a
        signature over another digest recovers another address."""
        digest = envelope_bytes(envelope, "digest", 32)
        return recover_address(digest, envelope_bytes(envelope, "signature", 65))


def _hex(value: Any, where: str, max_bytes: int) -> bytes:
    problem = f"{where}: must be 0x and an even number of hex digits, at most {max_bytes} bytes"
    if not isinstance(value, str) or not value.startswith("0x") or len(value) % 2 or len(value) > 2 + 2 * max_bytes:
        raise InvalidParams(problem)
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidParams(problem) from None


CODEC = EvmCodec()
