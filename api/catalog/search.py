"""Reading the catalog: filters, sorting, facets, and batch loading of what a page shows.

The read path is the hottest in the service, so it reads plain rows
(`.values()`), never model instances, and loads a page's nested data in a
fixed number of statements whatever the page size: one for the page, one for
the category tree, one for tags, and one for option groups with their options.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from tortoise import connections
from tortoise.expressions import Case, Q, Subquery, When
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from api.catalog.models import (
    Category,
    Maker,
    Product,
    ProductKind,
    ProductStatus,
    ProductTag,
    Tag,
    TagGroup,
    TagKind,
)
from api.catalog.text import keywords

PRODUCT_COLUMNS = (
    "id",
    "code",
    "name",
    "name_en",
    "description",
    "description_en",
    "images",
    "kind",
    "plan",
    "category_id",
    "maker_id",
    "tax_category",
    "price",
    "price_including_tax",
    "status",
    "published_at",
    "available_from",
    "available_until",
    "min_quantity",
    "max_quantity",
    "quantity_step",
    "fixed_quantity",
    "lead_time_days",
    "shipping_class",
    "has_delivery_note",
    "created_at",
    "updated_at",
)


class ProductSort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NAME = "name"
    NEWEST = "newest"


@dataclass
class ProductQuery:
    keyword: str = ""
    category_id: int | None = None
    benefit_tag_ids: list[int] = field(default_factory=list)
    attribute_tag_ids: list[int] = field(default_factory=list)
    min_price: int | None = None
    max_price: int | None = None
    kind: ProductKind | None = None
    status: ProductStatus | None = None  # staff only; customers always see PUBLISHED


def visible_q(now: datetime) -> Q:
    return (
        Q(status=ProductStatus.PUBLISHED)
        & (Q(available_from__isnull=True) | Q(available_from__lte=now))
        & (Q(available_until__isnull=True) | Q(available_until__gt=now))
    )


@dataclass
class CategoryTree:
    """All categories, loaded once per request: the tree is small and every page needs it."""

    rows: dict[int, dict[str, Any]]
    children: dict[int | None, list[int]]

    @classmethod
    def build(cls, rows: list[dict[str, Any]]) -> CategoryTree:
        by_id = {r["id"]: r for r in rows}
        children: dict[int | None, list[int]] = defaultdict(list)
        for r in sorted(rows, key=lambda r: (r["position"], r["id"])):
            children[r["parent_id"]].append(r["id"])
        return cls(by_id, children)

    def descendants(self, category_id: int) -> list[int]:
        out, stack = [], [category_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children.get(current, ()))
        return out

    def ancestors(self, category_id: int) -> list[int]:
        """Root first, the category itself excluded."""
        row = self.rows.get(category_id)
        if row is None:
            return []
        ids = [int(x) for x in row["path"].strip("/").split("/") if x]
        return [i for i in ids if i != category_id and i in self.rows]


_CATEGORY_COLUMNS = ("id", "parent_id", "code", "name", "name_en", "position", "path")
_CATEGORIES_SQL = f"SELECT {', '.join(_CATEGORY_COLUMNS)} FROM {Category._meta.db_table}"  # noqa: S608


async def load_category_tree() -> CategoryTree:
    rows = await _rows(_CATEGORIES_SQL, [])
    return CategoryTree.build([dict(zip(_CATEGORY_COLUMNS, r, strict=True)) for r in rows])


def filtered(
    query: ProductQuery, *, staff: bool, now: datetime, tree: CategoryTree, tax_included: bool
) -> QuerySet:
    qs = Product.all()
    if not staff:
        qs = qs.filter(visible_q(now))
    elif query.status is not None:
        qs = qs.filter(status=query.status)
    for word in keywords(query.keyword):
        qs = qs.filter(search_text__contains=word)
    if query.category_id is not None:
        qs = qs.filter(category_id__in=tree.descendants(query.category_id))
    # Within one kind of tag any selected tag matches; the two kinds combine with AND.
    for tag_ids in (query.benefit_tag_ids, query.attribute_tag_ids):
        if tag_ids:
            qs = qs.filter(
                id__in=Subquery(ProductTag.filter(tag_id__in=tag_ids).values("product_id"))
            )
    price = "price_including_tax" if tax_included else "price"
    if query.min_price is not None:
        qs = qs.filter(**{f"{price}__gte": query.min_price})
    if query.max_price is not None:
        qs = qs.filter(**{f"{price}__lte": query.max_price})
    if query.kind is not None:
        qs = qs.filter(kind=query.kind)
    return qs


def sorted_by(
    qs: QuerySet, sort: ProductSort, query: ProductQuery, *, tax_included: bool, language: str
) -> QuerySet:
    price = "price_including_tax" if tax_included else "price"
    if sort == ProductSort.PRICE_ASC:
        return qs.order_by(price, "id")
    if sort == ProductSort.PRICE_DESC:
        return qs.order_by(f"-{price}", "-id")
    if sort == ProductSort.NAME:
        return qs.order_by("name_en" if language == "en" else "name", "id")
    if sort == ProductSort.NEWEST:
        return qs.order_by("-created_at", "-id")
    words = keywords(query.keyword)
    if words:
        # An exact code first, then products whose name matches every word, then the rest.
        in_name = Q(*[Q(search_name__contains=w) for w in words], join_type="AND")
        # Text ranks: asyncpg types a bare CASE parameter as text, and "0" < "1" < "2" holds.
        rank = Case(
            When(Q(code=query.keyword.strip()), then="0"), When(in_name, then="1"), default="2"
        )
        return qs.annotate(rank=rank).order_by("rank", "-created_at", "-id")
    return qs.order_by("-created_at", "-id")


# ---- nested data of a page ----------------------------------------------------------------


def _for_ids(ids: list[int]) -> tuple[str, list[Any]]:
    """A `product_id` condition for a list of ids, and its parameters.

    On PostgreSQL one array parameter (`= ANY($1)`), so the statement text is the
    same whatever the page size and asyncpg reuses its prepared statement.
    """
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        return "= ANY($1::int[])", [ids]
    return f"IN ({','.join('?' * len(ids))})", list(ids)


async def _rows(sql: str, values: list[Any]) -> list[Any]:
    _, rows = await connections.get("default").execute_query(sql, values)
    return rows


_TAG_KINDS = {k.value: k for k in TagKind}

# Hand-written SQL for a page's nested data: building these statements with the ORM
# cost more CPU than running them (pypika copies and joins on every call).
_TAGS_SQL = (
    "SELECT pt.product_id, pt.tag_id, t.name, t.name_en, t.group_id, g.name, g.name_en, g.kind "
    "FROM catalog_product_tags pt "
    "JOIN catalog_tags t ON t.id = pt.tag_id "
    "JOIN catalog_tag_groups g ON g.id = t.group_id "
    "WHERE pt.product_id {ids} "
    "ORDER BY g.position, t.position, pt.tag_id"
)


async def tags_of(product_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not product_ids:
        return out
    condition, values = _for_ids(product_ids)
    kinds = _TAG_KINDS
    for product_id, tag_id, name, name_en, group_id, g_name, g_name_en, kind in await _rows(
        _TAGS_SQL.format(ids=condition), values
    ):
        out[product_id].append(
            {
                "product_id": product_id,
                "tag_id": tag_id,
                "name": name,
                "name_en": name_en,
                "group_id": group_id,
                "group_name": g_name,
                "group_name_en": g_name_en,
                "kind": kinds[kind],
            }
        )
    return out


# Option groups and their options in one statement (a group may have no options yet).
_OPTIONS_SQL = (
    "SELECT g.id, g.product_id, g.name, g.name_en, g.min_select, g.max_select, "
    "o.id, o.code, o.name, o.name_en, o.price, o.price_including_tax, o.lead_time_days, "
    "o.requires, o.excludes "
    "FROM catalog_option_groups g "
    "LEFT JOIN catalog_product_options o ON o.group_id = g.id "
    "WHERE g.product_id {ids} "
    "ORDER BY g.position, g.id, o.position, o.id"
)


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)):
        return orjson.loads(value)
    return list(value) if value is not None else []


async def options_of(
    product_ids: list[int],
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """(option groups by product, options by group), each in display order."""
    if not product_ids:
        return {}, {}
    condition, values = _for_ids(product_ids)
    by_product: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_group: dict[int, list[dict[str, Any]]] = defaultdict(list)
    last_group = None
    for r in await _rows(_OPTIONS_SQL.format(ids=condition), values):
        group_id = r[0]
        if group_id != last_group:
            last_group = group_id
            by_product[r[1]].append(
                {
                    "id": group_id,
                    "product_id": r[1],
                    "name": r[2],
                    "name_en": r[3],
                    "min_select": r[4],
                    "max_select": r[5],
                }
            )
        if r[6] is not None:
            by_group[group_id].append(
                {
                    "id": r[6],
                    "group_id": group_id,
                    "code": r[7],
                    "name": r[8],
                    "name_en": r[9],
                    "price": r[10],
                    "price_including_tax": r[11],
                    "lead_time_days": r[12],
                    "requires": _json_list(r[13]),
                    "excludes": _json_list(r[14]),
                }
            )
    return by_product, by_group


async def makers_of(maker_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not maker_ids:
        return {}
    rows = await Maker.filter(id__in=maker_ids).values("id", "name", "name_en")
    return {r["id"]: r for r in rows}


# ---- facets ------------------------------------------------------------------------------


async def facet_counts(
    qs: QuerySet, tree: CategoryTree
) -> tuple[int, dict[int, int], dict[int, int]]:
    """(total, products per category including its sub-categories, products per tag)."""
    ids = Subquery(qs.values("id"))
    per_category = (
        await qs.annotate(n=Count("id")).group_by("category_id").values("category_id", "n")
    )
    per_tag = (
        await ProductTag.filter(product_id__in=ids)
        .annotate(n=Count("id"))
        .group_by("tag_id")
        .values("tag_id", "n")
    )
    total = 0
    categories: dict[int, int] = defaultdict(int)
    for row in per_category:
        total += row["n"]
        category_id = row["category_id"]
        if category_id is None or category_id not in tree.rows:
            continue
        for c in (*tree.ancestors(category_id), category_id):
            categories[c] += row["n"]
    return total, dict(categories), {r["tag_id"]: r["n"] for r in per_tag}


async def tag_rows(tag_ids: list[int] | None = None) -> list[dict[str, Any]]:
    qs = Tag.all() if tag_ids is None else Tag.filter(id__in=tag_ids)
    return await qs.order_by("group__position", "position", "id").values(
        "id",
        "name",
        "name_en",
        "group_id",
        group_name="group__name",
        group_name_en="group__name_en",
        kind="group__kind",
        group_position="group__position",
    )


async def tag_group_rows() -> list[dict[str, Any]]:
    return (
        await TagGroup.all()
        .order_by("position", "id")
        .values("id", "kind", "name", "name_en", "position")
    )
