"""The enclave's `open` (docs/protocol.md): the opening of a score commitment, `{score, blinding, commitment}`,
given only to the subject, who proves control of its wallet by signing a fixed text in its chain's convention.

The host supplies the request (as for `assess`), the score and commitment it stored, the text and the signature;
none of it is trusted. The enclave checks that the text is the one it expects for this request, that its expiry is
in the future and at most MAX_AHEAD_S ahead of the enclave's clock, that the signature is the subject's
(chains/<family>/owner_message.py), that its nonce was never seen, and that Poseidon(score, blinding, subject) is
the commitment, the blinding recomputed from the enclave's commitment secret (else the host lied about the score).

Nonces are remembered in memory until their expiry: a restarted enclave forgets them, so a request signed before
the restart could be replayed after it, but only until its expiry (at most MAX_AHEAD_S after it was signed), and
only to get again the opening its subject already asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chains.codec import BoundRequest
from chains.core.errors import AuraError, InvalidParams
from chains.core.wire import read_bytes32, read_int, read_object
from chains.family import OwnerMessage
from chains.registry import FAMILIES
from node.enclave.commitment import blinding, score_commitment
from node.enclave.params import TargetCheck, parse_request

MESSAGE_TITLE = "Aura: open my score commitment"
MAX_AHEAD_S = 600
MAX_NONCES = 100_000
MAX_MESSAGE_CHARS = 2048
MAX_SIGNATURE_CHARS = 256
MAX_SCORE = 1000
NONCE_RE = re.compile(r"[0-9a-f]{32}")
EXPIRY_RE = re.compile(r"[1-9][0-9]{0,11}")
NONCE_LINE = "nonce: <32 lower-case hex digits>"
EXPIRY_LINE = "expires_at: <unix seconds>"

def owner_message(family: str) -> OwnerMessage:
    """The family's wallet-control check (`Family.owner_message`, chains/<family>/owner_message.py).

    Raises:
        InvalidParams: the family has none.
    """
    load = FAMILIES[family].owner_message
    if load is None:
        raise InvalidParams(f"family: {family} has no signed-message convention to open a commitment with")
    return load()


class OpenRefused(AuraError, ValueError):
    """The request to open is well formed but not the subject's, not for this request, expired, replayed, or its
    score is not the one committed."""


@dataclass(frozen=True)
class OpenParams:
    """A checked `open` call: `message` is the signed text, `nonce` and `expires_at` read from it."""

    family: str
    request: BoundRequest
    score: int
    commitment: bytes
    message: str
    signature: str
    nonce: str
    expires_at: int


def header_lines(family: str, request: BoundRequest) -> list[str]:
    """The text's lines before its nonce: the action, then the family, the chain and contract keys of the request
    (chains/codec.py `target_keys`), the request id and the subject, each id in the family's own text form."""
    owner = owner_message(family)
    lines = [MESSAGE_TITLE, f"family: {family}"]
    for key in (*FAMILIES[family].codec.target_keys, "request_id", "subject"):
        value = getattr(request, key)
        lines.append(f"{key}: {value if isinstance(value, int) else owner.id_text(value)}")
    return lines


def message_text(family: str, request: BoundRequest, nonce: str, expires_at: int) -> str:
    """The exact text the subject signs to open the commitment of this request (no trailing newline)."""
    return "\n".join([*header_lines(family, request), f"nonce: {nonce}", f"expires_at: {expires_at}"])


def parse_open(params: Any, check_target: TargetCheck | None = None) -> OpenParams:
    """Read every param; InvalidParams names the first bad one, OpenRefused a text that is not this request's."""
    body = read_object(params, "params", ("request", "score", "commitment", "message", "signature"))
    family, request = parse_request(body["request"])
    if check_target is not None:
        check_target(family, request, body["request"])
    score = read_int(body["score"], "score", 0, MAX_SCORE)
    commitment = read_bytes32(body["commitment"], "commitment")
    message, signature = body["message"], body["signature"]
    if not isinstance(message, str) or not 0 < len(message) <= MAX_MESSAGE_CHARS:
        raise InvalidParams(f"message: must be a string of 1 to {MAX_MESSAGE_CHARS} characters")
    if not isinstance(signature, str) or not 0 < len(signature) <= MAX_SIGNATURE_CHARS:
        raise InvalidParams(f"signature: must be a string of 1 to {MAX_SIGNATURE_CHARS} characters")
    nonce, expires_at = read_text(family, request, message)
    return OpenParams(family=family, request=request, score=score, commitment=commitment, message=message,
                      signature=signature, nonce=nonce, expires_at=expires_at)


def read_text(family: str, request: BoundRequest, message: str) -> tuple[str, int]:
    """(nonce, expires_at) of the signed text: in the chain's sign-in standard where it has one and the text is a
    sign-in (`Family.sign_in`: SIWE on EVM), else Aura's plain text (`read_message`).

    Raises:
        OpenRefused: naming the first line that is not the expected one.
    """
    load = FAMILIES[family].sign_in
    if load is not None:
        sign_in = load()
        try:
            found = sign_in.read(message, request, MESSAGE_TITLE)
        except ValueError as exc:
            raise OpenRefused(f"message ({sign_in.STANDARD}) {exc}") from None
        if found is not None:
            return found
    return read_message(message, header_lines(family, request))


def read_message(message: str, header: list[str]) -> tuple[str, int]:
    """(nonce, expires_at) of a text that is `header` then the nonce and expiry lines, and nothing else.

    Raises:
        OpenRefused: naming the first line that is not the expected one.
    """
    got = message.split("\n")
    expected = [*header, NONCE_LINE, EXPIRY_LINE]
    for i, want in enumerate(expected):
        line = got[i] if i < len(got) else None
        if i < len(header):
            ok = line == want
        elif i == len(header):
            ok = line is not None and line.startswith("nonce: ") and NONCE_RE.fullmatch(line[7:]) is not None
        else:
            ok = line is not None and line.startswith("expires_at: ") and EXPIRY_RE.fullmatch(line[12:]) is not None
        if not ok:
            shown = "nothing" if line is None else repr(line[:80])
            raise OpenRefused(f"message line {i + 1}: expected {want!r}, got {shown}")
    if len(got) > len(expected):
        extra = got[len(expected)][:80]
        raise OpenRefused(f"message line {len(expected) + 1}: expected the end of the text, got {extra!r}")
    return got[len(header)][7:], int(got[len(header) + 1][12:])


class NonceBook:
    """The nonces of opened requests, each kept until its expiry (in memory: module docstring)."""

    def __init__(self, limit: int = MAX_NONCES) -> None:
        self._expiry: dict[str, int] = {}
        self._limit = limit

    def spend(self, nonce: str, expires_at: int, now: int) -> None:
        """Record `nonce` until `expires_at`.

        Raises:
            OpenRefused: the nonce was already spent, or too many unexpired nonces are held.
        """
        if nonce in self._expiry and self._expiry[nonce] >= now:
            raise OpenRefused(f"nonce {nonce}: already used; sign a new message")
        if len(self._expiry) >= self._limit:
            self._expiry = {n: e for n, e in self._expiry.items() if e >= now}
            if len(self._expiry) >= self._limit:
                raise OpenRefused(f"{self._limit} unexpired nonces are held; try again in {MAX_AHEAD_S} s")
        self._expiry[nonce] = expires_at


def open_commitment(params: OpenParams, commitment_secret: bytes, now: int, nonces: NonceBook) -> dict[str, Any]:
    """Check the expiry, the signature, the nonce and the commitment, in that order, then give the opening.

    The nonce is spent only once the signature is the subject's, so that nobody else can spend it first.

    Raises:
        OpenRefused: any check fails (the message names which).
    """
    if params.expires_at <= now:
        raise OpenRefused(f"message expired at {params.expires_at}; the enclave clock is {now}")
    if params.expires_at > now + MAX_AHEAD_S:
        raise OpenRefused(f"message expires_at {params.expires_at} is more than {MAX_AHEAD_S} s after the enclave "
                          f"clock {now}")
    request = params.request
    try:
        owner_message(params.family).verify(params.message.encode(), params.signature, request.subject)
    except ValueError as exc:
        raise OpenRefused(f"signature: {exc}") from None
    nonces.spend(params.nonce, params.expires_at, now)
    blind = blinding(commitment_secret, request.request_id, request.subject)
    if score_commitment(params.score, blind, request.subject) != params.commitment:
        raise OpenRefused("score: it and the request's blinding do not give the commitment (the score or commitment "
                          "is not the one the enclave signed for this request)")
    return {"score": params.score, "blinding": "0x" + blind.to_bytes(32, "big").hex(),
            "commitment": "0x" + params.commitment.hex()}


__all__ = ["MAX_AHEAD_S", "MESSAGE_TITLE", "NonceBook", "OpenParams", "OpenRefused", "message_text",
           "open_commitment", "parse_open"]
