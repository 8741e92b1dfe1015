"""The local Solana endpoint (LiteSVM behind JSON-RPC, the `node.workshop.devnet.solana_rpc` package) as its own
process, with the `aura_oracle` program built from source and loaded at the IDL's address."""

from __future__ import annotations

import importlib.util
import json
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from chains.core.errors import AuraError
from node.process import Supervised, Supervisor, free_port

REPO = Path(__file__).resolve().parents[3]


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
class SolanaEndpoint(Supervised):
    """One endpoint process on 127.0.0.1 with the programs given (program id -> .so)."""

    programs: dict[str, Path]
    port: int = 0
    slot_ms: int = 400
    log_path: Path | None = None
    extra_args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Self:
        if self._process is not None:
            return self
        if not self.port:
            self.port = free_port()
        args = [sys.executable, "-m", "node.workshop.devnet.solana_rpc", "--port", str(self.port),
                "--slot-ms", str(self.slot_ms)]
        for program_id, path in self.programs.items():
            args += ["--program", f"{program_id}={path}"]
        args += self.extra_args
        process = Supervisor(f"the Solana endpoint on port {self.port}", args, log_path=self.log_path,
                             error=EndpointError).start()
        process.wait_ready(lambda: self.call("getHealth") == "ok", timeout, interval=0.1)
        self._process = process
        return self

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            reply = json.loads(resp.read())
        if "error" in reply:
            raise EndpointError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result")
