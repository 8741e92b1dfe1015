"""The figures docs/model-card.md states are what `aura model evaluate` computes from the shipped artefacts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from node.workshop.model.train import evaluate

CARD = (Path(__file__).resolve().parents[3] / "docs" / "model-card.md").read_text()


@pytest.fixture(scope="module")
def report() -> dict:
    return evaluate(5_000, 7, progress=lambda _msg: None, real=True)


def card_row(label: str) -> list[str]:
    line = next(line for line in CARD.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_simulated_figures(report: dict) -> None:
    pd = report["pd_model"]
    assert card_row("PD model (integer)")[:3] == [f"{pd['auc']:.3f}", f"{pd['ks']:.3f}", f"{pd['brier']:.3f}"]
    debt = report["pd_model_among_open_debt"]
    assert card_row(f"PD model, only wallets with an open debt ({debt['wallets']:,})")[0] == f"{debt['auc']:.3f}"
    final = report["final_score"]
    assert card_row("final score (blend + rules)")[:2] == [f"{final['auc']:.3f}", f"{final['ks']:.3f}"]
    card = report["scorecard_alone"]
    assert card_row("scorecard alone")[:2] == [f"{card['auc']:.3f}", f"{card['ks']:.3f}"]
    assert card_row("TigerTrust seed's rule-based score")[0] == f"{report['tigertrust_seed']['auc']:.3f}"
    assert re.search(rf"Bad rate {round(report['bad_rate'] * 100)} %", CARD)


def test_real_data_figures(report: dict) -> None:
    real = report["real"]
    gbm = real["gbm_integer"]
    assert card_row("the GBM, exported to integers and scored as the enclave scores") == [
        f"{gbm['auc']:.4f}", f"{gbm['ks']:.3f}", f"{gbm['brier']:.3f}"]
    assert card_row("logistic regression baseline (one-hot, standardised)")[0] == f"{real['logistic']['auc']:.3f}"
