"""`aura model evaluate --protocol simulated|time-split` (node/workshop/model/sim_protocols.py), on populations small
enough for a test: the common report form, a bootstrap spread that follows its definition, and a time split whose
training wallets are assessed a year before the held-out ones."""

from __future__ import annotations

import pytest

from node.workshop.model import sim_protocols
from node.workshop.model.simulator import AS_OF


def test_the_bootstrap_spread_is_seeded_and_zero_for_a_perfect_ranking() -> None:
    y = [0, 1] * 50
    assert sim_protocols.bootstrap_sd(y, [float(v) for v in y]) == 0.0
    noisy = [0.3 if v else 0.5 for v in y[:50]] + [float(v) for v in y[50:]]
    spread = sim_protocols.bootstrap_sd(y, noisy)
    assert spread == sim_protocols.bootstrap_sd(y, noisy) and 0 < spread < 0.2
    assert sim_protocols.bootstrap_sd(y, noisy, seed=8) != spread


def test_simulated_reports_the_shipped_model_in_the_common_form() -> None:
    got = sim_protocols.simulated(holdout=400)
    assert (got["protocol"], got["folds"], got["holdout_wallets"]) == ("simulated", 1, 400)
    assert got["auc_mean"] == got["report"]["pd_model"]["auc"] and 0 < got["auc_sd"] < 0.1
    assert set(got["baselines"]) == {"scorecard_alone", "tigertrust_seed", "reputa_fallback_seed"}
    assert "labels" not in got["report"] and "pd_scores" not in got["report"]


def test_the_time_split_trains_a_year_earlier_on_other_wallets() -> None:
    got = sim_protocols.time_split(wallets=800, holdout=400)
    assert (got["protocol"], got["train_as_of"], got["test_as_of"]) == ("time-split", AS_OF - 365 * 86_400, AS_OF)
    assert got["auc_mean"] > 0.8 and set(got["baselines"]) == {"shipped_same_period"}
    assert got["baselines"]["shipped_same_period"] == pytest.approx(
        sim_protocols.simulated(holdout=400)["auc_mean"], abs=1e-4)
