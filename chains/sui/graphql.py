"""Sui's GraphQL service through pysui's GraphQL client (`GqlProtocolClient`).

pysui's client starts by introspecting the service's schema and running its configuration query (chain
identifier, reference gas price, service limits), with a blocking HTTP client: that runs in a worker thread so
the event loop is never held. Its configuration lives in memory here (one GraphQL group, one profile: this
chain's endpoint); nothing is read from or written to `~/.pysui`. Each operation of `chains/sui/queries.py`
is sent with its variables; transport faults and GraphQL errors become `RetryLater`, so a flaky endpoint
delays the node and never fails a request.

The endpoint URL may carry credentials: it is never logged nor put in an error message.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
from gql import GraphQLRequest
from gql.transport.exceptions import TransportError, TransportQueryError
from graphql import GraphQLError
from pysui import GqlProtocolClient, PysuiConfiguration
from pysui.sui.sui_common.config.confgroup import SUI_GQL_RPC_GROUP, GroupProtocol, Profile, ProfileGroup
from pysui.sui.sui_common.config.confmodel import _CURRENT_CONFIG_VERSION, PysuiConfigModel

from chains.core.errors import ChainError, RetryLater
from chains.sui.queries import ALL

try:  # gql's HTTPX transport uses httpx2 when it is installed, else httpx
    import httpx2 as _httpx
except ModuleNotFoundError:  # pragma: no cover
    import httpx as _httpx  # type: ignore[no-redef]

TRANSIENT = (TransportError, _httpx.HTTPError, httpx.HTTPError, OSError, asyncio.TimeoutError, TimeoutError)


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


class GraphQL:
    """One chain's GraphQL endpoint."""

    def __init__(self, name: str, url: str, timeout: float) -> None:
        # gql's HTTP client logs every request line with the full URL at INFO: keep the endpoint out of logs
        quiet = logging.getLogger(_httpx.__name__)
        if quiet.level == logging.NOTSET:
            quiet.setLevel(logging.WARNING)
        self.name = name
        self._url = url
        self.timeout = timeout
        self._client: GqlProtocolClient | None = None
        self.chain_identifier = ""
        self.service_version = ""

    def __repr__(self) -> str:
        return f"GraphQL({self.name})"

    @property
    def connected(self) -> bool:
        return self._client is not None

    def _build(self) -> GqlProtocolClient:
        return GqlProtocolClient(pysui_config=EndpointConfig(self._url, self.name), timeout=self.timeout)

    async def connect(self) -> None:
        """Introspect the service and read its configuration (pysui's start-up queries)."""
        if self._client is not None:
            return
        try:
            client = await asyncio.wait_for(asyncio.to_thread(self._build), timeout=self.timeout * 3)
        except TRANSIENT as e:
            raise RetryLater(f"{self.name}: GraphQL service unreachable: {type(e).__name__}") from None
        except KeyError as e:
            raise ChainError(f"{self.name}: the endpoint is not a Sui GraphQL service (no {e} header)") from None
        except (GraphQLError, TypeError, ValueError) as e:
            raise ChainError(f"{self.name}: the GraphQL service's schema or configuration is unusable: "
                             f"{type(e).__name__}: {str(e)[:200]}") from None
        self.chain_identifier = str(client.chain_id())
        self.service_version = str(client.schema_version())
        self._client = client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except TRANSIENT:
                pass

    def reference_gas_price(self) -> int | None:
        """The reference gas price pysui read at start-up (its configuration query)."""
        if self._client is None:
            return None
        return self._client.current_gas_price

    async def run(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one operation of chains/sui/queries.py; RetryLater on any transport or GraphQL error."""
        if self._client is None:
            raise ChainError(f"{self.name}: not connected")
        request = GraphQLRequest(ALL[operation], variable_values=variables or {}, operation_name=operation)
        try:
            result = await self._client.execute_document_node(with_node=request, timeout=self.timeout)
        except TransportQueryError as e:
            raise RetryLater(f"{self.name}: {operation} failed: {_messages(e.errors)}") from None
        except TRANSIENT as e:
            raise RetryLater(f"{self.name}: {operation} failed: {type(e).__name__}") from None
        if result.is_err():
            data = result.result_data
            detail = _messages(getattr(data, "errors", None)) if data is not None else ""
            raise RetryLater(f"{self.name}: {operation} failed: {result.result_string}"
                             + (f": {detail}" if detail else ""))
        data = result.result_data
        if not isinstance(data, dict):
            raise RetryLater(f"{self.name}: {operation} answered without data")
        return data


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        texts = [e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in errors]
        return "; ".join(texts)[:300]
    return str(errors)[:300] if errors else ""
