"""The commitment an enclave signs opens in circuits/threshold.circom: for an EVM, a Solana and a Sui request, two
enclaves of a quorum sharing a commitment secret sign the same Poseidon commitment; the blinding recomputed from
that secret, the request id and the subject, with the signed score, gives a witness, and snarkjs' proof against
exactly the signed commitment verifies. The blinding of an enclave's own unshared secret does not open it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chains.core.base58 import b58decode
from chains.solana import payload as solana
from chains.sui import payload as sui
from node.enclave.commitment import blinding
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.zk import snarkjs
from node.zk.poseidon_commitment import limbs, nullifier
from tests.unit.enclave.conftest import features, params, request

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "tests" / "vectors"
NOW = 1_750_000_000
SHARED = hashlib.sha256(b"aura test zk quorum commitment secret").digest()
KEYS = (hashlib.sha256(b"aura test zk quorum key a").digest(), hashlib.sha256(b"aura test zk quorum key b").digest())
THRESHOLD = 600
SCOPE = 7
MAIN = "ScoreThreshold_149"  # as in test_zk_circuit.py
OPENING_LINE = next(n for n, text in enumerate((ROOT / "circuits" / "threshold.circom").read_text().splitlines(), 1)
                    if text.strip() == "opening.out === commitment;")


def family_params(family: str) -> dict[str, Any]:
    """`assess` params of one request per family, for the same features at block 123."""
    if family == "evm":
        return params(request(NOW), features(NOW))
    if family == "solana":
        req = json.loads((VECTORS / "solana.json").read_text())["params"]["request"]
    else:
        req = json.loads((VECTORS / "sui.json").read_text())["cases"]["first"]["params"]["request"]
    return {"request": req | {"expires_at": NOW + 3600, "block_number": 123}, "features": features(NOW)}


def raw(family: str, text: str) -> bytes:
    """A request id or subject of `family` as its bytes."""
    return b58decode(text) if family == "solana" else bytes.fromhex(text[2:])


def signed_commitment(family: str, out: dict[str, Any]) -> bytes:
    """The commitment inside the bytes the enclave signed (typed data, payload, intent message)."""
    if family == "evm":
        return bytes.fromhex(out["typed_data"]["message"]["commitment"][2:])
    signed, layout = ((out["payload"], solana.PAYLOAD_LAYOUT) if family == "solana"
                      else (out["intent_message"], sui.PAYLOAD_LAYOUT))
    offset, size = next((o, n) for o, n, name in layout if name == "commitment")
    return bytes.fromhex(signed[2:])[offset:offset + size]


def circuit_inputs(score: int, blind: int, subject: bytes, committed: bytes) -> dict[str, int]:
    hi, lo = limbs(subject)
    return {"commitment": int.from_bytes(committed, "big"), "threshold": THRESHOLD, "subject_hi": hi,
            "subject_lo": lo, "scope": SCOPE, "nullifier": nullifier(blind, SCOPE), "score": score, "blinding": blind}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(load_config())


@pytest.mark.parametrize("family", ["evm", "solana", "sui"])
def test_the_signed_commitment_opens_with_the_blinding_recomputed_from_the_shared_secret(
        family: str, engine: Engine, zk_build: snarkjs.ZkBuild) -> None:
    wire = family_params(family)
    outs = [EnclaveService(EnclaveKey(k, SHARED), measure(), engine, clock=lambda: NOW).assess(copy.deepcopy(wire))
            for k in KEYS]
    assert outs[0]["signer"] != outs[1]["signer"] and outs[0]["commitment"] == outs[1]["commitment"]
    committed = signed_commitment(family, outs[0])
    assert "0x" + committed.hex() == outs[0]["commitment"] and outs[0]["score"] >= THRESHOLD
    subject = raw(family, wire["request"]["subject"])
    blind = blinding(SHARED, raw(family, wire["request"]["request_id"]), subject)
    proof, public = snarkjs.prove(zk_build, circuit_inputs(outs[0]["score"], blind, subject, committed))
    assert public[0] == str(int.from_bytes(committed, "big"))
    assert snarkjs.verify(json.loads(zk_build.verification_key.read_text()), public, proof)


def test_an_enclave_s_own_secret_does_not_open_the_quorum_s_commitment(
        engine: Engine, zk_build: snarkjs.ZkBuild, tmp_path: Path) -> None:
    wire = family_params("evm")
    out = EnclaveService(EnclaveKey(KEYS[0], SHARED), measure(), engine, clock=lambda: NOW).assess(wire)
    own = EnclaveKey(KEYS[0]).commitment_secret
    subject = raw("evm", wire["request"]["subject"])
    blind = blinding(own, raw("evm", wire["request"]["request_id"]), subject)
    with pytest.raises(snarkjs.WitnessRejected) as refused:
        snarkjs.calculate_witness(
            zk_build, circuit_inputs(out["score"], blind, subject, bytes.fromhex(out["commitment"][2:])),
            tmp_path / "w.wtns")
    assert str(refused.value) == f"Error: Error: Assert Failed. Error in template {MAIN} line: {OPENING_LINE}"
