"""The enclave's own base58 codec: known vectors, agreement with solders, canonical public keys only."""

from __future__ import annotations

import hashlib

import pytest
from solders.pubkey import Pubkey

from chains.solana import payload as solana

# Bitcoin's base58 test vectors (hex, base58).
KNOWN = [
    ("", ""),
    ("61", "2g"),
    ("626262", "a3gV"),
    ("636363", "aPEr"),
    ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
    ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
    ("516b6fcd0f", "ABnLTmg"),
    ("bf4f89001e670274dd", "3SEo3LWLoPntC"),
    ("572e4794", "3EFU7m"),
    ("ecac89cad93923c02321", "EJDM8drfXA6uyA"),
    ("10c8511e", "Rt5zm"),
    ("00000000000000000000", "1111111111"),
]


@pytest.mark.parametrize(("hex_text", "text"), KNOWN)
def test_known_vectors(hex_text: str, text: str) -> None:
    assert solana.b58encode(bytes.fromhex(hex_text)) == text
    assert solana.b58decode(text) == bytes.fromhex(hex_text)


def test_well_known_program_ids() -> None:
    assert solana.parse_pubkey("11111111111111111111111111111111") == bytes(32)
    token = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    assert solana.parse_pubkey(token) == bytes(Pubkey.from_string(token))


def _keys() -> list[bytes]:
    keys = [hashlib.sha256(b"key %d" % i).digest() for i in range(300)]
    keys += [bytes(k) + bytes(32 - k) for k in range(33)]  # leading zero bytes of every count
    keys += [bytes(k) + b"\xff" * (32 - k) for k in range(33)]
    keys += [bytes(31) + bytes([i]) for i in range(256)]
    return keys


def test_agrees_with_solders_both_ways() -> None:
    lengths = set()
    for raw in _keys():
        theirs = str(Pubkey(raw))
        assert solana.b58encode(raw) == solana.pubkey_text(raw) == theirs
        assert solana.parse_pubkey(theirs) == raw
        lengths.add(len(theirs))
    assert min(lengths) == 32 and max(lengths) == 44


def test_round_trip_of_every_length() -> None:
    for n in range(0, 70):
        raw = hashlib.sha512(b"%d" % n).digest()[: n % 64] + bytes(n // 64)
        assert solana.b58decode(solana.b58encode(raw)) == raw


def _key43() -> str:
    """A key whose text is 43 characters, so one more character still passes the length check."""
    return next(t for i in range(1000) if len(t := str(Pubkey(hashlib.sha256(b"%d" % i).digest()))) == 43)


def test_refusals_name_the_problem() -> None:
    key = _key43()
    cases = [
        (12, "must be a base58 string"),
        (b"1" * 32, "must be a base58 string"),
        ("0x" + "11" * 32, "must be base58, not 0x-prefixed hex"),
        ("0" + key[1:], "character '0' at position 0 is not base58"),
        (key[:10] + "+" + key[11:], "character '+' at position 10 is not base58"),
        (key + "é", f"character 'é' at position {len(key)} is not base58"),
        ("2" * 45, "must be base58 of 32 bytes (at most 44 characters), got 45 characters"),
        ("1" * 31, "must decode to exactly 32 bytes, got 31"),
        ("1" * 33, "must decode to exactly 32 bytes, got 33"),
        ("1" + key, "must decode to exactly 32 bytes, got 33"),
        (solana.b58encode(bytes(range(1, 32))), "must decode to exactly 32 bytes, got 31"),
    ]
    for text, message in cases:
        with pytest.raises(ValueError) as info:
            solana.parse_pubkey(text)
        assert str(info.value) == message, text
    for text in ("1" * 31, "1" + key, solana.b58encode(bytes(range(1, 32)))):
        with pytest.raises(ValueError):
            Pubkey.from_string(text)  # solders refuses the same texts


def test_the_canonical_check_catches_a_lenient_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The strict decoder maps each text to one byte string, so the re-encoding check is a guard against a
    decoder change: a decoder that, say, skipped whitespace would be caught by it."""
    key = _key43()
    strict = solana.b58decode
    monkeypatch.setattr(solana, "b58decode", lambda text: strict(text.strip()))
    with pytest.raises(ValueError) as info:
        solana.parse_pubkey(" " + key)
    assert str(info.value) == "is not canonical base58 (it does not re-encode to the same text)"
    assert solana.parse_pubkey(key) == bytes(Pubkey.from_string(key))
