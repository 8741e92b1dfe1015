"""Reading EIP-712 typed data (eth_signTypedData_v4's JSON) back into values, for a struct whose types are known:
the types must be exactly those, and every value of the kinds Aura signs (`string`, `bytes`, `bytesN`, `address`,
`uintN`) is read strictly, so that the digest recomputed from the values is the digest of the JSON as shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Fields = tuple[tuple[str, str], ...]


def read_typed_data(typed: Any, domain_fields: Fields, domain_fixed: Mapping[str, Any], primary: str,
                    fields: Fields) -> tuple[dict[str, Any], dict[str, Any]]:
    """(domain values, message values) of `typed`, whose `EIP712Domain` type is `domain_fields`, whose domain's
    fixed entries are `domain_fixed` (a name and a version), and whose `primary` type is `fields`.

    Raises:
        ValueError: naming the first key or value that is not so.
    """
    if not isinstance(typed, Mapping):
        raise ValueError("typed_data: missing, or not an object")
    types = typed.get("types")
    want = {"EIP712Domain": _type_list(domain_fields), primary: _type_list(fields)}
    if not isinstance(types, Mapping) or dict(types) != want:
        raise ValueError(f"typed_data types: not EIP712Domain and {primary} as Aura signs them")
    if typed.get("primaryType") != primary:
        raise ValueError(f"typed_data primaryType: must be {primary}")
    domain = _values(typed.get("domain"), domain_fields, "typed_data domain")
    for key, value in domain_fixed.items():
        if domain[key] != value:
            raise ValueError(f"typed_data domain {key}: {str(domain[key])[:64]!r}, not {value!r}")
    return domain, _values(typed.get("message"), fields, "typed_data message")


def _type_list(fields: Fields) -> list[dict[str, str]]:
    return [{"name": name, "type": kind} for name, kind in fields]


def _values(obj: Any, fields: Fields, where: str) -> dict[str, Any]:
    if not isinstance(obj, Mapping) or set(obj) != {name for name, _ in fields}:
        raise ValueError(f"{where}: must have exactly the keys {', '.join(name for name, _ in fields)}")
    return {name: _value(obj[name], kind, f"{where} {name}") for name, kind in fields}


def _value(value: Any, kind: str, where: str) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"{where}: must be a string")
        return value
    if kind.startswith("uint"):
        bits = int(kind[4:])
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
            raise ValueError(f"{where}: must be a {kind}")
        return value
    size: int | None
    if kind == "address":
        size = 20
    elif kind == "bytes":
        size = None
    elif kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
    else:
        raise ValueError(f"{where}: kind {kind} is not one Aura signs")
    if not isinstance(value, str) or not value.startswith("0x") or len(value) % 2:
        raise ValueError(f"{where}: must be 0x-prefixed hex")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise ValueError(f"{where}: must be 0x-prefixed hex") from None
    if size is not None and len(raw) != size:
        raise ValueError(f"{where}: {len(raw)} bytes, must be {size}")
    return raw


__all__ = ["read_typed_data"]
