"""Sealing at rest, and the init/serve CLI's one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from node.enclave.keys import EnclaveKey
from node.enclave.measurement import PROJECT_ROOT, measure
from node.enclave.sealing import (
    MeasurementMismatch,
    ScryptParams,
    SealingError,
    WrongPassphrase,
    read_passphrase,
    read_sealed,
    seal,
    sealed_path,
    unseal,
)
from node.enclave.targets import Targets

from .conftest import PASSPHRASE, TARGETS, TEST_SCRYPT, Env, serve_command, short_tmpdir

M1 = bytes(range(32))
T = Targets.parse(TARGETS)
M2 = bytes(31) + b"\x01"


def test_round_trip() -> None:
    key = EnclaveKey.generate()
    sealed = seal(key, b"pw", M1, T, TEST_SCRYPT)
    assert set(sealed) == {"format", "kdf", "cipher", "measurement", "targets", "public_key", "address", "commitment"}
    assert sealed["commitment"] == "own"
    assert sealed["targets"] == TARGETS
    assert sealed["measurement"] == "0x" + M1.hex()
    assert sealed["public_key"] == "0x" + key.public_key.hex() and sealed["address"] == key.address
    assert sealed["kdf"]["n"] == 1024 and len(bytes.fromhex(sealed["kdf"]["salt"])) == 16
    assert key.secret_bytes().hex() not in json.dumps(sealed)
    again = unseal(sealed, b"pw", M1)
    assert again.key.secret_bytes() == key.secret_bytes() and again.key.address == key.address
    assert again.targets.document == TARGETS


def test_targets_edited_in_the_sealed_file_make_it_unopenable() -> None:
    sealed = seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT)
    sealed["targets"] = [*TARGETS, {"family": "evm", "chain_id": 1, "contract": "0x" + "66" * 20}]
    with pytest.raises(WrongPassphrase) as caught:
        unseal(sealed, b"pw", M1)
    assert str(caught.value) == "cannot unseal the enclave key: wrong passphrase (or the sealed file was altered)"


def test_a_key_sealed_before_targets_asks_for_a_new_one() -> None:
    sealed = {**seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT), "format": "aura-sealed-key-v1"}
    with pytest.raises(SealingError) as caught:
        unseal(sealed, b"pw", M1)
    assert str(caught.value) == ("the sealed key predates targets (format aura-sealed-key-v1): create a new key with "
                                 "`init --force --targets …` and register the new signer")


def test_init_requires_targets_and_checks_them() -> None:
    root = short_tmpdir()
    try:
        pw = root / "pw"
        pw.write_text("operator passphrase\n")
        args = ("init", "--data-dir", str(root / "data"), "--passphrase-file", str(pw), "--scrypt-n", "1024")
        missing = run(*args)
        assert missing.returncode == 2 and "the following arguments are required: --targets" in missing.stderr
        bad = run(*args, "--targets", json.dumps([{"family": "evm", "chain_id": 1, "contract": "0x12"}]))
        assert bad.returncode == 1
        assert bad.stderr.startswith("error: targets[0].contract: ")
        twice = run(*args, "--targets", json.dumps(TARGETS + [{**TARGETS[0], "contract": TARGETS[0]["contract"].lower()}]))
        assert twice.stderr == "error: targets[1]: listed twice\n"
        assert not sealed_path(root / "data").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_fresh_salt_and_nonce_each_time() -> None:
    key = EnclaveKey.generate()
    a, b = seal(key, b"pw", M1, T, TEST_SCRYPT), seal(key, b"pw", M1, T, TEST_SCRYPT)
    assert a["kdf"]["salt"] != b["kdf"]["salt"] and a["cipher"]["nonce"] != b["cipher"]["nonce"]


def test_default_kdf_is_strong() -> None:
    assert ScryptParams() == ScryptParams(n=1 << 17, r=8, p=1)
    with pytest.raises(ValueError):
        ScryptParams(n=512)
    with pytest.raises(ValueError):
        ScryptParams(n=3000)


def test_wrong_passphrase() -> None:
    sealed = seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT)
    with pytest.raises(WrongPassphrase) as info:
        unseal(sealed, b"pW", M1)
    assert str(info.value) == "cannot unseal the enclave key: wrong passphrase (or the sealed file was altered)"


def test_changed_measurement() -> None:
    sealed = seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT)
    with pytest.raises(MeasurementMismatch) as info:
        unseal(sealed, b"pw", M2)
    assert str(info.value) == (
        f"sealed for measurement 0x{M1.hex()} but this enclave measures 0x{M2.hex()} "
        "(code, model or scoring config changed): start with --new-key and register the new signer"
    )


def test_relabelled_measurement_does_not_open() -> None:
    """Editing the recorded measurement cannot trick the enclave: the KDF salt and AAD use the real one."""
    sealed = seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT)
    sealed["measurement"] = "0x" + M2.hex()
    with pytest.raises(WrongPassphrase):
        unseal(sealed, b"pw", M2)


@pytest.mark.parametrize("field", ["ciphertext", "nonce"])
def test_tampering_is_detected(field: str) -> None:
    sealed = seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT)
    raw = bytearray(bytes.fromhex(sealed["cipher"][field]))
    raw[0] ^= 1
    sealed["cipher"][field] = raw.hex()
    with pytest.raises(WrongPassphrase):
        unseal(sealed, b"pw", M1)


def test_swapped_public_key_is_detected() -> None:
    sealed = seal(EnclaveKey.generate(), b"pw", M1, T, TEST_SCRYPT)
    sealed["public_key"] = "0x" + EnclaveKey.generate().public_key.hex()
    with pytest.raises(WrongPassphrase):
        unseal(sealed, b"pw", M1)


def test_malformed_file() -> None:
    with pytest.raises(SealingError, match="malformed"):
        unseal({"format": "aura-sealed-key-v2"}, b"pw", M1)


def test_passphrase_file(tmp_path: Path) -> None:
    f = tmp_path / "p"
    f.write_bytes(b"secret words\n")
    assert read_passphrase(f) == b"secret words"
    f.write_bytes(b"secret words\r\n")
    assert read_passphrase(f) == b"secret words"
    f.write_bytes(b"  spaced  ")
    assert read_passphrase(f) == b"  spaced  "
    f.write_bytes(b"\n")
    with pytest.raises(SealingError, match="empty"):
        read_passphrase(f)
    with pytest.raises(SealingError, match="cannot read passphrase file"):
        read_passphrase(tmp_path / "missing")


# --- the CLI (real processes) -------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node.enclave", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )


def test_init_creates_refuses_and_forces() -> None:
    root = short_tmpdir()
    try:
        pw = root / "pw"
        pw.write_text("operator passphrase\n")
        data = root / "data"
        first = run("init", "--data-dir", str(data), "--passphrase-file", str(pw), "--scrypt-n", "1024",
                    "--targets", json.dumps(TARGETS))
        assert first.returncode == 0, first.stderr
        attestation = json.loads(first.stdout)
        from node.enclave.attestation import verify_attestation

        signer = verify_attestation(attestation, expected_measurement=measure().hex)
        assert attestation["document"]["targets"] == TARGETS
        sealed = read_sealed(sealed_path(data))
        assert sealed["address"] == signer and sealed["measurement"] == measure().hex
        assert os.stat(sealed_path(data)).st_mode & 0o777 == 0o600

        again = run("init", "--data-dir", str(data), "--passphrase-file", str(pw), "--scrypt-n", "1024",
                    "--targets", json.dumps(TARGETS))
        assert again.returncode == 1
        assert again.stderr.startswith("error: a sealed key already exists at ") and "--force" in again.stderr
        assert read_sealed(sealed_path(data))["address"] == signer

        forced = run("init", "--data-dir", str(data), "--passphrase-file", str(pw), "--scrypt-n", "1024",
                    "--targets", json.dumps(TARGETS), "--force")
        assert forced.returncode == 0, forced.stderr
        assert json.loads(forced.stdout)["document"]["signer"] != signer
        assert len(list(data.glob("enclave_key.sealed.retired-*.json"))) == 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _serve_and_fail(env: Env, *extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(serve_command(env, *extra), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert not env.socket.exists()
    return result


def test_serve_wrong_passphrase_one_line(env: Env) -> None:
    env.passphrase_file.write_text("not the passphrase\n")
    result = _serve_and_fail(env)
    assert result.stderr == "error: cannot unseal the enclave key: wrong passphrase (or the sealed file was altered)\n"


def test_serve_changed_scoring_config_one_line(env: Env) -> None:
    config = json.loads((PROJECT_ROOT / "node/scoring/scorecard.json").read_text())
    config["max_clock_skew_s"] = 600
    changed = env.root / "scorecard.json"
    changed.write_text(json.dumps(config))
    result = _serve_and_fail(env, "--scoring-config", str(changed))
    old, new = measure().hex, measure(changed).hex
    assert result.stderr == (
        f"error: sealed for measurement {old} but this enclave measures {new} (code, model or scoring config "
        "changed): start with --new-key and register the new signer\n"
    )
    log = [json.loads(line) for line in env.log.read_text().splitlines()]
    assert log[-1]["event"] == "startup_failed"


def test_serve_missing_key_suggests_init(env: Env) -> None:
    sealed_path(env.data_dir).unlink()
    result = _serve_and_fail(env)
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: no sealed key at {sealed_path(env.data_dir)}: run `python -m node.enclave init")
    assert "--new-key" in result.stderr


def test_serve_bad_scoring_config(env: Env) -> None:
    bad = env.root / "bad.json"
    bad.write_text('{"version": 1.0}')
    result = _serve_and_fail(env, "--scoring-config", str(bad))
    assert result.stderr.startswith(f"error: {bad}: not valid integer-only JSON: floats are not allowed")


def test_sealed_with_default_params_still_opens_fast_enough() -> None:
    """The default (strong) KDF round trip, once, to prove the defaults work."""
    key = EnclaveKey.generate()
    assert unseal(seal(key, PASSPHRASE, M1, T), PASSPHRASE, M1).key.address == key.address
