"""What an operator serves its peers for a request (`GET /peer/v1/assessments/{key}`), and its reading.

An answer is the enclave's signed assessment as the store keeps it (score fields, `signer`, and the family's
envelope: `digest`, `signature`, family fields) and the features, in wire form, it was scored from. The
signature authenticates the assessment (chains/codec.py `signer_address`); the features are checked against the
assessment's `features_hash` and serve to name what differs when two operators disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.core.features import features_hash

ANSWER_KEYS = frozenset({"key", "assessment", "features"})


@dataclass(frozen=True)
class SignedAnswer:
    """One request's signed assessment and its features (None: the store kept none, or they were not asked for)."""

    key: str
    assessment: Mapping[str, Any]
    features: Mapping[str, Any] | None

    @property
    def digest(self) -> str:
        """The signed payload's digest, `0x` and lower-case hex: equal digests are equal payloads."""
        return str(self.assessment["digest"]).lower()

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "assessment": dict(self.assessment),
                "features": None if self.features is None else dict(self.features)}

    @classmethod
    def from_json(cls, body: Any) -> SignedAnswer:
        """Read a peer's answer; the signature is checked apart (it needs the request's family).

        Raises:
            ValueError: a key is missing, unknown or of the wrong type, or the features do not hash to the
                assessment's `features_hash`; the message names it.
        """
        if not isinstance(body, dict):
            raise ValueError("the answer is not a JSON object")
        if set(body) != ANSWER_KEYS:
            extra, missing = sorted(set(body) - ANSWER_KEYS), sorted(ANSWER_KEYS - set(body))
            raise ValueError("the answer's keys are not key, assessment, features"
                             + (f" (unknown: {', '.join(extra)})" if extra else "")
                             + (f" (missing: {', '.join(missing)})" if missing else ""))
        key, assessment, features = body["key"], body["assessment"], body["features"]
        if not isinstance(key, str):
            raise ValueError("key: must be a string")
        if not isinstance(assessment, dict):
            raise ValueError("assessment: must be an object")
        for field in ("digest", "signature", "features_hash"):
            if not isinstance(assessment.get(field), str):
                raise ValueError(f"assessment.{field}: must be a string")
        if features is not None:
            if not isinstance(features, dict):
                raise ValueError("features: must be an object or null")
            if "0x" + features_hash(features).hex() != assessment["features_hash"].lower():
                raise ValueError("features: do not hash to the assessment's features_hash")
        return cls(key=key, assessment=assessment, features=features)
