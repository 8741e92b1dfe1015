"""The chains, contracts, programs and package objects an enclave signs for: fixed when its key is sealed, bound
into the sealed file's authenticated data, listed in its attestation document, and checked on every `assess`.

A target is a family's `request` object without the per-request keys (chains/codec.py `target_keys`): an EVM
target is `{"family": "evm", "chain_id": 1, "contract": "0x…"}`, a Solana one adds `program`, a Sui one
`package`. Values are read by the family's own readers, so a target matches a request however its text was
written (address case, for example).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chains.codec import BoundRequest
from chains.core.errors import InvalidParams
from chains.core.secp256k1 import keccak256
from chains.core.wire import read_object
from chains.registry import FAMILIES

MAX_TARGETS = 64
Key = tuple[str, tuple[tuple[str, Any], ...]]


class Targets:
    """A checked list of targets. `document` is the list as given (each target checked), in the order given."""

    def __init__(self, document: list[dict[str, Any]], keys: frozenset[Key]) -> None:
        self.document = document
        self._keys = keys

    @classmethod
    def parse(cls, value: Any, where: str = "targets") -> Targets:
        """InvalidParams naming the first bad target or key."""
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_TARGETS:
            raise InvalidParams(f"{where}: must be a list of 1 to {MAX_TARGETS} targets")
        keys: set[Key] = set()
        for i, target in enumerate(value):
            at = f"{where}[{i}]"
            if not isinstance(target, dict) or not isinstance(target.get("family"), str):
                raise InvalidParams(f"{at}: must be an object with a string family")
            family = FAMILIES.get(target["family"])
            if family is None:
                raise InvalidParams(f"{at}.family: unsupported family {target['family'][:32]!r} "
                                    f"(supported: {', '.join(FAMILIES)})")
            codec = family.codec
            read_object(target, at, ("family", *codec.target_keys))
            key = (family.name, tuple(sorted(codec.parse_target(target, at).items())))
            if key in keys:
                raise InvalidParams(f"{at}: listed twice")
            keys.add(key)
        return cls(list(value), frozenset(keys))

    def allows(self, family: str, request: BoundRequest) -> bool:
        codec = FAMILIES[family].codec
        key = (family, tuple(sorted((k, getattr(request, k)) for k in codec.target_keys)))
        return key in self._keys

    def check(self, family: str, request: BoundRequest, raw: dict[str, Any]) -> None:
        """InvalidParams when the request is for a chain and contract this enclave was not sealed for."""
        if not self.allows(family, request):
            named = ", ".join(f"{k} {raw.get(k)}" for k in FAMILIES[family].codec.target_keys)
            raise InvalidParams(f"request: this enclave does not sign for {family} {named} (not among the targets "
                                "its key was sealed for)")

    def extended(self, more: Targets) -> Targets:
        """These targets, then `more`'s; InvalidParams naming the first of `more` that is here already."""
        for i, target in enumerate(more.document):
            if Targets.parse([target])._keys & self._keys:
                raise InvalidParams(f"targets[{i}]: the key is sealed for {json.dumps(target)} already")
        return Targets.parse(self.document + more.document)

    def digest(self) -> bytes:
        """keccak-256 of the targets' canonical JSON: what the sealed key's authenticated data binds."""
        return keccak256(canonical(self.document))


def canonical(document: Iterable[dict[str, Any]]) -> bytes:
    return json.dumps(list(document), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def load(text: str) -> Targets:
    """Targets from JSON text (a list of objects); InvalidParams when it is not JSON."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise InvalidParams(f"targets: not JSON: {e}") from None
    return Targets.parse(value)
