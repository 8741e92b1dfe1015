"""`python -m node.enclave add-targets` (node/enclave/provision.py `add_enclave_targets`): the same key sealed
again for more targets, by the enclave, only with the passphrase and under the measurement it was sealed for; a
refused call leaves the sealed file as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chains.core.errors import EnclaveError
from node.enclave.measurement import measure
from node.enclave.provision import add_enclave_targets, init_enclave
from node.enclave.sealing import read_sealed, sealed_path, unseal

from .conftest import PASSPHRASE, TARGETS

SOLANA = {"family": "solana", "chain_id": 101, "program": "AuRa1111111111111111111111111111111111111111",
          "contract": "AuRaoRac1e111111111111111111111111111111111"}


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, Path, dict]:
    """A key sealed for TARGETS by a real enclave process: (its data dir, the passphrase file, the document)."""
    passphrase = tmp_path / "pass"
    passphrase.write_bytes(PASSPHRASE)
    passphrase.chmod(0o600)
    document = init_enclave(tmp_path / "enclave", passphrase, TARGETS)["document"]
    return tmp_path / "enclave", passphrase, document


def test_the_same_key_is_sealed_for_its_targets_and_the_new_one(sealed: tuple[Path, Path, dict]) -> None:
    data_dir, passphrase, first = sealed
    before = read_sealed(sealed_path(data_dir))
    out = add_enclave_targets(data_dir, passphrase, [SOLANA])["document"]
    after = read_sealed(sealed_path(data_dir))
    assert (out["signer"], out["measurement"], out["targets"]) == (first["signer"], first["measurement"],
                                                                   [*TARGETS, SOLANA])
    assert (after["address"], after["kdf"]["n"], after["targets"]) == (before["address"], before["kdf"]["n"],
                                                                       [*TARGETS, SOLANA])
    assert after["kdf"]["salt"] != before["kdf"]["salt"] and after["cipher"]["nonce"] != before["cipher"]["nonce"]
    opened = unseal(after, PASSPHRASE, measure().digest)
    assert opened.key.address == first["signer"] and opened.targets.document == [*TARGETS, SOLANA]


@pytest.mark.parametrize(("targets", "passphrase", "error"), [
    ([SOLANA], b"not the passphrase",
     "enclave add-targets failed: error: cannot unseal the enclave key: wrong passphrase (or the sealed file was "
     "altered)"),
    ([TARGETS[0]], PASSPHRASE,
     "enclave add-targets failed: error: targets[0]: the key is sealed for " + json.dumps(TARGETS[0]) + " already"),
    ([SOLANA, SOLANA], PASSPHRASE, "enclave add-targets failed: error: targets[1]: listed twice"),
    ([{"family": "evm", "chain_id": 1}], PASSPHRASE,
     "enclave add-targets failed: error: targets[0]: missing key(s) contract"),
])
def test_a_refused_call_leaves_the_sealed_key_as_it_was(sealed: tuple[Path, Path, dict], tmp_path: Path,
                                                         targets: list[dict], passphrase: bytes, error: str) -> None:
    data_dir, _, _ = sealed
    given = tmp_path / "given-pass"
    given.write_bytes(passphrase)
    given.chmod(0o600)
    before = sealed_path(data_dir).read_bytes()
    with pytest.raises(EnclaveError) as refused:
        add_enclave_targets(data_dir, given, targets)
    assert str(refused.value) == error
    assert sealed_path(data_dir).read_bytes() == before


def test_no_sealed_key_is_refused(tmp_path: Path) -> None:
    passphrase = tmp_path / "pass"
    passphrase.write_bytes(PASSPHRASE)
    with pytest.raises(EnclaveError) as refused:
        add_enclave_targets(tmp_path / "enclave", passphrase, [SOLANA])
    assert str(refused.value) == f"enclave add-targets failed: error: no sealed key at {sealed_path(tmp_path / 'enclave')}"
