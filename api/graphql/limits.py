"""Abuse limits on a GraphQL document, measured in time linear in its size.

Four measures per operation, checked before the schema's own validation rules:

- spreads: fragment spreads reached, each counted every time it is reached;
- depth: nesting of fields that have a selection set (introspection fields not counted);
- aliases: aliased fields reached;
- cost: every selected field counts 1, multiplied by the page size of every
  connection above it (`first`/`last`, or the default page when absent; a
  variable counts as the maximum, since variables are not known at validation).

Each fragment's selection set is walked once and its measures memoised, so a
fragment spread N times costs one addition per spread, not a walk: a 1 KB
document whose fragments each spread the previous one twice (2^30 spreads) is
measured in microseconds. Fragment cycles are refused here. Walks use explicit
stacks, so long fragment chains cannot exhaust the interpreter's recursion.
Measures saturate at `SATURATED` (they only have to exceed a limit, and the
value goes into error extensions, which are JSON).

`validate_document` runs these checks first and the schema's rules only when
they pass, with graphql-core's error cap; `Validation` is the schema extension
that does so, cached per document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from api.graphql.pagination import DEFAULT_PAGE, MAX_PAGE

SATURATED = 2**53 - 1  # the largest integer every JSON client reads exactly


@dataclass(frozen=True)
class DocumentLimits:
    max_depth: int = 10
    max_aliases: int = 15
    max_cost: int = 5000
    max_spreads: int = 500


@dataclass
class Measure:
    spreads: int = 0
    depth: int = 0
    aliases: int = 0
    cost: int = 0  # at multiplier 1


@dataclass
class _Local:
    """One selection set's own measures, and where it spreads fragments."""

    measure: Measure = field(default_factory=Measure)
    # (fragment name, field nesting level at the spread, cost multiplier, counted)
    sites: list[tuple[str, int, int, bool]] = field(default_factory=list)


def _walk(selection_set: SelectionSetNode) -> _Local:
    local = _Local()
    m = local.measure
    # (selections, level, multiplier, counted): `counted` is False below introspection
    # fields, which count for neither depth nor cost (GraphiQL's own query is deep).
    stack: list[tuple[Any, int, int, bool]] = [(selection_set.selections, 0, 1, True)]
    while stack:
        selections, level, multiplier, counted = stack.pop()
        for selection in selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    m.aliases += 1
                sub = selection.selection_set
                if not counted or selection.name.value.startswith("__"):
                    if sub is not None:
                        stack.append((sub.selections, level, multiplier, False))
                    continue
                m.cost = min(m.cost + multiplier, SATURATED)
                if sub is not None:
                    m.depth = max(m.depth, level + 1)
                    size = min(multiplier * _page_size(selection), SATURATED)
                    stack.append((sub.selections, level + 1, size, True))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set.selections, level, multiplier, counted))
            elif isinstance(selection, FragmentSpreadNode):
                m.spreads += 1
                local.sites.append((selection.name.value, level, multiplier, counted))
    return local


def _combine(local: _Local, done: dict[str, Measure]) -> Measure:
    m = local.measure
    total = Measure(m.spreads, m.depth, m.aliases, m.cost)
    for name, level, multiplier, counted in local.sites:
        inner = done.get(name)
        if inner is None:  # unknown fragment (another rule's business) or a refused cycle
            continue
        total.spreads = min(total.spreads + inner.spreads, SATURATED)
        total.aliases = min(total.aliases + inner.aliases, SATURATED)
        if counted:
            total.depth = max(total.depth, level + inner.depth)
            total.cost = min(total.cost + multiplier * inner.cost, SATURATED)
    return total


class _Measurer:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.locals: dict[str, _Local] = {}
        self.done: dict[str, Measure] = {}
        self.cycles: list[FragmentDefinitionNode] = []

    def local(self, name: str) -> _Local:
        found = self.locals.get(name)
        if found is None:
            found = self.locals[name] = _walk(self.fragments[name].selection_set)
        return found

    def fragment(self, name: str) -> None:
        """Measure `name` and every fragment it reaches, each once (iterative post-order)."""
        if name in self.done or name not in self.fragments:
            return
        in_progress = {name}
        stack: list[tuple[str, Iterator[tuple[str, int, int, bool]]]] = [
            (name, iter(self.local(name).sites))
        ]
        while stack:
            current, sites = stack[-1]
            for site in sites:
                target = site[0]
                if target in self.done or target not in self.fragments:
                    continue
                if target in in_progress:
                    self.cycles.append(self.fragments[target])
                    continue
                in_progress.add(target)
                stack.append((target, iter(self.local(target).sites)))
                break
            else:
                stack.pop()
                in_progress.discard(current)
                self.done[current] = _combine(self.local(current), self.done)

    def operation(self, node: OperationDefinitionNode) -> Measure:
        local = _walk(node.selection_set)
        for site in local.sites:
            self.fragment(site[0])
        return _combine(local, self.done)


def check_limits(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    """The limit errors of `document`; linear in its size."""
    measurer = _Measurer(document)
    errors: list[GraphQLError] = []
    for node in document.definitions:
        if not isinstance(node, OperationDefinitionNode):
            continue
        m = measurer.operation(node)
        if measurer.cycles:
            cycle = measurer.cycles[0]
            return [
                GraphQLError(
                    f"Cannot spread fragment '{cycle.name.value}' within itself.",
                    cycle,
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
                )
            ]
        name = node.name.value if node.name else "anonymous"
        if m.spreads > limits.max_spreads:
            # Reported alone: the other measures of such a document mean nothing to a client.
            errors.append(
                GraphQLError(
                    f"'{name}' spreads fragments {m.spreads} times; "
                    f"the limit is {limits.max_spreads}.",
                    node,
                    extensions={
                        "code": "GRAPHQL_VALIDATION_FAILED",
                        "spreads": m.spreads,
                        "limit": limits.max_spreads,
                    },
                )
            )
            continue
        if m.depth > limits.max_depth:
            errors.append(
                GraphQLError(
                    f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                    node,
                    extensions={
                        "code": "GRAPHQL_VALIDATION_FAILED",
                        "depth": m.depth,
                        "limit": limits.max_depth,
                    },
                )
            )
        if m.aliases > limits.max_aliases:
            errors.append(
                GraphQLError(
                    f"{m.aliases} aliases found. Allowed: {limits.max_aliases}",
                    node,
                    extensions={
                        "code": "GRAPHQL_VALIDATION_FAILED",
                        "aliases": m.aliases,
                        "limit": limits.max_aliases,
                    },
                )
            )
        if m.cost > limits.max_cost:
            errors.append(
                GraphQLError(
                    f"Query cost {m.cost} exceeds the limit of {limits.max_cost}.",
                    node,
                    extensions={
                        "code": "QUERY_TOO_COMPLEX",
                        "cost": m.cost,
                        "limit": limits.max_cost,
                    },
                )
            )
    return errors


def limits_rule(limits: DocumentLimits) -> type[ValidationRule]:
    """The same checks as a graphql-core validation rule (for `graphql.validate`)."""

    class DocumentLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for error in check_limits(context.document, limits):
                context.report_error(error)

    return DocumentLimitsRule


def validate_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple,
    *,
    limits: DocumentLimits,
    max_errors: int,
) -> list[GraphQLError]:
    """The limits first (a refused document goes no further), then the schema's rules."""
    errors = check_limits(document, limits)
    if errors:
        return errors
    return validate(
        schema,
        document,
        (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
        max_errors=max_errors,
    )


def cached_validator(
    limits: DocumentLimits, max_errors: int, maxsize: int
) -> Callable[[GraphQLSchema, DocumentNode, tuple], list[GraphQLError]]:
    """`validate_document` behind an LRU cache keyed on schema, document and rules."""

    def run(schema: GraphQLSchema, document: DocumentNode, rules: tuple) -> list[GraphQLError]:
        return validate_document(schema, document, rules, limits=limits, max_errors=max_errors)

    return lru_cache(maxsize=maxsize)(run)


class Validation(SchemaExtension):
    """Replaces Strawberry's validation step with `validate_document` (cached)."""

    def __init__(self, validator: Callable[..., list[GraphQLError]]) -> None:
        super().__init__()
        self.validator = validator

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.validator(
            context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        )
        yield


class ParseLimits(SchemaExtension):
    """graphql-core's parser limits: lexical tokens, comments and source length."""

    def __init__(self, max_tokens: int, max_comments: int, max_source_length: int) -> None:
        super().__init__()
        self.options = {
            "max_lexical_tokens": max_tokens,
            "max_comments": max_comments,
            "max_source_length": max_source_length,
        }

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options.update(self.options)  # type: ignore[typeddict-item]
        yield


def _page_size(node: FieldNode) -> int:
    sizes = []
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            value = argument.value
            if isinstance(value, IntValueNode) and len(value.value) <= 6:
                sizes.append(max(1, min(int(value.value), MAX_PAGE)))
            else:
                sizes.append(MAX_PAGE)
    if sizes:
        return max(sizes)
    # A connection asked without paging arguments still returns a default page.
    selections = node.selection_set.selections if node.selection_set else ()
    if any(isinstance(s, FieldNode) and s.name.value in ("edges", "nodes") for s in selections):
        return DEFAULT_PAGE
    return 1
