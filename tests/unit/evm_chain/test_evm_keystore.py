"""The transmitter's keystore and passphrase files: each refusal names the file and the cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from chains.core.errors import ConfigError
from chains.evm.keystore import create_keystore, load_keystore

KEY = "0x" + "42" * 32


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    keystore, passphrase = tmp_path / "transmitter.json", tmp_path / "transmitter.pass"
    passphrase.write_text("right words\n")
    passphrase.chmod(0o600)
    create_keystore(keystore, "right words", KEY, kdf_n=2**10)
    return keystore, passphrase


def test_the_keystore_opens_with_its_passphrase(files: tuple[Path, Path]) -> None:
    keystore, passphrase = files
    assert load_keystore(keystore, passphrase).key.hex().removeprefix("0x") == KEY[2:]


def test_a_missing_passphrase_file_is_not_a_wrong_passphrase(files: tuple[Path, Path], tmp_path: Path) -> None:
    keystore, _ = files
    with pytest.raises(ConfigError) as caught:
        load_keystore(keystore, tmp_path / "nope.pass")
    assert str(caught.value) == f"cannot read secret file {tmp_path / 'nope.pass'}: No such file or directory"


def test_a_wrong_passphrase(files: tuple[Path, Path]) -> None:
    keystore, passphrase = files
    passphrase.write_text("other words\n")
    with pytest.raises(ConfigError) as caught:
        load_keystore(keystore, passphrase)
    assert str(caught.value) == f"transmitter keystore {keystore}: wrong passphrase (from {passphrase})"


@pytest.mark.parametrize("which", ["keystore", "passphrase"])
def test_files_readable_by_others_are_refused(files: tuple[Path, Path], which: str) -> None:
    keystore, passphrase = files
    loose = keystore if which == "keystore" else passphrase
    loose.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load_keystore(keystore, passphrase)
    what = "transmitter keystore" if which == "keystore" else "secret file"
    assert str(caught.value) == f"{what} {loose} is readable by others (mode 644); chmod 600 it"
