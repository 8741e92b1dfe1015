"""The config of a Sui network: the `aura_oracle` Move package and one `Oracle` object on it (docs/sui.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from chains.config import ChainConfig, http_url

SUI_ID = re.compile(r"^0x[0-9a-f]{64}$")


class SuiChain(ChainConfig):
    """A Sui network: the `aura_oracle` Move package and one `Oracle` object on it (docs/sui.md), read and
    written through Sui's GraphQL service."""

    family: Literal["sui"]
    chain_id: int = Field(0, ge=0, le=(1 << 53) - 1,
                          description="a number naming the network in this node's store and logs; not signed")
    graphql_url: SecretStr
    chain_identifier: str | None = Field(
        None, description="the network's chain identifier (8 hex digits), checked when the node connects")
    package_id: str = Field(description="the aura_oracle package: fulfilments call its oracle::fulfil")
    oracle: str = Field(description="the Oracle object's ID")
    transmitter_key: Path = Field(description="a file holding one Sui private key (suiprivkey1..., or the "
                                              "base64 flag || key of a sui.keystore entry)")
    start_checkpoint: int = Field(0, ge=0, description="requests made before this checkpoint are ignored")
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    batch_size: int = Field(1, ge=1, le=1, description="one fulfilment per transaction: each is atomic")
    gas_budget_margin_pct: int = Field(120, ge=100, le=400,
                                       description="gas budget: the dry run's computation and storage cost "
                                                   "times this / 100")
    max_gas_budget: int = Field(100_000_000, gt=0, le=50_000_000_000,
                                description="the largest gas budget a fulfilment may carry, in MIST")
    max_gas_price: int = Field(10_000, gt=0, le=100_000,
                               description="the highest reference gas price the node pays, in MIST per unit")
    resubmit_after_s: float = Field(10.0, gt=0, description="re-send a pending fulfilment unchanged after this")
    bump_after_s: float = Field(60.0, gt=0, description="unused on Sui: a transaction that can no longer "
                                                        "execute is re-signed instead")
    bump_pct: int = Field(20, ge=10, le=300)
    rpc_timeout_s: float = Field(15.0, gt=0, le=120)

    READ_URL: ClassVar[str] = "graphql_url"

    @field_validator("package_id", "oracle")
    @classmethod
    def _object_id(cls, v: str) -> str:
        if not SUI_ID.match(v):
            raise ValueError("must be 0x followed by 64 lower-case hex digits (a full Sui object ID)")
        return v

    @field_validator("chain_identifier")
    @classmethod
    def _chain_identifier(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[0-9a-f]{8}$", v):
            raise ValueError("must be 8 lower-case hex digits (what the GraphQL service's chainIdentifier returns)")
        return v

    @field_validator("graphql_url")
    @classmethod
    def _url(cls, v: SecretStr) -> SecretStr:
        return http_url(v)

    def resolve_paths(self, fix: Callable[[Path], Path]) -> SuiChain:
        return self.model_copy(update={"transmitter_key": fix(self.transmitter_key)})
