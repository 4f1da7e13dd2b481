"""The catalog in the schema for everyone: browsing, search, facets, the selection check.

Thin over `api.catalog.search` (the search engine), `api.catalog.queries`
(lookups scoped by the caller) and `api.catalog.selection` (the rules a
choice must follow, shared with the cart). When the page's selection is
plain data, `products` returns the finished JSON (`api.graphql.precomplete`)
instead of leaving ~35 fields per product to GraphQL-core. Staff management
is in `staff_schema.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.catalog import queries, search, selection
from api.catalog.states import TagKind as TagKindEnum
from api.catalog.types import (
    NESTED,
    CategoryFacet,
    CategoryType,
    MakerType,
    ProductFacets,
    ProductFilter,
    ProductSelectionCheck,
    ProductSelectionInput,
    ProductSort,
    ProductType,
    Reader,
    TagFacet,
    TagGroupType,
    TagKind,
    TagType,
    hydrate,
    load_products,
    maker_of,
    product_query,
    tag_groups,
)
from api.errors import DomainError
from api.graphql import precomplete
from api.graphql.connections import Page, connection
from api.graphql.errors import to_user_errors
from api.graphql.ids import int_id
from api.graphql.pagination import Connection


def _selected_names(fields: Iterable[Any], into: set[str]) -> set[str]:
    for f in fields:
        if isinstance(f, SelectedField):
            into.add(f.name)
            _selected_names(f.selections, into)
        elif isinstance(f, (FragmentSpread, InlineFragment)):
            _selected_names(f.selections, into)
    return into


@strawberry.type
class CatalogQuery:
    @connection(
        description="Search and browse products. Customers see published products only; "
        "staff see every product and may filter by status."
    )
    async def products(
        self,
        info: strawberry.Info,
        filter: ProductFilter | None = None,
        # Nullable with a default: a client that passes `sort: null` (or a null
        # variable) gets the default order, as the guide's Catalog document does.
        sort: ProductSort | None = search.ProductSort.RELEVANCE,  # type: ignore[valid-type, assignment]
    ) -> Connection[ProductType]:
        reader = Reader.of(info)
        query = product_query(filter)
        tree = await reader.tree() if query.category_id is not None else search.CategoryTree({}, {})
        qs = search.filtered(
            query, staff=reader.staff, now=reader.now, tree=tree, tax_included=reader.tax_included
        )
        qs = search.sorted_by(
            qs,
            search.ProductSort(sort or search.ProductSort.RELEVANCE),
            query,
            tax_included=reader.tax_included,
            language=info.context.language,
        )
        return Page(  # type: ignore[return-value]
            qs, _identity, values=search.PRODUCT_COLUMNS, then=lambda page: _finish(info, page)
        )

    @strawberry.field(description="One product by global ID or by code; null when not visible.")
    async def product(
        self, info: strawberry.Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> ProductType | None:
        if (id is None) == (code is None):
            raise DomainError.of("REQUIRED", "id")
        if id is not None:
            found = await load_products(info, ids=[int_id(id, "Product")])
        else:
            found = await load_products(info, code=code)
        return found[0] if found else None

    @strawberry.field(description="Filter-panel counts per category and tag for a filter.")
    async def product_facets(
        self, info: strawberry.Info, filter: ProductFilter | None = None
    ) -> ProductFacets:
        reader = Reader.of(info)
        query = product_query(filter)
        tree = await reader.tree()
        qs = search.filtered(
            query, staff=reader.staff, now=reader.now, tree=tree, tax_included=reader.tax_included
        )
        total, per_category, per_tag = await search.facet_counts(qs, tree)
        tags = await search.tag_rows(list(per_tag)) if per_tag else []
        tag_facets = [TagFacet(tag=TagType.of(t, reader), count=per_tag[t["id"]]) for t in tags]
        ordered = [c for c in _tree_order(tree) if c in per_category]
        return ProductFacets(
            total_count=total,
            categories=[
                CategoryFacet(category=CategoryType.of(tree, c, reader.en), count=per_category[c])
                for c in ordered
            ],
            benefit_tags=[t for t in tag_facets if t.tag.kind == TagKindEnum.BENEFIT],
            attribute_tags=[t for t in tag_facets if t.tag.kind == TagKindEnum.ATTRIBUTE],
        )

    @strawberry.field(description="The category tree: root categories with their children.")
    async def categories(self, info: strawberry.Info) -> list[CategoryType]:
        reader = Reader.of(info)
        tree = await reader.tree()
        return [CategoryType.of(tree, c, reader.en) for c in tree.children.get(None, ())]

    @strawberry.field(description="Tag groups with their tags, for the filter panel.")
    async def tag_groups(
        self,
        info: strawberry.Info,
        kind: TagKind | None = None,  # type: ignore[valid-type]
    ) -> list[TagGroupType]:
        return await tag_groups(info, TagKindEnum(kind) if kind else None)

    @strawberry.field(description="Makers (brands) of the catalog's goods.")
    async def makers(self, info: strawberry.Info) -> list[MakerType]:
        reader = Reader.of(info)
        return [maker_of(r, reader) for r in await queries.makers()]  # type: ignore[misc]

    @strawberry.field(
        description="The first allowed desired start/delivery date for a product with options."
    )
    async def earliest_start_date(
        self,
        info: strawberry.Info,
        product_id: strawberry.ID,
        option_ids: list[strawberry.ID] | None = None,
    ) -> date:
        pk = int_id(product_id, "Product", "productId")
        ids = [int_id(o, "ProductOption", "optionIds") for o in option_ids or ()]
        return await selection.earliest_start_date(await info.context.actor(), pk, ids)

    @strawberry.field(
        description="Check options, quantity and desired date before adding to the cart; "
        "coded userErrors say what to fix (DATE_BEFORE_EARLIEST names the earliest date)."
    )
    async def check_product_selection(
        self, info: strawberry.Info, input: ProductSelectionInput
    ) -> ProductSelectionCheck:
        pk = int_id(input.product_id, "Product", "productId")
        option_ids = [int_id(o, "ProductOption", "optionIds") for o in input.option_ids]
        checked = await selection.check_selection(
            await info.context.actor(),
            pk,
            option_ids,
            quantity=input.quantity,
            desired_date=input.desired_start_date,
        )
        return ProductSelectionCheck(
            valid=checked.valid,
            earliest_start_date=checked.earliest_start_date,
            unit_price=Reader.of(info).price(
                checked.unit_price, checked.unit_price_including_tax, checked.tax_category
            ),
            user_errors=to_user_errors(list(checked.problems), info.context.language),
        )


def _identity(row: Any) -> Any:
    return row


async def _finish(info: Any, connection: Connection[Any]) -> Any:
    """The page's products with the nested data the document selects, loaded in batches;
    precompleted when the selection is plain data."""
    wanted = _selected_names(info.selected_fields, set()) & NESTED
    products = await hydrate([e.node for e in connection.edges], info, wanted)
    for edge, product in zip(connection.edges, products, strict=True):
        edge.node = product
    if precomplete.enabled(info):
        return await _precompleted(info, connection)
    return connection


async def _precompleted(info: Any, connection: Connection[Any]) -> Any:
    """The connection's JSON built directly (see `precomplete`), or the connection itself."""
    raw = info._raw_info
    if len(raw.field_nodes) != 1:
        return connection
    [node] = raw.field_nodes
    overrides: dict[str, Any] = {}
    for selected in node.selection_set.selections if node.selection_set else ():
        name = getattr(getattr(selected, "name", None), "value", None)
        if name == "totalCount" and "totalCount" not in overrides:
            count = await connection._count()
            overrides["totalCount"] = precomplete.constant(count)
            connection._count = _known(count)  # the ordinary path must not count again
        elif name == "nodes":
            overrides["nodes"] = precomplete.attribute([edge.node for edge in connection.edges])
    connection_type = raw.return_type
    while not isinstance(connection_type, GraphQLObjectType):
        connection_type = connection_type.of_type
    try:
        return precomplete.Precompleted(
            precomplete.build(connection_type, connection, node, overrides)
        )
    except Exception:  # NotSimple, or anything GraphQL-core would report on a field
        return connection


def _known(value: int) -> Any:
    async def count() -> int:
        return value

    return count


def _tree_order(tree: search.CategoryTree) -> list[int]:
    out: list[int] = []
    stack = list(reversed(tree.children.get(None, [])))
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(tree.children.get(current, [])))
    return out


__all__ = ["CatalogQuery", "ProductType"]
