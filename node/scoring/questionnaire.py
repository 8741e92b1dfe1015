"""The borrower questionnaire: its questions, strict validation and the hash a request refers to it by.

A borrower may answer a short questionnaire off-chain. The request carries only `questionnaire_hash`; the
host hands the enclave the answers, which the enclave validates here, hashes and compares with that hash
before anything reads them. Only then does the local model extract bounded claims from the answers
(node/scoring/llm.py) for the intent-alignment rules (node/scoring/intent.py).

The document
------------

    {"version": 1, "answers": {"controller": "...", "purpose": "...", "liabilities": "...",
                               "risk_tolerance": "...", "collateral": "..."}}

| id               | question                                                    | required |
|------------------|-------------------------------------------------------------|----------|
| `controller`     | Who controls this wallet?                                   | yes      |
| `purpose`        | What is the loan for?                                       | yes      |
| `liabilities`    | What debts or loans do you have now, on-chain or off-chain? | yes      |
| `risk_tolerance` | How much risk do you take with this wallet?                 | yes      |
| `collateral`     | What would you post as collateral?                          | no       |

Rules (each broken rule is reported as `<place>: <problem>`, every problem of a document at once, joined
by "; "; e.g. `questionnaire.answers.purpose: longer than 1000 characters`):

- the document is a JSON object with exactly the keys `version` (the integer 1) and `answers`;
- `answers` is an object whose keys are question ids above: no unknown id, every required id present;
- every answer is a string (an empty one is allowed and reads as "no answer") of at most
  `MAX_ANSWER_CHARS` Unicode code points, with no control character (U+0000..U+001F, U+007F..U+009F)
  other than newline (U+000A) and tab (U+0009), and no lone surrogate; a carriage return is refused, so
  a form must send line breaks as a bare newline;
- JSON text is UTF-8, at most `MAX_RAW_BYTES` long, with no duplicate key and no NaN/Infinity;
- the canonical form (below) is at most `MAX_CANONICAL_BYTES` long.

Nothing is normalised: the hash covers the exact code points the borrower sent.

Canonical form and hash
-----------------------

`questionnaire_hash` is keccak-256 of the canonical JSON bytes, which a wallet UI reproduces as:

1. an object with the keys in ascending code-point order (`answers` before `version`; inside `answers`,
   the ids sorted the same way: `collateral`, `controller`, `liabilities`, `purpose`, `risk_tolerance`),
   optional ids only when answered (an empty string counts as answered);
2. no whitespace between tokens: separators are exactly `,` and `:`;
3. `version` written as `1`;
4. strings in double quotes, with `"` as `\\"`, `\\` as `\\\\`, newline as `\\n`, tab as `\\t`, every other
   printable ASCII character (U+0020..U+007E, `/` included) as itself, and every other code point as
   `\\u` plus four lowercase hex digits of its UTF-16 code units (a code point above U+FFFF becomes its
   surrogate pair, e.g. U+1F600 is `\\ud83d\\ude00`);
5. the result is pure ASCII; its bytes are hashed.

In JavaScript: `JSON.stringify` of the object built with sorted keys, then
`.replace(/[\\u007f-\\uffff]/g, c => "\\\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))`, then
keccak-256 of the resulting ASCII bytes. Python: `json.dumps(doc, sort_keys=True, separators=(",", ":"),
ensure_ascii=True)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak

from chains.core.errors import AuraError

VERSION = 1
MAX_ANSWER_CHARS = 1_000
MAX_CANONICAL_BYTES = 16_384
MAX_RAW_BYTES = 65_536
_ALLOWED_CONTROLS = frozenset("\n\t")
_PLACE = "questionnaire"


class QuestionnaireError(AuraError, ValueError):
    """The questionnaire is malformed; the message names every problem with its place."""


@dataclass(frozen=True)
class Question:
    """One question: a stable id (part of the canonical form, never renamed) and the text shown."""

    id: str
    text: str
    required: bool


QUESTIONS: tuple[Question, ...] = (
    Question("controller", "Who controls this wallet?", True),
    Question("purpose", "What is the loan for?", True),
    Question("liabilities", "What debts or loans do you have now, on-chain or off-chain?", True),
    Question("risk_tolerance", "How much risk do you take with this wallet?", True),
    Question("collateral", "What would you post as collateral?", False),
)
QUESTION_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
REQUIRED_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS if q.required)


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire. `answers` holds (id, text) pairs in `QUESTIONS` order."""

    version: int
    answers: tuple[tuple[str, str], ...]

    def answer(self, question_id: str) -> str | None:
        """The answer to `question_id`, or None when that (optional) question was not answered."""
        for qid, text in self.answers:
            if qid == question_id:
                return text
        return None

    def as_json(self) -> dict[str, Any]:
        """The document as plain JSON values (what `canonical_bytes` serialises)."""
        return {"version": self.version, "answers": dict(self.answers)}

    def canonical_bytes(self) -> bytes:
        """The canonical JSON of the module docstring: the bytes `questionnaire_hash` covers."""
        return canonical_json(self.as_json())


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, ASCII escapes (see the module docstring)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode(
        "ascii"
    )


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as read, before its keys are checked for duplicates (where the place is known)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _key_place(parent: str, key: object) -> str:
    """`parent.key` for plain ids; a quoted, shortened, ASCII-escaped key otherwise (never raw input)."""
    if isinstance(key, str) and 0 < len(key) <= 40 and key.isascii() and (key.replace("_", "a").isalnum()):
        return f"{parent}.{key}"
    shown = key[:40] if isinstance(key, str) else key
    return f"{parent}[{json.dumps(shown, ensure_ascii=True) if isinstance(shown, str) else repr(shown)}]"


def _as_object(value: object, place: str, problems: list[str]) -> dict[Any, Any] | None:
    """The value as a dict, reporting duplicate keys; None (with a problem) when it is not an object."""
    if isinstance(value, _Pairs):
        seen: dict[Any, Any] = {}
        for key, item in value:
            if key in seen:
                problems.append(f"{_key_place(place, key)}: duplicate key")
            seen[key] = item
        return seen
    if isinstance(value, Mapping):
        return dict(value)
    problems.append(f"{place}: must be an object")
    return None


def _check_text(text: str, place: str, problems: list[str]) -> None:
    if len(text) > MAX_ANSWER_CHARS:
        problems.append(f"{place}: longer than {MAX_ANSWER_CHARS} characters")
        return
    for offset, char in enumerate(text):
        code = ord(char)
        if (code < 0x20 or 0x7F <= code <= 0x9F) and char not in _ALLOWED_CONTROLS:
            problems.append(f"{place}: control character U+{code:04X} at offset {offset}")
            return
        if 0xD800 <= code <= 0xDFFF:
            problems.append(f"{place}: lone surrogate U+{code:04X} at offset {offset}")
            return


def _load(raw: bytes | bytearray | str) -> object:
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > MAX_RAW_BYTES:
        raise QuestionnaireError(f"{_PLACE}: larger than {MAX_RAW_BYTES} bytes")
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QuestionnaireError(f"{_PLACE}: not UTF-8 (byte offset {exc.start})") from None
    try:
        return json.loads(raw, object_pairs_hook=_Pairs, parse_constant=_reject_constant)
    except ValueError as exc:
        raise QuestionnaireError(f"{_PLACE}: not valid JSON: {exc}") from None


def parse_questionnaire(raw: bytes | bytearray | str | Mapping[str, Any] | Questionnaire) -> Questionnaire:
    """Validate a questionnaire given as JSON text (bytes or str) or as already-parsed JSON values.

    Raises QuestionnaireError listing every problem with its place (see the module docstring).
    """
    if isinstance(raw, Questionnaire):
        raw = raw.as_json()
    document = _load(raw) if isinstance(raw, (bytes, bytearray, str)) else raw
    problems: list[str] = []
    top = _as_object(document, _PLACE, problems)
    if top is None:
        raise QuestionnaireError("; ".join(problems))

    for key in sorted(top, key=str):
        if key not in ("version", "answers"):
            problems.append(f"{_key_place(_PLACE, key)}: unknown key")
    if "version" not in top:
        problems.append(f"{_PLACE}.version: missing")
    elif type(top["version"]) is not int or top["version"] != VERSION:
        problems.append(f"{_PLACE}.version: must be the integer {VERSION}")

    place = f"{_PLACE}.answers"
    pairs: list[tuple[str, str]] = []
    if "answers" not in top:
        problems.append(f"{place}: missing")
    else:
        answers = _as_object(top["answers"], place, problems)
        if answers is not None:
            for key in sorted(answers, key=str):
                if key not in QUESTION_BY_ID:
                    problems.append(f"{_key_place(place, key)}: unknown question")
            for question in QUESTIONS:
                where = f"{place}.{question.id}"
                if question.id not in answers:
                    if question.required:
                        problems.append(f"{where}: missing (required)")
                    continue
                text = answers[question.id]
                if not isinstance(text, str):
                    problems.append(f"{where}: must be a string")
                    continue
                _check_text(text, where, problems)
                pairs.append((question.id, text))
    if problems:
        raise QuestionnaireError("; ".join(problems))

    questionnaire = Questionnaire(VERSION, tuple(pairs))
    size = len(questionnaire.canonical_bytes())
    if size > MAX_CANONICAL_BYTES:
        raise QuestionnaireError(f"{_PLACE}: canonical form is {size} bytes, more than {MAX_CANONICAL_BYTES}")
    return questionnaire


def questionnaire_hash(raw: bytes | bytearray | str | Mapping[str, Any] | Questionnaire) -> bytes:
    """keccak-256 of the canonical JSON of a valid questionnaire (32 bytes); invalid input raises."""
    return keccak(parse_questionnaire(raw).canonical_bytes())
