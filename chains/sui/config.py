"""The config of a Sui network: its GraphQL endpoints, the `aura_oracle` Move package and one `Oracle` object on it
(docs/sui.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from chains.config import ChainConfig, http_url
from chains.sui.credit_events import MAINNET_LENDING_EVENTS, lending_event_errors
from chains.urls import repeated

SUI_ID = re.compile(r"^0x[0-9a-f]{64}$")


def _http(v: SecretStr) -> SecretStr:
    return http_url(v)


HttpUrl = Annotated[SecretStr, AfterValidator(_http)]


class SuiChain(ChainConfig):
    """A Sui network: the `aura_oracle` Move package and one `Oracle` object on it (docs/sui.md), read and
    written through Sui's GraphQL service."""

    family: Literal["sui"]
    chain_id: int = Field(0, ge=0, le=(1 << 53) - 1,
                          description="a number naming the network in this node's store and logs; not signed")
    graphql_url: HttpUrl
    graphql_urls: list[HttpUrl] = Field(default_factory=list, description="more GraphQL endpoints of the same "
                                        "network to read from and execute on")
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
    rpc_timeout_s: float = Field(15.0, gt=0, le=120, description="deadline of one call on one endpoint; a silent "
                                 "endpoint is left for the next within it")
    rpc_max_lag_checkpoints: int = Field(40, ge=0, le=100_000, description="an endpoint more checkpoints than this "
                                         "behind the best is not read from")
    lending_events: dict[str, str] = Field(
        default_factory=lambda: dict(MAINNET_LENDING_EVENTS),
        description="lending events that re-score a watched wallet: full event type (its type-origin package, "
                    "::module::Name) -> protocol (navi, scallop); default Navi's and Scallop's on mainnet; empty: none "
                    "are read (docs/sui.md, \"Lending events\")")

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

    @field_validator("lending_events")
    @classmethod
    def _lending_events(cls, v: dict[str, str]) -> dict[str, str]:
        errors = lending_event_errors(v)
        if errors:
            raise ValueError("; ".join(errors))
        return v

    @model_validator(mode="after")
    def _distinct_endpoints(self) -> SuiChain:
        named = [("graphql_url", self.graphql_url)] + [(f"graphql_urls[{i}]", u)
                                                       for i, u in enumerate(self.graphql_urls)]
        repeats = repeated([(where, url.get_secret_value()) for where, url in named])
        if repeats:
            raise ValueError("; ".join(repeats) + ": list each GraphQL endpoint once")
        return self

    @property
    def read_urls(self) -> list[str]:
        """The GraphQL endpoints, in the order they are preferred."""
        return [u.get_secret_value() for u in (self.graphql_url, *self.graphql_urls)]

    def reading_from(self, url: str) -> SuiChain:
        """Read from `url` alone: without the other endpoints."""
        return type(self).model_validate({**self.model_dump(), "graphql_url": url, "graphql_urls": []})

    def resolve_paths(self, fix: Callable[[Path], Path]) -> SuiChain:
        return self.model_copy(update={"transmitter_key": fix(self.transmitter_key)})
