"""The enclave's signer as the `aura_oracle` program sees it: its Enclave account (docs/solana.md, "Enclave"), at
the PDA of the oracle and the signer's 20-byte address, read into a SignerStatus.
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from chains.base import SignerStatus
from chains.core.secp256k1 import parse_address
from chains.solana import program as prog


def enclave_account(program: Pubkey, oracle: Pubkey, signer: str) -> Pubkey:
    """The Enclave PDA of `signer` (`0x` + 40 hex digits) on `oracle`; ValueError for another text."""
    return prog.enclave_pda(program, oracle, parse_address(signer))[0]


def enclave_status(data: bytes | None, measurement: str) -> SignerStatus:
    """The status an Enclave account's data gives the signer with enclave `measurement` (`0x` + 64 hex digits):
    no account (None) is UNREGISTERED, then REVOKED, OTHER_MEASUREMENT or ACTIVE, in the order EVM's oracle
    answers them.

    Raises:
        ValueError: `data` is not an Enclave account.
    """
    if data is None:
        return SignerStatus.UNREGISTERED
    enclave = prog.decode_account("Enclave", data)
    if not enclave.active:
        return SignerStatus.REVOKED
    if "0x" + bytes(enclave.measurement).hex() != measurement.lower():
        return SignerStatus.OTHER_MEASUREMENT
    return SignerStatus.ACTIVE
