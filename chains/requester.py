"""Where `aura request` finds the requesting account's key: an option, an environment variable, or a file
beside the config, in that order."""

from __future__ import annotations

import os
from pathlib import Path

from chains.core.errors import ConfigError


def requester_key_path(requester_key: Path | None, env: str, default: Path, config_dir: Path, what: str) -> Path:
    """The key file to load.

    Args:
        requester_key: the file named by `--requester-key`, or None.
        env: the environment variable that may name the file.
        default: the file's path relative to the config's folder.
        config_dir: the config file's folder.
        what: what the file holds, for the error ("the requesting account's keypair file").
    Returns:
        The first of them that is named, else the default path when it exists.
    Raises:
        ConfigError: none is named and the default file does not exist.
    """
    named = requester_key or os.environ.get(env)
    path = Path(named) if named else config_dir / default
    if not named and not path.exists():
        raise ConfigError(f"set {env} to {what}, or pass --requester-key FILE")
    return path
