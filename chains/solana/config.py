"""The config of a Solana cluster: its RPC endpoints (read and send-only), the `aura_oracle` program and one oracle
account on it, and the lending programs whose borrows and repayments re-score a watched wallet (docs/solana.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from chains.config import RpcChainConfig
from chains.solana.credit_events import MAINNET_PROGRAMS, PROTOCOLS

BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")


def _is_pubkey(v: str) -> bool:
    """Whether `v` is a 32-byte public key written in canonical base58."""
    if not BASE58.match(v):
        return False
    from solders.pubkey import Pubkey  # noqa: PLC0415 - only configs that name a Solana chain need it

    try:
        return str(Pubkey.from_string(v)) == v
    except ValueError:
        return False


class SolanaChain(RpcChainConfig):
    """A Solana cluster: the `aura_oracle` program and one oracle account on it (docs/solana.md)."""

    family: Literal["solana"]
    chain_id: int = Field(ge=1, le=(1 << 53) - 1,
                          description="the cluster id the oracle account stores (its `initialize` argument), signed "
                                      "in every payload (docs/solana.md, \"Cluster binding\")")
    program_id: str
    oracle: str
    commitment: Literal["processed", "confirmed", "finalized"] = Field(
        "confirmed", description="requests are scored once their slot reaches this commitment")
    start_slot: int = Field(0, ge=0, description="requests made before this slot are ignored")
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    batch_size: int = Field(1, ge=1, le=1, description="one fulfilment per transaction: each is atomic")
    transmitter_keypair: Path = Field(description="a Solana CLI keypair file (JSON array of 64 bytes)")
    compute_unit_margin_pct: int = Field(120, ge=100, le=400,
                                         description="compute-unit limit: simulated units times this / 100")
    priority_fee_micro_lamports: int = Field(1_000, ge=0, le=10**9,
                                             description="lowest compute-unit price offered")
    max_priority_fee_micro_lamports: int = Field(1_000_000, ge=0, le=10**12,
                                                 description="highest compute-unit price ever offered")
    resubmit_after_s: float = Field(2.0, gt=0, description="re-send a pending fulfilment unchanged after this")
    bump_after_s: float = Field(60.0, gt=0, description="unused on Solana: an expired blockhash re-signs instead")
    bump_pct: int = Field(20, ge=10, le=300)
    rpc_timeout_s: float = Field(10.0, gt=0, le=120, description="deadline of one call on one endpoint; a silent "
                                 "endpoint is left for the next within it")
    rpc_max_lag_slots: int = Field(128, ge=0, le=100_000, description="an endpoint more slots than this behind the "
                                   "best (at `commitment`) is not read from")
    history_pages: int = Field(5, ge=1, le=100,
                               description="getSignaturesForAddress pages (1000 each) read per subject")
    lookup_table: str | None = Field(
        None, description="the address lookup table (its authority the transmitter) through which a quorum "
                          "fulfilment of more than four signatures goes as a v0 transaction; unset: the "
                          "transmitter's first active table, created when first needed")
    lending_programs: dict[str, str] = Field(
        default_factory=lambda: dict(MAINNET_PROGRAMS),
        description="lending programs whose borrows and repayments re-score a watched wallet: program id -> "
                    "protocol (kamino-lend, solend, marginfi-v2); default each one's mainnet program; empty: none")

    @field_validator("lookup_table")
    @classmethod
    def _table(cls, v: str | None) -> str | None:
        if v is not None and not _is_pubkey(v):
            raise ValueError("must be a base58 Solana public key (32 bytes)")
        return v

    @field_validator("program_id", "oracle")
    @classmethod
    def _pubkey(cls, v: str) -> str:
        if not BASE58.match(v):
            raise ValueError("must be a base58 Solana public key")
        from solders.pubkey import Pubkey  # noqa: PLC0415 - only configs that name a Solana chain need it

        try:
            if str(Pubkey.from_string(v)) != v:
                raise ValueError
        except ValueError:
            raise ValueError("must be a base58 Solana public key (32 bytes)") from None
        return v

    @field_validator("lending_programs")
    @classmethod
    def _lending_programs(cls, v: dict[str, str]) -> dict[str, str]:
        problems = []
        for program, protocol in v.items():
            if not _is_pubkey(program):
                problems.append(f"{program!r} is not a base58 Solana public key (32 bytes)")
            if protocol not in PROTOCOLS:
                problems.append(f"{program}: unknown protocol {protocol!r} (one of {', '.join(sorted(PROTOCOLS))})")
        if problems:
            raise ValueError("; ".join(problems))
        return v

    def resolve_paths(self, fix: Callable[[Path], Path]) -> SolanaChain:
        return self.model_copy(update={"transmitter_keypair": fix(self.transmitter_keypair)})
