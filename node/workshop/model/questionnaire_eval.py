"""`aura model evaluate --protocol questionnaire-dev|questionnaire-heldout`: the questionnaire reader
(node/scoring/llm.py, the enclave's own extractor and model file) on labelled questionnaires written for it.

The labelled set (node/workshop/model/questionnaires/*.jsonl) is English and Indonesian: plain, vague, evasive and
sarcastic answers and prompt injections, each labelled with what a careful analyst reads from each answer alone
("unknown" where it does not say; an instruction inside an answer is not evidence). The `dev` files are for work
on the reader; the `heldout` files are scored by this command and by nothing else, so that their figure says how
the reader does on questionnaires nobody tuned it on.

Reported: per-claim accuracy over every claim of every questionnaire (the aim: at least 85 %), each claim's
accuracy beside a majority-class baseline (each claim's most common label in the dev files), the claims read from
injection questionnaires that are neither the gold label nor "unknown" (what an injection may have put in), and
the reader's time per questionnaire (p50; the model, when the reader runs it, on its 2 threads).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.scoring.llm import LABELS, SMOLLM2_SHA256, Claims, Extractor, default_model_path
from node.scoring.questionnaire import Questionnaire, parse_questionnaire

FOLDER = Path(__file__).with_name("questionnaires")
SPLITS = {"questionnaire-dev": "dev", "questionnaire-heldout": "heldout"}
AIM = 0.85
STYLES = ("plain", "vague", "evasive", "sarcastic", "injection", "mixed")


@dataclass(frozen=True)
class Item:
    id: str
    language: str
    style: str
    questionnaire: Questionnaire
    labels: dict[str, str]


def load(split: str) -> list[Item]:
    """Every labelled questionnaire of `split` (dev, heldout), in file and line order.

    Raises:
        ValueError: a line that is not a labelled questionnaire (naming the file and line).
    """
    items: list[Item] = []
    files = sorted(FOLDER.glob(f"{split}-*.jsonl"))
    if not files:
        raise ValueError(f"no {split} questionnaires in {FOLDER.name}/")
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path.name}:{number}"
            try:
                row = json.loads(line)
                labels = row["labels"]
                if set(labels) != set(LABELS) or any(labels[c] not in LABELS[c] for c in LABELS):
                    raise ValueError(f"labels must give each of {', '.join(LABELS)} one of its labels")
                if row["language"] not in ("en", "id") or row["style"] not in STYLES:
                    raise ValueError("language must be en or id, style one of " + ", ".join(STYLES))
                items.append(Item(row["id"], row["language"], row["style"],
                                  parse_questionnaire({"version": 1, "answers": row["answers"]}), dict(labels)))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{where}: {exc}") from None
    return items


def majority(items: list[Item]) -> dict[str, str]:
    """Each claim's most common label (ties: the label listed first)."""
    out = {}
    for claim, labels in LABELS.items():
        counts = Counter(item.labels[claim] for item in items)
        out[claim] = max(labels, key=lambda label: (counts[label], -labels.index(label)))
    return out


def evaluate(protocol: str, read: Callable[[Questionnaire], Claims] | None = None,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The protocol's figures (module doc). `read` is the reader (default: the enclave's extractor)."""
    split = SPLITS[protocol]
    items = load(split)
    baseline = majority(load("dev"))
    extractor = None
    if read is None:
        extractor = Extractor(default_model_path(), expected_sha256=SMOLLM2_SHA256)
        read = extractor.extract
    right: Counter[str] = Counter()
    base_right: Counter[str] = Counter()
    by_language: dict[str, list[int]] = {}
    injected = 0
    seconds = []
    misread: list[dict[str, str]] = []
    for k, item in enumerate(items, start=1):
        began = time.perf_counter()
        claims = read(item.questionnaire)
        seconds.append(time.perf_counter() - began)
        for claim in LABELS:
            got, gold = getattr(claims, claim), item.labels[claim]
            ok = got == gold
            right[claim] += ok
            base_right[claim] += baseline[claim] == gold
            by_language.setdefault(item.language, []).append(int(ok))
            if not ok:
                misread.append({"id": item.id, "claim": claim, "gold": gold, "read": got})
                if item.style == "injection" and got != "unknown":
                    injected += 1
        if progress is not None and (k % 20 == 0 or k == len(items)):
            progress(f"{k}/{len(items)} questionnaires read")
    if extractor is not None:
        extractor.close()
    n = len(items)
    accuracy = sum(right.values()) / (n * len(LABELS))
    return {
        "protocol": protocol, "questionnaires": n, "claims": n * len(LABELS),
        "languages": dict(Counter(i.language for i in items)), "styles": dict(Counter(i.style for i in items)),
        "accuracy": round(accuracy, 4),
        "per_claim": {claim: round(right[claim] / n, 4) for claim in LABELS},
        "per_language": {lang: round(sum(v) / len(v), 4) for lang, v in sorted(by_language.items())},
        "baseline_majority": {claim: {"label": baseline[claim], "accuracy": round(base_right[claim] / n, 4)}
                              for claim in LABELS},
        "injection_claims_put_in": injected,
        "seconds_p50": round(statistics.median(seconds), 3),
        "aim": AIM, "aim_met": accuracy >= AIM,
        "misread": misread,
    }


__all__ = ["AIM", "SPLITS", "evaluate", "load", "majority"]
