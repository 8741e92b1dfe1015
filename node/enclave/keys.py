"""The enclave's secp256k1 signing key. Lives only in the enclave process; never serialised in clear."""

from __future__ import annotations

from coincurve import PrivateKey

from chains.core.secp256k1 import SECP256K1_HALF_N, address_from_public_key
from node.enclave.commitment import derive_commitment_secret


class EnclaveKey:
    """A secp256k1 key: RFC 6979 deterministic, low-S signatures `r || s || v` with v in {27, 28}.

    `commitment_secret` blinds score commitments (node/enclave/commitment.py). By default it is derived from the
    key; the enclaves of a quorum share one instead (`shared_commitment_secret`), so that honest operators commit
    to a score with the same blinding and sign byte-identical payloads (docs/quorum.md).
    """

    __slots__ = ("_key", "public_key", "address", "commitment_secret", "shared_commitment_secret")

    def __init__(self, secret: bytes, shared_commitment_secret: bytes | None = None) -> None:
        if len(secret) != 32:
            raise ValueError("a secp256k1 secret is 32 bytes")
        if shared_commitment_secret is not None and len(shared_commitment_secret) != 32:
            raise ValueError("a shared commitment secret is 32 bytes")
        self._key = PrivateKey(secret)
        self.public_key: bytes = self._key.public_key.format(compressed=True)
        self.address: str = address_from_public_key(self.public_key)
        self.shared_commitment_secret = shared_commitment_secret
        self.commitment_secret: bytes = shared_commitment_secret or derive_commitment_secret(secret)

    @classmethod
    def generate(cls, shared_commitment_secret: bytes | None = None) -> EnclaveKey:
        return cls(PrivateKey().secret, shared_commitment_secret)

    def secret_bytes(self) -> bytes:
        """The raw secret, for sealing only."""
        return self._key.secret

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise ValueError("a digest is 32 bytes")
        sig = self._key.sign_recoverable(digest, hasher=None)
        if int.from_bytes(sig[32:64], "big") > SECP256K1_HALF_N:  # libsecp256k1 always normalises
            raise RuntimeError("libsecp256k1 returned a high-S signature")
        return sig[:64] + bytes([sig[64] + 27])

    def __repr__(self) -> str:
        return f"EnclaveKey(address={self.address})"
