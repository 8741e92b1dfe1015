"""Reading a peer's answer (node/quorum/answer.py): the shape, and features that must hash to the signed
`features_hash`. The signature is checked by the client (test_peer_client.py)."""

from __future__ import annotations

from typing import Any

import pytest

from node.quorum.answer import SignedAnswer
from tests.unit.quorum.operators import FEATURES, KEY, answer, operator


def body() -> dict[str, Any]:
    return answer(operator(1)).to_json()


def test_round_trip() -> None:
    original = answer(operator(1))
    read = SignedAnswer.from_json(original.to_json())
    assert read == original and read.digest == original.assessment["digest"]


def test_features_may_be_absent() -> None:
    read = SignedAnswer.from_json({**body(), "features": None})
    assert (read.key, read.features) == (KEY, None)


@pytest.mark.parametrize(("change", "error"), [
    (lambda b: [b], "the answer is not a JSON object"),
    (lambda b: {**b, "extra": 1}, "the answer's keys are not key, assessment, features (unknown: extra)"),
    (lambda b: {k: v for k, v in b.items() if k != "features"},
     "the answer's keys are not key, assessment, features (missing: features)"),
    (lambda b: {**b, "key": 7}, "key: must be a string"),
    (lambda b: {**b, "assessment": "signed"}, "assessment: must be an object"),
    (lambda b: {**b, "assessment": {**b["assessment"], "signature": None}}, "assessment.signature: must be a string"),
    (lambda b: {**b, "features": [1]}, "features: must be an object or null"),
    (lambda b: {**b, "features": {**FEATURES, "tx_count": 58}},
     "features: do not hash to the assessment's features_hash"),
])
def test_refusals(change: Any, error: str) -> None:
    with pytest.raises(ValueError) as refused:
        SignedAnswer.from_json(change(body()))
    assert str(refused.value) == error
