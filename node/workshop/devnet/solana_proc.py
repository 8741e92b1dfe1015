"""The local Solana endpoint (LiteSVM behind JSON-RPC, `node.workshop.devnet.solana_rpc`) as its own process, with the
`aura_oracle` program built from source and loaded at the IDL's address."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.workshop.devnet.anvil import free_port, stop_process
from chains.core.errors import AuraError

REPO = Path(__file__).resolve().parents[2]


class EndpointError(AuraError, RuntimeError):
    """The local Solana endpoint could not be started or answered with an error."""


def program_so() -> Path:
    """The aura_oracle shared object, built from `programs/aura_oracle` (quick when it is up to date)."""
    spec = importlib.util.spec_from_file_location("aura_sbf_build", REPO / "programs" / "sbf" / "build.py")
    if spec is None or spec.loader is None:
        raise EndpointError("programs/sbf/build.py is missing: the Solana program cannot be built")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("aura_sbf_build", module)
    spec.loader.exec_module(module)
    return Path(module.build_program(REPO / "programs" / "aura_oracle"))


@dataclass
class SolanaEndpoint:
    """One endpoint process on 127.0.0.1 with the programs given (program id -> .so)."""

    programs: dict[str, Path]
    port: int = 0
    slot_ms: int = 400
    log_path: Path | None = None
    extra_args: list[str] = field(default_factory=list)
    _proc: subprocess.Popen[bytes] | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 30.0) -> "SolanaEndpoint":
        if self._proc is not None:
            return self
        if not self.port:
            self.port = free_port()
        args = [sys.executable, "-m", "node.workshop.devnet.solana_rpc", "--port", str(self.port),
                "--slot-ms", str(self.slot_ms)]
        for program_id, path in self.programs.items():
            args += ["--program", f"{program_id}={path}"]
        args += self.extra_args
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self._proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise EndpointError(f"the Solana endpoint exited with code {self._proc.returncode}"
                                    + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                if self.call("getHealth") == "ok":
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise EndpointError(f"the Solana endpoint did not answer on {self.url} within {timeout:.0f} s")

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            reply = json.loads(resp.read())
        if "error" in reply:
            raise EndpointError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc, self._log)
        self._log = None

    def detach(self) -> None:
        self._proc = None

    def __enter__(self) -> "SolanaEndpoint":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
