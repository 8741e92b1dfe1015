"""Intent alignment: the integer rules of node/scoring/intent.py, row by row, and the dimension's bounds."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from node.scoring.features import VECTOR, as_dict
from node.scoring.flags import Flag
from node.scoring.intent import BASE, MAX_POINTS, NEUTRAL, IntentResult, intent_alignment
from node.scoring.llm import CONTROLLERS, LIABILITIES, PURPOSES, RISK_TOLERANCES, Claims

Q = Flag.QUESTIONNAIRE
UL = Flag.UNDISCLOSED_LIABILITY
IM = Flag.INTENT_MISMATCH


def facts(**values: int | None) -> dict[str, int | None]:
    """A full model vector (as intent_alignment receives it): zeros unless given."""
    base = dict.fromkeys(VECTOR, 0)
    base.update(values)
    return base


NO_HISTORY = as_dict(tuple(None for _ in VECTOR))


def claims(liab: str = "unknown", risk: str = "unknown", purpose: str = "unknown", ctrl: str = "unknown") -> Claims:
    return Claims(controller=ctrl, purpose=purpose, has_liabilities=liab, risk_tolerance=risk)


# (row, claims, facts, points, flags, reasons) - one case per table row, plus the edges between rows.
ROWS: list[tuple[str, Claims, dict[str, Any], int, Flag, tuple[str, ...]]] = [
    ("all unknown", claims(), facts(), 50, Q, ()),
    ("L1 denies outstanding debt", claims("no"), facts(outstanding_positions=2), 10, Q | UL,
     ("undisclosed_liability",)),
    ("L2 denies, chain agrees", claims("no"), facts(), 55, Q, ("no_liabilities_consistent",)),
    ("L3 discloses outstanding debt", claims("yes"), facts(outstanding_positions=1), 70, Q, ("liabilities_disclosed",)),
    ("L4 discloses off-chain debt", claims("yes"), facts(), 55, Q, ("liabilities_disclosed_unverified",)),
    ("L4 unverifiable disclosure", claims("yes"), NO_HISTORY, 55, Q, ("liabilities_disclosed_unverified",)),
    ("L denial unverifiable", claims("no"), NO_HISTORY, 50, Q, ()),
    ("R1 conservative but liquidated", claims(risk="conservative"), facts(liquidations=1), 25, Q | IM,
     ("conservative_but_liquidated",)),
    ("R2 conservative but borrowing heavily", claims(risk="conservative"), facts(borrows_30d=5), 35, Q | IM,
     ("conservative_but_heavy_borrowing",)),
    ("R1+R2", claims(risk="conservative"), facts(liquidations=3, borrows_30d=9), 10, Q | IM,
     ("conservative_but_liquidated", "conservative_but_heavy_borrowing")),
    ("R3 conservative and clean", claims(risk="conservative"), facts(borrows_30d=4), 60, Q,
     ("risk_tolerance_consistent",)),
    ("R3 needs known facts", claims(risk="conservative"), NO_HISTORY, 50, Q, ()),
    ("R4 moderate, liquidated twice", claims(risk="moderate"), facts(liquidations=2), 40, Q | IM,
     ("moderate_but_repeatedly_liquidated",)),
    ("R moderate, liquidated once", claims(risk="moderate"), facts(liquidations=1), 50, Q, ()),
    ("R5 moderate and clean", claims(risk="moderate"), facts(), 55, Q, ("risk_tolerance_consistent",)),
    ("R6 aggressive and liquidated", claims(risk="aggressive"), facts(liquidations=1), 60, Q,
     ("risk_tolerance_consistent",)),
    ("R6 aggressive and borrowing heavily", claims(risk="aggressive"), facts(borrows_30d=5), 60, Q,
     ("risk_tolerance_consistent",)),
    ("R6 aggressive and leveraged swapping", claims(risk="aggressive"), facts(borrows=1, swaps=1), 60, Q,
     ("risk_tolerance_consistent",)),
    ("R aggressive, nothing to show", claims(risk="aggressive"), facts(swaps=40), 50, Q, ()),
    ("P1 leverage trading confirmed", claims(purpose="leverage_trading"), facts(borrows=2, swaps=9), 60, Q,
     ("purpose_consistent",)),
    ("P leverage trading, new wallet", claims(purpose="leverage_trading"), facts(), 50, Q, ()),
    ("P2 refinancing an open position", claims(purpose="refinancing"), facts(outstanding_positions=1), 60, Q,
     ("purpose_consistent",)),
    ("P2 refinancing past borrows", claims(purpose="refinancing"), facts(borrows=3), 60, Q, ("purpose_consistent",)),
    ("P3 yield farming confirmed", claims(purpose="yield_farming"), facts(supplies=4), 60, Q,
     ("purpose_consistent",)),
    ("P unverifiable purposes", claims(purpose="working_capital"), facts(borrows=5, swaps=5, supplies=5), 50, Q, ()),
    ("P personal", claims(purpose="personal"), facts(borrows=5, swaps=5, supplies=5), 50, Q, ()),
    ("C1 leverage but conservative", claims(risk="conservative", purpose="leverage_trading"), facts(), 45, Q | IM,
     ("risk_tolerance_consistent", "leverage_but_conservative")),
    ("C2 refinancing without liabilities", claims("no", purpose="refinancing"), NO_HISTORY, 35, Q | IM,
     ("refinancing_without_liabilities",)),
    ("controller moves nothing", claims(ctrl="shared_treasury"), facts(outstanding_positions=1), 50, Q, ()),
    ("best case", claims("yes", "aggressive", "leverage_trading", "individual"),
     facts(outstanding_positions=1, borrows=3, swaps=12, liquidations=0), 90, Q,
     ("liabilities_disclosed", "risk_tolerance_consistent", "purpose_consistent")),
    ("worst case clamps at 0", claims("no", "conservative", "refinancing"),
     facts(outstanding_positions=1, liquidations=2, borrows_30d=8, borrows=9), 0, Q | UL | IM,
     ("undisclosed_liability", "conservative_but_liquidated", "conservative_but_heavy_borrowing",
      "purpose_consistent", "refinancing_without_liabilities")),
]


@pytest.mark.parametrize(("row", "c", "f", "points", "flags", "reasons"), ROWS, ids=[r[0] for r in ROWS])
def test_rules(row: str, c: Claims, f: dict[str, Any], points: int, flags: Flag, reasons: tuple[str, ...]) -> None:
    assert intent_alignment(c, f) == IntentResult(points, int(flags), reasons)


def test_no_questionnaire_is_neutral() -> None:
    for f in (facts(), facts(outstanding_positions=5, liquidations=3), NO_HISTORY):
        assert intent_alignment(None, f) == IntentResult(NEUTRAL, 0, ())
    assert NEUTRAL == BASE == 50


def test_missing_keys_read_as_unknown() -> None:
    assert intent_alignment(claims("no", "conservative"), {}) == IntentResult(50, int(Q), ())


ALL_CLAIMS = [Claims(*combo) for combo in itertools.product(CONTROLLERS, PURPOSES, LIABILITIES, RISK_TOLERANCES)]
FACT_GRID = [
    facts(outstanding_positions=o, liquidations=liq, borrows=b, borrows_30d=b30, swaps=s, supplies=s)
    for o, liq, b, b30, s in itertools.product((0, 1), (0, 1, 2), (0, 3), (0, 6), (0, 5))
] + [NO_HISTORY]


def test_bounded_for_every_claim_and_history() -> None:
    """Whatever the model reads, the dimension stays in 0..MAX_POINTS, integer, with only its own flag bits."""
    own = int(Q | UL | IM)
    for f in FACT_GRID:
        for c in ALL_CLAIMS:
            r = intent_alignment(c, f)
            assert type(r.points) is int and 0 <= r.points <= MAX_POINTS == 90
            assert r.flags & int(Q) and r.flags & ~own == 0
            assert all(isinstance(x, str) and x.isidentifier() for x in r.reasons)


def test_denying_visible_debt_never_pays() -> None:
    """For a wallet with an open position, every claim set that denies debt scores below its disclosing twin."""
    f = facts(outstanding_positions=1, borrows=2, swaps=3)
    for c in ALL_CLAIMS:
        if c.has_liabilities == "no":
            twin = Claims(c.controller, c.purpose, "yes", c.risk_tolerance)
            denied, disclosed = intent_alignment(c, f), intent_alignment(twin, f)
            assert denied.points < disclosed.points
            assert denied.flags & int(UL) and not disclosed.flags & int(UL)


@pytest.mark.parametrize("bad", [-1, "3", 1.0, True])
def test_facts_must_be_non_negative_ints(bad: Any) -> None:
    with pytest.raises(ValueError, match="facts.outstanding_positions: must be a non-negative integer or None"):
        intent_alignment(claims("no"), facts(outstanding_positions=bad))


def test_claims_type_is_checked() -> None:
    with pytest.raises(TypeError):
        intent_alignment({"has_liabilities": "no"}, facts())  # type: ignore[arg-type]
