"""EVM chains: the AuraOracle contract through web3.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chains.base import ChainAdapter
from chains.evm.codec import CODEC
from chains.evm.config import EvmChain
from chains.evm.signed_view import read_signed
from chains.family import BuildContext, ChainInit, Family, OwnerMessage, SignIn

if TYPE_CHECKING:
    from chains.evm.indexer.store import EventStore


def build(cfg: EvmChain, ctx: BuildContext) -> ChainAdapter:
    """An adapter with the transmitter's keystore unlocked, and the history index when the config has one."""
    from chains.evm.adapter import EvmAdapter  # noqa: PLC0415 - web3 only where an EVM chain is served
    from chains.evm.keystore import load_keystore  # noqa: PLC0415

    account = load_keystore(cfg.transmitter_keystore, cfg.transmitter_passphrase_file)
    return EvmAdapter(cfg, account, cache=ctx.cache, sequence_floor=ctx.sequence_floor, events=_events(cfg, ctx))


def build_reader(cfg: EvmChain, ctx: BuildContext) -> ChainAdapter:
    """An adapter that only reads: its transmitter is a key made for this run that never signs anything, and its
    history index starts empty in `ctx.data_dir`."""
    from eth_account import Account  # noqa: PLC0415

    from chains.evm.adapter import EvmAdapter  # noqa: PLC0415

    return EvmAdapter(cfg, Account.create(), cache=None, sequence_floor=ctx.sequence_floor, events=_events(cfg, ctx))


def _events(cfg: EvmChain, ctx: BuildContext) -> EventStore | None:
    """The history index's store in `ctx.data_dir`, closed with `ctx`; None when the config has no indexer."""
    from chains.evm.indexer.store import EventStore  # noqa: PLC0415

    if cfg.indexer is None or not cfg.indexer.enabled:
        return None
    events = EventStore(ctx.data_dir / "events.sqlite")
    ctx.resources.callback(events.close)
    return events


async def consume(cfg: EvmChain, **request: Any) -> dict[str, Any]:
    """`aura request` on this chain: chains/evm/consumer.py."""
    from chains.evm.consumer import request_assessment  # noqa: PLC0415 - web3 only when a consumer asks

    return await request_assessment(cfg, **request)


def load_owner_message() -> OwnerMessage:
    """The subject's proof of wallet control: chains/evm/owner_message.py."""
    from chains.evm import owner_message as check  # noqa: PLC0415 - its crypto only where a commitment is opened

    return check


def load_sign_in() -> SignIn:
    """Sign-In with Ethereum, the other text that opens a commitment: chains/evm/siwe.py."""
    from chains.evm import siwe  # noqa: PLC0415 - only where a commitment is opened

    return siwe


def verifier_args(proof: dict[str, Any], public_signals: list[str]) -> dict[str, Any]:
    """A threshold proof as the family's verifier takes it: chains/evm/groth16.py."""
    from chains.evm import groth16  # noqa: PLC0415 - the encoder only when a proof is asked for

    return groth16.verifier_args(proof, public_signals)


def load_init() -> ChainInit:
    """How `aura init` sets up a chain of the family: chains/evm/operator_init.py."""
    from chains.evm.operator_init import INIT  # noqa: PLC0415 - its key writers only when a node is set up

    return INIT


FAMILY = Family(name="evm", config=EvmChain, codec=CODEC, build=build, consumer=consume, reader=build_reader,
                owner_message=load_owner_message, verifier_args=verifier_args, sign_in=load_sign_in,
                read_signed=read_signed, init=load_init)
