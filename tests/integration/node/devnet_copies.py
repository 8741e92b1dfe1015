"""One anvil and one devnet for a whole test module, and a copy of the devnet's node folder (config, keys,
sealed enclave key) for each node a test runs, with its config changed as the test needs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3
from web3.logs import DISCARD

from chains.evm.artifacts import contract
from node.workshop.devnet.anvil import DEFAULT_KEYS, Anvil, free_port
from node.workshop.devnet.deploy import Devnet, send, setup_devnet
from node.workshop.devnet.nodeproc import NodeProcess

REQUESTER_KEY = DEFAULT_KEYS[6]


@dataclass
class NodeCopy:
    """A node folder of its own: `aura.toml` edited, the node's output in `node.log`."""

    root: Path
    api_port: int
    proc: NodeProcess | None = None

    @property
    def config(self) -> Path:
        return self.root / "aura.toml"

    def start(self) -> NodeProcess:
        self.proc = NodeProcess(self.config, self.root / "node.log").start()
        return self.proc

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}{path}", timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def health(self) -> dict[str, Any]:
        return dict(json.loads(self.get("/health")[1]))

    def metrics(self) -> str:
        return self.get("/metrics")[1]

    def wait(self, what: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05) -> None:
        """Poll `what` (a connection refused counts as not yet) until it holds; the node must keep running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None:
                self.proc.check_alive()
            try:
                if what():
                    return
            except (OSError, ValueError):
                pass
            time.sleep(interval)
        raise AssertionError(f"not reached in {timeout} s; last health: {self._last_health()}\n{self.tail()}")

    def wait_healthy(self, timeout: float = 60.0) -> None:
        self.wait(lambda: self.health()["ok"] is True, timeout, 0.2)

    def logs(self) -> str:
        path = self.root / "node.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.logs().splitlines()[-n:])

    def log_lines(self, msg: str) -> list[dict[str, Any]]:
        """The node's JSON log lines whose message is `msg`."""
        out = []
        for line in self.logs().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("msg") == msg:
                    out.append(entry)
        return out

    def signal_enclave(self, sig: signal.Signals) -> int:
        """Send `sig` to the node's enclave process; returns its pid."""
        pid = int(self.health()["enclave"]["pid"])
        os.kill(pid, sig)
        return pid

    def stop(self) -> int | None:
        return self.proc.stop() if self.proc is not None else None

    def _last_health(self) -> Any:
        try:
            return self.health()
        except (OSError, ValueError) as e:
            return repr(e)


@dataclass
class SharedDevnet:
    anvil: Anvil
    dev: Devnet
    root: Path
    w3: Web3

    @property
    def oracle(self) -> Any:
        return contract(self.w3, "AuraOracle", self.dev.oracle)

    def copy(self, dest: Path, *, node: str = "", enclave: str = "", chain: str = "",
             replace: dict[str, str] | None = None) -> NodeCopy:
        """The devnet's node folder under `dest` with a new API port; `node`, `enclave` and `chain` are TOML
        lines added to those tables, `replace` sets the value of keys the config already has (`key = value`)."""
        shutil.copytree(self.root, dest, ignore=shutil.ignore_patterns("node.log", "aura.sqlite*", "*.sock"),
                        dirs_exist_ok=True)
        port = free_port()
        text = (dest / "aura.toml").read_text()
        for key, value in {"port": str(port), **(replace or {})}.items():
            text, n = re.subn(rf"^{re.escape(key)} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
            assert n == 1, key
        text = text.replace("[node]\n", f"[node]\n{node}\n", 1).replace("[enclave]\n", f"[enclave]\n{enclave}\n", 1)
        (dest / "aura.toml").write_text(text + chain + "\n")
        self.mine()  # an idle automining anvil's head ages: start each node on a fresh one
        return NodeCopy(dest, port)

    def request(self, subject: str, key: str = REQUESTER_KEY) -> str:
        data = self.oracle.encode_abi("requestAssessment", [subject, b""])
        receipt = send(self.w3, key, {"to": self.dev.oracle, "data": data, "value": 10**15})
        ev = self.oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)[0]
        return "0x" + bytes(ev["args"]["requestId"]).hex()

    def fulfilled(self) -> set[str]:
        return {"0x" + bytes(ev["args"]["requestId"]).hex()
                for ev in self.oracle.events.AssessmentFulfilled().get_logs(from_block=0)}

    def mine(self, n: int = 1) -> None:
        for _ in range(n):
            self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def shared_devnet() -> Iterator[SharedDevnet]:
    """The body of a module-scoped fixture: anvil, the contracts, keys and a node config, under a short path (the
    enclave's Unix socket lives there)."""
    root = Path(tempfile.mkdtemp(prefix="aura-d-", dir="/tmp"))
    anvil = Anvil(log_path=root / "anvil.log").start()
    try:
        dev = setup_devnet(root / "devnet", anvil.url, poll_interval_s=0.2, kdf_light=True)
        yield SharedDevnet(anvil, dev, root / "devnet", Web3(Web3.HTTPProvider(anvil.url)))
    finally:
        anvil.stop()
        shutil.rmtree(root, ignore_errors=True)


class Relay:
    """A TCP relay on 127.0.0.1:`port` to 127.0.0.1:`target`: an RPC endpoint that starts answering when it starts."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self._server = socket.create_server(("127.0.0.1", port))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self._stop.is_set() and (data := src.recv(65536)):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):  # each of the pair's two pipes closes both: the second finds them closed
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


@pytest.fixture
def node_dir() -> Iterator[Path]:
    """A short folder for one node (its enclave's Unix socket lives in it), removed after the test."""
    path = Path(tempfile.mkdtemp(prefix="aura-n-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
