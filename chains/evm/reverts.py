"""A contract's custom error read back from a refused call: its name and arguments, by the contract's ABI.

The quorum's errors are told by their arguments: `QuorumNotMet(got, needed)` says how many signatures counted,
`RevokedSigner(signer)` which signer the contract refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

_DATA = re.compile(r"0x(?:[0-9a-fA-F]{2}){4,}")


@dataclass(frozen=True)
class Revert:
    """A custom error the contract reverted with."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        """`Name(arg, ...)`: addresses checksummed, bytes in 0x hex, numbers in decimal."""
        return f"{self.name}({', '.join(_shown(arg) for arg in self.args)})"


class CustomErrors:
    """The custom errors of one contract's ABI, by selector."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._by_selector: dict[bytes, tuple[str, list[str]]] = {}
        for item in abi:
            if item.get("type") == "error":
                types = [i["type"] for i in item["inputs"]]
                self._by_selector[keccak(text=f"{item['name']}({','.join(types)})")[:4]] = (item["name"], types)

    def decode(self, data: bytes) -> Revert | None:
        """The error ABI-encoded in `data` (selector, then arguments); None for a selector the ABI does not have
        or arguments that do not decode."""
        known = self._by_selector.get(bytes(data[:4]))
        if known is None:
            return None
        name, types = known
        try:
            args = abi_decode(types, bytes(data[4:]))
        except Exception:  # noqa: BLE001 - eth_abi's decoding errors share no base class worth naming
            return None
        return Revert(name, tuple(to_checksum_address(a) if t == "address" else a for t, a in zip(types, args,
                                                                                                   strict=True)))

    def of(self, exc: BaseException) -> Revert | None:
        """The error a refused call's exception carries: its `data` (web3's contract errors), else the first hex
        in its text that decodes as one (a JSON-RPC error's message or data)."""
        data = getattr(exc, "data", None)
        texts = [data] if isinstance(data, str) else []
        for text in [*texts, str(exc)]:
            for match in _DATA.finditer(text):
                found = self.decode(bytes.fromhex(match.group(0)[2:]))
                if found is not None:
                    return found
        return None


def _shown(arg: Any) -> str:
    if isinstance(arg, bytes):
        return "0x" + arg.hex()
    return str(arg)
