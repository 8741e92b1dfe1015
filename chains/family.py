"""A chain family as one registered unit: its config model, the builder from that config to an adapter, and
the codec of what the enclave signs for it. `chains/registry.py` lists them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from chains.base import ChainAdapter
from chains.codec import PayloadCodec
from chains.config import ChainConfig


class FeatureCache(Protocol):
    """Per-subject values an adapter may keep between calls (the node's store)."""

    def feature(self, chain: str, subject: str, name: str) -> str | None: ...

    def set_feature(self, chain: str, subject: str, name: str, value: str) -> None: ...


@dataclass(frozen=True)
class BuildContext:
    """What a builder may use besides its config.

    Args:
        data_dir: the node's data folder, for a family's own files (an event index).
        cache: the node's per-subject cache.
        nonce_floor: the highest submission nonce the store holds for the chain being built, or None.
        resources: closed when the node stops; a builder registers what it opened.
    """

    data_dir: Path
    cache: FeatureCache | None
    nonce_floor: Callable[[], int | None]
    resources: ExitStack


@dataclass(frozen=True)
class Family:
    """One chain family. `build` imports the adapter's client libraries only when called, so the enclave, which
    needs only `config` and `codec`, never loads them."""

    name: str
    config: type[ChainConfig]
    codec: PayloadCodec
    build: Callable[[Any, BuildContext], ChainAdapter]
