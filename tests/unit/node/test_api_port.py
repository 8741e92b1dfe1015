"""An API port in use: one line, exit status 2, no traceback, nothing left behind."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.api import ApiError, ApiServer

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


async def test_api_server_on_a_port_in_use(taken_port: int) -> None:
    server = ApiServer("127.0.0.1", taken_port, lambda: {"ok": True})
    with pytest.raises(ApiError) as info:
        await server.start()
    assert str(info.value) == f"api port 127.0.0.1:{taken_port} is in use"


async def test_api_server_on_an_address_not_of_this_host() -> None:
    server = ApiServer("192.0.2.1", 0, lambda: {"ok": True})  # TEST-NET-1: never a local address
    with pytest.raises(ApiError) as info:
        await server.start()
    assert str(info.value) == "api cannot listen on 192.0.2.1:0: Cannot assign requested address"


def test_aura_run_with_the_api_port_in_use(tmp_path: Path, taken_port: int) -> None:
    config = tmp_path / "aura.toml"
    config.write_text(f'[node]\ndata_dir = "data"\n\n[enclave]\npassphrase_file = "enclave.pass"\n\n'
                      f'[api]\nhost = "127.0.0.1"\nport = {taken_port}\n')
    proc = subprocess.run([sys.executable, "-m", "node.cli", "run", "--config", str(config)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"aura run: api port 127.0.0.1:{taken_port} is in use\n")
