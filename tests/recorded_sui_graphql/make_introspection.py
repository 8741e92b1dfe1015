"""Write the recorded introspection answer (introspection.json.gz) from a Sui GraphQL schema file.

    python tests/recorded_sui_graphql/make_introspection.py path/to/sui-indexer-alt-graphql/schema.graphql

The schema is pruned to what the recorded conversations use: every type, field and argument that the
adapter's documents (chains/sui/queries.py) and pysui's start-up configuration query select, with input types
whole and descriptions dropped. Types, nullability and arguments are the schema's own. Every document is
validated against the full schema first; the script refuses to write anything if one does not validate.

The answer is what a service with the pruned schema returns to the introspection query gql sends for pysui
(`get_introspection_query_ast(input_value_deprecation=False)`), gzip-compressed with a fixed timestamp so the
same schema always gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    graphql_sync,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_scalar_type,
    is_specified_scalar_type,
    is_union_type,
    parse,
    print_ast,
    validate,
    validate_schema,
    visit,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "introspection.json.gz"


def documents() -> dict[str, str]:
    """Every document the recorded conversations carry: the adapter's operations and pysui's config query."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from pysui.sui.sui_pgql.pgql_configs import _QUERY_BETA

    from chains.sui.queries import ALL

    return {**ALL, "pysui-config": _QUERY_BETA}


def introspection_query() -> str:
    """The introspection query gql sends when pysui's client starts (pgql_schema.Schema)."""
    from gql.utilities import get_introspection_query_ast

    return print_ast(get_introspection_query_ast(input_value_deprecation=False))


def _used(schema: GraphQLSchema, docs: dict[str, str]) -> tuple[dict[str, set[str]], set[str]]:
    """(fields selected per type, named types referred to) over all documents."""
    fields: dict[str, set[str]] = defaultdict(set)
    types: set[str] = {"Query", "Mutation"}

    class Collect(Visitor):
        def __init__(self, info: TypeInfo) -> None:
            super().__init__()
            self.info = info

        def enter_field(self, node: Any, *_: Any) -> None:
            parent = self.info.get_parent_type()
            field = self.info.get_field_def()
            if parent is None or field is None or node.name.value.startswith("__"):
                return
            fields[parent.name].add(node.name.value)
            types.add(get_named_type(field.type).name)
            for arg in field.args.values():
                types.add(get_named_type(arg.type).name)

        def enter_inline_fragment(self, node: Any, *_: Any) -> None:
            if node.type_condition is not None:
                types.add(node.type_condition.name.value)

        def enter_variable_definition(self, node: Any, *_: Any) -> None:
            named = node.type
            while not hasattr(named, "name"):
                named = named.type
            types.add(named.name.value)

    for name, text in docs.items():
        doc = parse(text)
        errors = validate(schema, doc)
        if errors:
            raise SystemExit(f"{name} does not validate against the schema: {[e.message for e in errors]}")
        info = TypeInfo(schema)
        visit(doc, TypeInfoVisitor(info, Collect(info)))
    return fields, types


def prune(schema: GraphQLSchema, docs: dict[str, str]) -> GraphQLSchema:
    used_fields, used_types = _used(schema, docs)
    made: dict[str, GraphQLNamedType] = {}

    def wrap(t: Any) -> Any:
        if is_non_null_type(t):
            return GraphQLNonNull(wrap(t.of_type))
        if is_list_type(t):
            return GraphQLList(wrap(t.of_type))
        return named(t)

    def fields_of(t: Any) -> dict[str, GraphQLField]:
        keep = [n for n in t.fields if n in used_fields[t.name]]
        if not keep:  # a union member or type condition only: one leaf field keeps it a valid type
            keep = [next((n for n, f in t.fields.items() if is_leaf_type(get_named_type(f.type))),
                         next(iter(t.fields)))]
        return {n: GraphQLField(wrap(t.fields[n].type), args={
            a: GraphQLArgument(wrap(arg.type), default_value=arg.default_value)
            for a, arg in t.fields[n].args.items()}) for n in keep}

    def named(t: Any) -> Any:
        if is_specified_scalar_type(t):
            return t
        if t.name in made:
            return made[t.name]
        if is_scalar_type(t):
            made[t.name] = GraphQLScalarType(t.name)
        elif is_enum_type(t):
            made[t.name] = GraphQLEnumType(t.name, {k: GraphQLEnumValue(k) for k in t.values})
        elif is_input_object_type(t):
            made[t.name] = GraphQLInputObjectType(t.name, lambda t=t: {
                n: GraphQLInputField(wrap(f.type), default_value=f.default_value) for n, f in t.fields.items()})
        elif is_object_type(t):
            made[t.name] = GraphQLObjectType(t.name, lambda t=t: fields_of(t), interfaces=lambda t=t: [
                named(i) for i in t.interfaces if i.name in used_types])
        elif is_interface_type(t):
            made[t.name] = GraphQLInterfaceType(t.name, lambda t=t: fields_of(t))
        elif is_union_type(t):
            made[t.name] = GraphQLUnionType(t.name, lambda t=t: [named(m) for m in t.types])
        else:  # pragma: no cover
            raise TypeError(f"unexpected type {t}")
        return made[t.name]

    query = named(schema.query_type)
    mutation = named(schema.mutation_type)
    pruned = GraphQLSchema(query=query, mutation=mutation)
    problems = [e.message for e in validate_schema(pruned)]
    if problems:
        raise SystemExit(f"the pruned schema is invalid: {problems}")
    for name, text in docs.items():
        errors = validate(pruned, parse(text))
        if errors:
            raise SystemExit(f"{name} does not validate against the pruned schema: {[e.message for e in errors]}")
    return pruned


def introspection(schema_sdl: str) -> dict[str, Any]:
    full = build_schema(schema_sdl)
    pruned = prune(full, documents())
    result = graphql_sync(pruned, introspection_query())
    if result.errors:
        raise SystemExit(f"introspection failed: {result.errors}")
    return result.data


def gzip_json(data: Any) -> bytes:
    text = json.dumps(data, indent=1, sort_keys=True).encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as f:
        f.write(text)
    return buf.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    sdl = Path(argv[1]).read_text()
    data = introspection(sdl)
    OUT.write_bytes(gzip_json(data))
    types = len(data["__schema"]["types"])
    print(f"wrote {OUT.name}: {types} types; schema sha256 {hashlib.sha256(sdl.encode()).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
