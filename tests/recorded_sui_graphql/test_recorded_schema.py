"""The recordings follow Sui's GraphQL schema (README.md).

- The recorded introspection answer is exactly what a service with that schema returns to the introspection
  query gql sends for pysui.
- Every document the adapter sends, and pysui's start-up query, validates against that schema.
- Every recorded response is what executing its document over the recorded data yields: each selected field
  present (a missing key fails, nullable or not), non-null fields not null, enums and abstract types known,
  the service's scalars in their wire form (UInt53 a number, BigInt a decimal string, DateTime RFC 3339,
  SuiAddress 64 hex digits, Base64 decodable). Variables are coerced against the document's variable types.
- The committed recordings are what scenario.py writes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLSchema,
    build_client_schema,
    execute,
    graphql_sync,
    parse,
    validate,
)
from pysui.sui.sui_pgql.pgql_configs import _QUERY_BETA

from chains.sui.queries import ALL

from . import make_introspection, scenario
from .replay import RECORDINGS, load_introspection

DOCUMENTS = {**ALL, "pysui-config": _QUERY_BETA}
README = Path(__file__).resolve().parent / "README.md"


def _exchanges() -> list[tuple[str, int, dict[str, Any]]]:
    out = []
    for path in sorted(RECORDINGS.glob("*.json")):
        for i, exchange in enumerate(json.loads(path.read_text())["exchanges"]):
            out.append((path.name, i, exchange))
    return out


EXCHANGES = _exchanges()


def _check(pattern: str, kind: str) -> Any:
    regex = re.compile(pattern)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not regex.match(value):
            raise TypeError(f"{value!r} is not a {kind}")
        return value

    return check


def _uint53(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 53:
        raise TypeError(f"{value!r} is not a UInt53")
    return value


def _base64(value: Any) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise TypeError(f"{value!r} is not Base64") from None
    return value


def strict_schema() -> GraphQLSchema:
    """The recorded schema with the service's scalars checked in both directions."""
    schema = build_client_schema(load_introspection())
    checks = {
        "UInt53": _uint53,
        "BigInt": _check(r"^-?(0|[1-9][0-9]*)$", "BigInt"),
        "DateTime": _check(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$", "DateTime"),
        "SuiAddress": _check(r"^0x[0-9a-f]{64}$", "SuiAddress"),
        "Base64": _base64,
        "JSON": lambda value: value,
    }
    for name, check in checks.items():
        scalar = schema.type_map.get(name)
        if scalar is not None:
            scalar.serialize = scalar.coerce_output_value = check
            scalar.parse_value = scalar.coerce_input_value = check
    return schema


def resolve(source: Any, info: Any, **_: Any) -> Any:
    """A field's value is the recorded key under its response name; a missing key is an error."""
    key = info.path.key
    if not isinstance(source, dict) or key not in source:
        raise KeyError(f"the recording has no {key!r} at {'.'.join(str(k) for k in info.path.as_list())}")
    return source[key]


def resolve_type(value: Any, *_: Any) -> Any:
    return value.get("__typename") if isinstance(value, dict) else None


def test_recorded_introspection_is_the_schemas_answer_to_gqls_query() -> None:
    recorded = load_introspection()
    schema = build_client_schema(recorded)
    result = graphql_sync(schema, make_introspection.introspection_query())
    assert result.errors is None
    assert result.data == recorded


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_recorded_documents_validate_against_the_schema(name: str) -> None:
    errors = validate(build_client_schema(load_introspection()), parse(DOCUMENTS[name]))
    assert [e.message for e in errors] == []


def test_recorded_exchanges_cover_every_operation() -> None:
    operations = {exchange["operation"] for _, _, exchange in EXCHANGES}
    assert operations == set(DOCUMENTS)


@pytest.mark.parametrize(("file", "index", "exchange"), EXCHANGES,
                         ids=[f"{f}#{i}-{e['operation']}" for f, i, e in EXCHANGES])
def test_recorded_response_follows_its_query(file: str, index: int, exchange: dict[str, Any]) -> None:
    response = exchange.get("response")
    if response is None:  # a transport-level recording: an HTTP status and a body that is not GraphQL
        assert exchange["status"] >= 200 and isinstance(exchange["body"], str)
        return
    assert set(response) <= {"data", "errors"}
    if response.get("errors") is not None:
        assert response.get("data") is None
        assert all(isinstance(e, dict) and isinstance(e.get("message"), str) for e in response["errors"])
        return
    document = parse(DOCUMENTS[exchange["operation"]])
    operation = None if exchange["operation"] == "pysui-config" else exchange["operation"]
    result = execute(strict_schema(), document, root_value=response["data"], operation_name=operation,
                     variable_values=exchange["variables"], field_resolver=resolve, type_resolver=resolve_type)
    assert result.errors is None, [str(e) for e in result.errors]
    assert result.data == response["data"]


def test_recorded_strict_check_refuses_a_wrong_shape() -> None:
    """The check above fails a recording with a missing field, a wrongly typed scalar or a null non-null."""
    good = scenario.head_exchange()
    document = parse(ALL["AuraHead"])
    bad_shapes = (
        {"checkpoint": {"sequenceNumber": 1200, "timestamp": "2025-12-01T20:00:00.250Z"}},  # digest missing
        {"checkpoint": {"sequenceNumber": "1200", "timestamp": "2025-12-01T20:00:00.250Z", "digest": "x"}},
        {"checkpoint": {"sequenceNumber": None, "timestamp": "2025-12-01T20:00:00.250Z", "digest": "x"}},
        {"checkpoint": {"sequenceNumber": 1200, "timestamp": "yesterday", "digest": "x"}},
    )
    assert execute(strict_schema(), document, root_value=good["response"]["data"], field_resolver=resolve).errors is None
    for data in bad_shapes:
        result = execute(strict_schema(), document, root_value=data, field_resolver=resolve)
        assert result.errors, data


def test_recorded_files_are_what_the_scenario_writes() -> None:
    built = scenario.build()
    committed = {p.name: p.read_text() for p in RECORDINGS.glob("*.json")}
    assert set(committed) == set(built), "run tests/recorded_sui_graphql/make_recordings.py"
    for name, content in built.items():
        assert committed[name] == scenario.dump(content), f"{name} is stale: run make_recordings.py"


@pytest.mark.skipif(not os.environ.get("AURA_SUI_GRAPHQL_SCHEMA"),
                    reason="set AURA_SUI_GRAPHQL_SCHEMA to the schema file of README.md to check against it")
def test_recorded_introspection_is_made_from_the_readme_schema() -> None:
    sdl = Path(os.environ["AURA_SUI_GRAPHQL_SCHEMA"]).read_text()
    assert hashlib.sha256(sdl.encode()).hexdigest() in README.read_text()
    assert make_introspection.introspection(sdl) == load_introspection()
