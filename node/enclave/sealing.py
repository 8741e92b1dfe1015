"""Seal the enclave key at rest: AES-256-GCM under scrypt(passphrase, salt || measurement).

The measurement is also the AAD (with the public key and the hash of the targets), so a sealed key opens only
in an enclave with the same code, model and scoring config, and only with the targets it was sealed for
(node/enclave/targets.py): editing them in the file makes it unopenable. The sealed file is JSON with the kdf
parameters, salt, nonce, ciphertext, the measurement it was sealed for, the targets, and the (public) public
key and address.

The ciphertext holds the key's 32 bytes, followed, for an enclave of a quorum, by the 32-byte commitment secret
the quorum's enclaves share (`"commitment": "shared"`; docs/quorum.md).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from chains.core.errors import EnclaveError
from node.enclave.keys import EnclaveKey
from node.enclave.targets import Targets

SEALED_FILE_NAME = "enclave_key.sealed.json"
SEALED_FORMAT = "aura-sealed-key-v2"
AAD_LABEL = b"aura/enclave/sealed-key/v2"


@dataclass(frozen=True)
class ScryptParams:
    """Defaults: N = 2^17, r = 8, p = 1 (128 MiB, ~0.5 s). Tests may lower N; never below 2^10."""

    n: int = 1 << 17
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if self.n < 1 << 10 or self.n & (self.n - 1) or not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError("scrypt parameters out of range (n a power of two >= 1024, 1 <= r <= 32, 1 <= p <= 16)")


class SealingError(EnclaveError):
    """The sealed key is missing, unreadable, for another measurement, or the passphrase is wrong."""


class WrongPassphrase(SealingError):
    """The passphrase does not open the sealed key (or the file was tampered with)."""


class MeasurementMismatch(SealingError):
    """The key was sealed for another measurement."""


class NoSealedKey(SealingError):
    """There is no sealed key in the data directory."""


def sealed_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / SEALED_FILE_NAME


def read_passphrase(path: str | Path) -> bytes:
    """The passphrase file's bytes without one trailing newline; refuses an empty passphrase."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SealingError(f"cannot read passphrase file {path}: {exc.strerror}") from None
    if raw.endswith(b"\r\n"):
        raw = raw[:-2]
    elif raw.endswith(b"\n"):
        raw = raw[:-1]
    if not raw:
        raise SealingError(f"passphrase file {path} is empty")
    return raw


def _derive(passphrase: bytes, salt: bytes, measurement: bytes, params: ScryptParams) -> bytes:
    kdf = Scrypt(salt=salt + measurement, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase)


DEFAULT_SCRYPT = ScryptParams()


def _aad(measurement: bytes, public_key: bytes, targets: Targets) -> bytes:
    return AAD_LABEL + measurement + public_key + targets.digest()


@dataclass(frozen=True)
class Unsealed:
    key: EnclaveKey
    targets: Targets


def seal(key: EnclaveKey, passphrase: bytes, measurement: bytes, targets: Targets,
         params: ScryptParams = DEFAULT_SCRYPT) -> dict:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    aes_key = _derive(passphrase, salt, measurement, params)
    plaintext = key.secret_bytes() + (key.shared_commitment_secret or b"")
    ciphertext = AESGCM(aes_key).encrypt(nonce, plaintext, _aad(measurement, key.public_key, targets))
    return {
        "format": SEALED_FORMAT,
        "kdf": {"name": "scrypt", "n": params.n, "r": params.r, "p": params.p, "salt": salt.hex()},
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex(), "ciphertext": ciphertext.hex()},
        "measurement": "0x" + measurement.hex(),
        "targets": targets.document,
        "public_key": "0x" + key.public_key.hex(),
        "address": key.address,
        "commitment": "shared" if key.shared_commitment_secret else "own",
    }


def unseal(sealed: dict, passphrase: bytes, measurement: bytes) -> Unsealed:
    """The key and the targets it was sealed for (authenticated with it)."""
    if sealed.get("format") == "aura-sealed-key-v1":
        raise SealingError("the sealed key predates targets (format aura-sealed-key-v1): create a new key with "
                           "`init --force --targets …` and register the new signer")
    try:
        if sealed["format"] != SEALED_FORMAT or sealed["kdf"]["name"] != "scrypt":
            raise ValueError("unknown sealed key format")
        targets = Targets.parse(sealed["targets"], "sealed targets")
        sealed_for = bytes.fromhex(sealed["measurement"].removeprefix("0x"))
        params = ScryptParams(sealed["kdf"]["n"], sealed["kdf"]["r"], sealed["kdf"]["p"])
        salt = bytes.fromhex(sealed["kdf"]["salt"])
        nonce = bytes.fromhex(sealed["cipher"]["nonce"])
        ciphertext = bytes.fromhex(sealed["cipher"]["ciphertext"])
        public_key = bytes.fromhex(sealed["public_key"].removeprefix("0x"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SealingError(f"sealed key file is malformed: {exc}") from None
    if sealed_for != measurement:
        raise MeasurementMismatch(
            f"sealed for measurement 0x{sealed_for.hex()} but this enclave measures 0x{measurement.hex()} "
            "(code, model or scoring config changed): start with --new-key and register the new signer"
        )
    aes_key = _derive(passphrase, salt, measurement, params)
    try:
        secret = AESGCM(aes_key).decrypt(nonce, ciphertext, _aad(measurement, public_key, targets))
    except InvalidTag:
        raise WrongPassphrase(
            "cannot unseal the enclave key: wrong passphrase (or the sealed file was altered)"
        ) from None
    if len(secret) not in (32, 64):
        raise SealingError(f"sealed key holds {len(secret)} bytes, not a key (32) or a key and a shared commitment "
                           "secret (64)")
    key = EnclaveKey(secret[:32], secret[32:] or None)
    if key.public_key != public_key:
        raise SealingError("sealed key does not match its recorded public key")
    return Unsealed(key, targets)


def write_sealed(path: Path, sealed: dict) -> None:
    """Write atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(sealed, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_sealed(path: Path) -> dict:
    if not path.exists():
        raise NoSealedKey(f"no sealed key at {path}")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SealingError(f"cannot read sealed key {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SealingError(f"sealed key file {path} is not a JSON object")
    return data
