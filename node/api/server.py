"""`ApiServer`: the app (node/api/app.py) served by uvicorn inside the node's own event loop.

The socket is bound here, so that a port in use or an address not of this host is one line (`ApiError`) rather
than uvicorn's log and `sys.exit`; uvicorn then serves on it without touching the process's signal handlers
or logging: the daemon owns both.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import uvicorn

from node.api.app import make_app
from node.api.errors import ApiError
from node.api.operator import QuestionnaireSink
from node.api.rate_limit import KeyChecker, RateLimits
from node.api.v1 import ScoreReader
from node.api.v1.offchain import OffchainSource
from node.api.v1.proofs import ProofSource
from node.api.v1.signed import SignedSource
from node.quorum.peer_api import AnswerSource
from node.quorum.update_intake import UpdateIntake

BACKLOG = 2048
GRACEFUL_S = 5
"""How long a stop waits for requests in flight before it closes their connections."""
TRUSTED_PROXIES = ["127.0.0.1", "::1"]
"""Peers whose `X-Forwarded-For` names the client (a reverse proxy on this host), for the rate limits; written
here rather than read from uvicorn's FORWARDED_ALLOW_IPS environment variable."""


class ApiServer:
    """The node's API on host:port. `start` listens (ApiError when it cannot), `stop` closes (idempotent).

    Args:
        host, port: where to listen; port 0 takes a free one, then `port` is the one bound.
        health: the node's health report.
        questionnaires: where `POST /questionnaires` stores a questionnaire; None leaves the route out.
        peer_answers: what the peer route serves (node/quorum/peer_api.py); None leaves it out.
        store: the node's store, read by `/v1`; None leaves `/v1` out.
        chains: chain name -> family name of every configured chain, for `/v1`.
        cors_origins: origins browsers may call the API from.
        rate_limits: requests a minute per client address and per API key; None: no limit.
        keys: the node's API keys (node/api/keys.py), checked when a request carries one.
        offchain: the node's off-chain assessments (node/offchain_scorer.py); None leaves their routes out.
        proofs: the node's threshold proofs (node/zk/proof_desk.py); None leaves their routes out.
        peer_updates: where a quorum's peers announce operator updates (node/quorum/update_intake.py); None
            leaves the route out.
    """

    def __init__(self, host: str, port: int, health: Callable[[], dict[str, Any]],
                 questionnaires: QuestionnaireSink | None = None, peer_answers: AnswerSource | None = None, *,
                 store: ScoreReader | None = None, chains: Mapping[str, str] | None = None,
                 cors_origins: Sequence[str] = (), rate_limits: RateLimits | None = None,
                 keys: KeyChecker | None = None, offchain: OffchainSource | None = None,
                 proofs: ProofSource | None = None, signed: SignedSource | None = None,
                 peer_updates: UpdateIntake | None = None) -> None:
        self.host, self.port = host, port
        self.app = make_app(health, questionnaires, peer_answers, scores=store, chains=chains,
                            cors_origins=cors_origins, rate_limits=rate_limits, keys=keys, offchain=offchain,
                            proofs=proofs, signed=signed, peer_updates=peer_updates)
        self.started_at = time.time()
        self._server: uvicorn.Server | None = None
        self._ticks: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    async def start(self) -> None:
        """Listen on host:port (any free port for 0).

        Raises:
            ApiError: the port is in use, or the host cannot be listened on.
        """
        sock = self._listen()
        config = uvicorn.Config(self.app, http="httptools", ws="none", lifespan="off", log_config=None,
                                access_log=False, server_header=False, timeout_graceful_shutdown=GRACEFUL_S,
                                backlog=BACKLOG, proxy_headers=True, forwarded_allow_ips=TRUSTED_PROXIES)
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        try:
            await server.startup(sockets=[sock])
        except BaseException:
            sock.close()
            raise
        self.port = int(sock.getsockname()[1])
        self._server, self._socket = server, sock
        self._ticks = asyncio.create_task(server.main_loop(), name="api-ticks")  # the Date header, once a second

    def _listen(self) -> socket.socket:
        where = f"{self.host}:{self.port}"
        try:
            infos = socket.getaddrinfo(self.host or None, self.port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
        except socket.gaierror as e:
            raise ApiError(f"api cannot listen on {where}: {e.strerror}") from None
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart does not wait out TIME_WAIT
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
        except OSError as e:
            sock.close()
            if e.errno == errno.EADDRINUSE:
                raise ApiError(f"api port {where} is in use") from None
            reason = os.strerror(e.errno) if e.errno else str(e)
            raise ApiError(f"api cannot listen on {where}: {reason}") from None
        return sock

    async def stop(self) -> None:
        """Stop listening, let requests in flight finish (up to GRACEFUL_S), close. Idempotent."""
        server, ticks, sock = self._server, self._ticks, self._socket
        self._server = self._ticks = self._socket = None
        if server is None:
            return
        server.should_exit = True
        if ticks is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await ticks
        await server.shutdown(sockets=[sock] if sock is not None else None)
