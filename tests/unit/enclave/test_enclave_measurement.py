"""The measurement covers code, model artefacts and the scoring config, and nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from node.enclave.measurement import PROJECT_ROOT, SCORING_CONFIG_PART, measure, measure_loaded, measurement_of
from node.scoring import load_config

DEFAULT_CONFIG = PROJECT_ROOT / "node/scoring/scorecard.json"


def test_parts_and_determinism() -> None:
    m = measure()
    assert m == measure() == measure(DEFAULT_CONFIG)
    paths = [p for p, _ in m.parts]
    assert paths == sorted(paths)
    assert SCORING_CONFIG_PART in paths
    for expected in ("node/enclave/server.py", "node/enclave/keys.py", "node/scoring/scorecard.py", "node/scoring/flags.py",
                     "chains/core/secp256k1.py", "chains/registry.py", "chains/evm/codec.py", "chains/sui/payload.py",
                     "node/zk/poseidon_commitment.py"):
        assert expected in paths
    assert all(p == SCORING_CONFIG_PART or p.startswith(("node/enclave/", "node/scoring/", "node/zk/", "chains/", "artefact:"))
               for p in paths)
    assert not any(p.endswith(("adapter.py", "transaction.py", "graphql.py", "snarkjs.py")) for p in paths)  # host-side
    assert not any("__pycache__" in p or p.endswith(".json") for p in paths)
    assert [p for p in paths if p.startswith("artefact:")] == [
        "artefact:anomaly_model", "artefact:llm_model", "artefact:pd_model", "artefact:rules"]
    assert measurement_of(m.parts) == m.digest and len(m.digest) == 32
    assert m.hex == "0x" + m.digest.hex()
    assert m.to_dict()["measurement"] == m.hex


def test_changed_scoring_config_changes_measurement(tmp_path: Path) -> None:
    config = json.loads(DEFAULT_CONFIG.read_text())
    config["assessment_ttl_s"] = 1800
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(config))
    assert measure(changed) != measure()
    assert dict(measure(changed).parts)[SCORING_CONFIG_PART] != dict(measure().parts)[SCORING_CONFIG_PART]


def test_formatting_only_changes_do_not(tmp_path: Path) -> None:
    config = json.loads(DEFAULT_CONFIG.read_text())
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(dict(reversed(list(config.items()))), indent=7))
    assert measure(reformatted) == measure()


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    for rel in ("node/enclave/a.py", "node/enclave/sub/b.py", "node/scoring/c.py", "node/other/ignored.py"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {rel}\n")
    (tmp_path / "node/enclave/notes.txt").write_text("not code")
    return tmp_path


def test_code_and_artefacts_are_covered(fake_root: Path, tmp_path: Path) -> None:
    loaded = load_config()
    base = measure_loaded(loaded, fake_root)
    code = [p for p, _ in base.parts if not p.startswith("artefact:")]
    assert code == ["node/enclave/a.py", "node/enclave/sub/b.py", "node/scoring/c.py", SCORING_CONFIG_PART]

    (fake_root / "node/other/ignored.py").write_text("# changed\n")
    assert measure_loaded(loaded, fake_root) == base

    (fake_root / "node/enclave/sub/b.py").write_text("# changed\n")
    code_changed = measure_loaded(loaded, fake_root)
    assert code_changed != base

    # an artefact next to a config is read (and measured) instead of the packaged one
    folder = tmp_path / "tuned"
    folder.mkdir()
    shutil.copy(DEFAULT_CONFIG, folder / "scorecard.json")
    rules = json.loads((DEFAULT_CONFIG.parent / "rules.json").read_text())
    rules["rules"][0]["then"]["cap"] = 400
    (folder / "rules.json").write_text(json.dumps(rules))
    tuned = measure_loaded(load_config(folder / "scorecard.json"), fake_root)
    assert dict(tuned.parts)["artefact:rules"] != dict(code_changed.parts)["artefact:rules"]
    assert dict(tuned.parts)["artefact:pd_model"] == dict(code_changed.parts)["artefact:pd_model"]
    assert tuned != code_changed
    (folder / "rules.json").unlink()
    assert measure_loaded(load_config(folder / "scorecard.json"), fake_root) == code_changed
