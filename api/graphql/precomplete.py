"""Precompleted answers: a resolver hands back its field's JSON, built without GraphQL-core.

GraphQL-core completes a value field by field: a resolve-info object, a resolver call
and a completion step for each of the ~35 fields of each product on a catalog page
(~710 for 20 products, ~3,500 for 100). That was three quarters of the CPU of an
uncached page. For plain data it is needless work: the answer is the selected
attributes of objects already built.

`build` walks the field's selection set over the GraphQL types and does what
GraphQL-core would do for the cases it accepts: aliases, `__typename`, lists, null
checks, leaf serialization (the schema's own `serialize`), basic Strawberry fields
(plain attributes) and relay `id`s. Anything else (fragments, directives, field
arguments below the root, a repeated response key, resolver methods, abstract types)
raises `NotSimple`, and the caller answers the ordinary way. The result goes back
wrapped in `Precompleted`; `PrecompletingExecutionContext.complete_value`, the
execution context `api.graphql.schema` builds every schema with, returns it as is.
It lives here, not in a domain, because it knows GraphQL only; the catalog's
product page is its one user today.

The answers are the same bytes either way (tests compare both paths).
"""

from __future__ import annotations

import base64
from typing import Any

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

DEFINITION = "strawberry-definition"


class NotSimple(Exception):  # noqa: N818 - a signal, not an error
    """The selection needs GraphQL-core's full execution."""


class Precompleted:
    """A field's finished JSON value, returned by its resolver."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class PrecompletingMixin:
    def complete_value(  # type: ignore[no-untyped-def]
        self, return_type, field_details_list, info, path, result, position_context
    ):
        if type(result) is Precompleted:
            return result.value
        return super().complete_value(  # type: ignore[misc]
            return_type, field_details_list, info, path, result, position_context
        )


class PrecompletingExecutionContext(PrecompletingMixin, StrawberryGraphQLCoreExecutionContext):  # type: ignore[misc]
    """The execution context every schema is built with (`api.graphql.schema`)."""


def enabled(info: Any) -> bool:
    """Whether the running schema completes `Precompleted` values (else never return one)."""
    context_class = getattr(info.schema, "execution_context_class", None)
    return isinstance(context_class, type) and issubclass(context_class, PrecompletingMixin)


# Per GraphQL field: how to read its value from a Python object, or None when it is
# not a plain attribute (then the selection is not simple).
_READERS: dict[tuple[str, str], tuple[str, str] | None] = {}


def _reader(parent: GraphQLObjectType, name: str) -> tuple[str, str] | None:
    key = (parent.name, name)
    found = _READERS.get(key, ...)
    if found is not ...:
        return found  # type: ignore[return-value]
    field_def = parent.fields.get(name)
    reader: tuple[str, str] | None = None
    if field_def is not None and not field_def.args:
        strawberry_field = (field_def.extensions or {}).get(DEFINITION)
        resolve = field_def.resolve
        if strawberry_field is not None and getattr(resolve, "_is_default", False):
            reader = ("attr", strawberry_field.python_name)
        elif strawberry_field is not None and name == "id" and not strawberry_field.extensions:
            origin = getattr((parent.extensions or {}).get(DEFINITION), "origin", None)
            if (
                isinstance(origin, type)
                and issubclass(origin, relay.Node)
                and origin.resolve_id.__func__ is relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
                and origin.resolve_typename.__func__ is relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
            ):
                reader = ("node_id", origin.resolve_id_attr())
    _READERS[key] = reader
    return reader


def build(
    parent: GraphQLObjectType, obj: Any, field: FieldNode, overrides: dict[str, Any]
) -> dict[str, Any]:
    """The JSON object of `field`'s selection on `obj` (of GraphQL type `parent`).

    `overrides` maps top-level field names that are resolvers (a count, a derived list)
    to a function of (parent type, field node) giving the field's JSON.
    """
    return _object(parent, obj, field, overrides)


def constant(value: Any) -> Any:
    """An override: this value, as is (a leaf computed beforehand)."""
    return lambda parent, selection: value


def attribute(value: Any) -> Any:
    """An override: this value completed against the field's type and selection."""
    return lambda parent, selection: _value(
        parent.fields[selection.name.value].type, value, selection
    )


def _object(
    parent: GraphQLObjectType, obj: Any, field: FieldNode, overrides: dict[str, Any] | None
) -> dict[str, Any]:
    if field.selection_set is None:
        raise NotSimple
    out: dict[str, Any] = {}
    for selection in field.selection_set.selections:
        if type(selection) is not FieldNode or selection.directives:
            raise NotSimple
        name = selection.name.value
        key = selection.alias.value if selection.alias else name
        if key in out or selection.arguments:
            raise NotSimple
        if name == "__typename":
            out[key] = parent.name
            continue
        if overrides is not None and name in overrides:
            out[key] = overrides[name](parent, selection)
            continue
        reader = _reader(parent, name)
        if reader is None:
            raise NotSimple
        kind, attr = reader
        if kind == "attr":
            value = getattr(obj, attr)
        else:
            value = base64.b64encode(f"{parent.name}:{getattr(obj, attr)}".encode()).decode()
        out[key] = _value(parent.fields[name].type, value, selection)
    return out


def _value(graphql_type: Any, value: Any, selection: FieldNode) -> Any:
    if type(graphql_type) is GraphQLNonNull:
        if value is None:
            raise NotSimple  # GraphQL-core reports the error and nulls the parent
        graphql_type = graphql_type.of_type
    elif value is None:
        return None
    if type(graphql_type) is GraphQLList:
        item_type = graphql_type.of_type
        return [_value(item_type, item, selection) for item in value]
    if is_leaf_type(graphql_type):
        if selection.selection_set is not None:
            raise NotSimple
        kind = type(value)
        name = graphql_type.name
        if (
            (kind is str and name in ("String", "ID"))
            or (kind is bool and name == "Boolean")
            or (kind is int and name == "Int" and -(2**31) <= value < 2**31)
        ):
            return value
        coerced = graphql_type.coerce_output_value(value)
        if coerced is None or coerced is Undefined:
            raise NotSimple
        return coerced
    if type(graphql_type) is GraphQLObjectType:
        return _object(graphql_type, value, selection, None)
    raise NotSimple  # interfaces and unions
