"""The EIP-712 `Assessment` of docs/protocol.md: struct hash, digest, and the typed data in the two JSON forms
clients take (eth_signTypedData_v4's and ethers')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chains.core.assessment import AssessmentFacts
from chains.core.secp256k1 import keccak256, to_checksum_address

DOMAIN_NAME = "AuraOracle"
DOMAIN_VERSION = "1"

DOMAIN_FIELDS = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
)
ASSESSMENT_FIELDS = (
    ("requestId", "bytes32"),
    ("subject", "address"),
    ("score", "uint16"),
    ("tier", "uint8"),
    ("pdBps", "uint16"),
    ("flags", "uint32"),
    ("measurement", "bytes32"),
    ("commitment", "bytes32"),
    ("blockNumber", "uint64"),
    ("blockHash", "bytes32"),
    ("featuresHash", "bytes32"),
    ("timestamp", "uint64"),
    ("expiry", "uint64"),
)


def _type_string(name: str, fields: tuple[tuple[str, str], ...]) -> str:
    return name + "(" + ",".join(f"{kind} {field}" for field, kind in fields) + ")"


DOMAIN_TYPE = _type_string("EIP712Domain", DOMAIN_FIELDS)
ASSESSMENT_TYPE = _type_string("Assessment", ASSESSMENT_FIELDS)
DOMAIN_TYPEHASH = keccak256(DOMAIN_TYPE.encode())
ASSESSMENT_TYPEHASH = keccak256(ASSESSMENT_TYPE.encode())


def _uint(value: int, bits: int) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise ValueError(f"{value!r} does not fit uint{bits}")
    return value.to_bytes(32, "big")


def _address(raw: bytes) -> bytes:
    if len(raw) != 20:
        raise ValueError("an address is 20 bytes")
    return bytes(12) + raw


def _bytes32(raw: bytes) -> bytes:
    if len(raw) != 32:
        raise ValueError("a bytes32 value is 32 bytes")
    return raw


@dataclass(frozen=True)
class Domain:
    chain_id: int
    verifying_contract: bytes

    def separator(self) -> bytes:
        return keccak256(
            DOMAIN_TYPEHASH
            + keccak256(DOMAIN_NAME.encode())
            + keccak256(DOMAIN_VERSION.encode())
            + _uint(self.chain_id, 256)
            + _address(self.verifying_contract)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


@dataclass(frozen=True)
class Assessment:
    """The EIP-712 `Assessment` struct: the request and subject it answers, and the signed facts (the pinned
    block's number and hash and the features hash among them)."""

    request_id: bytes
    subject: bytes
    facts: AssessmentFacts

    def struct_hash(self) -> bytes:
        f = self.facts
        return keccak256(
            ASSESSMENT_TYPEHASH
            + _bytes32(self.request_id)
            + _address(self.subject)
            + _uint(f.score, 16)
            + _uint(f.tier, 8)
            + _uint(f.pd_bps, 16)
            + _uint(f.flags, 32)
            + _bytes32(f.measurement)
            + _bytes32(f.commitment)
            + _uint(f.block_number, 64)
            + _bytes32(f.block_hash)
            + _bytes32(f.features_hash)
            + _uint(f.timestamp, 64)
            + _uint(f.expiry, 64)
        )

    def to_json(self) -> dict[str, Any]:
        f = self.facts
        return {
            "requestId": "0x" + self.request_id.hex(),
            "subject": to_checksum_address(self.subject),
            "score": f.score,
            "tier": f.tier,
            "pdBps": f.pd_bps,
            "flags": f.flags,
            "measurement": "0x" + f.measurement.hex(),
            "commitment": "0x" + f.commitment.hex(),
            "blockNumber": f.block_number,
            "blockHash": "0x" + f.block_hash.hex(),
            "featuresHash": "0x" + f.features_hash.hex(),
            "timestamp": f.timestamp,
            "expiry": f.expiry,
        }


def digest(domain: Domain, assessment: Assessment) -> bytes:
    """keccak256(0x1901 || domainSeparator || hashStruct(assessment)): the 32 bytes the enclave signs."""
    return keccak256(b"\x19\x01" + domain.separator() + assessment.struct_hash())


def typed_data(domain: Domain, assessment: Assessment) -> dict[str, Any]:
    """The JSON `eth_signTypedData_v4` takes for this assessment (viem and eth_account take it too)."""
    return {
        "types": {
            "EIP712Domain": [{"name": n, "type": t} for n, t in DOMAIN_FIELDS],
            "Assessment": [{"name": n, "type": t} for n, t in ASSESSMENT_FIELDS],
        },
        "primaryType": "Assessment",
        "domain": domain.to_json(),
        "message": assessment.to_json(),
    }


def ethers_typed_data(domain: Domain, assessment: Assessment) -> dict[str, Any]:
    """The same typed data in the form ethers 6 takes (`verifyTypedData(domain, types, message, signature)`):
    `types` without `EIP712Domain`, which ethers derives from `domain` itself and refuses when given (it then
    sees two primary types), and no `primaryType`."""
    return {
        "domain": domain.to_json(),
        "types": {"Assessment": [{"name": n, "type": t} for n, t in ASSESSMENT_FIELDS]},
        "message": assessment.to_json(),
    }
