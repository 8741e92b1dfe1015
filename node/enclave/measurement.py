"""The enclave measurement: sha256 over the code, model artefacts and scoring config it runs with.

Parts, each `[path, sha256 hex]`, sorted by path:
- every Python file the enclave process runs (CODE_GLOBS, paths relative to the project root): the leaf
  `chains/core`, the family registry with each family's config, codec and wallet-control check
  (`owner_message`, and `siwe` where the chain has a sign-in standard), `node/enclave` and `node/scoring`, and
  the Poseidon commitment of `node/zk` (not its prover, which runs on the host),
- `artefact:<name>`: the sha256 of each artefact file the scoring config names (PD model, anomaly model,
  rules; node/scoring/engine.py), as read by the engine that will run,
- `scoring_config`: the sha256 of the scoring config's canonical JSON (sorted keys, no spaces, ASCII),
  whichever file it was loaded from.

measurement = sha256(canonical JSON of {"parts": parts, "version": 1}). `measurement_of(parts)` recomputes
it, so anyone holding an attestation document can check its parts against its measurement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.scoring.config import LoadedConfig, load_config
from node.scoring.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MEASUREMENT_VERSION = 1
SCORING_CONFIG_PART = "scoring_config"
CODE_GLOBS = (
    "chains/core/**/*.py", "chains/*.py", "chains/*/__init__.py", "chains/*/config.py", "chains/*/codec.py",
    "chains/*/payload.py", "chains/*/proof.py", "chains/*/owner_message.py", "chains/*/siwe.py",
    "node/enclave/**/*.py", "node/scoring/**/*.py",
    "node/zk/__init__.py", "node/zk/poseidon_commitment.py",
)


@dataclass(frozen=True)
class Measurement:
    digest: bytes
    parts: tuple[tuple[str, str], ...]

    @property
    def hex(self) -> str:
        return "0x" + self.digest.hex()

    def to_dict(self) -> dict[str, Any]:
        return {"measurement": self.hex, "parts": [list(p) for p in self.parts]}


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measurement_of(parts: Iterable[tuple[str, str] | list[str]]) -> bytes:
    listing = sorted([str(path), str(digest)] for path, digest in parts)
    body = json.dumps(
        {"parts": listing, "version": MEASUREMENT_VERSION}, sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(body.encode()).digest()


def code_parts(root: Path = PROJECT_ROOT) -> list[tuple[str, str]]:
    files: set[Path] = set()
    for pattern in CODE_GLOBS:
        files.update(p for p in root.glob(pattern) if p.is_file())
    return [(p.relative_to(root).as_posix(), _sha256_file(p)) for p in files]


def measure_engine(engine: Engine, config: LoadedConfig, root: Path = PROJECT_ROOT) -> Measurement:
    """The measurement of a loaded engine: code, its config's canonical JSON and the artefacts it read."""
    parts = sorted(code_parts(root) + [(SCORING_CONFIG_PART, config.sha256)] + list(engine.parts))
    return Measurement(digest=measurement_of(parts), parts=tuple(parts))


def measure_loaded(config: LoadedConfig, root: Path = PROJECT_ROOT) -> Measurement:
    """The measurement for an already loaded scoring config and the artefacts it names."""
    return measure_engine(Engine.load(config), config, root)


def measure(scoring_config_path: str | Path | None = None) -> Measurement:
    """Measure this checkout with the given scoring config (the packaged scorecard.json when None)."""
    return measure_loaded(load_config(scoring_config_path))
