"""Golden assessments: the same features give byte-identical signed payloads in any process, with any
number of threads, whatever the hash seed. The expected bytes are tests/vectors/golden_assessments.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "vectors"))

import golden  # noqa: E402

EXPECTED = json.loads(golden.OUT.read_text())


def test_file_covers_every_case() -> None:
    assert sorted(EXPECTED) == sorted(golden.CASES)


def test_this_process_reproduces_the_file() -> None:
    assert golden.compute() == EXPECTED


@pytest.mark.parametrize("threads", [1, 8])
def test_threads_change_nothing(threads: int) -> None:
    svc = golden.service()
    names = list(golden.CASES) * 6
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda n: (n, svc.assess(golden.params(golden.CASES[n]))), names))
    for name, out in results:
        assert {k: out[k] for k in golden.SIGNED} == EXPECTED[name]


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_other_processes_reproduce_the_file(hash_seed: str) -> None:
    code = "import json, sys; sys.path.insert(0, 'tests/vectors'); import golden; print(json.dumps(golden.compute()))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert json.loads(out.stdout) == EXPECTED


def test_cases_are_told_apart() -> None:
    by = {name: EXPECTED[name] for name in golden.CASES}
    assert by["careful borrower"]["tier"] == 2 and by["careful borrower"]["terms"]["decision"] == "offer"
    assert by["liquidated trader"]["score"] < 300 and by["liquidated trader"]["terms"]["decision"] == "decline"
    assert "repeat_liquidation" in by["liquidated trader"]["rules"]
    assert by["airdrop farmer"]["rules"] == ["fresh_burst"] and by["airdrop farmer"]["score"] <= 450
    assert by["careful borrower"]["score"] > by["idle holder"]["score"] > by["airdrop farmer"]["score"] \
        > by["liquidated trader"]["score"]
