"""The config of an EVM chain: its RPC endpoints (read and send-only), the AuraOracle contract, the transmitter's
keystore, fees, and the optional history indexer (which contracts speak for which protocol)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from chains.config import ADDRESS, RpcChainConfig, Section, http_url


class IndexerSection(Section):
    """Which contracts speak for which protocol on this chain; the node indexes a subject's history from them.

    `protocols` maps a protocol name to its contracts; a name that is not an event family itself (a fork)
    needs `families` (name -> "aave-v3" | "compound-v3" | "uniswap-v2" | "uniswap-v3"). ERC-20 Transfers
    are read from any token. `stablecoins` are the token contracts counted as stablecoins.
    """

    enabled: bool = True
    start_block: int = Field(0, ge=0, description="history before this block is not read")
    protocols: dict[str, list[str]] = Field(default_factory=dict)
    families: dict[str, Literal["aave-v3", "compound-v3", "uniswap-v2", "uniswap-v3"]] = Field(default_factory=dict)
    stablecoins: list[str] = Field(default_factory=list)
    max_log_range: int = Field(10_000, ge=1, le=1_000_000, description="blocks per eth_getLogs call")

    @field_validator("protocols")
    @classmethod
    def _protocol_addresses(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, addresses in v.items():
            if not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}$", name):
                raise ValueError(f"protocol name {name!r}: lower-case letters, digits, - and _ only")
            for a in addresses:
                if not ADDRESS.match(a):
                    raise ValueError(f"{name}: {a!r} is not a 0x-prefixed 20-byte hex address")
        return v

    @field_validator("stablecoins")
    @classmethod
    def _stable_addresses(cls, v: list[str]) -> list[str]:
        for a in v:
            if not ADDRESS.match(a):
                raise ValueError(f"{a!r} is not a 0x-prefixed 20-byte hex address")
        return v

    @model_validator(mode="after")
    def _families_known(self) -> IndexerSection:
        known = {"aave-v3", "compound-v3", "uniswap-v2", "uniswap-v3"}
        for name in self.protocols:
            if name not in known and name not in self.families:
                raise ValueError(f"protocol {name!r} is not an event family; name its family in `families`")
        return self


class EvmChain(RpcChainConfig):
    family: Literal["evm"]
    chain_id: int = Field(gt=0)
    ws_url: SecretStr | None = None
    oracle: str
    start_block: int = Field(0, ge=0)
    confirmations: int = Field(1, ge=1, le=1000)
    finality_depth: int = Field(2, ge=0, le=10000)
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    max_log_range: int = Field(2000, ge=1, le=100000)
    batch_size: int = Field(25, ge=1, le=200)
    transmitter_keystore: Path
    transmitter_passphrase_file: Path
    max_fee_gwei: int = Field(500, gt=0)
    priority_fee_gwei: int = Field(1, ge=0)
    gas_multiplier_pct: int = Field(125, ge=100, le=400)
    resubmit_after_s: float = Field(30.0, gt=0, description="re-send a pending fulfilment unchanged after this")
    bump_after_s: float = Field(60.0, gt=0, description="replace a fulfilment still pending after this at a higher fee")
    bump_pct: int = Field(20, ge=10, le=300, description="fee increase per replacement (nodes want at least 10)")
    rpc_timeout_s: float = Field(4.0, gt=0, le=120, description="deadline of one call on one endpoint; a silent "
                                 "endpoint is left for the next within it")
    rpc_max_lag_blocks: int = Field(5, ge=0, le=10_000,
                                    description="an endpoint more blocks than this behind the best is not read from")
    indexer: IndexerSection | None = None

    @field_validator("oracle")
    @classmethod
    def _address(cls, v: str) -> str:
        if not ADDRESS.match(v):
            raise ValueError("must be a 0x-prefixed 20-byte hex address")
        return v

    @field_validator("ws_url")
    @classmethod
    def _url(cls, v: SecretStr | None) -> SecretStr | None:
        return None if v is None else http_url(v, "https?|wss?")

    def _alone(self, url: str) -> dict[str, Any]:
        """Without `ws_url` too: its heads would come from another endpoint."""
        return {**super()._alone(url), "ws_url": None}

    def resolve_paths(self, fix: Callable[[Path], Path]) -> EvmChain:
        return self.model_copy(update={"transmitter_keystore": fix(self.transmitter_keystore),
                                       "transmitter_passphrase_file": fix(self.transmitter_passphrase_file)})
