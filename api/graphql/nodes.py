"""Loading `Node`s by ID with the caller's visibility applied in the query.

Every `resolve_nodes` answers "not found" (None) for what the caller may not
see, in one SELECT whatever the number of IDs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tortoise.models import Model

from api.keys import row_key

T = TypeVar("T")


async def load_nodes(
    model: type[Model],
    node_ids: Iterable[str],
    to_type: Callable[[Any], T],
    scope: dict[str, Any] | None,
    visible: Callable[[Any], bool] | None = None,
) -> list[T | None]:
    """`scope` filters rows the caller may see (None: nothing); `visible` checks the rest."""
    keys = list(node_ids)
    if scope is None:
        return [None] * len(keys)
    wanted = [row_key(k) for k in keys]
    ids = {i for i in wanted if i is not None}
    found = {o.pk: o for o in await model.filter(id__in=ids, **scope)} if ids else {}
    result: list[T | None] = []
    for key in wanted:
        row = found.get(key) if key is not None else None
        ok = row is not None and (visible is None or visible(row))
        result.append(to_type(row) if ok else None)
    return result
