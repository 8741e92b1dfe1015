"""Intent alignment (0..100): do the borrower's questionnaire claims agree with the wallet's on-chain facts?

The local model only turns free-text answers into bounded `Claims` (node/scoring/llm.py); every point here
comes from the fixed integer rules below, so the model cannot set or raise a score beyond what the table
allows. Without a questionnaire the dimension is neutral (`NEUTRAL`, 50), no flag is set and the model is
never loaded.

With a questionnaire the dimension starts at `BASE` (50), `Flag.QUESTIONNAIRE` is set, and each matching
row adds its points; the sum is clamped to 0..100. A claim of "unknown" matches no row. A fact that is
None (not indexed, or missing from `facts`) satisfies no comparison, so an unverifiable claim neither earns
nor loses points; the one exception is L4, where a disclosed debt the chain does not show (it may be
off-chain) still earns a little for the disclosure.

`facts` is `node.scoring.features.as_dict(vector)`. In the table "heavy" means `borrows_30d >=
HEAVY_BORROWS_30D` (5) (heavy recent borrowing), "leveraged" means `borrows > 0 and swaps > 0`, UL is
`Flag.UNDISCLOSED_LIABILITY` and IM is `Flag.INTENT_MISMATCH`.

| row | claim                           | on-chain facts                           | pts | flag | reason                             |
|-----|---------------------------------|------------------------------------------|-----|------|------------------------------------|
| L1  | liabilities: no                 | outstanding_positions > 0                | -40 | UL   | undisclosed_liability              |
| L2  | liabilities: no                 | outstanding_positions == 0               | +5  |      | no_liabilities_consistent          |
| L3  | liabilities: yes                | outstanding_positions > 0                | +20 |      | liabilities_disclosed              |
| L4  | liabilities: yes                | outstanding_positions == 0 or None       | +5  |      | liabilities_disclosed_unverified   |
| R1  | risk: conservative              | liquidations > 0                         | -25 | IM   | conservative_but_liquidated        |
| R2  | risk: conservative              | heavy                                    | -15 | IM   | conservative_but_heavy_borrowing   |
| R3  | risk: conservative              | liquidations == 0 and not heavy          | +10 |      | risk_tolerance_consistent          |
| R4  | risk: moderate                  | liquidations >= 2                        | -10 | IM   | moderate_but_repeatedly_liquidated |
| R5  | risk: moderate                  | liquidations == 0                        | +5  |      | risk_tolerance_consistent          |
| R6  | risk: aggressive                | liquidations > 0, heavy, or leveraged    | +10 |      | risk_tolerance_consistent          |
| P1  | purpose: leverage_trading       | leveraged                                | +10 |      | purpose_consistent                 |
| P2  | purpose: refinancing            | outstanding_positions > 0 or borrows > 0 | +10 |      | purpose_consistent                 |
| P3  | purpose: yield_farming          | supplies > 0                             | +10 |      | purpose_consistent                 |
| C1  | leverage_trading + conservative | (the answers contradict each other)      | -15 | IM   | leverage_but_conservative          |
| C2  | refinancing + liabilities: no   | (the answers contradict each other)      | -15 | IM   | refinancing_without_liabilities    |

Why these rows: denying debt that the chain shows is the strongest signal of a dishonest questionnaire (the
seed's "undisclosed liabilities" red flag), so it costs most; disclosing it earns most, because
transparency is what the dimension rewards. A risk self-assessment is checked against the only risk
behaviour the vector sees (liquidations, recent borrowing, leveraged swapping); a purpose earns points only
when the chain shows the activity it implies, and never loses points for being new. `controller`
(individual, organization, shared treasury) and "working_capital"/"personal" purposes cannot be checked
against the vector (it sees neither signers nor spending), so they move nothing.

The best a questionnaire can reach is 50 + 20 + 10 + 10 = 90 (`MAX_POINTS`), and only with claims the
chain confirms; reasons are listed in row order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from node.scoring.flags import Flag
from node.scoring.llm import Claims

NEUTRAL = 50
BASE = 50
HEAVY_BORROWS_30D = 5
MAX_POINTS = BASE + 20 + 10 + 10


@dataclass(frozen=True)
class IntentResult:
    """The dimension's points (0..100), its flag bits and the stable codes of the rows that matched."""

    points: int
    flags: int
    reasons: tuple[str, ...]


def _fact(facts: Mapping[str, int | None], name: str) -> int | None:
    value = facts.get(name)
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise ValueError(f"facts.{name}: must be a non-negative integer or None, not {value!r}")
    return value


def _gt(value: int | None, limit: int) -> bool:
    return value is not None and value > limit


def _eq(value: int | None, target: int) -> bool:
    return value is not None and value == target


def intent_alignment(claims: Claims | None, facts: Mapping[str, int | None]) -> IntentResult:
    """Score the claims against the facts with the table of the module docstring (integers only)."""
    if claims is None:
        return IntentResult(NEUTRAL, int(Flag.NONE), ())
    if not isinstance(claims, Claims):
        raise TypeError(f"claims must be Claims or None, not {type(claims).__name__}")

    outstanding = _fact(facts, "outstanding_positions")
    liquidations = _fact(facts, "liquidations")
    borrows = _fact(facts, "borrows")
    borrows_30d = _fact(facts, "borrows_30d")
    swaps = _fact(facts, "swaps")
    supplies = _fact(facts, "supplies")

    points = BASE
    flags = Flag.QUESTIONNAIRE
    reasons: list[str] = []

    def row(delta: int, reason: str, flag: Flag = Flag.NONE) -> None:
        nonlocal points, flags
        points += delta
        flags |= flag
        reasons.append(reason)

    liab = claims.has_liabilities
    if liab == "no" and _gt(outstanding, 0):
        row(-40, "undisclosed_liability", Flag.UNDISCLOSED_LIABILITY)
    elif liab == "no" and _eq(outstanding, 0):
        row(5, "no_liabilities_consistent")
    elif liab == "yes" and _gt(outstanding, 0):
        row(20, "liabilities_disclosed")
    elif liab == "yes":
        row(5, "liabilities_disclosed_unverified")

    heavy = _gt(borrows_30d, HEAVY_BORROWS_30D - 1)
    risk = claims.risk_tolerance
    if risk == "conservative":
        if _gt(liquidations, 0):
            row(-25, "conservative_but_liquidated", Flag.INTENT_MISMATCH)
        if heavy:
            row(-15, "conservative_but_heavy_borrowing", Flag.INTENT_MISMATCH)
        if _eq(liquidations, 0) and borrows_30d is not None and not heavy:
            row(10, "risk_tolerance_consistent")
    elif risk == "moderate":
        if _gt(liquidations, 1):
            row(-10, "moderate_but_repeatedly_liquidated", Flag.INTENT_MISMATCH)
        elif _eq(liquidations, 0):
            row(5, "risk_tolerance_consistent")
    elif risk == "aggressive":
        if _gt(liquidations, 0) or heavy or (_gt(borrows, 0) and _gt(swaps, 0)):
            row(10, "risk_tolerance_consistent")

    purpose = claims.purpose
    if purpose == "leverage_trading" and _gt(borrows, 0) and _gt(swaps, 0):
        row(10, "purpose_consistent")
    elif purpose == "refinancing" and (_gt(outstanding, 0) or _gt(borrows, 0)):
        row(10, "purpose_consistent")
    elif purpose == "yield_farming" and _gt(supplies, 0):
        row(10, "purpose_consistent")

    if purpose == "leverage_trading" and risk == "conservative":
        row(-15, "leverage_but_conservative", Flag.INTENT_MISMATCH)
    if purpose == "refinancing" and liab == "no":
        row(-15, "refinancing_without_liabilities", Flag.INTENT_MISMATCH)

    return IntentResult(max(0, min(100, points)), int(flags), tuple(reasons))
