"""The artefacts `make zk` (circuits/setup.mjs) writes under build/zk/, and the pinned npm snarkjs run on them:
witness, proof, verification. The proving is snarkjs' own; this module only finds the files and runs the CLI.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError

ROOT = Path(__file__).resolve().parents[2]
CIRCUIT = "threshold"
# Public signals in the order snarkjs lists them: the order the circuit declares its public inputs.
PUBLIC_SIGNALS = ("commitment", "threshold", "subject_hi", "subject_lo", "scope", "nullifier")
TIMEOUT_S = 120
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class ZkError(AuraError, RuntimeError):
    """The zk artefacts are missing or snarkjs failed."""


class WitnessRejected(ZkError):
    """The circuit's witness calculator refused the inputs: one of its constraints does not hold."""


@dataclass(frozen=True)
class ZkBuild:
    """The compiled circuit and its keys, as circuits/setup.mjs lays them out."""

    directory: Path

    @property
    def r1cs(self) -> Path:
        return self.directory / f"{CIRCUIT}.r1cs"

    @property
    def wasm(self) -> Path:
        return self.directory / f"{CIRCUIT}_js" / f"{CIRCUIT}.wasm"

    @property
    def zkey(self) -> Path:
        return self.directory / f"{CIRCUIT}.zkey"

    @property
    def verification_key(self) -> Path:
        return self.directory / "verification_key.json"

    @property
    def setup_report(self) -> Path:
        return self.directory / "setup.json"


def locate(build_dir: Path | None = None) -> ZkBuild:
    """The artefacts under `build_dir`/zk (default: the project's build/).

    Raises:
        ZkError: one of them is missing (`make zk` makes them).
    """
    build = ZkBuild((build_dir or ROOT / "build") / "zk")
    for path in (build.r1cs, build.wasm, build.zkey, build.verification_key):
        if not path.is_file():
            raise ZkError(f"{path} is missing: run make zk")
    return build


def snarkjs(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs the project's snarkjs CLI and returns what it did, failed or not.

    Raises:
        ZkError: node_modules has no snarkjs (`npm ci`), or it ran past the timeout.
    """
    binary = ROOT / "node_modules" / ".bin" / "snarkjs"
    if not binary.exists():
        raise ZkError(f"{binary} is missing: run npm ci")
    try:
        return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ZkError(f"snarkjs {args[0]} {args[1]} ran past {TIMEOUT_S} s") from None


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """snarkjs' own `[ERROR] snarkJS: ...` line without its colours and prefix, else its last line of output."""
    lines = [_ANSI.sub("", line).strip() for line in (result.stderr + result.stdout).splitlines()]
    for line in lines:
        if line.startswith("[ERROR] snarkJS: "):
            return line.removeprefix("[ERROR] snarkJS: ")
    return next((line for line in reversed(lines) if line), f"exit status {result.returncode}")


def calculate_witness(build: ZkBuild, inputs: dict[str, int], out: Path) -> None:
    """Writes the witness of `inputs` (every input of the circuit, by name) to `out`.

    Raises:
        WitnessRejected: a constraint does not hold; the message is the witness calculator's own.
    """
    with tempfile.TemporaryDirectory(prefix="aura-zk-") as tmp:
        input_file = Path(tmp) / "input.json"
        input_file.write_text(json.dumps({name: str(value) for name, value in inputs.items()}))
        result = snarkjs("wtns", "calculate", str(build.wasm), str(input_file), str(out))
    if result.returncode != 0 or not out.is_file():
        raise WitnessRejected(error_line(result))


def check_witness(build: ZkBuild, witness: Path) -> str | None:
    """None when the witness satisfies every constraint of the r1cs, else snarkjs' warnings, e.g.
    `aborting checking process at constraint 19; WITNESS IS NOT CORRECT`."""
    result = snarkjs("wtns", "check", str(build.r1cs), str(witness))
    output = _ANSI.sub("", result.stdout)
    if result.returncode == 0 and "WITNESS IS CORRECT" in output:
        return None
    warnings = [line.removeprefix("[WARN]  snarkJS: ").strip("· ") for line in output.splitlines()
                if line.startswith("[WARN]  snarkJS: ")]
    found = [line for line in warnings if line != "WITNESS CHECKING FINISHED UNSUCCESSFULLY"]
    return "; ".join(found) if found else error_line(result)


def prove(build: ZkBuild, inputs: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    """A Groth16 proof for `inputs` (snarkjs groth16 fullprove): (proof, public signals) in snarkjs' JSON forms.

    Raises:
        WitnessRejected: a constraint does not hold for `inputs`.
        ZkError: snarkjs failed otherwise.
    """
    with tempfile.TemporaryDirectory(prefix="aura-zk-") as tmp:
        witness = Path(tmp) / "witness.wtns"
        calculate_witness(build, inputs, witness)
        proof_file, public_file = Path(tmp) / "proof.json", Path(tmp) / "public.json"
        result = snarkjs("groth16", "prove", str(build.zkey), str(witness), str(proof_file), str(public_file))
        if result.returncode != 0:
            raise ZkError(f"snarkjs groth16 prove: {error_line(result)}")
        return json.loads(proof_file.read_text()), json.loads(public_file.read_text())


def verify(verification_key: dict[str, Any], public_signals: list[str], proof: dict[str, Any]) -> bool:
    """Whether `snarkjs groth16 verify` accepts the proof for these public signals under this key."""
    with tempfile.TemporaryDirectory(prefix="aura-zk-") as tmp:
        files = []
        for name, value in (("vkey", verification_key), ("public", public_signals), ("proof", proof)):
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(value))
            files.append(str(path))
        result = snarkjs("groth16", "verify", *files)
    return result.returncode == 0 and "OK!" in _ANSI.sub("", result.stdout)
