"""circuits/threshold.circom with the artefacts of `make zk`: a valid proof verifies; no witness exists for a score
below the threshold or over 1000, another blinding, another subject or another nullifier (the calculator stops
at the constraint's own line, named here from the source); a witness changed by hand after the calculator wrote it
fails the r1cs itself; and tests/vectors/zk.json verifies as stored."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from node.zk import snarkjs
from node.zk.poseidon_commitment import commitment, limbs, nullifier, poseidon
from tests.integration.zk.witness_file import read_witness, write_wire

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "circuits" / "threshold.circom"
VECTOR = json.loads((ROOT / "tests" / "vectors" / "zk.json").read_text())
# The main template's instance name in circom 2.2.3's messages (the pinned circom2 0.2.23 with circomlib 2.0.5).
MAIN = "ScoreThreshold_149"
SUBJECT = hashlib.sha256(b"aura test zk circuit subject").digest()[:20]  # an EVM address
BLINDING = 987654321987654321
SCOPE = 42


def line_of(statement: str) -> int:
    """The line of `statement` in the circuit source (it appears once)."""
    lines = [n for n, text in enumerate(SOURCE.read_text().splitlines(), 1) if text.strip() == statement]
    assert len(lines) == 1, statement
    return lines[0]


def assert_failed(template: str, line: int) -> str:
    return f"Error: Error: Assert Failed. Error in template {template} line: {line}"


def inputs(score: int, threshold: int, *, blinding: int = BLINDING, subject: bytes = SUBJECT,
           committed: tuple[int, int, bytes] | None = None) -> dict[str, int]:
    """Circuit inputs proving `score` against the commitment of `committed` (score, blinding, subject), by default
    the commitment of the very score, blinding and subject given, with the nullifier of the given blinding. The
    commitment is Poseidon's own, so that scores `commitment()` refuses (over 1000) can be committed too."""
    hi, lo = limbs(subject)
    c_score, c_blinding, c_subject = committed or (score, blinding, subject)
    return {
        "commitment": poseidon([c_score, c_blinding, *limbs(c_subject)]),
        "threshold": threshold,
        "subject_hi": hi,
        "subject_lo": lo,
        "scope": SCOPE,
        "nullifier": nullifier(blinding, SCOPE),
        "score": score,
        "blinding": blinding,
    }


def rejection(build: snarkjs.ZkBuild, tmp_path: Path, circuit_inputs: dict[str, int]) -> str:
    with pytest.raises(snarkjs.WitnessRejected) as info:
        snarkjs.calculate_witness(build, circuit_inputs, tmp_path / "w.wtns")
    return str(info.value)


def test_the_circuit_source_assigns_no_signal_without_a_constraint() -> None:
    assert "<--" not in SOURCE.read_text()
    assert "-->" not in SOURCE.read_text()


def test_the_compiler_inspection_finds_nothing_in_the_circuit_own_templates() -> None:
    # No output flag: circom2 only parses, checks and inspects (it reaches only its working directory, ROOT).
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "circom2"), "circuits/threshold.circom", "--O2", "--inspect",
         "-l", "node_modules"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert result.returncode == 0, output
    warnings = [line for line in output.splitlines() if line.startswith(("warning", "error"))]
    # The one warning is inside circomlib's LessThan, which reads only the top bit of its Num2Bits: the other bits
    # exist to range-check the difference.
    assert warnings == [
        'warning[CA02]: In template "LessThan(10)": Array of subcomponent input/output signals n2b.out contains a '
        "total of 10 signals that do not appear in any constraint of the father component"]


def test_the_setup_report_counts_the_circuit_constraints(zk_build: snarkjs.ZkBuild) -> None:
    report = json.loads(zk_build.setup_report.read_text())
    assert (report["constraints"], report["power"]) == (577, 10)


def test_the_witness_holds_the_python_commitment_and_satisfies_the_r1cs(
        zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    witness = tmp_path / "w.wtns"
    good = inputs(700, 600)
    snarkjs.calculate_witness(zk_build, good, witness)
    wires = read_witness(witness)
    # wire 0 is the constant 1, then the public inputs in their declared order
    assert wires[:7] == [1, *(good[name] for name in snarkjs.PUBLIC_SIGNALS)]
    assert snarkjs.check_witness(zk_build, witness) is None


def test_a_commitment_one_off_the_python_one_has_no_witness(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    bad = inputs(700, 600) | {"commitment": commitment(700, BLINDING, SUBJECT) + 1}
    assert rejection(zk_build, tmp_path, bad) == assert_failed(MAIN, line_of("opening.out === commitment;"))


def test_a_proof_verifies_and_binds_every_public_signal(zk_build: snarkjs.ZkBuild) -> None:
    proof, public = snarkjs.prove(zk_build, inputs(600, 600))
    key = json.loads(zk_build.verification_key.read_text())
    assert snarkjs.verify(key, public, proof)
    lowered = [public[0], "500", *public[2:]]
    assert not snarkjs.verify(key, lowered, proof)
    other_nullifier = [*public[:5], str(int(public[5]) + 1)]
    assert not snarkjs.verify(key, other_nullifier, proof)


def test_no_witness_for_a_score_below_the_threshold(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    assert rejection(zk_build, tmp_path, inputs(599, 600)) == assert_failed(MAIN, line_of("clears.out === 1;"))


def test_no_witness_for_a_score_over_1000(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    assert rejection(zk_build, tmp_path, inputs(1001, 600)) == assert_failed(MAIN, line_of("atMostMax.out === 1;"))


def test_no_witness_for_a_score_past_the_range_check(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    # 1024 needs 11 bits: circomlib's Num2Bits (bitify.circom, `lc1 === in;`) refuses it before any comparison.
    assert rejection(zk_build, tmp_path, inputs(1024, 600)) == assert_failed("Num2Bits_0", 38)


def test_no_witness_for_another_blinding(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    other = inputs(700, 600, blinding=BLINDING + 1, committed=(700, BLINDING, SUBJECT))
    assert rejection(zk_build, tmp_path, other) == assert_failed(MAIN, line_of("opening.out === commitment;"))


def test_no_witness_for_another_subject(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    other = inputs(700, 600, subject=bytes(20), committed=(700, BLINDING, SUBJECT))
    assert rejection(zk_build, tmp_path, other) == assert_failed(MAIN, line_of("opening.out === commitment;"))


def test_no_witness_for_a_nullifier_of_another_scope(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    other = inputs(700, 600) | {"nullifier": nullifier(BLINDING, SCOPE + 1)}
    assert rejection(zk_build, tmp_path, other) == assert_failed(MAIN, line_of("spend.out === nullifier;"))


def test_a_valid_witness_with_its_threshold_raised_by_hand_fails_the_r1cs(
        zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    # What a circuit that assigned its comparison instead of constraining it would accept: the calculator is
    # bypassed, and the constraints alone must refuse.
    witness = tmp_path / "w.wtns"
    snarkjs.calculate_witness(zk_build, inputs(700, 600), witness)
    write_wire(witness, 1 + snarkjs.PUBLIC_SIGNALS.index("threshold"), 800)
    assert snarkjs.check_witness(zk_build, witness) == "aborting checking process at constraint 19; WITNESS IS NOT CORRECT"


def test_the_vector_verifies_as_stored() -> None:
    assert snarkjs.verify(VECTOR["verification_key"], VECTOR["public_signals"], VECTOR["proof"])
    tampered = [*VECTOR["public_signals"][:1], str(int(VECTOR["public_signals"][1]) + 1), *VECTOR["public_signals"][2:]]
    assert not snarkjs.verify(VECTOR["verification_key"], tampered, VECTOR["proof"])


def test_the_vector_inputs_have_a_witness(zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    stored = VECTOR["inputs"]
    circuit_inputs = {name: int(value) for name, value in zip(snarkjs.PUBLIC_SIGNALS, VECTOR["public_signals"])}
    circuit_inputs |= {"score": stored["score"], "blinding": int(stored["blinding"])}
    snarkjs.calculate_witness(zk_build, circuit_inputs, tmp_path / "w.wtns")
    assert snarkjs.check_witness(zk_build, tmp_path / "w.wtns") is None
