"""Relay connections paginated in the database (offset cursors), capped at 100."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry
from tortoise.queryset import QuerySet

from api.errors import DomainError

T = TypeVar("T")

MAX_PAGE = 100
DEFAULT_PAGE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Any]

    @strawberry.field(description="Number of items matching the filter, on every page.")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="The nodes of `edges`, for clients that need no cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


class SortOrder:
    """Lists take `sort: <List>Sort = <default>`, an enum of named orders (one shape
    across the schema; null means the default); each value maps to `order_by` fields
    ending in the id, so pages never overlap."""

    def __init__(self, orders: dict[str, tuple[str, ...]]) -> None:
        self.orders = orders

    def fields(self, value: object, default: object = None) -> tuple[str, ...]:
        """`order_by` fields for a sort value; None (`sort: null`) is `default`."""
        chosen = default if value is None else value
        name = getattr(chosen, "name", chosen)
        return self.orders[str(name)]


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str, field: str) -> int:
    try:
        kind, _, value = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        offset = int(value)
    except (ValueError, UnicodeDecodeError):
        raise DomainError.of("INVALID_ID", field) from None
    if kind != "offset" or offset < 0:
        raise DomainError.of("INVALID_ID", field)
    return offset


async def paginate(
    queryset: QuerySet,
    to_node: Callable[[Any], Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    values: tuple[str, ...] | None = None,
) -> Connection[Any]:
    """One SELECT for the page (plus one COUNT only for `last` without `before`).

    With `values`, the page is read as plain dicts of those columns (no model
    instances): the hot read paths build their types straight from rows.
    """
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise DomainError.of("INVALID_PAGE_SIZE", name, max=MAX_PAGE)
    start = decode_cursor(after, "after") + 1 if after else 0
    end = decode_cursor(before, "before") if before else None
    count_query = queryset.count

    if first is None and last is None:
        first = DEFAULT_PAGE
    if last is not None and end is None:
        end = await count_query()
    if end is not None:
        end = max(end, start)
    if last is not None and end is not None:
        start = max(start, end - last)
    limit = first if first is not None else (end - start if end is not None else DEFAULT_PAGE)
    if end is not None:
        limit = min(limit, end - start)
    page = queryset.offset(start).limit(limit + 1)
    rows = (await (page.values(*values) if values else page)) if limit >= 0 else []
    has_more = len(rows) > limit
    rows = rows[:limit]
    edges = [Edge(cursor=encode_cursor(start + i), node=to_node(r)) for i, r in enumerate(rows)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_more,
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count_query,
    )
