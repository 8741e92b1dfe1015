"""What every chain section of the node's config has, and what every section of a chain reached over JSON-RPC
endpoints has. Each family's model (`chains/<family>/config.py`) adds its own keys and narrows the defaults;
`node/config.py` picks the model by the section's `family`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from chains.core.secp256k1 import EVM_ADDRESS_RE
from chains.urls import repeated

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


def _http(value: SecretStr) -> SecretStr:
    return http_url(value)


HttpUrl = Annotated[SecretStr, AfterValidator(_http)]
"""An http(s):// URL, kept secret: it may carry credentials."""


class RpcChainConfig(ChainConfig):
    """A chain section whose chain is reached over JSON-RPC endpoints: `rpc_url` and, optionally, more endpoints
    to read from and send to (`rpc_urls`) and endpoints only sent to (`send_urls`), none listed twice.

    A family with more ways in (EVM's `ws_url`) adds them to `_alone`, so that `reading_from` drops them too.
    """

    rpc_url: HttpUrl
    rpc_urls: list[HttpUrl] = Field(default_factory=list, description="more endpoints to read from and send to")
    send_urls: list[HttpUrl] = Field(default_factory=list, description="endpoints fulfilments are also sent to; "
                                                                       "never read from")

    @model_validator(mode="after")
    def _distinct_endpoints(self) -> Self:
        named = [("rpc_url", self.rpc_url)] + [(f"rpc_urls[{i}]", u) for i, u in enumerate(self.rpc_urls)] + [
            (f"send_urls[{i}]", u) for i, u in enumerate(self.send_urls)]
        repeats = repeated([(where, url.get_secret_value()) for where, url in named])
        if repeats:
            raise ValueError("; ".join(repeats) + ": list each RPC endpoint once")
        return self

    @property
    def read_urls(self) -> list[str]:
        """The endpoints the chain is read from (and fulfilments sent to), in the order they are preferred."""
        return [u.get_secret_value() for u in (self.rpc_url, *self.rpc_urls)]

    @property
    def send_only_urls(self) -> list[str]:
        """The endpoints fulfilments are also sent to and nothing is read from."""
        return [u.get_secret_value() for u in self.send_urls]

    def reading_from(self, url: str) -> Self:
        """Read from `url` alone: without the other endpoints."""
        return type(self).model_validate({**self.model_dump(), **self._alone(url)})

    def _alone(self, url: str) -> dict[str, Any]:
        """The keys that make the section reach its chain through `url` and nothing else."""
        return {"rpc_url": url, "rpc_urls": [], "send_urls": []}
