"""Fixtures for the enclave tests: a sealed test key (cheap scrypt), a served enclave process, raw frames."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from node.enclave.keys import EnclaveKey
from node.enclave.measurement import PROJECT_ROOT, measure
from node.enclave.sealing import ScryptParams, seal, sealed_path, write_sealed
from node.enclave.service import EnclaveService
from node.enclave.targets import Targets
from node.scoring import load_config
from node.scoring.engine import Engine
from tests.vectors import evm_state

TEST_SCRYPT = ScryptParams(n=1 << 10)
PASSPHRASE = b"correct horse battery staple"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
REQUESTER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SUBJECT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
DAY = 86_400
TARGETS = [{"family": "evm", "chain_id": 31337, "contract": CONTRACT}]


@dataclass
class Env:
    root: Path
    data_dir: Path
    passphrase_file: Path
    key: EnclaveKey
    socket: Path
    log: Path

    @property
    def secret_hex(self) -> str:
        return self.key.secret_bytes().hex()


def short_tmpdir() -> Path:
    """Unix socket paths are limited to ~107 bytes: pytest's tmp_path can be longer."""
    return Path(tempfile.mkdtemp(prefix="aura-t-", dir="/tmp"))


def make_env(scoring_config: Path | None = None) -> Env:
    root = short_tmpdir()
    passphrase_file = root / "passphrase"
    passphrase_file.write_bytes(PASSPHRASE + b"\n")
    os.chmod(passphrase_file, 0o600)
    key = EnclaveKey.generate()
    data_dir = root / "data"
    write_sealed(sealed_path(data_dir), seal(key, PASSPHRASE, measure(scoring_config).digest, Targets.parse(TARGETS),
                                             TEST_SCRYPT))
    return Env(root, data_dir, passphrase_file, key, root / "e.sock", root / "enclave.log")


SERVICE_NOW = 1_750_000_000
"""The enclave clock of `service`."""


@pytest.fixture(scope="module")
def service_key() -> EnclaveKey:
    """A fixed enclave key (tests that print its address compare it with a known one)."""
    return EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))


@pytest.fixture
def service(service_key: EnclaveKey) -> EnclaveService:
    """The enclave's service in-process (no socket): the shipped engine, its clock at SERVICE_NOW."""
    return EnclaveService(service_key, measure(), Engine.load(load_config()), clock=lambda: SERVICE_NOW)


@pytest.fixture
def env() -> Iterator[Env]:
    e = make_env()
    yield e
    shutil.rmtree(e.root, ignore_errors=True)


def request(now: int, **overrides: Any) -> dict[str, Any]:
    base = {
        "family": "evm",
        "chain_id": 31337,
        "contract": CONTRACT,
        "request_id": "0x" + "ab" * 32,
        "requester": REQUESTER,
        "subject": SUBJECT,
        "fee": "1000000000000000",
        "expires_at": now + 3600,
        "block_number": 123,
    }
    base.update(overrides)
    return base


def history(now: int, **overrides: Any) -> dict[str, Any]:
    """An indexed history: a careful borrower active for about 16 months."""
    base = {
        "first_activity_timestamp": now - 480 * DAY, "last_activity_timestamp": now - 3 * DAY,
        "active_months": 14, "tx_per_active_month_milli": 4_500, "longest_gap_days": 41, "tx_30d": 6,
        "tx_7d": 2, "counterparties": 27, "protocols": 3, "tokens": 6, "inflow_hhi_bps": 3_400,
        "stablecoin_share_bps": 5_200, "transfers_in_30d": 3, "swaps": 12, "supplies": 4, "borrows": 5,
        "repays": 6, "liquidations": 0, "borrows_30d": 1, "outstanding_positions": 1, "repayment_ratio_bps": 9_600,
    }
    base.update(overrides)
    return base


def features(now: int, **overrides: Any) -> dict[str, Any]:
    """Features of SUBJECT at block 123; `as_of_block_hash` is the hash of a header whose state proves their
    `tx_count` and `balance_wei` (evm_state.py), unless overridden."""
    base: dict[str, Any] = {
        "as_of_block": 123,
        "as_of_timestamp": now,
        "tx_count": 40,
        "balance_wei": "1500000000000000000",
        "first_seen_timestamp": now - 500 * DAY,
        "history": history(now),
    }
    base.update(overrides)
    if "as_of_block_hash" not in overrides:
        base, _ = evm_state.pinned(base, SUBJECT)
    return base


def proof(feat: dict[str, Any], subject: str = SUBJECT) -> dict[str, Any]:
    """The `proof` param an EVM request needs for `feat` (the state of a block that proves them)."""
    return evm_state.pinned(feat, subject)[1]


def params(req: dict[str, Any], feat: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """`assess` params. For an EVM request (unless `extra` has a `proof`), `feat` re-pinned to a block that
    proves its `tx_count` and `balance_wei` for the request's subject, and the `proof` of it."""
    if req.get("family") == "evm" and "proof" not in extra:
        feat, extra["proof"] = evm_state.pinned(feat, req.get("subject", SUBJECT))
    return {"request": req, "features": feat, **extra}


def client_args(req: dict[str, Any], feat: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """`params(req, feat)` as EnclaveClient.assess takes them: request, features, and the rest."""
    body = params(req, feat)
    return body.pop("request"), body.pop("features"), body


def serve_command(env: Env, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "node.enclave", "serve",
        "--socket", str(env.socket), "--data-dir", str(env.data_dir),
        "--passphrase-file", str(env.passphrase_file), "--log-file", str(env.log), *extra,
    ]  # fmt: skip


def wait_for_socket(proc: subprocess.Popen, path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"enclave exited: {proc.stderr.read() if proc.stderr else ''}")
        if path.exists():
            try:
                with connect(path) as s:
                    send_frame(s, {"id": 0, "method": "attest"})
                    if recv_frame(s) is not None:
                        return
            except OSError:
                pass
        time.sleep(0.05)
    raise TimeoutError("enclave did not come up")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Env, subprocess.Popen]]:
    """One enclave process for a whole test module (raw-socket tests)."""
    e = make_env()
    proc = subprocess.Popen(serve_command(e), cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_socket(proc, e.socket)
        yield e, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(e.root, ignore_errors=True)


# --- raw frames -----------------------------------------------------------------------------------


def connect(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(str(path))
    return s


def frame(body: bytes, version: int = 1, length: int | None = None) -> bytes:
    return struct.pack(">BI", version, len(body) if length is None else length) + body


def send_frame(s: socket.socket, message: dict[str, Any] | bytes, version: int = 1) -> None:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    s.sendall(frame(body, version))


def recv_exact(s: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def recv_raw(s: socket.socket) -> bytes | None:
    header = recv_exact(s, 5)
    if header is None:
        return None
    version, length = struct.unpack(">BI", header)
    assert version == 1
    return recv_exact(s, length)


def recv_frame(s: socket.socket) -> dict[str, Any] | None:
    body = recv_raw(s)
    return None if body is None else json.loads(body)


def is_closed(s: socket.socket) -> bool:
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
