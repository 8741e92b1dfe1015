"""The off-chain assessment (docs/protocol.md, "Off-chain assessments"): the same facts the enclave signs for a
chain, signed as EIP-712 typed data under a domain of its own, so that any client checks it with a standard library
(eth_account, viem, ethers) and no contract can ever take it as a fulfilment.

Why it can never fulfil a request: an EVM oracle's digest is under the domain `AuraOracle` with its chain id and
address, which this domain (`Aura off-chain assessment`, a name and a version only) never equals; a Solana or Sui
payload is another message altogether (its own layout, its own hash); and the request id is the enclave's own
derivation (`offchain_request_id`), under a tag no chain's request id uses.

The same for every family: the subject is its raw bytes (20 on EVM, 32 on Solana and Sui) and the chain is named by
its family and chain id. Light: the enclave imports it.
"""

from __future__ import annotations

from typing import Any

from chains.core.assessment import AssessmentFacts, Signer
from chains.core.secp256k1 import keccak256

DOMAIN_NAME = "Aura off-chain assessment"
DOMAIN_VERSION = "1"
REQUEST_ID_TAG = b"aura.offchain.v1"
DOMAIN_FIELDS = (("name", "string"), ("version", "string"))
FIELDS = (
    ("requestId", "bytes32"), ("family", "string"), ("chainId", "uint256"), ("subject", "bytes"),
    ("score", "uint16"), ("tier", "uint8"), ("pdBps", "uint16"), ("flags", "uint32"), ("measurement", "bytes32"),
    ("commitment", "bytes32"), ("blockNumber", "uint64"), ("blockHash", "bytes32"), ("featuresHash", "bytes32"),
    ("timestamp", "uint64"), ("expiry", "uint64"),
)
PRIMARY_TYPE = "OffchainAssessment"


def _type_string(name: str, fields: tuple[tuple[str, str], ...]) -> str:
    return name + "(" + ",".join(f"{kind} {field}" for field, kind in fields) + ")"


DOMAIN_TYPEHASH = keccak256(_type_string("EIP712Domain", DOMAIN_FIELDS).encode())
TYPEHASH = keccak256(_type_string(PRIMARY_TYPE, FIELDS).encode())
DOMAIN_SEPARATOR = keccak256(DOMAIN_TYPEHASH + keccak256(DOMAIN_NAME.encode()) + keccak256(DOMAIN_VERSION.encode()))


def offchain_request_id(family: str, chain_id: int, subject: bytes, block_number: int, block_hash: bytes) -> bytes:
    """keccak-256(tag || family || 0 || chain id (32 bytes) || subject length (1) || subject || block number (8) ||
    block hash): the request id an off-chain assessment is signed and committed under (its commitment's blinding
    is derived from it). One per subject and pinned block, so that asking twice gives the same bytes."""
    return keccak256(REQUEST_ID_TAG + family.encode() + b"\0" + chain_id.to_bytes(32, "big") +
                     len(subject).to_bytes(1, "big") + subject + block_number.to_bytes(8, "big") + block_hash)


def _word(kind: str, value: Any) -> bytes:
    """One field as EIP-712 encodes it into the struct hash."""
    if kind == "string":
        return keccak256(value.encode())
    if kind == "bytes":
        return keccak256(value)
    if kind == "bytes32":
        if len(value) != 32:
            raise ValueError("a bytes32 value is 32 bytes")
        return bytes(value)
    bits = int(kind.removeprefix("uint"))
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise ValueError(f"{value!r} does not fit {kind}")
    return value.to_bytes(32, "big")


def _values(request_id: bytes, family: str, chain_id: int, subject: bytes, facts: AssessmentFacts) -> dict[str, Any]:
    return {"requestId": request_id, "family": family, "chainId": chain_id, "subject": subject, "score": facts.score,
            "tier": facts.tier, "pdBps": facts.pd_bps, "flags": facts.flags, "measurement": facts.measurement,
            "commitment": facts.commitment, "blockNumber": facts.block_number, "blockHash": facts.block_hash,
            "featuresHash": facts.features_hash, "timestamp": facts.timestamp, "expiry": facts.expiry}


def digest(values: dict[str, Any]) -> bytes:
    """keccak256(0x1901 || domain separator || hashStruct): the 32 bytes the enclave signs."""
    struct_hash = keccak256(TYPEHASH + b"".join(_word(kind, values[name]) for name, kind in FIELDS))
    return keccak256(b"\x19\x01" + DOMAIN_SEPARATOR + struct_hash)


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {name: "0x" + value.hex() if isinstance(value, bytes) else value for name, value in values.items()}


def sign(family: str, chain_id: int, subject: bytes, facts: AssessmentFacts, signer: Signer) -> dict[str, Any]:
    """The signed envelope: `request_id`, `digest`, `signature` (r || s || v, low-S, v 27/28), and the typed data
    in both forms clients take, `typed_data` (eth_signTypedData_v4's) and `typed_data_ethers` (ethers')."""
    request_id = offchain_request_id(family, chain_id, subject, facts.block_number, facts.block_hash)
    values = _values(request_id, family, chain_id, subject, facts)
    signed = digest(values)
    domain = {"name": DOMAIN_NAME, "version": DOMAIN_VERSION}
    fields = [{"name": name, "type": kind} for name, kind in FIELDS]
    message = _json(values)
    return {
        "request_id": "0x" + request_id.hex(),
        "digest": "0x" + signed.hex(),
        "signature": "0x" + signer.sign_digest(signed).hex(),
        "typed_data": {"types": {"EIP712Domain": [{"name": n, "type": k} for n, k in DOMAIN_FIELDS],
                                 PRIMARY_TYPE: fields},
                       "primaryType": PRIMARY_TYPE, "domain": domain, "message": message},
        "typed_data_ethers": {"domain": domain, "types": {PRIMARY_TYPE: fields}, "message": message},
    }


__all__ = ["DOMAIN_NAME", "offchain_request_id", "sign"]
