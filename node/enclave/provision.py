"""Provisioning an enclave from the host: the passphrase file that seals its key, and the key itself, created
inside an enclave process (`python -m node.enclave init`) so the host never holds it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from chains.core.errors import EnclaveError


def init_enclave(data_dir: Path, passphrase_file: Path, targets: list[dict[str, Any]],
                 scoring_config: Path | None = None, commitment_secret_file: Path | None = None) -> dict[str, Any]:
    """Create and seal the enclave key in an enclave process, for `targets` (node/enclave/targets.py), with the
    commitment secret its quorum shares when `commitment_secret_file` is given (the enclave reads the file).

    Returns:
        The enclave's attestation: the public key bound to the measurement (nothing secret).

    Raises:
        EnclaveError: the enclave process refused (a key already sealed there, an unreadable passphrase file),
            with the last line it printed.
    """
    args = ["--targets", json.dumps(targets)]
    if commitment_secret_file:
        args += ["--commitment-secret-file", str(commitment_secret_file)]
    return _enclave("init", data_dir, passphrase_file, scoring_config, args)


def add_enclave_targets(data_dir: Path, passphrase_file: Path, targets: list[dict[str, Any]],
                        scoring_config: Path | None = None) -> dict[str, Any]:
    """Seal the enclave's key again, in an enclave process, for its targets and `targets` (a chain added to the node):
    the same signer, so its registrations on the other chains stand.

    Returns:
        The enclave's attestation, listing every target.

    Raises:
        EnclaveError: the enclave process refused (no sealed key, the passphrase or the measurement does not open it,
            a target it is sealed for already), with the last line it printed.
    """
    return _enclave("add-targets", data_dir, passphrase_file, scoring_config, ["--targets", json.dumps(targets)])


def _enclave(command: str, data_dir: Path, passphrase_file: Path, scoring_config: Path | None,
             more: list[str]) -> dict[str, Any]:
    args = [sys.executable, "-m", "node.enclave", command, "--data-dir", str(data_dir),
            "--passphrase-file", str(passphrase_file), *more]
    if scoring_config:
        args += ["--scoring-config", str(scoring_config)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise EnclaveError(f"enclave {command} failed: {last}")
    return dict(json.loads(proc.stdout))
