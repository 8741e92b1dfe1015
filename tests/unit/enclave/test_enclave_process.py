"""The enclave as a real process driven by node.enclave.client: the host's view."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chains.core.errors import EnclaveError
from node.enclave.client import EnclaveClient, EnclaveProcess, EnclaveRemoteError, verify_attestation
from node.enclave.measurement import PROJECT_ROOT, measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine

from .conftest import DAY, TARGETS, Env, client_args, features, frame, make_env, request


def process(env: Env, **kwargs) -> EnclaveProcess:
    return EnclaveProcess(env.data_dir, env.passphrase_file, socket_path=env.socket, log_path=env.log, **kwargs)


def histories(now: int) -> list[dict]:
    return [
        features(now, tx_count=0, balance_wei="0", first_seen_timestamp=None, history=None),
        features(now, tx_count=2500, balance_wei="2000000000000000000", first_seen_timestamp=now - 1300 * DAY,
                 history=None),
        features(now, tx_count=3, balance_wei="50000000000000000", first_seen_timestamp=now - 1500 * DAY,
                 history=None),
        features(now, tx_count=2500, balance_wei="2000000000000000000", first_seen_timestamp=now - 1300 * DAY),
    ]  # fmt: skip


async def test_start_attest_assess_stop(env: Env) -> None:
    proc = process(env)
    attestation = await proc.start()
    try:
        assert proc.pid and proc.running
        assert verify_attestation(attestation, expected_measurement=measure().hex) == env.key.address
        assert stat.S_IMODE(os.stat(env.socket).st_mode) == 0o600
        now = int(time.time())
        async with proc.client() as client:
            assert await client.attest() == attestation
            scores = [(await client.assess(*client_args(request(now), f)))["score"] for f in histories(now)]
        fresh, old_active, old_idle, old_rich = scores
        # without indexed history the model can only go by age, nonce and balance; with it, it knows more
        assert fresh < min(old_idle, old_active) and old_rich > max(old_idle, old_active)
        assert min(old_idle, old_active) - fresh >= 100 and old_rich - fresh >= 200
    finally:
        await proc.stop()
    assert proc._proc is not None and proc._proc.returncode == 0
    assert not env.socket.exists()
    await proc.stop()  # idempotent
    events = [json.loads(line)["event"] for line in env.log.read_text().splitlines()]
    assert events[0] == "unsealed" and events[-1] == "stopped" and "listening" in events


async def test_private_key_never_crosses_the_boundary(env: Env) -> None:
    proc = process(env)
    await proc.start()
    received = bytearray()
    now = int(time.time())
    try:
        async with proc.client() as client:
            received += json.dumps(await client.attest()).encode()
            for f in histories(now):
                received += json.dumps(await client.assess(*client_args(request(now), f))).encode()
            for bad in ({"family": "sui"}, {"fee": "-1"}, {"chain_id": 0}):
                with pytest.raises(EnclaveRemoteError) as info:
                    await client.assess(*client_args(request(now, **bad), features(now)))
                received += f"{info.value.code} {info.value.message}".encode()
            with pytest.raises(EnclaveRemoteError) as info:
                await client.assess(*client_args(request(now), features(now - 5000, first_seen_timestamp=None)))
            received += str(info.value).encode()
            with pytest.raises(EnclaveRemoteError) as info:
                await client.call("export_key", {})
            assert info.value.code == "unknown_method"
        # raw malformed traffic; collect every byte the enclave sends back
        for payload in (
            frame(b"\xff\xfe"),
            frame(b"[]"),
            frame(b'{"id":1,"method":"attest","params":{"key":true}}'),
            frame(b"", version=9),
            frame(b"", length=70_000),
            frame(b'{"id":1', length=40),
        ):
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(str(env.socket))
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                while chunk := s.recv(65_536):
                    received += chunk
    finally:
        await proc.stop()
    secret = env.key.secret_bytes()
    commitment_secret = env.key.commitment_secret
    log = env.log.read_bytes()
    stderr = proc.stderr_tail().encode()
    assert len(received) > 5_000 and len(log) > 500
    for blob in (bytes(received), log, stderr):
        lowered = blob.lower()
        for needle in (secret, commitment_secret):
            assert needle.hex().encode() not in lowered
            assert needle not in blob
            assert base64.b64encode(needle) not in blob
            assert str(int.from_bytes(needle, "big")).encode() not in blob
    assert b"correct horse" not in log and b"correct horse" not in bytes(received) and b"correct horse" not in stderr


async def test_deterministic_across_processes(env: Env) -> None:
    second_socket = env.root / "second.sock"
    a = process(env)
    b = EnclaveProcess(env.data_dir, env.passphrase_file, socket_path=second_socket)
    await asyncio.gather(a.start(), b.start())
    now = int(time.time())
    args = client_args(request(now), features(now))
    try:
        async with a.client() as ca, b.client() as cb:
            ra, rb = await asyncio.gather(ca.assess(*args), cb.assess(*args))
    finally:
        await asyncio.gather(a.stop(), b.stop())
    assert a.pid != b.pid
    assert json.dumps(ra, sort_keys=True) == json.dumps(rb, sort_keys=True)
    local = EnclaveService(env.key, measure(), Engine.load(load_config()), clock=lambda: now)
    assert local.assess({"request": args[0], "features": args[1], **args[2]}) == ra


async def test_concurrent_clients_and_tasks(env: Env) -> None:
    proc = process(env)
    await proc.start()
    now = int(time.time())
    try:
        clients = [proc.client() for _ in range(4)]
        for c in clients:
            await c.connect()
        jobs = []
        for i in range(40):
            rid = "0x" + f"{i:064x}"
            jobs.append(clients[i % 4].assess(*client_args(request(now, request_id=rid), features(now))))
        shared = clients[0]
        jobs += [shared.attest() for _ in range(5)]
        jobs.append(shared.assess(*client_args(request(now, fee="bad"), features(now))))
        results = await asyncio.gather(*jobs, return_exceptions=True)
        assessed = results[:40]
        assert all(r["typed_data"]["message"]["requestId"] == "0x" + f"{i:064x}" for i, r in enumerate(assessed))
        assert len({r["signature"] for r in assessed}) == 40
        assert all(r["document"]["signer"] == env.key.address for r in results[40:45])
        assert isinstance(results[45], EnclaveRemoteError) and results[45].code == "invalid_params"
        for c in clients:
            await c.close()
            await c.close()
    finally:
        await proc.stop()


async def test_client_reconnects_and_reports_lost_connection(env: Env) -> None:
    proc = process(env)
    await proc.start()
    client = EnclaveClient(env.socket, timeout=5)
    try:
        await client.attest()  # connects on demand
        await proc.stop()
        with pytest.raises(EnclaveError):
            await client.attest()
        await proc.start()
        assert (await client.attest())["document"]["signer"] == env.key.address
    finally:
        await client.close()
        await proc.stop()


async def test_client_errors_when_nothing_listens(tmp_path: Path) -> None:
    client = EnclaveClient(tmp_path / "none.sock")
    with pytest.raises(EnclaveError, match="cannot connect to the enclave"):
        await client.attest()
    await client.close()


async def test_start_failure_carries_stderr(env: Env) -> None:
    env.passphrase_file.write_text("wrong\n")
    proc = process(env)
    with pytest.raises(EnclaveError, match="wrong passphrase"):
        await proc.start()
    assert not proc.running
    await proc.stop()


async def test_new_key_replaces_and_keeps_old_aside() -> None:
    env = make_env()
    proc = EnclaveProcess(env.data_dir, env.passphrase_file, socket_path=env.socket, new_key=TARGETS)
    try:
        attestation = await proc.start()
    finally:
        await proc.stop()
    signer = verify_attestation(attestation)
    assert signer != env.key.address
    assert len(list(env.data_dir.glob("enclave_key.sealed.retired-*.json"))) == 1
    again = EnclaveProcess(env.data_dir, env.passphrase_file, socket_path=env.socket)
    try:
        assert (await again.start())["document"]["signer"] == signer
    finally:
        await again.stop()
        shutil.rmtree(env.root, ignore_errors=True)


async def test_sigint_and_stale_socket(env: Env) -> None:
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(env.socket))
    stale.close()  # a socket file nobody listens on: the enclave replaces it
    proc = process(env)
    await proc.start()
    assert proc._proc is not None
    proc._proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(proc._proc.wait(), 10) == 0
    assert not env.socket.exists()


async def test_refuses_to_start_over_a_live_enclave(env: Env) -> None:
    first = process(env)
    await first.start()
    try:
        with pytest.raises(EnclaveError, match="already serving"):
            await process(env).start()
    finally:
        await first.stop()


def test_client_module_does_not_load_key_code() -> None:
    code = (
        "import sys, node.enclave.client; "
        "bad = [m for m in ('node.enclave.keys', 'node.enclave.sealing', 'node.enclave.service', 'cryptography') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_default_socket_path_is_short_enough(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    proc = EnclaveProcess(deep, deep / "pw")
    assert len(os.fsencode(proc.socket_path.absolute())) <= 107
    assert EnclaveProcess(Path("/tmp/x"), Path("/tmp/pw")).socket_path == Path("/tmp/x/enclave.sock")
    assert proc.pid is None
    await proc.stop()
