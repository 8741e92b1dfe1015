"""Risk rules: a small JSON language over the assessment's facts, evaluated with integers only.

A rules file:

    {"version": 1,
     "rules": [
       {"id": "fresh_burst",
        "description": "a wallet under 30 days old with 20+ incoming transfers in 30 days",
        "when": {"all": [{"fact": "age_days", "op": "<", "value": 30},
                         {"fact": "transfers_in_30d", "op": ">=", "value": 20}]},
        "then": {"flags": ["BURST_ACTIVITY"], "cap": 450}}]}

Conditions: `{"all": [c, ...]}` (every one holds; at least one), `{"any": [c, ...]}` (at least one holds),
`{"not": c}`, and a comparison `{"fact": name, "op": op, "value": integer}` with op one of
`<  <=  >  >=  ==  !=`, or `{"fact": name, "missing": true|false}`. A comparison on a missing fact (None,
e.g. history on a chain without an indexer) is false; test for it with `missing`. Nesting is at most 8 deep.

Facts: every name of the model vector (node/scoring/features.py VECTOR) plus `scorecard` (0..1000),
`pd_bps`, `anomaly_bps` and `score` (the blended score before any rule).

Actions (`then`, at least one key): `flags` (names from node/scoring/flags.py), `cap` (the score is at
most this), `penalty` (points taken off). Every matching rule applies: caps take the lowest, penalties
add up, and the score is `min(score - penalties, lowest cap)`, at least 0. A rule that lowered the score
sets RULE_CAP. Rules are checked in file order; ids are unique.

Errors name their place: `rules.json: rules[2].when.all[0].op: unknown operator '=>' (one of ...)`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.core.errors import AuraError
from node.scoring.features import VECTOR
from node.scoring.flags import Flag

EXTRA_FACTS = ("scorecard", "pd_bps", "anomaly_bps", "score")
FACTS = frozenset(VECTOR) | frozenset(EXTRA_FACTS)
OPS = ("<", "<=", ">", ">=", "==", "!=")
MAX_DEPTH = 8
MAX_RULES = 256
MAX_VALUE = 1 << 62
RULE_FLAGS = {f.name: f for f in Flag if f is not Flag.NONE}


class RulesError(AuraError, ValueError):
    """A rules file that does not parse or validate; the message names the file and the place."""


@dataclass(frozen=True)
class Comparison:
    fact: str
    op: str
    value: int


@dataclass(frozen=True)
class Missing:
    fact: str
    missing: bool


@dataclass(frozen=True)
class Group:
    kind: str  # "all" | "any" | "not"
    items: tuple[Condition, ...]


Condition = Comparison | Missing | Group


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    when: Condition
    flags: Flag
    cap: int | None
    penalty: int


@dataclass(frozen=True)
class RuleOutcome:
    score: int
    flags: Flag
    matched: tuple[str, ...]


def _hint(name: str, options: Any) -> str:
    close = difflib.get_close_matches(name, sorted(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _keys(obj: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise RulesError(f"{where}: must be an object")
    for key in obj:
        if key not in required and key not in optional:
            raise RulesError(f"{where}: unknown key {key!r}{_hint(key, required + optional)}")
    for key in required:
        if key not in obj:
            raise RulesError(f"{where}: missing key {key!r}")
    return obj


def _integer(value: Any, where: str, low: int = -MAX_VALUE, high: int = MAX_VALUE) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RulesError(f"{where}: must be an integer")
    if not low <= value <= high:
        raise RulesError(f"{where}: must be between {low} and {high}")
    return value


def _fact(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RulesError(f"{where}: must be a string")
    if value not in FACTS:
        raise RulesError(f"{where}: unknown fact {value!r}{_hint(value, FACTS)}")
    return value


def _condition(obj: Any, where: str, depth: int) -> Condition:
    if depth > MAX_DEPTH:
        raise RulesError(f"{where}: conditions nest deeper than {MAX_DEPTH}")
    if not isinstance(obj, dict) or not obj:
        raise RulesError(f"{where}: must be a non-empty object (all, any, not, or a comparison)")
    if "all" in obj or "any" in obj:
        kind = "all" if "all" in obj else "any"
        body = _keys(obj, where, (kind,))[kind]
        if not isinstance(body, list) or not body:
            raise RulesError(f"{where}.{kind}: must be a non-empty list")
        return Group(kind, tuple(_condition(c, f"{where}.{kind}[{i}]", depth + 1) for i, c in enumerate(body)))
    if "not" in obj:
        body = _keys(obj, where, ("not",))["not"]
        return Group("not", (_condition(body, f"{where}.not", depth + 1),))
    if "missing" in obj:
        _keys(obj, where, ("fact", "missing"))
        if not isinstance(obj["missing"], bool):
            raise RulesError(f"{where}.missing: must be true or false")
        return Missing(_fact(obj["fact"], f"{where}.fact"), obj["missing"])
    if "fact" not in obj:
        key = next(iter(obj))
        raise RulesError(f"{where}: unknown key {key!r}{_hint(key, ('all', 'any', 'not', 'fact', 'missing'))}")
    _keys(obj, where, ("fact", "op", "value"))
    op = obj["op"]
    if not isinstance(op, str) or op not in OPS:
        raise RulesError(f"{where}.op: unknown operator {op!r} (one of {' '.join(OPS)})")
    return Comparison(_fact(obj["fact"], f"{where}.fact"), op, _integer(obj["value"], f"{where}.value"))


def _rule(obj: Any, where: str) -> Rule:
    body = _keys(obj, where, ("id", "when", "then"), ("description",))
    rule_id = body["id"]
    if not isinstance(rule_id, str) or not rule_id or len(rule_id) > 64 or not rule_id.replace("_", "").isalnum() \
            or not rule_id.isascii():
        raise RulesError(f"{where}.id: must be 1-64 ASCII letters, digits or _")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise RulesError(f"{where}.description: must be a string")
    then = _keys(body["then"], f"{where}.then", (), ("flags", "cap", "penalty"))
    if not then:
        raise RulesError(f"{where}.then: needs at least one of flags, cap, penalty")
    flags = Flag.NONE
    raw_flags = then.get("flags", [])
    if not isinstance(raw_flags, list):
        raise RulesError(f"{where}.then.flags: must be a list of flag names")
    for i, name in enumerate(raw_flags):
        if not isinstance(name, str) or name not in RULE_FLAGS:
            raise RulesError(f"{where}.then.flags[{i}]: unknown flag {name!r}{_hint(str(name), RULE_FLAGS)}")
        flags |= RULE_FLAGS[name]
    cap = _integer(then["cap"], f"{where}.then.cap", 0, 1000) if "cap" in then else None
    penalty = _integer(then["penalty"], f"{where}.then.penalty", 0, 1000) if "penalty" in then else 0
    return Rule(rule_id, description, _condition(body["when"], f"{where}.when", 1), flags, cap, penalty)


class RuleSet:
    """Parsed, validated rules; `evaluate` applies them to one assessment's facts."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules

    @classmethod
    def parse(cls, raw: bytes, source: str = "rules.json") -> RuleSet:
        try:
            data = json.loads(raw.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
        except json.JSONDecodeError as exc:
            raise RulesError(f"{source}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise RulesError(f"{source}: {exc}") from None
        try:
            body = _keys(data, "<root>", ("version", "rules"))
            if body["version"] != 1 or isinstance(body["version"], bool):
                raise RulesError("version: must be 1")
            if not isinstance(body["rules"], list) or len(body["rules"]) > MAX_RULES:
                raise RulesError(f"rules: must be a list of at most {MAX_RULES} rules")
            rules = tuple(_rule(r, f"rules[{i}]") for i, r in enumerate(body["rules"]))
            seen: set[str] = set()
            for i, rule in enumerate(rules):
                if rule.id in seen:
                    raise RulesError(f"rules[{i}].id: duplicate id {rule.id!r}")
                seen.add(rule.id)
        except RulesError as exc:
            raise RulesError(f"{source}: {exc}") from None
        return cls(rules)

    def evaluate(self, facts: Mapping[str, int | None], score: int) -> RuleOutcome:
        flags = Flag.NONE
        matched: list[str] = []
        cap = 1000
        penalty = 0
        for rule in self.rules:
            if _holds(rule.when, facts):
                matched.append(rule.id)
                flags |= rule.flags
                penalty += rule.penalty
                if rule.cap is not None:
                    cap = min(cap, rule.cap)
        final = max(0, min(score - penalty, cap))
        if final < score:
            flags |= Flag.RULE_CAP
        return RuleOutcome(final, flags, tuple(matched))


def _no_float(text: str) -> Any:
    raise ValueError(f"numbers must be integers ({text})")


def _holds(cond: Condition, facts: Mapping[str, int | None]) -> bool:
    if isinstance(cond, Comparison):
        value = facts.get(cond.fact)
        if value is None:
            return False
        if cond.op == "<":
            return value < cond.value
        if cond.op == "<=":
            return value <= cond.value
        if cond.op == ">":
            return value > cond.value
        if cond.op == ">=":
            return value >= cond.value
        if cond.op == "==":
            return value == cond.value
        return value != cond.value
    if isinstance(cond, Missing):
        return (facts.get(cond.fact) is None) == cond.missing
    if cond.kind == "all":
        return all(_holds(c, facts) for c in cond.items)
    if cond.kind == "any":
        return any(_holds(c, facts) for c in cond.items)
    return not _holds(cond.items[0], facts)
