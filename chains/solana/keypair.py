"""The Solana transmitter key: a Solana CLI keypair file (a JSON array of 64 bytes: secret, then public key)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from solders.keypair import Keypair

from chains.core.errors import ConfigError


def load_keypair(path: Path) -> Keypair:
    """Read and check a keypair file; it must be readable by its owner only, as an SSH key must."""
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read keypair file {path}: {e.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"keypair file {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(f"keypair file {path} is not JSON (expected an array of 64 byte values)") from None
    if not (isinstance(raw, list) and len(raw) == 64
            and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in raw)):
        raise ConfigError(f"keypair file {path} must hold a JSON array of 64 integers 0..255")
    try:
        keypair = Keypair.from_bytes(bytes(raw))
    except ValueError:
        raise ConfigError(f"keypair file {path}: the public half does not match the secret half") from None
    if bytes(keypair.pubkey()) != bytes(raw[32:]):
        raise ConfigError(f"keypair file {path}: the public half does not match the secret half")
    return keypair


def write_keypair(path: Path, keypair: Keypair | None = None) -> Keypair:
    """Write a keypair file (mode 0600) in the Solana CLI format; refuses to overwrite. Returns the keypair."""
    keypair = keypair or Keypair()
    if path.exists():
        raise ConfigError(f"keypair file {path} already exists; refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(list(bytes(keypair)), f)
    return keypair
