import json
import os
from pathlib import Path

import pytest
from solders.keypair import Keypair

from chains.core.errors import ConfigError
from chains.solana.keypair import load_keypair, write_keypair


def test_written_keypair_loads_back_owner_only(tmp_path: Path) -> None:
    made = write_keypair(tmp_path / "k.json")
    assert os.stat(tmp_path / "k.json").st_mode & 0o777 == 0o600
    assert load_keypair(tmp_path / "k.json").pubkey() == made.pubkey()
    with pytest.raises(ConfigError, match="already exists; refusing to overwrite it"):
        write_keypair(tmp_path / "k.json")


def _file(tmp_path: Path, content: str, mode: int = 0o600) -> Path:
    p = tmp_path / "k.json"
    p.write_text(content)
    p.chmod(mode)
    return p


def test_bad_keypair_files_named_exactly(tmp_path: Path) -> None:
    good = list(bytes(Keypair()))
    p = _file(tmp_path, json.dumps(good), 0o644)
    with pytest.raises(ConfigError, match=r"is readable by others \(mode 644\); chmod 600 it$"):
        load_keypair(p)
    with pytest.raises(ConfigError, match="is not JSON"):
        load_keypair(_file(tmp_path, "nope"))
    for bad in (good[:63], good + [1], good[:63] + [256], good[:63] + [True]):
        with pytest.raises(ConfigError, match="must hold a JSON array of 64 integers 0..255$"):
            load_keypair(_file(tmp_path, json.dumps(bad)))
    swapped = good[:32] + list(bytes(Keypair().pubkey()))
    with pytest.raises(ConfigError, match="the public half does not match the secret half$"):
        load_keypair(_file(tmp_path, json.dumps(swapped)))
    with pytest.raises(ConfigError, match="cannot read keypair file .*: No such file or directory"):
        load_keypair(tmp_path / "missing.json")
