"""The scorecard the enclave measures and runs: integer-only tables in `scorecard.json`, flags, PD mapping."""

from node.scoring.config import (
    DEFAULT_CONFIG_PATH,
    LoadedConfig,
    ScoringConfig,
    ScoringConfigError,
    load_config,
    parse_config,
)
from node.scoring.flags import Flag, flag_names
from node.scoring.scorecard import DIMENSIONS, ScoreResult, WalletFeatures, assess

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DIMENSIONS",
    "Flag",
    "LoadedConfig",
    "ScoreResult",
    "ScoringConfig",
    "ScoringConfigError",
    "WalletFeatures",
    "assess",
    "flag_names",
    "load_config",
    "parse_config",
]
