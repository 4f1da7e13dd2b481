"""One list pattern: `@connection(...)` adds the page arguments and paginates.

A list resolver returns a `Page` (a scoped queryset from the domain's
`queries.py` and the function that turns a row into its node); the extension
adds `first/after/last/before` to the field and pages the queryset in the
database (`api.graphql.pagination.paginate`: capped at 100, one SELECT per
page, COUNT only when asked). A resolver may also return a ready `Connection`
(a hand-written page query), which is passed through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from api.graphql.pagination import Connection, paginate

PAGE_ARGUMENTS = (("first", int), ("after", str), ("last", int), ("before", str))


@dataclass(frozen=True)
class Page:
    """What a list resolver returns: rows to page and how to show one."""

    queryset: Any
    to_node: Callable[[Any], Any]
    # Read the page as plain dicts of these columns (no model instances).
    values: tuple[str, ...] | None = None
    # What the field answers for the paged connection, when not the connection itself
    # (the catalog loads a page's nested rows in batches, then may precomplete it).
    then: Callable[[Connection[Any]], Awaitable[Any]] | None = None


class PaginateExtension(FieldExtension):
    def apply(self, field: StrawberryField) -> None:
        # Called again for every schema built from the same field (we build two).
        if getattr(field, "_paged", False):
            return
        field._paged = True  # type: ignore[attr-defined]
        taken = {a.python_name for a in field.arguments}
        clash = taken & {name for name, _ in PAGE_ARGUMENTS}
        if clash:
            raise TypeError(f"{field.python_name}: @connection adds {sorted(clash)} itself")
        field.arguments = [
            *field.arguments,
            *(
                StrawberryArgument(
                    python_name=name,
                    graphql_name=None,
                    type_annotation=StrawberryAnnotation(Optional[kind]),  # noqa: UP045
                    default=None,
                )
                for name, kind in PAGE_ARGUMENTS
            ),
        ]

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        raise TypeError("@connection resolvers are async")

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        **kwargs: Any,
    ) -> Any:
        result = await next_(source, info, **kwargs)
        if isinstance(result, Connection):
            return result
        if not isinstance(result, Page):
            raise TypeError(f"a @connection resolver returned {type(result).__name__}")
        paged = await paginate(
            result.queryset,
            result.to_node,
            first=first,
            after=after,
            last=last,
            before=before,
            values=result.values,
        )
        return paged if result.then is None else await result.then(paged)


def connection(
    *,
    description: str,
    permission_classes: Sequence[type] | None = None,
    extensions: Sequence[FieldExtension] = (),
    name: str | None = None,
) -> Any:
    """`strawberry.field` for a Relay connection paged in the database."""
    return strawberry.field(
        name=name,
        description=description,
        permission_classes=list(permission_classes or []),
        extensions=[PaginateExtension(), *extensions],
    )
