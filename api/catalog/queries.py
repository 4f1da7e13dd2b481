"""Reads of the catalog scoped by the actor: staff see every product, customers the
visible ones (published, inside their availability window). No GraphQL here.

The search itself (filters, sorting, facets, a page's nested rows) is in
`api.catalog.search`; this module holds the lookups the schema and the
services make by ID or code, with the same visibility rule, so a list and a
lookup by ID can never disagree.
"""

from __future__ import annotations

from typing import Any

from api import clock
from api.actor import Actor
from api.catalog import search
from api.catalog.models import Maker, OptionGroup, Product, ProductOption
from api.catalog.selection import GroupRow, OptionRow, SelectableProduct
from api.errors import DomainError


def _scoped(actor: Actor) -> Any:
    qs = Product.all()
    if not actor.is_staff:
        qs = qs.filter(search.visible_q(clock.now()))
    return qs


async def product_rows(
    actor: Actor, *, ids: list[int] | None = None, code: str | None = None
) -> list[dict[str, Any]]:
    """Rows (`search.PRODUCT_COLUMNS`) of the products with these ids, or this code."""
    qs = _scoped(actor)
    qs = qs.filter(id__in=ids) if ids is not None else qs.filter(code=code)
    return await qs.values(*search.PRODUCT_COLUMNS)


async def product_row(actor: Actor, product_id: int, field: str = "id") -> dict[str, Any]:
    """One product the actor may see; NOT_FOUND (on `field`) otherwise."""
    row = await _scoped(actor).filter(id=product_id).first().values(*search.PRODUCT_COLUMNS)
    if row is None:
        raise DomainError.of("NOT_FOUND", field)
    return row


async def selectable(actor: Actor, product_id: int, field: str = "id") -> SelectableProduct:
    """A visible product with its option groups and options, as the selection rules read it."""
    row = await product_row(actor, product_id, field)
    groups = await OptionGroup.filter(product_id=row["id"]).values(
        "id", "name", "min_select", "max_select"
    )
    options = await ProductOption.filter(product_id=row["id"]).values(
        "id",
        "group_id",
        "code",
        "lead_time_days",
        "requires",
        "excludes",
        "price",
        "price_including_tax",
    )
    return SelectableProduct(
        id=row["id"],
        tax_category=row["tax_category"],
        price=row["price"],
        price_including_tax=row["price_including_tax"],
        min_quantity=row["min_quantity"],
        max_quantity=row["max_quantity"],
        quantity_step=row["quantity_step"],
        fixed_quantity=row["fixed_quantity"],
        lead_time_days=row["lead_time_days"],
        groups=tuple(
            GroupRow(g["id"], g["name"], g["min_select"], g["max_select"]) for g in groups
        ),
        options=tuple(
            OptionRow(
                o["id"],
                o["group_id"],
                o["code"],
                o["lead_time_days"],
                tuple(o["requires"]),
                tuple(o["excludes"]),
                o["price"],
                o["price_including_tax"],
            )
            for o in options
        ),
    )


async def option_lead_times(product_id: int, option_ids: list[int]) -> list[int]:
    """Lead times of those of the options that belong to the product."""
    if not option_ids:
        return []
    return await ProductOption.filter(product_id=product_id, id__in=option_ids).values_list(
        "lead_time_days", flat=True
    )


async def makers() -> list[dict[str, Any]]:
    return await Maker.all().order_by("name").values("id", "name", "name_en")
