"""The questionnaire document: strict validation (every error with its exact place) and the canonical hash."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from eth_utils import keccak

from chains.core.errors import AuraError
from node.scoring.questionnaire import (
    MAX_ANSWER_CHARS,
    MAX_CANONICAL_BYTES,
    MAX_RAW_BYTES,
    QUESTIONS,
    REQUIRED_IDS,
    Questionnaire,
    QuestionnaireError,
    parse_questionnaire,
    questionnaire_hash,
)

ANSWERS = {
    "controller": "Just me.",
    "purpose": "Stock for my caf\u00e9\nand payroll",
    "liabilities": 'A "small" loan: 500 USDC on Aave \\ nothing else',
    "risk_tolerance": "Low\t\U0001F600",
    "collateral": "ETH",
}
GOLDEN_CANONICAL = (
    b'{"answers":{"collateral":"ETH","controller":"Just me.",'
    b'"liabilities":"A \\"small\\" loan: 500 USDC on Aave \\\\ nothing else",'
    b'"purpose":"Stock for my caf\\u00e9\\nand payroll","risk_tolerance":"Low\\t\\ud83d\\ude00"},"version":1}'
)
GOLDEN_HASH = "135552113927b04d5fc61dc2c38adeea338077a914efbfc2ec95181299714b50"


def doc(**answers: Any) -> dict[str, Any]:
    base = {k: v for k, v in ANSWERS.items() if k != "collateral"}
    base.update(answers)
    return {"version": 1, "answers": {k: v for k, v in base.items() if v is not DROP}}


DROP = object()


def error_of(raw: Any) -> str:
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(raw)
    return str(info.value)


def test_questions_are_stable() -> None:
    assert [(q.id, q.text, q.required) for q in QUESTIONS] == [
        ("controller", "Who controls this wallet?", True),
        ("purpose", "What is the loan for?", True),
        ("liabilities", "What debts or loans do you have now, on-chain or off-chain?", True),
        ("risk_tolerance", "How much risk do you take with this wallet?", True),
        ("collateral", "What would you post as collateral?", False),
    ]
    assert REQUIRED_IDS == ("controller", "purpose", "liabilities", "risk_tolerance")


def test_error_type() -> None:
    assert issubclass(QuestionnaireError, AuraError) and issubclass(QuestionnaireError, ValueError)


def test_valid_document_in_every_form() -> None:
    q = parse_questionnaire(doc())
    assert q.version == 1
    assert q.answers == tuple((k, ANSWERS[k]) for k in REQUIRED_IDS)
    assert q.answer("purpose") == ANSWERS["purpose"] and q.answer("collateral") is None
    text = json.dumps(doc(), indent=2)
    assert parse_questionnaire(text) == q == parse_questionnaire(text.encode()) == parse_questionnaire(q)
    assert parse_questionnaire(doc(collateral="")).answer("collateral") == ""
    assert parse_questionnaire(doc(purpose="")).answer("purpose") == ""  # allowed: reads as "no answer"
    assert parse_questionnaire(doc(purpose="x" * MAX_ANSWER_CHARS)).answer("purpose") == "x" * MAX_ANSWER_CHARS


INVALID: list[tuple[str, Any, str]] = [
    ("not an object", [1], "questionnaire: must be an object"),
    ("json array text", b"[]", "questionnaire: must be an object"),
    ("not json", b"{version: 1}", "questionnaire: not valid JSON: Expecting property name enclosed in double "
                                  "quotes: line 1 column 2 (char 1)"),
    ("NaN", b'{"version": NaN}', "questionnaire: not valid JSON: NaN is not allowed"),
    ("not utf-8", b'{"version": 1, "answers": {"purpose": "\xff"}}', "questionnaire: not UTF-8 (byte offset 39)"),
    ("raw size", b" " * (MAX_RAW_BYTES + 1), f"questionnaire: larger than {MAX_RAW_BYTES} bytes"),
    ("unknown top key", {**doc(), "score": 1000}, "questionnaire.score: unknown key"),
    ("odd top key", {**doc(), "a b\n": 1}, 'questionnaire["a b\\n"]: unknown key'),
    ("version missing", {"answers": doc()["answers"]}, "questionnaire.version: missing"),
    ("version 2", {**doc(), "version": 2}, "questionnaire.version: must be the integer 1"),
    ("version bool", {**doc(), "version": True}, "questionnaire.version: must be the integer 1"),
    ("version string", {**doc(), "version": "1"}, "questionnaire.version: must be the integer 1"),
    ("answers missing", {"version": 1}, "questionnaire.answers: missing"),
    ("answers list", {"version": 1, "answers": ["a"]}, "questionnaire.answers: must be an object"),
    ("unknown id", doc(score="1000"), "questionnaire.answers.score: unknown question"),
    ("missing id", doc(purpose=DROP), "questionnaire.answers.purpose: missing (required)"),
    ("not a string", doc(purpose=7), "questionnaire.answers.purpose: must be a string"),
    ("null answer", doc(controller=None), "questionnaire.answers.controller: must be a string"),
    ("nested answer", doc(liabilities={"a": 1}), "questionnaire.answers.liabilities: must be a string"),
    ("too long", doc(purpose="x" * (MAX_ANSWER_CHARS + 1)),
     "questionnaire.answers.purpose: longer than 1000 characters"),
    ("bell", doc(purpose="ok\x07"), "questionnaire.answers.purpose: control character U+0007 at offset 2"),
    ("carriage return", doc(risk_tolerance="a\r\nb"),
     "questionnaire.answers.risk_tolerance: control character U+000D at offset 1"),
    ("NUL", doc(controller="\x00"), "questionnaire.answers.controller: control character U+0000 at offset 0"),
    ("DEL", doc(controller="a\x7f"), "questionnaire.answers.controller: control character U+007F at offset 1"),
    ("C1 control", doc(controller="\x85"), "questionnaire.answers.controller: control character U+0085 at offset 0"),
    ("lone surrogate", doc(liabilities="x\ud800"),
     "questionnaire.answers.liabilities: lone surrogate U+D800 at offset 1"),
    ("canonical size", doc(**{k: "\U0001F600" * MAX_ANSWER_CHARS for k in REQUIRED_IDS}),
     f"questionnaire: canonical form is 48091 bytes, more than {MAX_CANONICAL_BYTES}"),
    ("duplicate id", b'{"version": 1, "answers": {"controller": "a", "purpose": "b", "purpose": "c", '
                     b'"liabilities": "d", "risk_tolerance": "e"}}',
     "questionnaire.answers.purpose: duplicate key"),
    ("duplicate version", b'{"version": 1, "version": 1, "answers": {"controller": "a", "purpose": "b", '
                          b'"liabilities": "d", "risk_tolerance": "e"}}',
     "questionnaire.version: duplicate key"),
]


@pytest.mark.parametrize(("label", "raw", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_every_error_names_its_place(label: str, raw: Any, message: str) -> None:
    assert error_of(raw) == message


def test_every_problem_is_reported_at_once() -> None:
    bad = {"version": 3, "extra": 1, "answers": {"controller": 1, "purpose": "x" * 1001, "foo": ""}}
    assert error_of(bad) == "; ".join([
        "questionnaire.extra: unknown key",
        "questionnaire.version: must be the integer 1",
        "questionnaire.answers.foo: unknown question",
        "questionnaire.answers.controller: must be a string",
        "questionnaire.answers.purpose: longer than 1000 characters",
        "questionnaire.answers.liabilities: missing (required)",
        "questionnaire.answers.risk_tolerance: missing (required)",
    ])


def test_newline_and_tab_are_allowed() -> None:
    assert parse_questionnaire(doc(purpose="a\nb\tc")).answer("purpose") == "a\nb\tc"


def test_golden_hash() -> None:
    q = parse_questionnaire({"version": 1, "answers": ANSWERS})
    assert q.canonical_bytes() == GOLDEN_CANONICAL
    assert questionnaire_hash(q).hex() == GOLDEN_HASH
    assert keccak(GOLDEN_CANONICAL).hex() == GOLDEN_HASH
    # Key order, whitespace and escapes of the input do not matter; only the values do.
    reordered = json.dumps({"answers": dict(reversed(list(ANSWERS.items()))), "version": 1}, indent=3)
    assert questionnaire_hash(reordered) == questionnaire_hash(reordered.encode()) == bytes.fromhex(GOLDEN_HASH)
    assert len(questionnaire_hash(q)) == 32


def _js_recipe(document: dict[str, Any]) -> bytes:
    """The module docstring's JavaScript recipe, step by step: JSON.stringify on sorted keys, then \\u-escape
    every UTF-16 code unit from U+007F up."""
    def order(value: Any) -> Any:
        return {k: order(value[k]) for k in sorted(value)} if isinstance(value, dict) else value

    stringified = json.dumps(order(document), separators=(",", ":"), ensure_ascii=False)
    units = stringified.encode("utf-16-be")
    out = []
    for i in range(0, len(units), 2):
        unit = int.from_bytes(units[i:i + 2], "big")
        out.append(chr(unit) if unit < 0x7F else f"\\u{unit:04x}")
    return "".join(out).encode("ascii")


@pytest.mark.parametrize("answers", [ANSWERS, {**ANSWERS, "purpose": "\u00e9\u4e2d/\U0001F600\u2028~ \"q\""}])
def test_documented_js_recipe_matches(answers: dict[str, str]) -> None:
    document = {"version": 1, "answers": answers}
    assert _js_recipe(document) == parse_questionnaire(document).canonical_bytes()


def test_hash_changes_with_any_answer_and_rejects_invalid() -> None:
    base = questionnaire_hash(doc())
    assert questionnaire_hash(doc(purpose=ANSWERS["purpose"] + " ")) != base
    assert questionnaire_hash(doc(collateral="")) != base  # an answered optional question is part of it
    with pytest.raises(QuestionnaireError):
        questionnaire_hash(doc(purpose=DROP))


def test_canonical_form_is_ascii_and_compact() -> None:
    answers = {k: "plain" for k in REQUIRED_IDS} | {"purpose": "\u4e2d\u6587 and more"}
    raw = parse_questionnaire({"version": 1, "answers": answers}).canonical_bytes()
    assert raw.isascii() and b": " not in raw and b", " not in raw and b"\n" not in raw
    assert re.search(rb'"purpose":"\\u4e2d\\u6587 and more"', raw)


def test_questionnaire_is_immutable() -> None:
    q = parse_questionnaire(doc())
    assert isinstance(q, Questionnaire)
    with pytest.raises(AttributeError):
        q.version = 2  # type: ignore[misc]
