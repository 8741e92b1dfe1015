"""EVM proof of wallet control for the enclave's `open` (docs/protocol.md): an EIP-191 `personal_sign` of the
message text, as every EVM wallet makes it, recovered to the 20-byte subject. Light: the enclave imports it."""

from __future__ import annotations

from chains.core.secp256k1 import keccak256, recover_address, to_checksum_address

CONVENTION = "EIP-191 personal_sign"
SIGNATURE_FORM = "0x and 65 bytes (r || s || v) in hex"


def id_text(raw: bytes) -> str:
    """An address in its EIP-55 form; any other id (a request id) as `0x` and lower-case hex."""
    return to_checksum_address(raw) if len(raw) == 20 else "0x" + raw.hex()


def personal_digest(message: bytes) -> bytes:
    """keccak-256("\\x19Ethereum Signed Message:\\n" || decimal length || message): what personal_sign signs."""
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def verify(message: bytes, signature: str, subject: bytes) -> None:
    """Checks that the subject's key made `signature` over `message` (low-S, v 27/28, as ecrecover contracts take).

    Raises:
        ValueError: the signature is malformed or recovers another address.
    """
    if not signature.startswith("0x") or len(signature) != 132:
        raise ValueError(f"must be {SIGNATURE_FORM}")
    try:
        raw = bytes.fromhex(signature[2:])
    except ValueError:
        raise ValueError(f"must be {SIGNATURE_FORM}") from None
    signer = recover_address(personal_digest(message), raw)
    if signer != to_checksum_address(subject):
        raise ValueError(f"the {CONVENTION} signature is by {signer}, not the subject {to_checksum_address(subject)}")
