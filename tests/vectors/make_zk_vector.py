"""Write tests/vectors/zk.json: one score-threshold proof of circuits/threshold.circom, in snarkjs' own JSON forms.

Run from the project root after `make zk`: `.venv/bin/python tests/vectors/make_zk_vector.py`. The inputs are
fixed: the subject, scope, commitment secret and request id are sha256 of labels, and the blinding is the one the
enclave derives from that secret for that request and subject (node/enclave/commitment.py), so the commitment is
exactly the one an enclave holding the secret signs for a score of 712 (checked against the enclave's
`score_commitment` and node/zk/poseidon_commitment.py's `commitment`); the nullifier comes from
node/zk/poseidon_commitment.py; the proof from `snarkjs groth16 prove` with the proving key of build/zk. Before anything is written, the public signals snarkjs reports are checked against the Python
commitment, limbs and nullifier, and `snarkjs groth16 verify` must accept the proof under the stored key, so
`snarkjs groth16 verify` checks the file's `verification_key`, `public_signals` and `proof` as they are.

The key is the one of the build's single-party development ceremony: re-running after a new `make zk` writes a
new key and proof for the same inputs, commitment and nullifier.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from node.enclave.commitment import blinding, score_commitment  # noqa: E402
from node.zk import snarkjs  # noqa: E402
from node.zk.poseidon_commitment import commitment, limbs, nullifier  # noqa: E402

OUT = Path(__file__).with_name("zk.json")

SCORE = 712
THRESHOLD = 600
SUBJECT = hashlib.sha256(b"aura test zk subject").digest()  # 32 bytes, as a Solana or Sui address
COMMITMENT_SECRET = hashlib.sha256(b"aura test zk commitment secret").digest()  # an enclave's (or its quorum's)
REQUEST_ID = hashlib.sha256(b"aura test zk request").digest()
BLINDING = blinding(COMMITMENT_SECRET, REQUEST_ID, SUBJECT)
SCOPE = int.from_bytes(hashlib.sha256(b"aura test zk scope").digest()[:20], "big")  # a protocol's EVM address


def circuit_inputs() -> dict[str, int]:
    """Every input of the circuit, by name, for the vector's score, blinding, subject, threshold and scope."""
    hi, lo = limbs(SUBJECT)
    return {
        "commitment": commitment(SCORE, BLINDING, SUBJECT),
        "threshold": THRESHOLD,
        "subject_hi": hi,
        "subject_lo": lo,
        "scope": SCOPE,
        "nullifier": nullifier(BLINDING, SCOPE),
        "score": SCORE,
        "blinding": BLINDING,
    }


def main() -> int:
    build = snarkjs.locate()
    inputs = circuit_inputs()
    if score_commitment(SCORE, BLINDING, SUBJECT) != inputs["commitment"].to_bytes(32, "big"):
        print("the enclave's commitment differs from Poseidon(score, blinding, subject limbs)", file=sys.stderr)
        return 1
    proof, public_signals = snarkjs.prove(build, inputs)
    expected = [str(inputs[name]) for name in snarkjs.PUBLIC_SIGNALS]
    if public_signals != expected:
        print(f"public signals {public_signals} != {expected}", file=sys.stderr)
        return 1
    verification_key = json.loads(build.verification_key.read_text())
    if not snarkjs.verify(verification_key, public_signals, proof):
        print("snarkjs groth16 verify rejected the new proof", file=sys.stderr)
        return 1
    vector = {
        "description": "Score-threshold proof of circuits/threshold.circom (tests/vectors/make_zk_vector.py)",
        "inputs": {
            "score": SCORE,
            "threshold": THRESHOLD,
            "commitment_secret": "0x" + COMMITMENT_SECRET.hex(),
            "request_id": "0x" + REQUEST_ID.hex(),
            "blinding": str(BLINDING),
            "subject": "0x" + SUBJECT.hex(),
            "scope": str(SCOPE),
        },
        "subject_limbs": [str(limb) for limb in limbs(SUBJECT)],
        "commitment": str(inputs["commitment"]),
        "nullifier": str(inputs["nullifier"]),
        "public_signal_names": list(snarkjs.PUBLIC_SIGNALS),
        "verification_key": verification_key,
        "proof": proof,
        "public_signals": public_signals,
    }
    OUT.write_text(json.dumps(vector, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
