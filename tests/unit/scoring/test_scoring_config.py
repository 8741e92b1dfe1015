"""The scoring config is validated strictly (integers only) and hashed canonically."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from node.scoring import DEFAULT_CONFIG_PATH, ScoringConfigError, load_config, parse_config

RAW = json.loads(DEFAULT_CONFIG_PATH.read_text())


def with_change(path: tuple[Any, ...], value: Any) -> bytes:
    data = copy.deepcopy(RAW)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return json.dumps(data).encode()


def test_default_loads() -> None:
    loaded = load_config()
    assert loaded.config.assessment_ttl_s == 3600
    assert loaded.config.risk.low_balance_wei == 10**16
    assert loaded.source == str(DEFAULT_CONFIG_PATH)
    assert len(loaded.sha256) == 64


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (("weights", "risk"), 25.0, "floats are not allowed"),
        (("weights", "risk"), 26, "weights must sum to 100"),
        (("weights", "risk"), True, "weights.risk"),
        (("weights", "risk"), "25", "weights.risk"),
        (("tiers", "standard"), 900, "tiers.standard must be below tiers.premium"),
        (("assessment_ttl_s",), 0, "assessment_ttl_s"),
        (("max_clock_skew_s",), -1, "max_clock_skew_s"),
        (("activity", "tx_count_points"), [[0, 0], [5, 1], [5, 2]], "strictly increasing"),
        (("activity", "tx_count_points"), [[1, 0]], "first threshold must be 0"),
        (("activity", "tx_count_points"), [], "at least one row"),
        (("activity", "tx_count_points"), [[0, 0, 1]], "tx_count_points"),
        (("maturity", "age_days_points"), [[0, 101]], "age_days_points"),
        (("risk", "balance_wei_points"), [[0, 0]], "decimal string"),
        (("risk", "low_balance_wei"), "01", "decimal string"),
        (("risk", "low_balance_wei"), str(2**256), "256 bits"),
        (("pd_bps",), [[0, 5000], [500, 6000], [1000, 50]], "must not increase"),
        (("pd_bps",), [[0, 5000], [900, 50]], "score 0 and score 1000"),
        (("pd_bps",), [[0, 10001], [1000, 50]], "pd_bps"),
        (("intent", "neutral"), 101, "intent.neutral"),
        (("surprise",), 1, "surprise: Extra inputs are not permitted"),
        (("version",), 2, "version"),
    ],
)
def test_invalid_configs(path: tuple[Any, ...], value: Any, fragment: str) -> None:
    with pytest.raises(ScoringConfigError) as info:
        parse_config(with_change(path, value), "cfg.json")
    assert str(info.value).startswith("cfg.json: ")
    assert fragment in str(info.value)


def test_errors_are_gathered() -> None:
    data = copy.deepcopy(RAW)
    data["assessment_ttl_s"] = 0
    data["intent"]["neutral"] = -1
    data["extra"] = 1
    message = str(pytest.raises(ScoringConfigError, parse_config, json.dumps(data).encode()).value)
    assert "assessment_ttl_s" in message and "intent.neutral" in message and "extra" in message


@pytest.mark.parametrize(
    "raw",
    [b'{"version": 1, "version": 1}', b"\xff", b"[1]", b'{"x": NaN}', b'{"x": 1e3}'],
    ids=["duplicate", "utf8", "array", "nan", "exp"],
)
def test_unparseable(raw: bytes) -> None:
    with pytest.raises(ScoringConfigError):
        parse_config(raw)


def test_canonical_hash_ignores_formatting_only(tmp_path: Path) -> None:
    compact = parse_config(json.dumps(RAW, separators=(",", ":")).encode())
    pretty = parse_config(json.dumps(RAW, indent=4, sort_keys=True).encode())
    assert compact.sha256 == pretty.sha256 == load_config().sha256
    assert parse_config(with_change(("risk", "base"), 49)).sha256 != compact.sha256


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScoringConfigError, match="cannot read scoring config"):
        load_config(tmp_path / "nope.json")
