"""The Sui transmitter key: a file holding one private key, as `sui keytool export` prints it (`suiprivkey1…`,
bech32) or as a `sui.keystore` entry holds it (base64 of the scheme flag and the 32-byte private key).

ed25519 (flag 0x00) and secp256k1 (flag 0x01) keys are accepted. The file must be readable by its owner only.
The key never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from pathlib import Path

import pysui_fastcrypto as pfc
from coincurve import PrivateKey as K1PrivateKey
from coincurve import PublicKey as K1PublicKey
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pysui.abstracts import SignatureScheme
from pysui.sui.sui_crypto import SuiKeyPair

from chains.core.errors import ConfigError
from chains.core.secp256k1 import SECP256K1_HALF_N, SECP256K1_N
from chains.sui import transaction as tx

BECH32_HRP = "suiprivkey"
SCHEMES = {0: "ed25519", 1: "secp256k1"}
_NAMES = {2: "secp256r1", 3: "multisig", 5: "zklogin", 6: "passkey"}


class Transmitter:
    """The node's Sui signing key: its scheme, public key and address, and `sign` for TransactionData."""

    __slots__ = ("_keypair", "scheme", "flag", "public_key", "address")

    def __init__(self, keypair: SuiKeyPair) -> None:
        self._keypair = keypair
        self.flag = int(keypair.scheme)
        self.scheme = SCHEMES[self.flag]
        self.public_key = bytes(keypair.public_key.key_bytes)
        self.address = address_of(self.flag, self.public_key)

    def __repr__(self) -> str:
        return f"Transmitter({self.scheme}, {self.address})"

    __str__ = __repr__

    def __reduce__(self) -> None:  # type: ignore[override]
        raise TypeError("a Transmitter holds a private key and is not pickled")

    def sign(self, tx_bytes: bytes) -> bytes:
        """Sui's serialized signature of a TransactionData: flag || signature || public key. The signature is
        checked before it is returned (and, for secp256k1, that it is the 64-byte low-S form Sui requires)."""
        signed = base64.b64decode(self._keypair.new_sign_secure(base64.b64encode(bytes(tx_bytes)).decode()))
        if signed[0] != self.flag or signed[-len(self.public_key):] != self.public_key \
                or len(signed) != 65 + len(self.public_key):
            raise RuntimeError("pysui returned a signature of an unexpected shape")
        if not verify(signed, tx_bytes):
            raise RuntimeError("the transmitter's signature does not verify")
        return signed


def address_of(flag: int, public_key: bytes) -> str:
    """A Sui address: `blake2b-256(flag || public key)`."""
    return "0x" + hashlib.blake2b(bytes([flag]) + public_key, digest_size=32).hexdigest()


def verify(serialized: bytes, tx_bytes: bytes) -> bool:
    """Whether a serialized user signature (flag || sig || public key) signs this TransactionData, as Sui checks
    it: ed25519 over the intent digest; secp256k1 64-byte low-S ECDSA over SHA-256 of the intent digest."""
    if len(serialized) < 66:
        return False
    flag, sig = serialized[0], serialized[1:65]
    key = serialized[65:]
    message = tx.signing_digest(tx_bytes)
    if flag == 0 and len(key) == 32:
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(sig, message)
            return True
        except (InvalidSignature, ValueError):
            return False
    if flag == 1 and len(key) == 33:
        r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_HALF_N):
            return False
        try:
            return K1PublicKey(key).verify(_der(r, s), message, hasher=lambda m: hashlib.sha256(m).digest())
        except ValueError:
            return False
    return False


def _der(r: int, s: int) -> bytes:
    def integer(value: int) -> bytes:
        body = value.to_bytes((value.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(body)]) + body

    seq = integer(r) + integer(s)
    return b"\x30" + bytes([len(seq)]) + seq


def _flag_and_secret(text: str, path: Path) -> tuple[int, bytes]:
    if text.startswith(BECH32_HRP + "1"):
        try:
            flag, _, secret = pfc.decode_bech32(text, BECH32_HRP)
        except ValueError:
            flag, secret = 255, b""
        if flag == 255 or len(secret) != 32:
            raise ConfigError(f"Sui key file {path}: not a valid suiprivkey bech32 key")
        return int(flag), bytes(secret)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 33:
        raise ConfigError(f"Sui key file {path}: expected a suiprivkey1… key or the base64 of flag || 32-byte "
                          "private key")
    return raw[0], raw[1:]


def _public_key(flag: int, secret: bytes, path: Path) -> bytes:
    """The public key derived here, independently of pysui, to check the key pysui derives."""
    if flag == 0:
        return Ed25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()
    scalar = int.from_bytes(secret, "big")
    if not 0 < scalar < SECP256K1_N:
        raise ConfigError(f"Sui key file {path}: not a valid secp256k1 private key")
    return K1PrivateKey(secret).public_key.format(compressed=True)


def load_transmitter(path: Path) -> Transmitter:
    """Read and check a key file; it must be readable by its owner only, as an SSH key must."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"Sui key file {path} is not text") from None
    except OSError as e:
        raise ConfigError(f"cannot read Sui key file {path}: {e.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"Sui key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    if not text:
        raise ConfigError(f"Sui key file {path} is empty")
    if text.startswith("["):
        raise ConfigError(f"Sui key file {path} looks like a whole sui.keystore; put the one transmitter key in "
                          "its own file")
    if len(text.split()) != 1:
        raise ConfigError(f"Sui key file {path} must hold exactly one key")
    flag, secret = _flag_and_secret(text, path)
    if flag not in SCHEMES:
        name = _NAMES.get(flag, f"flag {flag}")
        raise ConfigError(f"Sui key file {path}: {name} keys are not supported (ed25519 or secp256k1)")
    public_key = _public_key(flag, secret, path)
    try:
        scheme, pub, prv = pfc.keys_from_keystring(base64.b64encode(bytes([flag]) + secret).decode())
    except ValueError:
        raise ConfigError(f"Sui key file {path}: not a valid {SCHEMES[flag]} private key") from None
    if int(scheme) != flag or bytes(pub) != public_key or bytes(prv) != secret:
        raise ConfigError(f"Sui key file {path}: pysui derives a different key pair; refusing it")
    return Transmitter(SuiKeyPair.from_pfc_bytes(SignatureScheme(flag), bytes(pub), bytes(prv)))


def write_key_file(path: Path, scheme: str = "secp256k1", secret: bytes | None = None) -> Transmitter:
    """Write a new key file (mode 0600, `suiprivkey1…`); refuses to overwrite. Returns the transmitter."""
    flags = {name: flag for flag, name in SCHEMES.items()}
    if scheme not in flags:
        raise ConfigError(f"unsupported Sui key scheme {scheme!r} (ed25519 or secp256k1)")
    if path.exists():
        raise ConfigError(f"Sui key file {path} already exists; refusing to overwrite it")
    if secret is None:
        secret = K1PrivateKey().secret if scheme == "secp256k1" else os.urandom(32)
    text = pfc.encode_bech32(bytes([flags[scheme]]) + secret, BECH32_HRP)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return load_transmitter(path)


def ephemeral_transmitter() -> Transmitter:
    """A secp256k1 key made for this process and never written anywhere: for an adapter that only reads."""
    secret = K1PrivateKey().secret
    scheme, pub, prv = pfc.keys_from_keystring(base64.b64encode(bytes([1]) + secret).decode())
    if int(scheme) != 1 or bytes(pub) != K1PrivateKey(secret).public_key.format(compressed=True):
        raise RuntimeError("pysui derives a different key pair")
    return Transmitter(SuiKeyPair.from_pfc_bytes(SignatureScheme(1), bytes(pub), bytes(prv)))
