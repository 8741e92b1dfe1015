"""What every chain section of the node's config has. Each family's model (`chains/<family>/config.py`) adds
its own keys and narrows the defaults; `node/config.py` picks the model by the section's `family`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from chains.core.secp256k1 import EVM_ADDRESS_RE

CHAIN_NAME = r"^[a-z0-9][a-z0-9_-]{0,31}$"
ADDRESS = EVM_ADDRESS_RE


class Section(BaseModel):
    """A config table: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChainConfig(Section):
    """One `[[chains]]` table. `name` keys the chain in the store, logs and metrics.

    Every family's model also declares the pipeline's settings below, each in the place (and with the default
    and bounds) that suits the family, so that errors come in the order its keys are documented.
    """

    family: str
    name: str = Field(pattern=CHAIN_NAME)
    chain_id: int
    min_balance: int | None = Field(None, ge=0, description="warn while the transmitter holds less than this, in the "
                                    "family's smallest unit (wei, lamports, mist)")
    max_head_age_s: float = Field(120.0, ge=0, description="/health is not ok while the latest head is older "
                                  "than this (0: no limit)")

    if TYPE_CHECKING:
        poll_interval_s: float
        batch_size: int
        resubmit_after_s: float
        bump_after_s: float
        bump_pct: int
        rpc_timeout_s: float

    READ_URL: ClassVar[str] = "rpc_url"
    """The key of the URL the chain is read from."""

    def reading_from(self, url: str) -> ChainConfig:
        """The same section reading the chain from `url` (checked as the family checks its own) and nothing else."""
        return type(self).model_validate({**self.model_dump(), self.READ_URL: url})

    def resolve_paths(self, fix: Callable[[Path], Path]) -> ChainConfig:
        """The same section with every file path made absolute by `fix`; sections without files return self."""
        return self


def http_url(value: SecretStr, schemes: str = "https?") -> SecretStr:
    """`value` if it is a URL with one of `schemes` (a regex alternation); ValueError naming them otherwise."""
    if not re.match(rf"^({schemes})://", value.get_secret_value()):
        kinds = "http(s)://" if schemes == "https?" else "http(s):// or ws(s)://"
        raise ValueError(f"must be an {kinds} URL")
    return value
