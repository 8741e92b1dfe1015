"""A chain family as one registered unit: its config model, the builder from that config to an adapter, and
the codec of what the enclave signs for it. `chains/registry.py` lists them."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from chains.base import ChainAdapter
from chains.codec import BoundRequest, PayloadCodec
from chains.config import ChainConfig
from chains.core.signed_view import SignedView


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
        sequence_floor: the highest submission sequence the store holds for the chain being built, or None.
        resources: closed when the node stops; a builder registers what it opened.
    """

    data_dir: Path
    cache: FeatureCache | None
    sequence_floor: Callable[[], int | None]
    resources: ExitStack


class OwnerMessage(Protocol):
    """A family's proof of wallet control (chains/<family>/owner_message.py, a module the enclave runs): the
    subject signs a text in its chain's convention."""

    CONVENTION: str

    def id_text(self, raw: bytes) -> str:
        """An id or address of the family in its usual text form."""
        ...

    def verify(self, message: bytes, signature: str, subject: bytes) -> None:
        """ValueError unless `signature` (the family's text form) is the subject's over `message`."""
        ...


class SignIn(Protocol):
    """A chain's sign-in standard as a way to open a commitment (chains/evm/siwe.py): a text a wallet shows as a
    sign-in, naming the request, signed in the family's owner-message convention."""

    STANDARD: str

    def read(self, message: str, request: BoundRequest, title: str) -> tuple[str, int] | None:
        """(nonce, expiry in unix seconds) of a sign-in text that opens `request`'s commitment for its subject; None
        when the text is not a sign-in; ValueError naming the first line that does not hold."""
        ...

    def sign_in_text(self, request: BoundRequest, title: str, *, domain: str, uri: str, nonce: str, issued_at: str,
                     expiration_time: str) -> str:
        """The sign-in text `read` takes for this request (times in RFC 3339)."""
        ...


@dataclass(frozen=True)
class Registration:
    """What the oracle's owner does to register an enclave: the `call`, its `arguments` in the chain's form (the
    enclave's key and measurement as the contract takes them, and what `payee` is), and what to `fund`."""

    call: str
    arguments: Mapping[str, str]
    fund: str


@dataclass(frozen=True)
class ChainInit:
    """How `aura init` sets up a chain of the family (chains/<family>/operator_init.py; node/operator_init.py).

    `files`: each config key naming a transmitter file, and where `aura init` keeps that file (relative to the
    config's folder). `transmitter(root)`: makes those files under `root` unless they are there (a key is never
    overwritten) and returns the transmitter's address. `target(cfg)`: the enclave target (node/enclave/targets.py)
    of the section's requests. `registration(document)`: what the oracle's owner calls to register the enclave of
    that attestation document.
    """

    files: Mapping[str, str]
    transmitter: Callable[[Path], str]
    target: Callable[[Any], dict[str, Any]]
    registration: Callable[[Mapping[str, Any]], Registration]


VerifierArgs = Callable[[dict[str, Any], list[str]], dict[str, Any]]
"""A snarkjs threshold proof and its public signals as the arguments of the family's verifier (its groth16.py)."""


@dataclass(frozen=True)
class Family:
    """One chain family. `build` and `consumer` import the client libraries only when called, so the enclave,
    which needs only `config` and `codec`, never loads them.

    `consumer` acts as a protocol asking for an assessment (`aura request`): called with the chain's config and
    the keywords `subject` (str), `params` (bytes), `requester_key` (a key file named by the user, or None),
    `config_dir` (the config file's folder), `wait` (bool), `timeout` (seconds) and `private` (bool: a private
    assessment, docs/protocol.md), it sends the request and
    returns what it did (`request_id`, `subject`, `tx`; with `wait`, a `status` and the score). None when the
    family has no consumer: `aura request` then raises NotSupported.

    `reader` builds an adapter that only reads the chain (`aura verify`): it needs none of the operator's keys.
    None: `build` serves.

    `owner_message` loads the check that the subject signed a text (the enclave's `open`: docs/protocol.md), and
    `verifier_args` encodes a threshold proof for the family's verifier (`aura prove`); both import their
    libraries only when called; None where the family has neither. `sign_in` loads the reader of the chain's own
    sign-in standard (SIWE on EVM), which the enclave's `open` takes besides Aura's plain text; None where the
    family has none.

    `read_signed` reads a signed envelope back from its own payload (chains/core/signed_view.py): how the API checks
    a signed assessment for a caller; None where the family has no reader.

    `init` loads how `aura init` sets up a chain of the family (ChainInit); None: `aura init` raises NotSupported.
    """

    name: str
    config: type[ChainConfig]
    codec: PayloadCodec
    build: Callable[[Any, BuildContext], ChainAdapter]
    consumer: Callable[..., Coroutine[Any, Any, dict[str, Any]]] | None = None
    reader: Callable[[Any, BuildContext], ChainAdapter] | None = None
    owner_message: Callable[[], OwnerMessage] | None = None
    verifier_args: VerifierArgs | None = None
    sign_in: Callable[[], SignIn] | None = None
    read_signed: Callable[[Mapping[str, Any]], SignedView] | None = None
    init: Callable[[], ChainInit] | None = None
