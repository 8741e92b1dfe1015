"""The config of a fake chain: which in-memory ledger it is (`url`), its contract, and the pipeline's settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chains.config import ChainConfig

BYTES32 = r"^0x[0-9a-f]{64}$"


class FakeChain(ChainConfig):
    """A ledger of tests/fakechain/ledger.py, reached by its `fake://<name>` url."""

    READ_URL = "url"

    family: Literal["fake"]
    chain_id: int = Field(gt=0)
    url: str = Field(pattern=r"^fake://[a-z0-9-]+$")
    contract: str = Field(pattern=BYTES32)
    transmitter: str = Field("0x" + "7e" * 32, pattern=BYTES32)
    start_height: int = Field(0, ge=0)
    confirmations: int = Field(1, ge=1, le=100)
    finality_depth: int = Field(2, ge=0, le=100)
    max_poll_range: int = Field(1000, ge=1)
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    batch_size: int = Field(2, ge=1, le=20)
    replaces_fees: bool = False
    fee: int = Field(100, gt=0, description="the fee a fulfilment offers")
    max_fee: int = Field(1000, gt=0, description="replacements never offer more")
    resubmit_after_s: float = Field(10.0, gt=0)
    bump_after_s: float = Field(30.0, gt=0)
    bump_pct: int = Field(20, ge=10, le=300)
    rpc_timeout_s: float = Field(5.0, gt=0, le=120)
