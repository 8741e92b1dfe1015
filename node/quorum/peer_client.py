"""Fetching one peer's signed assessment for a request, bounded and authenticated.

Each fetch is bounded in size (`max_bytes`, 64 KiB), time (`deadline_s`, 2 s, connection included) and rate
(a token bucket per peer), follows no redirect, and is accepted only if the envelope's signature recovers to
the peer's configured signer through the request's family codec (chains/codec.py `signer_address`). Anything
else is a PeerError naming the peer and why; nothing from a refused answer is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from chains.core.errors import AuraError
from chains.registry import FAMILIES
from chains.urls import redact
from node.config import PeerSection
from node.quorum.answer import SignedAnswer
from node.quorum.peer_api import PEER_ASSESSMENT_PATH
from node.quorum.rate import TokenBucket
from node.quorum.status import PeerStatus

MAX_ANSWER_BYTES = 64 * 1024
DEADLINE_S = 2.0
RATE_PER_S = 200.0
BURST = 400
"""Per peer: every operator asks each peer about each request it holds signed (node/quorum/collector.py), at most
every quarter second while the peer has not signed yet, so the rate bounds a quorum's throughput."""
REASONS = ("rate_limited", "timeout", "unreachable", "http_status", "too_big", "bad_json", "malformed",
           "bad_signature", "wrong_signer")


class PeerError(AuraError, RuntimeError):
    """A peer's answer was not taken. `peer` is its label, `reason` one of REASONS (for counts); the message
    names both."""

    def __init__(self, peer: str, reason: str, detail: str) -> None:
        super().__init__(f"peer {peer}: {detail}")
        self.peer = peer
        self.reason = reason


@dataclass(frozen=True)
class PeerAssessment:
    """A peer's answer, authenticated: its envelope's signature recovers to `signer`, the peer's configured one."""

    peer: str
    signer: str
    answer: SignedAnswer


class PeerClient:
    """Fetches from the configured peers over one HTTP session; `close()` ends it (and may be called again)."""

    def __init__(self, *, max_bytes: int = MAX_ANSWER_BYTES, deadline_s: float = DEADLINE_S,
                 rate_per_s: float = RATE_PER_S, burst: int = BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.status = PeerStatus(clock)
        """Each peer's last answer, for `/health`."""
        self.max_bytes = max_bytes
        self.deadline_s = deadline_s
        self._bucket = lambda: TokenBucket(rate_per_s, burst, clock)
        self._buckets: dict[str, TokenBucket] = {}
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, peer: PeerSection, key: str, family: str, features: bool = False) -> PeerAssessment:
        """The peer's signed assessment for request `key` of a chain of `family` (`_fetch`), with the features it
        was scored from when `features` (a peer may send them anyway), its outcome recorded in `status`: a peer
        that answers 404 answers (it has not signed yet); a refused answer does not."""
        try:
            got = await self._fetch(peer, key, family, features)
        except PeerError as e:
            not_signed = e.reason == "http_status" and str(e).endswith("HTTP 404")
            self.status.record(peer.label, not_signed, "not signed yet" if not_signed else str(e))
            raise
        self.status.record(peer.label, True, "signed")
        return got

    async def _fetch(self, peer: PeerSection, key: str, family: str, features: bool = False) -> PeerAssessment:
        """The peer's signed assessment for request `key` of a chain of `family`.

        Raises:
            PeerError: rate limited; no answer within the deadline; unreachable; an HTTP status other than 200;
                a body over `max_bytes`; not JSON; not an answer for `key`; a signature that does not verify or
                recovers to another signer than the peer's.
        """
        label = peer.label
        bucket = self._buckets.setdefault(peer.signer, self._bucket())
        if not bucket.take():
            raise PeerError(label, "rate_limited", f"rate limited (at most {bucket.burst} requests at once, "
                                                   f"{bucket.rate_per_s:g} a second)")
        body = await self._get(peer, key, features)
        try:
            answer = SignedAnswer.from_json(json.loads(body))
        except UnicodeDecodeError:
            raise PeerError(label, "bad_json", "bad JSON: not UTF-8") from None
        except json.JSONDecodeError as e:
            raise PeerError(label, "bad_json", f"bad JSON: {e}") from None
        except ValueError as e:
            raise PeerError(label, "malformed", f"malformed answer: {e}") from None
        if answer.key != key:
            raise PeerError(label, "malformed", f"malformed answer: for {answer.key}, not {key}")
        try:
            signer = FAMILIES[family].codec.signer_address(answer.assessment)
        except ValueError as e:
            raise PeerError(label, "bad_signature", f"bad signature: {e}") from None
        if signer != peer.signer:
            raise PeerError(label, "wrong_signer", f"signed by {signer}, not by its configured signer {peer.signer}")
        return PeerAssessment(peer=label, signer=signer, answer=answer)

    async def _get(self, peer: PeerSection, key: str, features: bool) -> bytes:
        path = PEER_ASSESSMENT_PATH.format(key=quote(key, safe=":")) + ("" if features else "?features=false")
        async with self._exchange(peer, "GET", path) as resp:
            if resp.status != 200:
                raise PeerError(peer.label, "http_status", f"HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > self.max_bytes:
                raise self._too_big(peer)
            body = bytearray()
            while chunk := await resp.content.read(self.max_bytes + 1 - len(body)):
                body += chunk
                if len(body) > self.max_bytes:
                    raise self._too_big(peer)
            return bytes(body)

    async def post(self, peer: PeerSection, path: str, body: Mapping[str, Any]) -> tuple[int, str]:
        """POST `body` as JSON to the peer's `path`, within the deadline: the answer's HTTP status and its first
        512 bytes as text. Not rate limited (an announcement is rare) and not authenticated (the caller reads it).

        Raises:
            PeerError: no answer within the deadline (`timeout`); unreachable.
        """
        async with self._exchange(peer, "POST", path, json=body) as resp:
            return resp.status, (await resp.content.read(512)).decode(errors="replace")

    @contextlib.asynccontextmanager
    async def _exchange(self, peer: PeerSection, method: str, path: str,
                        **kwargs: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        """One request to the peer over this client's session, no redirect followed, the whole of it (connection,
        answer and reading it in the `async with` body) within `deadline_s`; the peer's URL, which may carry a
        credential, never appears in an error."""
        url = peer.url.get_secret_value()
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": "aura-node", "Accept": "application/json"})
        try:
            async with asyncio.timeout(self.deadline_s):
                async with self._session.request(method, url.rstrip("/") + path, allow_redirects=False,
                                                 **kwargs) as resp:
                    yield resp
        except TimeoutError:
            raise PeerError(peer.label, "timeout", f"no answer within {self.deadline_s:g} s") from None
        except aiohttp.ClientError as e:
            reason = str(e).replace(url, redact(url)) or type(e).__name__
            raise PeerError(peer.label, "unreachable", f"unreachable: {reason}") from None

    def _too_big(self, peer: PeerSection) -> PeerError:
        return PeerError(peer.label, "too_big", f"answer over {self.max_bytes} bytes")

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
