"""Sign-In with Ethereum (EIP-4361) as a way to open a score commitment (docs/protocol.md, `open`): the text a
wallet shows as a sign-in, signed with `personal_sign` like Aura's plain text (chains/evm/owner_message.py).
Light: the enclave imports it.

One exact form is read, every line checked, so that a signed text means one thing only:

    {domain} wants you to sign in with your Ethereum account:
    {subject, EIP-55}

    {title} at oracle {contract, EIP-55}

    URI: {uri}
    Version: 1
    Chain ID: {the request's chain id}
    Nonce: {32 lower-case hex digits}
    Issued At: {RFC 3339}
    Expiration Time: {RFC 3339}
    Request ID: {the request id, 0x and 64 lower-case hex digits}

The domain and URI are the site that asked for the signature (a wallet checks them against the page it runs on);
the enclave cannot know that site, so it takes any well-formed one. EIP-4361's other optional fields (Not Before,
Resources) are refused. The reference Python reader, `siwe`, pins web3 below 8 and cannot be installed beside this
project's web3, hence this reader.
"""

from __future__ import annotations

import re
from datetime import datetime

from chains.codec import BoundRequest
from chains.core.secp256k1 import to_checksum_address

STANDARD = "Sign-In with Ethereum (EIP-4361)"
PREAMBLE = " wants you to sign in with your Ethereum account:"
AUTHORITY_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")
URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[!-~]{1,1000}")
NONCE_RE = re.compile(r"[0-9a-f]{32}")
TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
                     r"(?:Z|[+-][0-9]{2}:[0-9]{2})")


def statement(title: str, request: BoundRequest) -> str:
    """The statement line: the action and the oracle it is asked of."""
    return f"{title} at oracle {to_checksum_address(request.contract)}"


def sign_in_text(request: BoundRequest, title: str, *, domain: str, uri: str, nonce: str, issued_at: str,
                 expiration_time: str) -> str:
    """The EIP-4361 text that opens this request's commitment (no trailing newline), as `read` takes it."""
    return "\n".join([
        domain + PREAMBLE, to_checksum_address(request.subject), "", statement(title, request), "", f"URI: {uri}",
        "Version: 1", f"Chain ID: {request.chain_id}", f"Nonce: {nonce}", f"Issued At: {issued_at}",
        f"Expiration Time: {expiration_time}", f"Request ID: 0x{request.request_id.hex()}",
    ])


def read(message: str, request: BoundRequest, title: str) -> tuple[str, int] | None:
    """(nonce, expiration time in unix seconds) of an EIP-4361 text opening this request's commitment for its
    subject; None when the text is not a sign-in (its first line is not EIP-4361's).

    Raises:
        ValueError: a sign-in that is not exactly the form above for this request, naming the first line that is
            not.
    """
    lines = message.split("\n")
    if not lines[0].endswith(PREAMBLE):
        return None
    domain = lines[0].removesuffix(PREAMBLE)
    fixed = {1: to_checksum_address(request.subject), 2: "", 3: statement(title, request), 4: "", 6: "Version: 1",
             7: f"Chain ID: {request.chain_id}", 11: f"Request ID: 0x{request.request_id.hex()}"}
    time = "an RFC 3339 time with its offset"
    prefixed = {5: ("URI: ", URI_RE, "a URI"), 8: ("Nonce: ", NONCE_RE, "32 lower-case hex digits"),
                9: ("Issued At: ", TIME_RE, time), 10: ("Expiration Time: ", TIME_RE, time)}
    if AUTHORITY_RE.fullmatch(domain) is None:
        raise ValueError(f"line 1: {domain[:80]!r} is not a domain (host or host:port)")
    for i in range(1, 12):
        line = lines[i] if i < len(lines) else None
        if i in fixed:
            ok, want = line == fixed[i], repr(fixed[i])
        else:
            prefix, pattern, what = prefixed[i]
            ok = line is not None and line.startswith(prefix) and pattern.fullmatch(line[len(prefix):]) is not None
            want = f"{prefix!r} and {what}"
        if not ok:
            shown = "nothing" if line is None else repr(line[:120])
            raise ValueError(f"line {i + 1}: expected {want}, got {shown}")
    if len(lines) > 12:
        raise ValueError(f"line 13: expected the end of the text, got {lines[12][:120]!r} (Not Before and Resources "
                         "are not taken)")
    issued, expires = (_unix(lines[i].split(": ", 1)[1], i + 1) for i in (9, 10))
    if issued > expires:
        raise ValueError("line 10: Issued At is after the Expiration Time")
    return lines[8].removeprefix("Nonce: "), expires


def _unix(text: str, line: int) -> int:
    """Whole unix seconds of an RFC 3339 time (a fraction is dropped)."""
    try:
        return int(datetime.fromisoformat(text).timestamp())
    except ValueError:
        raise ValueError(f"line {line}: {text!r} is not a valid RFC 3339 time") from None


__all__ = ["STANDARD", "read", "sign_in_text"]
