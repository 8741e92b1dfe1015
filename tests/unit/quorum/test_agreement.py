"""Agreement between our signed answer and a peer's (node/quorum/agreement.py): equal digests agree; otherwise a
Disagreement naming the features and signed facts that differ, logged and counted once per peer."""

from __future__ import annotations

import logging

import pytest

from node.metrics import REGISTRY
from node.quorum.agreement import Disagreement, Disagreements, compare, differing
from node.quorum.answer import SignedAnswer
from tests.unit.quorum.operators import FEATURES, KEY, answer, operator

LIAR_FEATURES = {**FEATURES, "balance_wei": "9000000000000000000", "history": {**FEATURES["history"], "tx_30d": 90}}


def count(peer: str) -> float:
    return REGISTRY.get_sample_value("aura_peer_disagreements_total", {"peer": peer}) or 0.0


def test_two_operators_signing_the_same_payload_agree() -> None:
    ours, theirs = answer(operator(1)), answer(operator(2))
    assert ours.assessment["signature"] != theirs.assessment["signature"]
    assert compare(ours, theirs, "bob") is None


def test_a_peer_scoring_invented_features_disagrees_by_name() -> None:
    ours, theirs = answer(operator(1)), answer(operator(2), LIAR_FEATURES, score=810)
    found = compare(ours, theirs, "bob")
    assert found == Disagreement(key=KEY, peer="bob", ours=ours.digest, theirs=theirs.digest,
                                 features=("balance_wei", "history.tx_30d"), facts=("score", "features_hash"))
    assert str(found) == (f"peer bob signed {theirs.digest} for {KEY}, we signed {ours.digest}; features differing: "
                          "balance_wei, history.tx_30d; signed facts differing: score, features_hash")


def test_features_present_on_one_side_only_differ() -> None:
    assert differing({"a": 1, "h": {"x": 1}}, {"a": 1, "h": {"x": 1, "y": None}, "b": {}}) == ("b", "h.y")
    assert differing(FEATURES, dict(FEATURES)) == ()


def test_without_the_peer_s_features_none_are_named() -> None:
    ours = answer(operator(1))
    theirs = answer(operator(2), LIAR_FEATURES)
    found = compare(ours, SignedAnswer(key=KEY, assessment=theirs.assessment, features=None), "bob")
    assert found is not None and (found.features, found.facts) == ((), ("features_hash",))


def test_a_disagreement_is_logged_and_counted_once(caplog: pytest.LogCaptureFixture) -> None:
    ours = answer(operator(1))
    first = compare(ours, answer(operator(2), LIAR_FEATURES), "carol")
    second = compare(ours, answer(operator(2), LIAR_FEATURES, score=999), "carol")
    assert first is not None and second is not None
    record = Disagreements()
    before = count("carol")
    with caplog.at_level(logging.WARNING, logger="aura.quorum"):
        assert [record.record(first), record.record(first), record.record(second)] == [True, False, True]
    assert count("carol") == before + 2
    logged = [r for r in caplog.records if r.name == "aura.quorum"]
    assert [r.getMessage() for r in logged] == ["peer disagrees", "peer disagrees"]
    assert logged[0].f == {"key": KEY, "peer": "carol", "ours": ours.digest, "theirs": first.theirs,  # type: ignore[attr-defined]
                           "features": ["balance_wei", "history.tx_30d"], "facts": ["features_hash"]}


def test_only_the_last_disagreements_are_remembered() -> None:
    ours = answer(operator(1))
    first = compare(ours, answer(operator(2), LIAR_FEATURES), "dave")
    second = compare(ours, answer(operator(2), LIAR_FEATURES, score=999), "dave")
    assert first is not None and second is not None
    record = Disagreements(remembered=1)
    assert [record.record(first), record.record(second), record.record(first)] == [True, True, True]
    assert count("dave") == 3
