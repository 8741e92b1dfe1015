"""The committed TypeScript modules clients type from (contracts/abi/*.ts for viem and ethers, and
programs/aura_oracle/types/aura_oracle.ts for Anchor) compile under `tsc --strict` (npm typescript, pinned) in a
consumer that reads and decodes with them, and give real types: typecheck/evm.ts and solana.ts hold
`@ts-expect-error` lines that tsc itself fails on when the types they expect to reject are accepted."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"
PROJECT = Path(__file__).with_name("typecheck")


def tsc(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["node", str(TSC), "-p", str(project)], capture_output=True, text=True, timeout=300,
                          check=False, cwd=ROOT)


def test_consumers_type_check_against_the_committed_abi_and_idl_types() -> None:
    out = tsc(PROJECT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_wrongly_typed_read_fails_to_compile(tmp_path: Path) -> None:
    """The same consumers with one read given the wrong type: tsc names it, so the pass above is not vacuous."""
    project = tmp_path / "typecheck"
    project.mkdir()
    for name in ("evm.ts", "solana.ts"):
        (project / name).write_text((PROJECT / name).read_text().replace("../../../", f"{ROOT}/"))
    config = json.loads((PROJECT / "tsconfig.json").read_text())
    config["compilerOptions"]["paths"] = {"*": [f"{ROOT}/node_modules/*"]}  # packages from the project's tree
    (project / "tsconfig.json").write_text(json.dumps(config))
    solana = project / "solana.ts"
    solana.write_text(solana.read_text().replace("const value: number = s.score;", "const value: string = s.score;"))
    out = tsc(project)
    errors = [line.split("/typecheck/", 1)[1] for line in out.stdout.splitlines()]
    assert (out.returncode, errors) == (2, ["solana.ts(15,9): error TS2322: Type 'number' is not assignable to type 'string'.",
                                            "solana.ts(18,12): error TS2322: Type 'string' is not assignable to type 'number'."])
