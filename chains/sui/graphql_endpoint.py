"""One endpoint of Sui's GraphQL service through pysui's GraphQL client (`GqlProtocolClient`), and what it was last
seen doing (chains/endpoint.py).

pysui's client starts by introspecting the service's schema and running its configuration query (chain
identifier, reference gas price, service limits), with a blocking HTTP client: that runs in a worker thread so
the event loop is never held. Its configuration lives in memory here (one GraphQL group, one profile: this
endpoint); nothing is read from or written to `~/.pysui`.

Every call has a deadline. What the endpoint is at fault for raises `Fault`: no answer in time, a transport
failure, HTTP 429 or 5xx, a body that is not GraphQL, and the service's errors about itself (`REQUEST_TIMEOUT`,
`INTERNAL_SERVER_ERROR`, `FEATURE_UNAVAILABLE`, a rate limit). Any other GraphQL error (`BAD_USER_INPUT`, a
document the schema refuses, a query over the service's limits) is an answer about the call, which every endpoint
would give: it comes back in `Reply.error`.

The URL may carry credentials: only the endpoint's label (scheme://host:port) is ever printed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from gql import GraphQLRequest
from gql.transport.exceptions import TransportError, TransportProtocolError, TransportQueryError, TransportServerError
from graphql import GraphQLError
from pysui import GqlProtocolClient, PysuiConfiguration
from pysui.sui.sui_common.config.confgroup import SUI_GQL_RPC_GROUP, GroupProtocol, Profile, ProfileGroup
from pysui.sui.sui_common.config.confmodel import _CURRENT_CONFIG_VERSION, PysuiConfigModel

from chains.endpoint import EndpointState, Fault, http_fault
from chains.sui.queries import ALL

try:  # gql's HTTPX transport uses httpx2 when it is installed, else httpx
    import httpx2 as _httpx
except ModuleNotFoundError:  # pragma: no cover
    import httpx as _httpx  # type: ignore[no-redef]

TRANSPORT = (TransportError, _httpx.HTTPError, httpx.HTTPError, OSError)
TIMEOUTS = (TimeoutError, _httpx.TimeoutException, httpx.TimeoutException)
FAULT_CODES = {"REQUEST_TIMEOUT": "graphql_timeout", "INTERNAL_SERVER_ERROR": "graphql_internal",
               "FEATURE_UNAVAILABLE": "graphql_unavailable"}
LIMIT_WORDS = re.compile(r"rate limit|too many requests", re.IGNORECASE)
START_DEADLINES = 3
START_FLOOR_S = 5.0
"""pysui's start-up is two round trips (the introspection and the configuration query) and the schema built from
them: it has three deadlines, and at least START_FLOOR_S."""


class Unusable(Fault):
    """The endpoint answers, but is not a Sui GraphQL service this node can use."""


class EndpointConfig(PysuiConfiguration):
    """A pysui configuration held in memory: one GraphQL group with one profile, the chain's endpoint."""

    def __init__(self, url: str, profile: str) -> None:  # noqa: D107 - no file, unlike the base class
        group = ProfileGroup(SUI_GQL_RPC_GROUP, profile, "", [], [], [], [Profile(profile, url)],
                             GroupProtocol.GRAPHQL)
        model = PysuiConfigModel(version=_CURRENT_CONFIG_VERSION)
        model.add_group(group=group, make_active=True)
        self._model = model
        self._config_root = Path("in-memory")  # never read nor written: _write_model refuses
        self._config_file = self._config_root / "PysuiConfig.json"

    def _write_model(self) -> None:
        raise RuntimeError("this pysui configuration lives in memory only")

    def __repr__(self) -> str:
        return f"EndpointConfig({self.active_profile})"


@dataclass(frozen=True)
class Reply:
    """The service's `data`, or its errors about the call in one line (`error`, empty when there were none)."""

    data: dict[str, Any]
    error: str = ""


def messages(errors: Any) -> str:
    """GraphQL errors in one line: their messages, cut to 300 characters."""
    if isinstance(errors, list):
        texts = [e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in errors]
        return "; ".join(texts)[:300]
    return str(errors)[:300] if errors else ""


def _code(error: Any) -> str:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return str(extensions.get("code", "")) if isinstance(extensions, dict) else ""


def fault_in(errors: Any) -> Fault | None:
    """The fault of the endpoint among GraphQL `errors`, if they hold one."""
    for error in errors if isinstance(errors, list) else []:
        code, text = _code(error), messages([error])
        if code in FAULT_CODES:
            return Fault(FAULT_CODES[code], f"GraphQL {code}: {text}")
        if LIMIT_WORDS.search(text):
            return Fault("graphql_limit", f"GraphQL {code or 'error'}: {text}")
    return None


class GraphQLEndpoint(EndpointState):
    """One GraphQL endpoint (a read endpoint: Sui executes through the same service)."""

    def __init__(self, url: str, label: str, index: int, *, name: str, timeout_s: float,
                 cooloff_s: tuple[float, float], clock: Callable[[], float]) -> None:
        super().__init__(url, label, "read", index, cooloff_s=cooloff_s, clock=clock)
        self.name = name
        self.timeout_s = timeout_s
        self.client: GqlProtocolClient | None = None
        self.chain_identifier = ""
        self.service_version = ""

    def __repr__(self) -> str:
        return f"GraphQLEndpoint({self.label})"

    def _build(self) -> GqlProtocolClient:
        return GqlProtocolClient(pysui_config=EndpointConfig(self.url, self.name), timeout=self.timeout_s)

    async def start(self) -> None:
        """Introspect the service and read its configuration (pysui's start-up queries), once.

        Raises:
            Unusable: the endpoint is not a Sui GraphQL service, or its schema or configuration is unusable.
            Fault: no answer within the start-up's deadline, or a transport failure.
        """
        if self.client is not None:
            return
        deadline = max(self.timeout_s * START_DEADLINES, START_FLOOR_S)
        started = self.clock()
        try:
            client = await asyncio.wait_for(asyncio.to_thread(self._build), timeout=deadline)
        except TIMEOUTS:
            raise Fault("timeout", f"timeout: no answer within {deadline:g} s") from None
        except TransportServerError as e:
            raise http_fault(e.code or 0) from None
        except TRANSPORT as e:
            raise Fault("connection", f"connection failed: {type(e).__name__}") from None
        except KeyError as e:
            raise Unusable("unusable", f"not a Sui GraphQL service (no {e} header)") from None
        except (GraphQLError, TypeError, ValueError) as e:
            raise Unusable("unusable", f"the service's schema or configuration is unusable: {type(e).__name__}: "
                                       f"{self.scrub(str(e))[:200]}") from None
        self.took(started)
        self.chain_identifier = str(client.chain_id())
        self.service_version = str(client.schema_version())
        self.client = client

    async def run(self, operation: str, variables: dict[str, Any]) -> Reply:
        """The service's answer to one operation of chains/sui/queries.py.

        Raises:
            Fault: the endpoint failed (see the module's docstring).
        """
        await self.start()
        assert self.client is not None
        request = GraphQLRequest(ALL[operation], variable_values=variables, operation_name=operation)
        started = self.clock()
        try:
            result = await asyncio.wait_for(
                self.client.execute_document_node(with_node=request, timeout=self.timeout_s), self.timeout_s)
        except TIMEOUTS:
            raise Fault("timeout", f"timeout: no answer within {self.timeout_s:g} s") from None
        except TransportServerError as e:
            raise http_fault(e.code or 0) from None
        except TransportProtocolError:
            raise Fault("malformed", "not a GraphQL response") from None
        except TransportQueryError as e:
            return self._refusal(e.errors)
        except TRANSPORT as e:
            raise Fault("connection", f"connection failed: {type(e).__name__}") from None
        self.took(started)
        if result.is_err():
            kind = str(result.result_string)
            if kind == "TransportQueryError":
                return self._refusal(getattr(result.result_data, "errors", None))
            if kind.startswith("HTTPX error") and "Timeout" in kind:
                raise Fault("timeout", f"timeout: no answer within {self.timeout_s:g} s")
            if kind.startswith("HTTPX error"):
                raise Fault("connection", f"connection failed: {kind.removeprefix('HTTPX error: ')}")
            detail = messages(getattr(result.result_data, "errors", None))
            return Reply({}, kind + (f": {detail}" if detail else ""))
        data = result.result_data
        if not isinstance(data, dict):
            raise Fault("malformed", "an answer without data")
        return Reply(data)

    @staticmethod
    def _refusal(errors: Any) -> Reply:
        fault = fault_in(errors)
        if fault is not None:
            raise fault
        return Reply({}, f"TransportQueryError: {messages(errors)}")

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                await client.close()
            except TRANSPORT:  # TimeoutError is an OSError
                pass


def quiet_transport_logs() -> None:
    """gql's HTTP client logs every request line with the full URL at INFO: keep endpoints out of logs."""
    quiet = logging.getLogger(_httpx.__name__)
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.WARNING)
