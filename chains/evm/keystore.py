"""The transmitter key: an encrypted Ethereum keystore file (scrypt, AES-128-CTR) and a passphrase file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from chains.core.errors import ConfigError


def read_secret_file(path: Path) -> str:
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read secret file {path}: {e.strerror}") from None
    _owner_only(path, "secret file")
    secret = text.strip("\r\n")
    if not secret:
        raise ConfigError(f"secret file {path} is empty")
    return secret


def create_keystore(path: Path, passphrase: str, private_key: str | None = None, kdf_n: int = 2**18) -> str:
    """Write a new encrypted keystore (mode 0600); returns the address. Refuses to overwrite."""
    if path.exists():
        raise ConfigError(f"keystore {path} already exists; refusing to overwrite it")
    acct = Account.from_key(private_key) if private_key else Account.create()
    data = Account.encrypt(acct.key, passphrase, kdf="scrypt", iterations=kdf_n)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    return str(acct.address)


def _owner_only(path: Path, what: str) -> None:
    """A file holding a key or a passphrase must be readable by its owner only, as an SSH key must."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{what} {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")


def load_keystore(path: Path, passphrase_file: Path) -> LocalAccount:
    """The transmitter account. ConfigError naming the file: unreadable, readable by others, not JSON, or the
    passphrase (read from `passphrase_file`, which must exist and be owner-only too) does not open it."""
    try:
        data = json.loads(path.read_text())
    except OSError as e:
        raise ConfigError(f"cannot read transmitter keystore {path}: {e.strerror}") from None
    except json.JSONDecodeError:
        raise ConfigError(f"transmitter keystore {path} is not JSON") from None
    _owner_only(path, "transmitter keystore")
    passphrase = read_secret_file(passphrase_file)  # its own errors, never "wrong passphrase"
    try:
        key = Account.decrypt(data, passphrase)
    except ValueError:
        raise ConfigError(f"transmitter keystore {path}: wrong passphrase (from {passphrase_file})") from None
    return Account.from_key(key)


def keystore_address(path: Path) -> str:
    data = json.loads(path.read_text())
    return "0x" + str(data.get("address", "")).removeprefix("0x")
