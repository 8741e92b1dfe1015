"""The Sui chain family: the `aura_oracle` Move package (docs/sui.md) through Sui's GraphQL service."""

from __future__ import annotations

from typing import Any

from chains.base import ChainAdapter
from chains.family import BuildContext, ChainInit, Family, OwnerMessage
from chains.sui.codec import CODEC
from chains.sui.config import SuiChain
from chains.sui.signed_view import read_signed


def build(cfg: SuiChain, ctx: BuildContext) -> ChainAdapter:
    """An adapter paying gas with the configured Sui key."""
    from chains.sui.adapter import SuiAdapter  # noqa: PLC0415 - pysui only where Sui is served
    from chains.sui.keys import load_transmitter  # noqa: PLC0415

    return SuiAdapter(cfg, load_transmitter(cfg.transmitter_key), cache=ctx.cache, sequence_floor=ctx.sequence_floor)


def build_reader(cfg: SuiChain, ctx: BuildContext) -> ChainAdapter:
    """An adapter that only reads the chain (`aura verify`): no key file; its key is made for this run and never
    signs a transaction."""
    from chains.sui.adapter import SuiAdapter  # noqa: PLC0415
    from chains.sui.keys import ephemeral_transmitter  # noqa: PLC0415

    return SuiAdapter(cfg, ephemeral_transmitter(), cache=None, sequence_floor=ctx.sequence_floor)


async def consume(cfg: SuiChain, **request: Any) -> dict[str, Any]:
    """`aura request` on this chain: chains/sui/consumer.py."""
    from chains.sui.consumer import request_assessment  # noqa: PLC0415 - pysui only when a consumer asks

    return await request_assessment(cfg, **request)


def load_owner_message() -> OwnerMessage:
    """The subject's proof of wallet control: chains/sui/owner_message.py."""
    from chains.sui import owner_message as check  # noqa: PLC0415 - its crypto only where a commitment is opened

    return check


def verifier_args(proof: dict[str, Any], public_signals: list[str]) -> dict[str, Any]:
    """A threshold proof as the family's verifier takes it: chains/sui/groth16.py."""
    from chains.sui import groth16  # noqa: PLC0415 - the encoder only when a proof is asked for

    return groth16.verifier_args(proof, public_signals)


def load_init() -> ChainInit:
    """How `aura init` sets up a chain of the family: chains/sui/operator_init.py."""
    from chains.sui.operator_init import INIT  # noqa: PLC0415 - its key writers only when a node is set up

    return INIT


FAMILY = Family(name="sui", config=SuiChain, codec=CODEC, build=build, consumer=consume, reader=build_reader,
                owner_message=load_owner_message, verifier_args=verifier_args,
                read_signed=read_signed, init=load_init)
