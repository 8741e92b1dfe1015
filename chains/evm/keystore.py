"""The transmitter key: an encrypted Ethereum keystore file (scrypt, AES-128-CTR) and a passphrase file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from chains.core.errors import ConfigError


def read_secret_file(path: Path) -> str:
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read secret file {path}: {e.strerror}") from None
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


def load_keystore(path: Path, passphrase_file: Path) -> LocalAccount:
    try:
        data = json.loads(path.read_text())
    except OSError as e:
        raise ConfigError(f"cannot read transmitter keystore {path}: {e.strerror}") from None
    except json.JSONDecodeError:
        raise ConfigError(f"transmitter keystore {path} is not JSON") from None
    try:
        key = Account.decrypt(data, read_secret_file(passphrase_file))
    except ValueError:
        raise ConfigError(f"transmitter keystore {path}: wrong passphrase (from {passphrase_file})") from None
    return Account.from_key(key)


def keystore_address(path: Path) -> str:
    data = json.loads(path.read_text())
    return "0x" + str(data.get("address", "")).removeprefix("0x")
