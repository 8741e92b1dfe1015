"""Solana clusters: the `aura_oracle` program (docs/solana.md) through solana-py."""

from __future__ import annotations

from typing import Any

from chains.base import ChainAdapter
from chains.family import BuildContext, ChainInit, Family, OwnerMessage
from chains.solana.codec import CODEC
from chains.solana.config import SolanaChain
from chains.solana.signed_view import read_signed


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


def load_owner_message() -> OwnerMessage:
    """The subject's proof of wallet control: chains/solana/owner_message.py."""
    from chains.solana import owner_message as check  # noqa: PLC0415 - its crypto only where a commitment is opened

    return check


def verifier_args(proof: dict[str, Any], public_signals: list[str]) -> dict[str, Any]:
    """A threshold proof as the family's verifier takes it: chains/solana/groth16.py."""
    from chains.solana import groth16  # noqa: PLC0415 - the encoder only when a proof is asked for

    return groth16.verifier_args(proof, public_signals)


def load_init() -> ChainInit:
    """How `aura init` sets up a chain of the family: chains/solana/operator_init.py."""
    from chains.solana.operator_init import INIT  # noqa: PLC0415 - its key writers only when a node is set up

    return INIT


FAMILY = Family(name="solana", config=SolanaChain, codec=CODEC, build=build, consumer=consume, reader=build_reader,
                owner_message=load_owner_message, verifier_args=verifier_args,
                read_signed=read_signed, init=load_init)
