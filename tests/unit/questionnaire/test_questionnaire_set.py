"""The questionnaire reader's labelled set and its scoring (node/workshop/model/questionnaire_eval.py): every line
is a valid questionnaire with a label for each claim, the two splits share nothing, and the figures follow from
what a reader answers (shown here with readers that answer from the labels; the model's own run is the command
`aura model evaluate --protocol questionnaire-heldout`)."""

from __future__ import annotations

from collections import Counter

from node.scoring.llm import LABELS, Claims
from node.scoring.questionnaire import Questionnaire
from node.workshop.model import questionnaire_eval as qe


def test_the_set_is_large_bilingual_and_the_splits_share_nothing() -> None:
    dev, held = qe.load("dev"), qe.load("heldout")
    assert len(dev) + len(held) >= 200 and len(held) >= 100
    assert not {i.id for i in dev} & {i.id for i in held}
    assert not {i.questionnaire.answers for i in dev} & {i.questionnaire.answers for i in held}
    for items in (dev, held):
        assert set(Counter(i.language for i in items)) == {"en", "id"}
        assert Counter(i.style for i in items)["injection"] >= 8
        for claim, labels in LABELS.items():
            assert set(labels) <= {i.labels[claim] for i in items}, claim  # every label occurs


def test_a_reader_that_answers_the_gold_labels_scores_everything() -> None:
    gold = {i.questionnaire: i.labels for i in qe.load("heldout")}

    def perfect(q: Questionnaire) -> Claims:
        return Claims(**gold[q])

    report = qe.evaluate("questionnaire-heldout", read=perfect)
    assert (report["accuracy"], report["aim_met"], report["misread"], report["injection_claims_put_in"]) == (
        1.0, True, [], 0)
    assert report["claims"] == 4 * report["questionnaires"]


def test_a_reader_that_always_says_unknown_scores_the_share_of_unknowns() -> None:
    held = qe.load("heldout")

    def silent(q: Questionnaire) -> Claims:
        return Claims()

    report = qe.evaluate("questionnaire-heldout", read=silent)
    unknowns = {c: sum(i.labels[c] == "unknown" for i in held) for c in LABELS}
    assert report["per_claim"] == {c: round(unknowns[c] / len(held), 4) for c in LABELS}
    assert report["accuracy"] == round(sum(unknowns.values()) / (4 * len(held)), 4)
    majority = qe.majority(qe.load("dev"))
    assert {c: b["label"] for c, b in report["baseline_majority"].items()} == majority
