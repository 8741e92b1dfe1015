"""A quorum's enclaves share a commitment secret, so that honest operators sign byte-identical payloads: the
secret's file, its sealing with the key, and two enclaves' digests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from chains.core.errors import EnclaveError
from chains.core.secp256k1 import recover_address
from node.enclave.commitment import blinding, read_shared_commitment_secret, score_commitment
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.provision import init_enclave
from node.enclave.sealing import read_sealed, seal, sealed_path, unseal
from node.enclave.service import EnclaveService
from node.enclave.targets import Targets
from node.scoring import load_config
from node.scoring.engine import Engine

from .conftest import PASSPHRASE, TARGETS, TEST_SCRYPT, Env, features, params, request, serve_command, short_tmpdir

NOW = 1_750_000_000
SHARED = bytes.fromhex("5a" * 32)
KEY_A = bytes.fromhex("11" * 32)
KEY_B = bytes.fromhex("22" * 32)


def _service(key: EnclaveKey) -> EnclaveService:
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW)


def test_two_enclaves_sharing_the_secret_sign_the_same_digest() -> None:
    a, b = EnclaveKey(KEY_A, SHARED), EnclaveKey(KEY_B, SHARED)
    assessed = [_service(k).assess(params(request(NOW), features(NOW))) for k in (a, b)]
    assert assessed[0]["commitment"] == assessed[1]["commitment"]
    assert assessed[0]["digest"] == assessed[1]["digest"]
    assert assessed[0]["signature"] != assessed[1]["signature"]
    digest = bytes.fromhex(assessed[0]["digest"][2:])
    assert [recover_address(digest, bytes.fromhex(out["signature"][2:])) for out in assessed] == [a.address, b.address]
    rid, subject = (bytes.fromhex(request(NOW)[name][2:]) for name in ("request_id", "subject"))
    expected = score_commitment(assessed[0]["score"], blinding(SHARED, rid, subject), subject)
    assert assessed[0]["commitment"] == "0x" + expected.hex()


def test_enclaves_with_their_own_secrets_commit_differently() -> None:
    """Why the quorum needs the shared secret: each key's own one blinds the same score differently."""
    a, b = EnclaveKey(KEY_A), EnclaveKey(KEY_B)
    assessed = [_service(k).assess(params(request(NOW), features(NOW))) for k in (a, b)]
    assert assessed[0]["score"] == assessed[1]["score"]
    assert assessed[0]["commitment"] != assessed[1]["commitment"]
    assert assessed[0]["digest"] != assessed[1]["digest"]


def test_the_shared_secret_is_sealed_with_the_key() -> None:
    key = EnclaveKey(KEY_A, SHARED)
    sealed = seal(key, PASSPHRASE, measure().digest, Targets.parse(TARGETS), TEST_SCRYPT)
    assert sealed["commitment"] == "shared" and SHARED.hex() not in json.dumps(sealed)
    opened = unseal(sealed, PASSPHRASE, measure().digest).key
    assert (opened.address, opened.shared_commitment_secret, opened.commitment_secret) == (key.address, SHARED, SHARED)
    own = unseal(seal(EnclaveKey(KEY_A), PASSPHRASE, measure().digest, Targets.parse(TARGETS), TEST_SCRYPT),
                 PASSPHRASE, measure().digest).key
    assert own.shared_commitment_secret is None and own.commitment_secret != SHARED


def test_a_shared_secret_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        EnclaveKey(KEY_A, bytes(31))
    assert str(refused.value) == "a shared commitment secret is 32 bytes"


@pytest.mark.parametrize("text", ["5a" * 32, "0x" + "5a" * 32 + "\n", "5A" * 32 + "\r\n"])
def test_the_secret_file_takes_64_hex_digits(tmp_path: Path, text: str) -> None:
    path = tmp_path / "commitment.secret"
    path.write_text(text)
    assert read_shared_commitment_secret(path) == SHARED


@pytest.mark.parametrize(("text", "problem"), [
    ("5a" * 31, "expected 64 hex digits (32 bytes)"),
    ("5a" * 33, "expected 64 hex digits (32 bytes)"),
    ("zz" * 32, "expected 64 hex digits (32 bytes)"),
    ("00" * 32, "is all zeros"),
])
def test_a_bad_secret_file_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "commitment.secret"
    path.write_text(text)
    with pytest.raises(EnclaveError) as refused:
        read_shared_commitment_secret(path)
    sep = ": " if problem.startswith("expected") else " "
    assert str(refused.value) == f"shared commitment secret {path}{sep}{problem}"


def test_a_missing_secret_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EnclaveError) as refused:
        read_shared_commitment_secret(tmp_path / "nope")
    assert str(refused.value) == f"cannot read the shared commitment secret {tmp_path / 'nope'}: No such file or directory"


def test_init_seals_the_quorums_secret_read_by_the_enclave() -> None:
    root = short_tmpdir()
    try:
        secret_file = root / "commitment.secret"
        secret_file.write_text(SHARED.hex() + "\n")
        passphrase = root / "passphrase"
        passphrase.write_bytes(PASSPHRASE + b"\n")
        attestation = init_enclave(root / "data", passphrase, TARGETS, commitment_secret_file=secret_file)
        sealed = read_sealed(sealed_path(root / "data"))
        assert sealed["commitment"] == "shared" and sealed["address"] == attestation["document"]["signer"]
        assert unseal(sealed, PASSPHRASE, measure().digest).key.shared_commitment_secret == SHARED
        with pytest.raises(EnclaveError) as refused:
            init_enclave(root / "other", passphrase, TARGETS, commitment_secret_file=root / "missing")
        assert str(refused.value) == ("enclave init failed: error: cannot read the shared commitment secret "
                                      f"{root / 'missing'}: No such file or directory")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_serve_takes_the_secret_only_with_a_new_key(env: Env) -> None:
    proc = subprocess.run(serve_command(env, "--commitment-secret-file", str(env.root / "any")),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].endswith(
        "--commitment-secret-file is read only with --new-key: a sealed key keeps the commitment secret it was "
        "created with")
