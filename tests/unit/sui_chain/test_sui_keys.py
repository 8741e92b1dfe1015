"""The transmitter key file: Sui's own keytool vectors load to Sui's addresses, every bad file is refused with
its exact reason, and the key never shows in a repr."""

from __future__ import annotations

import base64
import json
import pickle
from pathlib import Path

import pytest

from chains.core.errors import ConfigError
from chains.sui.keys import load_transmitter, write_key_file

# Sui repository, crates/sui/src/unit_tests/keytool_tests.rs: (key, Sui's address for it)
SUI_KEYTOOL_VECTORS = [
    # test_private_keys_import_export (ed25519), bech32 and the keystore's base64 form
    ("suiprivkey1qzwant3kaegmjy4qxex93s0jzvemekkjmyv3r2sjwgnv2y479pgsywhveae",
     "0x90f3e6d73b5730f16974f4df1d3441394ebae62186baf83608599f226455afa7"),
    ("AJ3ZrjbuUbkSoDZMWMHyEzO82tLZGRGqEnImxRK+KFEC",
     "0x90f3e6d73b5730f16974f4df1d3441394ebae62186baf83608599f226455afa7"),
    ("AO6oS+c4xZ9W7pTa6P1aaAgtRXntOFSNbsQBfabFYZvz",
     "0xfd233cd9a5dd7e577f16fa523427c75fbc382af1583c39fdf1c6747d2ed807a3"),
    # test_mnemonics_secp256k1
    ("suiprivkey1qyqr6yvxdqkh32ep4pk9caqvphmk9epn6rhkczcrhaeermsyvwsg783y9am",
     "0x9e8f732575cc5386f8df3c784cd3ed1b53ce538da79926b2ad54dcc1197d2532"),
    ("suiprivkey1q8hexn5m2u36tx39ln5e22hfseadknp7d2qlkhe30ejy7fc6am5aqkqpqsj",
     "0x9fd5a804ed6b46d36949ff7434247f0fd594673973ece24aede6b86a7b5dae01"),
]
SECP256R1 = "suiprivkey1qgj6vet4rstf2p00j860xctkg4fyqqq5hxgu4mm0eg60fq787ujnqs5wc8q"


def key_file(tmp_path: Path, content: str | bytes, mode: int = 0o600) -> Path:
    path = tmp_path / "transmitter.key"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(("text", "address"), SUI_KEYTOOL_VECTORS)
def test_sui_keytool_vectors_load_to_suis_addresses(tmp_path: Path, text: str, address: str) -> None:
    transmitter = load_transmitter(key_file(tmp_path, f"  {text}\n"))
    assert transmitter.address == address
    assert transmitter.scheme == ("secp256k1" if text.startswith("suiprivkey1q8") or text.startswith("suiprivkey1qy")
                                  else "ed25519")


def test_written_key_file_is_owner_only_and_loads_back(tmp_path: Path) -> None:
    made = write_key_file(tmp_path / "k", "secp256k1")
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k").read_text().startswith("suiprivkey1")
    assert load_transmitter(tmp_path / "k").address == made.address
    with pytest.raises(ConfigError, match=r"already exists; refusing to overwrite it$"):
        write_key_file(tmp_path / "k")
    with pytest.raises(ConfigError) as e:
        write_key_file(tmp_path / "r1", "secp256r1")
    assert str(e.value) == "unsupported Sui key scheme 'secp256r1' (ed25519 or secp256k1)"


def _bech32_with_bad_checksum() -> str:
    good = SUI_KEYTOOL_VECTORS[0][0]
    return good[:-1] + ("q" if good[-1] != "q" else "p")


BAD_FILES = [
    ("readable by others", SUI_KEYTOOL_VECTORS[0][0], 0o644, "{p} is readable by others (mode 644); chmod 600 it"),
    ("group readable", SUI_KEYTOOL_VECTORS[0][0], 0o640, "{p} is readable by others (mode 640); chmod 600 it"),
    ("empty", "\n  \n", 0o600, "{p} is empty"),
    ("not text", b"\xff\xfe\x00", 0o600, "{p} is not text"),
    ("a whole keystore", json.dumps([SUI_KEYTOOL_VECTORS[1][0]]), 0o600,
     "{p} looks like a whole sui.keystore; put the one transmitter key in its own file"),
    ("two keys", f"{SUI_KEYTOOL_VECTORS[0][0]}\n{SUI_KEYTOOL_VECTORS[3][0]}\n", 0o600, "{p} must hold exactly one key"),
    ("bad bech32 checksum", _bech32_with_bad_checksum(), 0o600, "{p}: not a valid suiprivkey bech32 key"),
    ("not base64", "not-a-key!", 0o600,
     "{p}: expected a suiprivkey1… key or the base64 of flag || 32-byte private key"),
    ("base64 of 32 bytes (no flag)", base64.b64encode(b"\x01" * 32).decode(), 0o600,
     "{p}: expected a suiprivkey1… key or the base64 of flag || 32-byte private key"),
    ("base64 of flag || public || private (old form)", base64.b64encode(b"\x00" + b"\x01" * 64).decode(), 0o600,
     "{p}: expected a suiprivkey1… key or the base64 of flag || 32-byte private key"),
    ("secp256r1", SECP256R1, 0o600, "{p}: secp256r1 keys are not supported (ed25519 or secp256k1)"),
    ("unknown flag", base64.b64encode(b"\x09" + b"\x01" * 32).decode(), 0o600,
     "{p}: flag 9 keys are not supported (ed25519 or secp256k1)"),
    ("secp256k1 zero scalar", base64.b64encode(b"\x01" + b"\x00" * 32).decode(), 0o600,
     "{p}: not a valid secp256k1 private key"),
    ("secp256k1 scalar above the order", base64.b64encode(b"\x01" + b"\xff" * 32).decode(), 0o600,
     "{p}: not a valid secp256k1 private key"),
]


@pytest.mark.parametrize(("case", "content", "mode", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_key_files_named_exactly(tmp_path: Path, case: str, content: str | bytes, mode: int,
                                     message: str) -> None:
    path = key_file(tmp_path, content, mode)
    with pytest.raises(ConfigError) as e:
        load_transmitter(path)
    assert str(e.value) == "Sui key file " + message.format(p=path)
    assert SUI_KEYTOOL_VECTORS[0][0] not in str(e.value)


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_transmitter(tmp_path / "nope.key")
    assert str(e.value) == f"cannot read Sui key file {tmp_path / 'nope.key'}: No such file or directory"


def test_transmitter_shows_no_key(tmp_path: Path) -> None:
    text, address = SUI_KEYTOOL_VECTORS[3]
    transmitter = load_transmitter(key_file(tmp_path, text))
    shown = repr(transmitter) + str(transmitter)
    assert shown == f"Transmitter(secp256k1, {address})" * 2
    assert not hasattr(transmitter, "__dict__")
    with pytest.raises(TypeError, match="is not pickled"):
        pickle.dumps(transmitter)
