"""Solana clusters: the `aura_oracle` program (docs/solana.md) through solana-py."""

from __future__ import annotations

from typing import Any

from chains.base import ChainAdapter
from chains.family import BuildContext, Family
from chains.solana.codec import CODEC
from chains.solana.config import SolanaChain


def build(cfg: SolanaChain, ctx: BuildContext) -> ChainAdapter:
    """An adapter paying fees from the configured keypair file."""
    from chains.solana.adapter import SolanaAdapter  # noqa: PLC0415 - solana-py only where Solana is served
    from chains.solana.keypair import load_keypair  # noqa: PLC0415

    return SolanaAdapter(cfg, load_keypair(cfg.transmitter_keypair), cache=ctx.cache, sequence_floor=ctx.sequence_floor)


def build_reader(cfg: SolanaChain, ctx: BuildContext) -> ChainAdapter:
    """An adapter that only reads the cluster (`aura verify`): no keypair file; it never sends a transaction."""
    from solders.keypair import Keypair  # noqa: PLC0415

    from chains.solana.adapter import SolanaAdapter  # noqa: PLC0415

    return SolanaAdapter(cfg, Keypair(), cache=ctx.cache, sequence_floor=ctx.sequence_floor)


async def consume(cfg: SolanaChain, **request: Any) -> dict[str, Any]:
    """`aura request` on this chain: chains/solana/consumer.py."""
    from chains.solana.consumer import request_assessment  # noqa: PLC0415 - solana-py only when a consumer asks

    return await request_assessment(cfg, **request)


FAMILY = Family(name="solana", config=SolanaChain, codec=CODEC, build=build, consumer=consume, reader=build_reader)
