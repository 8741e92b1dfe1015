"""A subject's address or a request's id as a URL gives it, checked the way the chain's family reads it and
written the way the store keeps it (an EVM address in its EIP-55 form, whatever case it came in).

The family's codec reads each field of a request (`PayloadCodec.read_id`) and its owner-message module writes an
id back as text (`OwnerMessage.id_text`): both are used as they are, so nothing here knows a family. A family
without the latter is checked generically: `0x` and 40 or 64 hex digits, or base58 of 32 bytes, kept as given.
"""

from __future__ import annotations

import re

from chains.core.base58 import Base58Error, b58decode
from chains.core.errors import InvalidParams
from chains.registry import FAMILIES

_HEX_ID = re.compile(r"0x(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})")


def canonical_id(family: str, field: str, text: str) -> str:
    """`text` as the store writes the request field `field` (`subject`, `request_id`) of a `family` chain.

    Raises:
        ValueError: `text` is not such an id; the message starts with `field`.
    """
    known = FAMILIES.get(family)
    if known is None or known.owner_message is None:
        return _generic_id(field, text)
    try:
        raw = known.codec.read_id(field, text, field)
    except InvalidParams as exc:
        raise ValueError(str(exc)) from None
    return known.owner_message().id_text(raw)


def _generic_id(field: str, text: str) -> str:
    if _HEX_ID.fullmatch(text):
        return text
    try:
        if len(text) <= 44 and len(b58decode(text)) == 32:
            return text
    except Base58Error:
        pass
    raise ValueError(f"{field}: must be 0x and 40 or 64 hex digits, or base58 of 32 bytes")
