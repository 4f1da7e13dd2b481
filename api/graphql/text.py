"""Every string input is checked for refused characters (api/text.py) before any resolver runs.

One schema extension covers every argument and input field of every domain,
present and future, whatever the resolver does with the text: variables
(walked with the types of the places they are used) and literals in the
document, nested input objects, lists and JSON scalars alike. A refused
character stops the whole operation with a GraphQL error coded
`INVALID_CHARACTERS` (nothing runs, so nothing is half-written), naming the
input path in `extensions.field` and `params` and the character as `U+XXXX`,
never echoing it.

Text that may span lines is marked in the schema with `@multiline` on the input
field or argument (`multiline()` below); only there are newlines and tabs
accepted. What the document itself demands (where each variable goes, the
literals) is worked out once per parsed document and cached, so a request
pays only for walking its variable values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.language.visitor import SKIP
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema_directive import Location

from api.i18n import message
from api.text import code_point, forbidden_character

MAX_REPORTED = 10  # refused inputs named in one answer
CODE = "INVALID_CHARACTERS"


@strawberry.schema_directive(
    locations=[Location.INPUT_FIELD_DEFINITION, Location.ARGUMENT_DEFINITION],
    name="multiline",
    description="Text that may span lines: newlines, carriage returns and tabs are "
    "accepted here. Every other text input refuses them (INVALID_CHARACTERS).",
)
class Multiline:
    pass


_REQUIRED: Any = object()


def multiline(*, default: Any = _REQUIRED, description: str | None = None) -> Any:
    """`strawberry.field` of an input type whose text may span lines."""
    if default is _REQUIRED:
        return strawberry.field(description=description, directives=[Multiline()])
    return strawberry.field(default=default, description=description, directives=[Multiline()])


def multiline_argument(description: str | None = None) -> Any:
    """For `Annotated[str, multiline_argument()]` on a resolver argument."""
    return strawberry.argument(description=description, directives=[Multiline()])


def _is_multiline(definition: GraphQLArgument | GraphQLInputField) -> bool:
    source = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return any(isinstance(d, Multiline) for d in getattr(source, "directives", None) or ())


@dataclass(frozen=True)
class Refusal:
    path: tuple[str, ...]
    character: str
    selection: str


@dataclass
class _Plan:
    """What one operation of one document demands of its variables, found once."""

    static: list[Refusal] = field(default_factory=list)
    # (variable name, the type where it is used, input path there, multiline, selection)
    uses: list[tuple[str, GraphQLInputType, tuple[str, ...], bool, str]] = field(
        default_factory=list
    )
    # Refusals in a variable's default value, which count only when the variable is absent.
    defaults: dict[str, list[Refusal]] = field(default_factory=dict)


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def check_value(
    value: Any, type_: Any, path: tuple[str, ...], multiline: bool, selection: str, out: list
) -> None:
    """Refusals in a variable's JSON value, walked with the type of the place it goes."""
    stack = [(value, type_, path, multiline)]
    while stack and len(out) < MAX_REPORTED:
        value, type_, path, multiline = stack.pop()
        type_ = _unwrap(type_)
        if value is None:
            continue
        if isinstance(type_, GraphQLList):
            items = value if isinstance(value, list) else [value]
            for i in reversed(range(len(items))):
                stack.append((items[i], type_.of_type, (*path, str(i)), multiline))
        elif isinstance(type_, GraphQLInputObjectType):
            if isinstance(value, dict):
                fields = type_.fields
                for key, item in reversed(list(value.items())):
                    f = fields.get(key)
                    # An unknown key is the coercion's refusal; its text is still checked.
                    flag = _is_multiline(f) if f is not None else False
                    stack.append((item, f.type if f is not None else None, (*path, key), flag))
        elif isinstance(value, str):
            bad = forbidden_character(value, multiline=multiline)
            if bad is not None:
                out.append(Refusal(path, bad, selection))
        elif isinstance(value, list):  # a JSON scalar, or a value of the wrong shape
            for i in reversed(range(len(value))):
                stack.append((value[i], None, (*path, str(i)), multiline))
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if isinstance(key, str) and forbidden_character(key) is not None:
                    out.append(Refusal((*path, key), forbidden_character(key) or "", selection))
                stack.append((item, None, (*path, key), multiline))


class _Planner(Visitor):
    def __init__(self, type_info: TypeInfo, defaults: dict[str, ValueNode]) -> None:
        super().__init__()
        self.type_info = type_info
        self.defaults = defaults
        self.plan = _Plan()
        self.selections: list[str] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.selections.append((node.alias or node.name).value)

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        self.selections.pop()

    def enter_argument(self, node: Any, *_: Any) -> Any:
        argument = self.type_info.get_argument()
        if argument is not None:
            selection = ".".join(self.selections) or "@" + node.name.value
            name = node.name.value
            self._literal(node.value, argument.type, (name,), _is_multiline(argument), selection)
        return SKIP

    def _literal(
        self, node: ValueNode, type_: Any, path: tuple[str, ...], multiline: bool, selection: str
    ) -> None:
        self._walk(node, type_, path, multiline, selection, self.plan.static)

    def _walk(
        self,
        node: ValueNode,
        type_: Any,
        path: tuple[str, ...],
        multiline: bool,
        selection: str,
        out: list[Refusal],
    ) -> None:
        stack = [(node, type_, path, multiline)]
        while stack:
            node, type_, path, multiline = stack.pop()
            type_ = _unwrap(type_)
            if isinstance(node, VariableNode):
                name = node.name.value
                if type_ is not None:
                    self.plan.uses.append((name, type_, path, multiline, selection))
                if name in self.defaults:
                    found = self.plan.defaults.setdefault(name, [])
                    self._walk(self.defaults[name], type_, path, multiline, selection, found)
            elif isinstance(node, StringValueNode):
                bad = forbidden_character(node.value, multiline=multiline)
                if bad is not None:
                    out.append(Refusal(path, bad, selection))
            elif isinstance(node, ListValueNode):
                item_type = type_.of_type if isinstance(type_, GraphQLList) else type_
                for i, item in enumerate(node.values):
                    stack.append((item, item_type, (*path, str(i)), multiline))
            elif isinstance(node, ObjectValueNode):
                fields = type_.fields if isinstance(type_, GraphQLInputObjectType) else {}
                for f in node.fields:
                    definition = fields.get(f.name.value)
                    stack.append(
                        (
                            f.value,
                            definition.type if definition is not None else None,
                            (*path, f.name.value),
                            _is_multiline(definition) if definition is not None else multiline,
                        )
                    )


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def plan_for(schema: Any, document: DocumentNode, operation_name: str | None) -> _Plan:
    operation = _operation(document, operation_name)
    if operation is None:
        return _Plan()
    defaults = {
        d.variable.name.value: d.default_value
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    type_info = TypeInfo(schema)
    planner = _Planner(type_info, defaults)
    visit(operation, TypeInfoVisitor(type_info, planner))
    # Fragments: each walked once, whether spread once or many times.
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) and hasattr(
            definition, "type_condition"
        ):
            visit(definition, TypeInfoVisitor(type_info, planner))
    return planner.plan


class PlanCache:
    """Plans by parsed document (the parser cache hands back the same object per text)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[int, str | None], tuple[DocumentNode, _Plan]] = OrderedDict()

    def get(self, schema: Any, document: DocumentNode, operation_name: str | None) -> _Plan:
        key = (id(document), operation_name)
        hit = self._plans.get(key)
        if hit is not None and hit[0] is document:
            self._plans.move_to_end(key)
            return hit[1]
        plan = plan_for(schema, document, operation_name)
        self._plans[key] = (document, plan)
        if len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return plan


def refusals(plan: _Plan, variables: dict[str, Any] | None) -> list[Refusal]:
    found = list(plan.static[:MAX_REPORTED])
    variables = variables or {}
    for name, type_, path, multiline, selection in plan.uses:
        if len(found) >= MAX_REPORTED:
            break
        if name in variables:
            check_value(variables[name], type_, path, multiline, selection, found)
    for name, refused in plan.defaults.items():
        if name not in variables:
            found.extend(refused)
    return found[:MAX_REPORTED]


def refusal_error(refusal: Refusal, language: str) -> GraphQLError:
    dotted = ".".join(refusal.path)
    return GraphQLError(
        message(CODE, language),
        extensions={
            "code": CODE,
            "field": list(refusal.path),
            "params": {
                "field": dotted,
                "selection": refusal.selection,
                "character": code_point(refusal.character),
            },
        },
    )


class InputText(SchemaExtension):
    """Refuses the operation before execution when a string input holds a refused character."""

    def __init__(self, cache: PlanCache) -> None:
        self.cache = cache

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.result:
            plan = self.cache.get(ctx.schema._schema, document, ctx.operation_name)
            found = refusals(plan, ctx.variables)
            if found:
                language = getattr(ctx.context, "language", "ja")
                ctx.result = ExecutionResult(
                    data=None, errors=[refusal_error(r, language) for r in found]
                )
        yield
