"""Checking a threshold proof for a caller (docs/api.md, "Checking a proof"): that it proves what it claims about
one request's assessment. A proof is only worth what its public signals are bound to, so each is compared with
what the node signed before the pairing check runs: the commitment with the assessment's, the subject's limbs with
the request's subject, the threshold and scope with the ones the caller says it relies on. Each check is reported
on its own, so a caller sees which one failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from node.enclave.params import parse_request
from node.verdicts import Check
from node.zk import snarkjs
from node.zk.poseidon_commitment import FIELD_MODULUS, limbs


@dataclass(frozen=True)
class Verdict:
    """The checks of one proof, for the request (`request_id`, `subject` in their chain's text forms) it claims."""

    request_id: str
    subject: str
    nullifier: int
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return all(c.ok for c in self.checks)


SIGNED_HERE = "the commitment this node signed for the request"
"""Whose commitment a stored assessment's is, as the commitment check says it."""


class BadSignals(ValueError):
    """The public signals are not the circuit's six field elements in decimal."""


def read_signals(signals: Sequence[Any]) -> dict[str, int]:
    """The public signals by name (snarkjs.PUBLIC_SIGNALS), each a decimal field element.

    Raises:
        BadSignals: naming the first one that is not.
    """
    names = snarkjs.PUBLIC_SIGNALS
    if len(signals) != len(names):
        raise BadSignals(f"public_signals: {len(signals)} given, the circuit has {len(names)} "
                         f"({', '.join(names)})")
    out = {}
    for name, text in zip(names, signals, strict=True):
        if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 78 or \
                (len(text) > 1 and text[0] == "0") or int(text) >= FIELD_MODULUS:
            raise BadSignals(f"public_signals {name}: must be a field element in decimal, without leading zeros")
        out[name] = int(text)
    return out


def check_proof(request: dict[str, Any], assessment: dict[str, Any], threshold: int, scope: int,
                proof: dict[str, Any], signals: Sequence[Any],
                pairing: Callable[[list[str], dict[str, Any]], bool],
                commitment_of: str = SIGNED_HERE) -> Verdict:
    """Every check of `proof` (snarkjs' JSON) with its public `signals` against the stored `request` (the `assess`
    call's request object) and `assessment` (the enclave's answer), for the `threshold` and `scope` the caller
    relies on; `commitment_of` says whose commitment the assessment's is. `pairing` runs the Groth16 verification
    (snarkjs with the circuit's verification key); it runs only
    when every public signal holds, since a proof of other signals proves nothing about this assessment.

    Raises:
        BadSignals: the signals are malformed.
    """
    got = read_signals(signals)
    _, bound = parse_request(request)
    hi, lo = limbs(bound.subject)
    commitment = int(assessment["commitment"], 16)
    checks = [
        _equal("commitment", got["commitment"], commitment, commitment_of),
        _equal("subject", (got["subject_hi"], got["subject_lo"]), (hi, lo), "the request's subject"),
        _equal("threshold", got["threshold"], threshold, "the threshold asked about"),
        _equal("scope", got["scope"], scope, "the scope asked about"),
    ]
    if all(c.ok for c in checks):
        ok = pairing([str(got[name]) for name in snarkjs.PUBLIC_SIGNALS], proof)
        checks.append(Check("proof", ok, "Groth16 verifies under the circuit's verification key" if ok else
                            "Groth16 does not verify under the circuit's verification key"))
    else:
        checks.append(Check("proof", False, "not checked: a public signal is not this assessment's"))
    return Verdict(request["request_id"], request["subject"], got["nullifier"], tuple(checks))


def _equal(name: str, got: Any, want: Any, what: str) -> Check:
    if got == want:
        return Check(name, True, f"equals {what}")
    return Check(name, False, f"{_text(got)} is not {what} ({_text(want)})")


def _text(value: Any) -> str:
    return "/".join(str(v) for v in value) if isinstance(value, tuple) else str(value)


__all__ = ["BadSignals", "Check", "Verdict", "check_proof", "read_signals"]
