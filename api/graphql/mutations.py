"""One mutation pattern: a resolver reads its input, calls one service, builds a payload.

`@mutation(...)` is `strawberry.mutation` with a field extension that turns a
`DomainError` raised anywhere below the resolver into the payload's
`userErrors` (every other result field null), the way Saleor's `BaseMutation`
catches errors once. Resolvers therefore never write `try/except DomainError`.
The payload type is checked when the schema is built: every field but
`userErrors` must be nullable, or the failure payload could not be built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField

from api.errors import DomainError
from api.graphql.errors import to_user_errors


def _payload_class(field: StrawberryField) -> type:
    field_type = field.type
    resolve = getattr(field_type, "resolve_type", None)
    if resolve is not None:  # strawberry.lazy
        field_type = resolve()
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    if not isinstance(field_type, type) or get_object_definition(field_type) is None:
        raise TypeError(f"mutation {field.python_name}: the payload must be an object type")
    return field_type


class UserErrorsExtension(FieldExtension):
    """Maps the resolver's `DomainError` to `Payload(user_errors=[...])`."""

    payload: type
    _nulls: dict[str, None]

    def apply(self, field: StrawberryField) -> None:
        self.payload = _payload_class(field)
        definition = get_object_definition(self.payload, strict=True)
        names = {f.python_name for f in definition.fields}
        if "user_errors" not in names:
            raise TypeError(f"{self.payload.__name__} has no user_errors field")
        nulls: dict[str, None] = {}
        defaults = {f.name for f in dataclasses.fields(self.payload) if _has_default(f)}
        for f in definition.fields:
            if f.python_name == "user_errors" or f.python_name in defaults:
                continue
            if f.base_resolver is not None:
                continue
            if not isinstance(f.type, StrawberryOptional):
                raise TypeError(
                    f"{self.payload.__name__}.{f.python_name} must be nullable or have a "
                    "default: a failed mutation answers it as null"
                )
            nulls[f.python_name] = None
        self._nulls = nulls

    def _failure(self, error: DomainError, info: Any) -> Any:
        return self.payload(
            **self._nulls, user_errors=to_user_errors(error.problems, info.context.language)
        )

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        try:
            return next_(source, info, **kwargs)
        except DomainError as error:
            return self._failure(error, info)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            return self._failure(error, info)


def _has_default(f: dataclasses.Field) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def mutation(
    *,
    description: str,
    permission_classes: Sequence[type] | None = None,
    extensions: Sequence[FieldExtension] = (),
    name: str | None = None,
) -> Any:
    """`strawberry.mutation` whose expected failures become the payload's userErrors."""
    return strawberry.mutation(
        name=name,
        description=description,
        permission_classes=list(permission_classes or []),
        extensions=[UserErrorsExtension(), *extensions],
    )
