"""Bitcoin-alphabet base58, as Solana writes public keys and signatures."""

from __future__ import annotations

from chains.core.errors import AuraError

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


class Base58Error(AuraError, ValueError):
    """A character outside the base58 alphabet; `character` and `index` say which."""

    def __init__(self, character: str, index: int) -> None:
        super().__init__(f"character {character!r} at position {index} is not base58")
        self.character = character
        self.index = index


def b58encode(raw: bytes) -> str:
    """One '1' per leading zero byte, then the rest as a big-endian number in base 58."""
    zeros = len(raw) - len(raw.lstrip(b"\0"))
    number = int.from_bytes(raw, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(ALPHABET[digit])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """The inverse of `b58encode`; Base58Error names the first character outside the alphabet."""
    number = 0
    for position, char in enumerate(text):
        digit = _INDEX.get(char)
        if digit is None:
            raise Base58Error(char, position)
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")
