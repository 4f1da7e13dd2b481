"""The catalog in the schema: browsing and search for everyone, management for staff.

Speed matters here more than anywhere: product types hold plain attributes
built from `.values()` rows; a page's nested data (category, tags, options,
maker) is loaded in one batch per kind, and only when the document selects
it (a look-ahead over the selection set). Rarely asked fields are sync
resolvers over the row, so a page that does not ask for them pays nothing.
When the page's selection is plain data, `products` returns the finished JSON
(`precomplete`) instead of leaving ~35 fields per product to GraphQL-core.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api import clock
from api.calendar.schema import ClosedDay
from api.calendar.service import BusinessCalendar, load_calendar
from api.catalog import models as m
from api.catalog import search, service
from api.catalog.tax import rate_percent
from api.companies.permissions import StaffPermission
from api.errors import DomainError
from api.graphql import precomplete
from api.graphql.errors import UserError, to_user_errors, user_errors
from api.graphql.ids import int_id, to_global_id
from api.graphql.money import Money
from api.graphql.pagination import Connection, paginate
from api.graphql.permissions import requires
from api.stores.policy import TaxDisplay

ProductKind = strawberry.enum(m.ProductKind, name="ProductKind")
SubscriptionPlan = strawberry.enum(m.SubscriptionPlan, name="SubscriptionPlan")
TaxCategory = strawberry.enum(m.TaxCategory, name="TaxCategory")
ProductStatus = strawberry.enum(m.ProductStatus, name="ProductStatus")
ShippingClass = strawberry.enum(m.ShippingClass, name="ShippingClass")
TagKind = strawberry.enum(m.TagKind, name="TagKind")
ProductSort = strawberry.enum(search.ProductSort, name="ProductSort")

DESIRED_DATE_WINDOW = 90  # days of closed dates the detail page gets by default


# ---- request-wide reading state ----------------------------------------------------------


class Reader:
    """What every catalog resolver of one request shares: language, tax display, caches."""

    def __init__(self, info: Any) -> None:
        ctx = info.context
        self.ctx = ctx
        self.en = ctx.language == "en"
        self.tax_included = ctx.rt.policy.tax_display == TaxDisplay.INCLUDED
        self.staff = ctx.caller.is_staff
        self.now = clock.now()
        self._tree: search.CategoryTree | None = None

    @classmethod
    def of(cls, info: Any) -> Reader:
        reader = info.context._loaders.get("catalog.reader")
        if reader is None:
            reader = info.context._loaders["catalog.reader"] = cls(info)
        return reader  # type: ignore[return-value]

    def text(self, ja: str, en: str) -> str:
        return en if self.en and en else ja

    async def tree(self) -> search.CategoryTree:
        if self._tree is None:
            self._tree = await search.load_category_tree()
        return self._tree

    async def calendar(self) -> BusinessCalendar:
        loader = self.ctx.loader("business_calendar", _calendar_loader)
        return await loader.load(0)

    def price(self, excluding: int, including: int, category: str) -> Price:
        return Price(
            display=Money(amount=including if self.tax_included else excluding),
            excluding_tax=Money(amount=excluding),
            including_tax=Money(amount=including),
            tax_included=self.tax_included,
            tax_rate_percent=rate_percent(category),
        )


def _calendar_loader() -> DataLoader:
    async def load(keys: list[int]) -> list[BusinessCalendar]:
        calendar = await load_calendar()
        return [calendar for _ in keys]

    return DataLoader(load_fn=load)


def _selected_names(fields: Iterable[Any], into: set[str]) -> set[str]:
    for f in fields:
        if isinstance(f, SelectedField):
            into.add(f.name)
            _selected_names(f.selections, into)
        elif isinstance(f, (FragmentSpread, InlineFragment)):
            _selected_names(f.selections, into)
    return into


# ---- types -------------------------------------------------------------------------------


@strawberry.type(description="A price as this store shows it, with both tax views.")
class Price:
    display: Money = strawberry.field(
        description="The amount to show: including or excluding tax per the store's setting."
    )
    excluding_tax: Money
    including_tax: Money = strawberry.field(
        description="Tax computed on this line and rounded down; documents round per rate."
    )
    tax_included: bool = strawberry.field(description="Whether `display` includes tax.")
    tax_rate_percent: int


@strawberry.type(name="ProductImage")
class ProductImage:
    url: str
    alt: str


@strawberry.type(description="A name and description in one language (for staff editing).")
class Translation:
    language: str
    name: str
    description: str


@strawberry.type(name="Category", description="A node of the category tree.")
class CategoryType(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    position: int
    _row: strawberry.Private[dict[str, Any]]
    _tree: strawberry.Private[search.CategoryTree]
    _en: strawberry.Private[bool]

    @classmethod
    def of(cls, tree: search.CategoryTree, category_id: int, en: bool) -> CategoryType:
        row = tree.rows[category_id]
        return cls(
            id=row["id"],
            code=row["code"],
            name=row["name_en"] if en and row["name_en"] else row["name"],
            position=row["position"],
            _row=row,
            _tree=tree,
            _en=en,
        )

    @strawberry.field
    def name_en(self) -> str:
        return self._row["name_en"]

    @strawberry.field
    def parent(self) -> CategoryType | None:
        parent_id = self._row["parent_id"]
        return CategoryType.of(self._tree, parent_id, self._en) if parent_id else None

    @strawberry.field(description="Sub-categories in display order.")
    def children(self) -> list[CategoryType]:
        return [
            CategoryType.of(self._tree, c, self._en) for c in self._tree.children.get(self.id, ())
        ]

    @strawberry.field(description="From the root down to the parent: the breadcrumbs.")
    def ancestors(self) -> list[CategoryType]:
        return [CategoryType.of(self._tree, c, self._en) for c in self._tree.ancestors(self.id)]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[CategoryType | None]:
        reader = Reader.of(info)
        tree = await reader.tree()
        return [
            CategoryType.of(tree, int(i), reader.en)
            if i.isdigit() and int(i) in tree.rows
            else None
            for i in node_ids
        ]


@strawberry.type(name="TagGroup")
class TagGroupType(relay.Node):
    id: relay.NodeID[int]
    kind: TagKind  # type: ignore[valid-type]
    name: str
    name_en: str
    position: int
    tags: list[TagType] = strawberry.field(default_factory=list)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[TagGroupType | None]:
        groups = await _tag_groups(info)
        by_id = {str(g.id): g for g in groups}
        return [by_id.get(i) for i in node_ids]


@strawberry.type(name="Tag", description="A benefit tag (導入効果) or an attribute tag.")
class TagType(relay.Node):
    id: relay.NodeID[int]
    name: str
    name_en: str
    kind: TagKind  # type: ignore[valid-type]
    group_name: str
    _group_id: strawberry.Private[int]

    @strawberry.field
    def group(self, info: strawberry.Info) -> TagGroupType:
        return TagGroupType(
            id=self._group_id, kind=self.kind, name=self.group_name, name_en="", position=0
        )

    @classmethod
    def of(cls, row: dict[str, Any], reader: Reader, id_key: str = "id") -> TagType:
        return cls(
            id=row[id_key],
            name=reader.text(row["name"], row["name_en"]),
            name_en=row["name_en"],
            kind=row["kind"],
            group_name=reader.text(row["group_name"], row["group_name_en"]),
            _group_id=row["group_id"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[TagType | None]:
        reader = Reader.of(info)
        ids = [int(i) for i in node_ids if i.isdigit()]
        rows = {r["id"]: r for r in await search.tag_rows(ids)} if ids else {}
        return [
            TagType.of(rows[int(i)], reader) if i.isdigit() and int(i) in rows else None
            for i in node_ids
        ]


@strawberry.type(name="Maker")
class MakerType(relay.Node):
    id: relay.NodeID[int]
    name: str
    name_en: str

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[MakerType | None]:
        reader = Reader.of(info)
        ids = [int(i) for i in node_ids if i.isdigit()]
        rows = await search.makers_of(ids)
        return [_maker(rows.get(int(i)), reader) if i.isdigit() else None for i in node_ids]


def _maker(row: dict[str, Any] | None, reader: Reader) -> MakerType | None:
    if row is None:
        return None
    return MakerType(
        id=row["id"], name=reader.text(row["name"], row["name_en"]), name_en=row["name_en"]
    )


@strawberry.type(description="An add-on with its own price.")
class ProductOption:
    id: strawberry.ID
    code: str
    name: str
    price: Price
    lead_time_days: int = strawberry.field(
        description="Business days this option needs before the start date (the longest wins)."
    )
    requires: list[str] = strawberry.field(description="Codes of options this one needs.")
    excludes: list[str] = strawberry.field(description="Codes of options it cannot go with.")


@strawberry.type(description="Options chosen together: between minSelect and maxSelect of them.")
class OptionGroup:
    id: strawberry.ID
    name: str
    min_select: int
    max_select: int | None
    required: bool = strawberry.field(description="At least one option must be chosen.")
    options: list[ProductOption]


@strawberry.type(description="Quantities a customer may order.")
class QuantityRule:
    min: int
    max: int | None
    step: int = strawberry.field(description="Allowed quantities are min, min+step, min+2·step …")
    fixed: int | None = strawberry.field(description="When set, the only allowed quantity.")


@strawberry.type(description="Which desired start (or delivery) dates the detail page may offer.")
class DesiredDates:
    earliest: date = strawberry.field(
        description="The first allowed date: the lead time in business days after today."
    )
    latest: date = strawberry.field(description="End of the window `closedDays` covers.")
    closed_days: list[ClosedDay] = strawberry.field(
        description="Days in [earliest, latest] that cannot be chosen (not business days)."
    )


def closed_day(c: Any, en: bool) -> ClosedDay:
    return ClosedDay(
        date=c.day, reason=c.reason.name, name=(c.name_en if en and c.name_en else c.name)
    )


@strawberry.type(name="Product")
class ProductType(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    description: str
    images: list[ProductImage]
    kind: ProductKind  # type: ignore[valid-type]
    plan: SubscriptionPlan | None  # type: ignore[valid-type]
    tax_category: TaxCategory  # type: ignore[valid-type]
    price: Price
    status: ProductStatus  # type: ignore[valid-type]
    published_at: datetime | None
    lead_time_days: int
    shipping_class: ShippingClass  # type: ignore[valid-type]
    quantity_rule: QuantityRule
    category: CategoryType | None = None
    maker: MakerType | None = None
    tags: list[TagType] = strawberry.field(default_factory=list)
    benefit_tags: list[TagType] = strawberry.field(
        default_factory=list, description="導入効果: what the customer gains."
    )
    attribute_tags: list[TagType] = strawberry.field(default_factory=list)
    option_groups: list[OptionGroup] = strawberry.field(
        default_factory=list, description="Empty when the product has no options."
    )
    _row: strawberry.Private[dict[str, Any]] = None  # type: ignore[assignment]

    @strawberry.field(description="Staff editing: the texts in every language.")
    def translations(self) -> list[Translation]:
        r = self._row
        return [
            Translation(language="ja", name=r["name"], description=r["description"]),
            Translation(language="en", name=r["name_en"], description=r["description_en"]),
        ]

    @strawberry.field
    def available_from(self) -> datetime | None:
        return self._row["available_from"]

    @strawberry.field
    def available_until(self) -> datetime | None:
        return self._row["available_until"]

    @strawberry.field
    def created_at(self) -> datetime:
        return self._row["created_at"]

    @strawberry.field
    def updated_at(self) -> datetime:
        return self._row["updated_at"]

    @strawberry.field(description="The first allowed desired date without options.")
    async def earliest_start_date(self, info: strawberry.Info) -> date:
        calendar = await Reader.of(info).calendar()
        return service.earliest_start(calendar, clock.business_today(), self.lead_time_days, ())

    @strawberry.field(description="Allowed desired dates for the date picker (without options).")
    async def desired_dates(
        self, info: strawberry.Info, days: int = DESIRED_DATE_WINDOW
    ) -> DesiredDates:
        days = max(1, min(days, 366))
        reader = Reader.of(info)
        calendar = await reader.calendar()
        earliest = service.earliest_start(calendar, clock.business_today(), self.lead_time_days, ())
        latest = date.fromordinal(earliest.toordinal() + days - 1)
        return DesiredDates(
            earliest=earliest,
            latest=latest,
            closed_days=[closed_day(c, reader.en) for c in calendar.closed_days(earliest, latest)],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[ProductType | None]:
        ids = [int(i) for i in node_ids if i.isdigit()]
        found = {p.id: p for p in await load_products(info, ids=ids)} if ids else {}
        return [found.get(int(i)) if i.isdigit() else None for i in node_ids]


def product_from_row(r: dict[str, Any], reader: Reader) -> ProductType:
    en = reader.en
    return ProductType(
        id=r["id"],
        code=r["code"],
        name=r["name_en"] if en and r["name_en"] else r["name"],
        description=r["description_en"] if en and r["description_en"] else r["description"],
        images=[
            ProductImage(url=i["url"], alt=(i.get("altEn") if en and i.get("altEn") else i["alt"]))
            for i in r["images"] or ()
        ],
        kind=r["kind"],
        plan=r["plan"],
        tax_category=r["tax_category"],
        price=reader.price(r["price"], r["price_including_tax"], r["tax_category"]),
        status=r["status"],
        published_at=r["published_at"],
        lead_time_days=r["lead_time_days"],
        shipping_class=r["shipping_class"],
        quantity_rule=QuantityRule(
            min=r["min_quantity"],
            max=r["max_quantity"],
            step=r["quantity_step"],
            fixed=r["fixed_quantity"],
        ),
        _row=r,
    )


NESTED = frozenset({"category", "maker", "tags", "benefitTags", "attributeTags", "optionGroups"})


async def hydrate(rows: list[dict[str, Any]], info: Any, wanted: set[str]) -> list[ProductType]:
    """Product types for rows, with the nested data the document selects, loaded in batches."""
    reader = Reader.of(info)
    products = [product_from_row(r, reader) for r in rows]
    if not products:
        return products
    ids = [r["id"] for r in rows]
    if "category" in wanted:
        tree = await reader.tree()
        for p, r in zip(products, rows, strict=True):
            cid = r["category_id"]
            if cid is not None and cid in tree.rows:
                p.category = CategoryType.of(tree, cid, reader.en)
    if "maker" in wanted:
        makers = await search.makers_of(list({r["maker_id"] for r in rows if r["maker_id"]}))
        for p, r in zip(products, rows, strict=True):
            p.maker = _maker(makers.get(r["maker_id"]), reader)
    if wanted & {"tags", "benefitTags", "attributeTags"}:
        tags = await search.tags_of(ids)
        for p in products:
            p.tags = [TagType.of(t, reader, "tag_id") for t in tags.get(p.id, ())]
            p.benefit_tags = [t for t in p.tags if t.kind == m.TagKind.BENEFIT]
            p.attribute_tags = [t for t in p.tags if t.kind == m.TagKind.ATTRIBUTE]
    if "optionGroups" in wanted:
        groups, options = await search.options_of(ids)
        for p, r in zip(products, rows, strict=True):
            p.option_groups = [
                OptionGroup(
                    id=strawberry.ID(to_global_id("OptionGroup", g["id"])),
                    name=reader.text(g["name"], g["name_en"]),
                    min_select=g["min_select"],
                    max_select=g["max_select"],
                    required=g["min_select"] > 0,
                    options=[
                        ProductOption(
                            id=strawberry.ID(to_global_id("ProductOption", o["id"])),
                            code=o["code"],
                            name=reader.text(o["name"], o["name_en"]),
                            price=reader.price(
                                o["price"], o["price_including_tax"], r["tax_category"]
                            ),
                            lead_time_days=o["lead_time_days"],
                            requires=o["requires"],
                            excludes=o["excludes"],
                        )
                        for o in options.get(g["id"], ())
                    ],
                )
                for g in groups.get(p.id, ())
            ]
    return products


async def load_products(
    info: Any, *, ids: list[int] | None = None, code: str | None = None
) -> list[ProductType]:
    reader = Reader.of(info)
    qs = m.Product.all()
    if not reader.staff:
        qs = qs.filter(search.visible_q(reader.now))
    qs = qs.filter(id__in=ids) if ids is not None else qs.filter(code=code)
    rows = await qs.values(*search.PRODUCT_COLUMNS)
    return await hydrate(rows, info, set(NESTED))


# ---- search inputs -----------------------------------------------------------------------


@strawberry.input(description="Every condition given must hold.")
class ProductFilter:
    keyword: str | None = strawberry.field(
        default=None,
        description="Words in name, description or code; full/half width, kana and case "
        "do not matter; every word must match.",
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The category or any of its sub-categories."
    )
    benefit_tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="導入効果: products with any of these tags."
    )
    attribute_tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Products with any of these attribute tags."
    )
    min_price: int | None = strawberry.field(
        default=None, description="In yen, on the displayed price (tax per the store setting)."
    )
    max_price: int | None = None
    kind: ProductKind | None = None  # type: ignore[valid-type]
    status: ProductStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Staff only; customers always see published products."
    )


def _query(f: ProductFilter | None) -> search.ProductQuery:
    if f is None:
        return search.ProductQuery()
    if f.keyword is not None and len(f.keyword) > 200:
        raise DomainError.of("TOO_LONG", "keyword", max=200)
    return search.ProductQuery(
        keyword=f.keyword or "",
        category_id=int_id(f.category_id, "Category", "categoryId") if f.category_id else None,
        benefit_tag_ids=[int_id(t, "Tag", "benefitTagIds") for t in f.benefit_tag_ids or ()],
        attribute_tag_ids=[int_id(t, "Tag", "attributeTagIds") for t in f.attribute_tag_ids or ()],
        min_price=f.min_price,
        max_price=f.max_price,
        kind=m.ProductKind(f.kind) if f.kind else None,
        status=m.ProductStatus(f.status) if f.status else None,
    )


@strawberry.type
class CategoryFacet:
    category: CategoryType
    count: int = strawberry.field(description="Matching products here or in sub-categories.")


@strawberry.type
class TagFacet:
    tag: TagType
    count: int


@strawberry.type(description="Counts for the filter panel, for the products the filter matches.")
class ProductFacets:
    total_count: int
    categories: list[CategoryFacet]
    benefit_tags: list[TagFacet]
    attribute_tags: list[TagFacet]


# ---- selection check ---------------------------------------------------------------------


@strawberry.input
class ProductSelectionInput:
    product_id: strawberry.ID
    option_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    quantity: int | None = None
    desired_start_date: date | None = None


@strawberry.type(description="Whether a customer's choice can go into the cart, and its price.")
class ProductSelectionCheck:
    valid: bool
    earliest_start_date: date | None
    unit_price: Price | None = strawberry.field(
        description="Product plus chosen options, per unit."
    )
    user_errors: list[UserError]


async def _option_rows(
    product_id: int,
) -> tuple[list[service.GroupRow], list[service.OptionRow], list[dict[str, Any]]]:
    groups = await m.OptionGroup.filter(product_id=product_id).values(
        "id", "name", "min_select", "max_select"
    )
    raw = await m.ProductOption.filter(product_id=product_id).values(
        "id",
        "group_id",
        "code",
        "lead_time_days",
        "requires",
        "excludes",
        "price",
        "price_including_tax",
    )
    return (
        [service.GroupRow(g["id"], g["name"], g["min_select"], g["max_select"]) for g in groups],
        [
            service.OptionRow(
                o["id"],
                o["group_id"],
                o["code"],
                o["lead_time_days"],
                tuple(o["requires"]),
                tuple(o["excludes"]),
            )
            for o in raw
        ],
        raw,
    )


async def _visible_product_row(info: Any, product_id: str, field: str) -> dict[str, Any]:
    reader = Reader.of(info)
    pk = int_id(product_id, "Product", field)
    qs = m.Product.filter(id=pk)
    if not reader.staff:
        qs = qs.filter(search.visible_q(reader.now))
    row = await qs.first().values(*search.PRODUCT_COLUMNS)
    if row is None:
        raise DomainError.of("NOT_FOUND", field)
    return row


async def check_selection(info: Any, data: ProductSelectionInput) -> ProductSelectionCheck:
    reader = Reader.of(info)
    row = await _visible_product_row(info, data.product_id, "productId")
    option_ids = [int_id(o, "ProductOption", "optionIds") for o in data.option_ids]
    groups, options, raw = await _option_rows(row["id"])
    problems = service.check_options(groups, options, option_ids)
    if data.quantity is not None:
        problems += service.check_quantity(
            data.quantity,
            row["min_quantity"],
            row["max_quantity"],
            row["quantity_step"],
            row["fixed_quantity"],
        )
    chosen = [o for o in options if o.id in option_ids]
    calendar = await reader.calendar()
    earliest = service.earliest_start(
        calendar, clock.business_today(), row["lead_time_days"], [o.lead_time_days for o in chosen]
    )
    if data.desired_start_date is not None:
        problems += service.check_desired_date(calendar, earliest, data.desired_start_date)
    chosen_raw = [o for o in raw if o["id"] in option_ids]
    unit = reader.price(
        row["price"] + sum(o["price"] for o in chosen_raw),
        row["price_including_tax"] + sum(o["price_including_tax"] for o in chosen_raw),
        row["tax_category"],
    )
    return ProductSelectionCheck(
        valid=not problems,
        earliest_start_date=earliest,
        unit_price=unit,
        user_errors=to_user_errors(problems, info.context.language),
    )


# ---- queries -----------------------------------------------------------------------------


async def _tag_groups(info: Any, kind: m.TagKind | None = None) -> list[TagGroupType]:
    reader = Reader.of(info)
    groups = await search.tag_group_rows()
    tags = await search.tag_rows()
    out = []
    for g in groups:
        if kind is not None and g["kind"] != kind:
            continue
        out.append(
            TagGroupType(
                id=g["id"],
                kind=g["kind"],
                name=reader.text(g["name"], g["name_en"]),
                name_en=g["name_en"],
                position=g["position"],
                tags=[TagType.of(t, reader) for t in tags if t["group_id"] == g["id"]],
            )
        )
    return out


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Search and browse products. Customers see published products only; "
        "staff see every product and may filter by status."
    )
    async def products(
        self,
        info: strawberry.Info,
        filter: ProductFilter | None = None,
        sort: ProductSort = search.ProductSort.RELEVANCE,  # type: ignore[valid-type, assignment]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProductType]:
        reader = Reader.of(info)
        query = _query(filter)
        tree = await reader.tree() if query.category_id is not None else search.CategoryTree({}, {})
        qs = search.filtered(
            query, staff=reader.staff, now=reader.now, tree=tree, tax_included=reader.tax_included
        )
        qs = search.sorted_by(
            qs,
            search.ProductSort(sort),
            query,
            tax_included=reader.tax_included,
            language=info.context.language,
        )
        connection = await paginate(
            qs,
            _identity,
            first=first,
            after=after,
            last=last,
            before=before,
            values=search.PRODUCT_COLUMNS,
        )
        wanted = _selected_names(info.selected_fields, set()) & NESTED
        products = await hydrate([e.node for e in connection.edges], info, wanted)
        for edge, product in zip(connection.edges, products, strict=True):
            edge.node = product
        if precomplete.enabled(info):
            return await _precompleted(info, connection)  # type: ignore[return-value]
        return connection

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
        query = _query(filter)
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
            benefit_tags=[t for t in tag_facets if t.tag.kind == m.TagKind.BENEFIT],
            attribute_tags=[t for t in tag_facets if t.tag.kind == m.TagKind.ATTRIBUTE],
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
        return await _tag_groups(info, m.TagKind(kind) if kind else None)

    @strawberry.field(description="Makers (brands) of the catalog's goods.")
    async def makers(self, info: strawberry.Info) -> list[MakerType]:
        reader = Reader.of(info)
        rows = await m.Maker.all().order_by("name").values("id", "name", "name_en")
        return [_maker(r, reader) for r in rows]  # type: ignore[misc]

    @strawberry.field(
        description="The first allowed desired start/delivery date for a product with options."
    )
    async def earliest_start_date(
        self,
        info: strawberry.Info,
        product_id: strawberry.ID,
        option_ids: list[strawberry.ID] | None = None,
    ) -> date:
        row = await _visible_product_row(info, product_id, "productId")
        ids = [int_id(o, "ProductOption", "optionIds") for o in option_ids or ()]
        leads = (
            await m.ProductOption.filter(product_id=row["id"], id__in=ids).values_list(
                "lead_time_days", flat=True
            )
            if ids
            else []
        )
        calendar = await Reader.of(info).calendar()
        return service.earliest_start(
            calendar, clock.business_today(), row["lead_time_days"], leads
        )

    @strawberry.field(
        description="Check options, quantity and desired date before adding to the cart; "
        "coded userErrors say what to fix (DATE_BEFORE_EARLIEST names the earliest date)."
    )
    async def check_product_selection(
        self, info: strawberry.Info, input: ProductSelectionInput
    ) -> ProductSelectionCheck:
        return await check_selection(info, input)


def _identity(row: Any) -> Any:
    return row


async def _precompleted(info: Any, connection: Connection[Any]) -> Any:
    """The connection's JSON built directly (see `precomplete`), or the connection itself."""
    raw = info._raw_info
    if len(raw.field_nodes) != 1:
        return connection
    [node] = raw.field_nodes
    overrides: dict[str, Any] = {}
    for selection in node.selection_set.selections if node.selection_set else ():
        name = getattr(getattr(selection, "name", None), "value", None)
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


# ---- staff mutations ---------------------------------------------------------------------


@strawberry.input
class ProductImageInput:
    url: str
    alt: str
    alt_en: str = ""


_PRODUCT_INPUT_DOC = "Prices are yen excluding tax; subscriptions need a plan."


@strawberry.input(description=_PRODUCT_INPUT_DOC)
class CreateProductInput:
    code: str = strawberry.field(description="SKU: letters, digits, dot, dash, underscore.")
    name: str
    price: int
    name_en: str = ""
    description: str = ""
    description_en: str = ""
    images: list[ProductImageInput] = strawberry.field(default_factory=list)
    kind: ProductKind = m.ProductKind.PHYSICAL  # type: ignore[valid-type]
    plan: SubscriptionPlan | None = None  # type: ignore[valid-type]
    category_id: strawberry.ID | None = None
    maker_id: strawberry.ID | None = None
    tax_category: TaxCategory = m.TaxCategory.STANDARD  # type: ignore[valid-type]
    available_from: datetime | None = None
    available_until: datetime | None = None
    min_quantity: int = 1
    max_quantity: int | None = None
    quantity_step: int = 1
    fixed_quantity: int | None = None
    lead_time_days: int = strawberry.field(
        default=0, description="Business days between the order and the earliest desired date."
    )
    shipping_class: ShippingClass | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Default: STORE for goods, NONE for subscriptions."
    )
    tag_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; tagIds replaces the whole set.")
class UpdateProductInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    price: int | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    description_en: str | None = strawberry.UNSET
    images: list[ProductImageInput] | None = strawberry.UNSET
    kind: ProductKind | None = strawberry.UNSET  # type: ignore[valid-type]
    plan: SubscriptionPlan | None = strawberry.UNSET  # type: ignore[valid-type]
    category_id: strawberry.ID | None = strawberry.UNSET
    maker_id: strawberry.ID | None = strawberry.UNSET
    tax_category: TaxCategory | None = strawberry.UNSET  # type: ignore[valid-type]
    available_from: datetime | None = strawberry.UNSET
    available_until: datetime | None = strawberry.UNSET
    min_quantity: int | None = strawberry.UNSET
    max_quantity: int | None = strawberry.UNSET
    quantity_step: int | None = strawberry.UNSET
    fixed_quantity: int | None = strawberry.UNSET
    lead_time_days: int | None = strawberry.UNSET
    shipping_class: ShippingClass | None = strawberry.UNSET  # type: ignore[valid-type]
    tag_ids: list[strawberry.ID] | None = strawberry.UNSET


_NOT_NULL = {
    "code",
    "name",
    "price",
    "name_en",
    "description",
    "description_en",
    "images",
    "kind",
    "tax_category",
    "min_quantity",
    "quantity_step",
    "lead_time_days",
    "shipping_class",
    "tag_ids",
}


def _product_changes(data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in (*service.PRODUCT_FIELDS, "tag_ids"):
        value = getattr(data, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if value is None and name in _NOT_NULL and not isinstance(data, CreateProductInput):
            raise DomainError.of("REQUIRED", service._INPUT_NAMES.get(name, name))
        if name == "images" and value is not None:
            value = [{"url": i.url, "alt": i.alt, "altEn": i.alt_en} for i in value]
        elif name == "category_id" and value is not None:
            value = int_id(value, "Category", "categoryId")
        elif name == "maker_id" and value is not None:
            value = int_id(value, "Maker", "makerId")
        elif name == "tag_ids" and value is not None:
            value = [int_id(t, "Tag", "tagIds") for t in value]
        elif name in ("kind", "plan", "tax_category", "shipping_class") and value is not None:
            value = {
                "kind": m.ProductKind,
                "plan": m.SubscriptionPlan,
                "tax_category": m.TaxCategory,
                "shipping_class": m.ShippingClass,
            }[name](value)
        out[name] = value
    return out


@strawberry.type
class ProductPayload:
    product: ProductType | None
    user_errors: list[UserError]


@strawberry.input
class ProductIdInput:
    id: strawberry.ID


@strawberry.input
class ProductOptionInput:
    code: str = strawberry.field(description="Stable per product: the option keeps its ID.")
    name: str
    price: int = strawberry.field(description="Yen excluding tax (the product's tax category).")
    name_en: str = ""
    lead_time_days: int = 0
    requires: list[str] = strawberry.field(default_factory=list)
    excludes: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class OptionGroupInput:
    name: str
    options: list[ProductOptionInput]
    name_en: str = ""
    min_select: int = strawberry.field(default=0, description="1 or more: required.")
    max_select: int | None = strawberry.field(default=None, description="null: no limit.")


@strawberry.input(description="Replaces the product's option groups and options.")
class SetProductOptionsInput:
    product_id: strawberry.ID
    groups: list[OptionGroupInput]


@strawberry.input
class CreateCategoryInput:
    code: str
    name: str
    name_en: str = ""
    parent_id: strawberry.ID | None = None


@strawberry.input
class UpdateCategoryInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null moves the category to the root."
    )


@strawberry.input(description="Every child of the parent, in the new order.")
class ReorderCategoriesInput:
    parent_id: strawberry.ID | None = None
    category_ids: list[strawberry.ID]


@strawberry.input
class DeleteInput:
    id: strawberry.ID


@strawberry.type
class CategoryPayload:
    category: CategoryType | None
    user_errors: list[UserError]


@strawberry.type
class CategoriesPayload:
    categories: list[CategoryType] | None
    user_errors: list[UserError]


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.input
class CreateTagGroupInput:
    kind: TagKind  # type: ignore[valid-type]
    name: str
    name_en: str = ""


@strawberry.input
class UpdateTagGroupInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    position: int | None = strawberry.UNSET


@strawberry.input
class CreateTagInput:
    group_id: strawberry.ID
    name: str
    name_en: str = ""


@strawberry.input
class UpdateTagInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    position: int | None = strawberry.UNSET


@strawberry.type
class TagGroupPayload:
    tag_group: TagGroupType | None
    user_errors: list[UserError]


@strawberry.type
class TagPayload:
    tag: TagType | None
    user_errors: list[UserError]


@strawberry.input
class CreateMakerInput:
    name: str
    name_en: str = ""


@strawberry.type
class MakerPayload:
    maker: MakerType | None
    user_errors: list[UserError]


def _given(data: Any, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(data, name)
        if value is strawberry.UNSET:
            continue
        if value is None and name != "parent_id":
            raise DomainError.of("REQUIRED", name)
        out[name] = value
    return out


async def _product_payload(info: Any, product_id: int) -> ProductPayload:
    found = await load_products(info, ids=[product_id])
    return ProductPayload(product=found[0] if found else None, user_errors=[])


async def _category_payload(info: Any, category_id: int) -> CategoryPayload:
    reader = Reader.of(info)
    reader._tree = None  # the write changed it
    tree = await reader.tree()
    return CategoryPayload(category=CategoryType.of(tree, category_id, reader.en), user_errors=[])


async def _tag_payload(info: Any, tag_id: int) -> TagPayload:
    [row] = await search.tag_rows([tag_id])
    return TagPayload(tag=TagType.of(row, Reader.of(info)), user_errors=[])


def _group_type(g: m.TagGroup) -> TagGroupType:
    return TagGroupType(id=g.id, kind=g.kind, name=g.name, name_en=g.name_en, position=g.position)


STAFF = [requires(StaffPermission.MANAGE_CATALOG)]


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(permission_classes=STAFF, description="Staff: a new product (DRAFT).")
    async def create_product(
        self, info: strawberry.Info, input: CreateProductInput
    ) -> ProductPayload:
        try:
            product = await service.create_product(info.context.rt, _product_changes(input))
        except DomainError as e:
            return ProductPayload(product=None, user_errors=user_errors(e, info))
        return await _product_payload(info, product.id)

    @strawberry.mutation(permission_classes=STAFF, description="Staff: change a product.")
    async def update_product(
        self, info: strawberry.Info, input: UpdateProductInput
    ) -> ProductPayload:
        try:
            pk = int_id(input.id, "Product")
            await service.update_product(info.context.rt, pk, _product_changes(input))
        except DomainError as e:
            return ProductPayload(product=None, user_errors=user_errors(e, info))
        return await _product_payload(info, pk)

    @strawberry.mutation(
        permission_classes=STAFF,
        description="Staff: show a product to customers (from DRAFT or UNPUBLISHED).",
    )
    async def publish_product(self, info: strawberry.Info, input: ProductIdInput) -> ProductPayload:
        try:
            pk = int_id(input.id, "Product")
            await service.publish_product(info.context.rt, pk, actor_id=info.context.caller.user_id)
        except DomainError as e:
            return ProductPayload(product=None, user_errors=user_errors(e, info))
        return await _product_payload(info, pk)

    @strawberry.mutation(permission_classes=STAFF, description="Staff: hide a published product.")
    async def unpublish_product(
        self, info: strawberry.Info, input: ProductIdInput
    ) -> ProductPayload:
        try:
            pk = int_id(input.id, "Product")
            await service.unpublish_product(
                info.context.rt, pk, actor_id=info.context.caller.user_id
            )
        except DomainError as e:
            return ProductPayload(product=None, user_errors=user_errors(e, info))
        return await _product_payload(info, pk)

    @strawberry.mutation(
        permission_classes=STAFF,
        description="Staff: replace a product's option groups; options keep IDs by code.",
    )
    async def set_product_options(
        self, info: strawberry.Info, input: SetProductOptionsInput
    ) -> ProductPayload:
        try:
            pk = int_id(input.product_id, "Product", "productId")
            groups = [
                service.OptionGroupSpec(
                    name=g.name,
                    name_en=g.name_en,
                    min_select=g.min_select,
                    max_select=g.max_select,
                    options=[
                        service.OptionSpec(
                            code=o.code,
                            name=o.name,
                            name_en=o.name_en,
                            price=o.price,
                            lead_time_days=o.lead_time_days,
                            requires=list(o.requires),
                            excludes=list(o.excludes),
                        )
                        for o in g.options
                    ],
                )
                for g in input.groups
            ]
            await service.set_product_options(info.context.rt, pk, groups)
        except DomainError as e:
            return ProductPayload(product=None, user_errors=user_errors(e, info))
        return await _product_payload(info, pk)

    @strawberry.mutation(permission_classes=STAFF, description="Staff: a new category.")
    async def create_category(
        self, info: strawberry.Info, input: CreateCategoryInput
    ) -> CategoryPayload:
        try:
            parent = int_id(input.parent_id, "Category", "parentId") if input.parent_id else None
            category = await service.create_category(
                info.context.rt,
                code=input.code,
                name=input.name,
                name_en=input.name_en,
                parent_id=parent,
            )
        except DomainError as e:
            return CategoryPayload(category=None, user_errors=user_errors(e, info))
        return await _category_payload(info, category.id)

    @strawberry.mutation(permission_classes=STAFF, description="Staff: rename or move a category.")
    async def update_category(
        self, info: strawberry.Info, input: UpdateCategoryInput
    ) -> CategoryPayload:
        try:
            pk = int_id(input.id, "Category")
            changes = _given(input, "code", "name", "name_en", "parent_id")
            if changes.get("parent_id") is not None:
                changes["parent_id"] = int_id(changes["parent_id"], "Category", "parentId")
            await service.update_category(info.context.rt, pk, changes)
        except DomainError as e:
            return CategoryPayload(category=None, user_errors=user_errors(e, info))
        return await _category_payload(info, pk)

    @strawberry.mutation(
        permission_classes=STAFF, description="Staff: order the children of one parent."
    )
    async def reorder_categories(
        self, info: strawberry.Info, input: ReorderCategoriesInput
    ) -> CategoriesPayload:
        try:
            parent = int_id(input.parent_id, "Category", "parentId") if input.parent_id else None
            ids = [int_id(c, "Category", "categoryIds") for c in input.category_ids]
            await service.reorder_categories(info.context.rt, parent, ids)
        except DomainError as e:
            return CategoriesPayload(categories=None, user_errors=user_errors(e, info))
        reader = Reader.of(info)
        reader._tree = None
        tree = await reader.tree()
        return CategoriesPayload(
            categories=[CategoryType.of(tree, c, reader.en) for c in tree.children.get(parent, ())],
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=STAFF,
        description="Staff: delete a category without sub-categories or products.",
    )
    async def delete_category(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload:
        try:
            await service.delete_category(info.context.rt, int_id(input.id, "Category"))
        except DomainError as e:
            return DeletePayload(deleted_id=None, user_errors=user_errors(e, info))
        return DeletePayload(deleted_id=input.id, user_errors=[])

    @strawberry.mutation(permission_classes=STAFF, description="Staff: a new tag group.")
    async def create_tag_group(
        self, info: strawberry.Info, input: CreateTagGroupInput
    ) -> TagGroupPayload:
        try:
            group = await service.create_tag_group(
                info.context.rt, kind=m.TagKind(input.kind), name=input.name, name_en=input.name_en
            )
        except DomainError as e:
            return TagGroupPayload(tag_group=None, user_errors=user_errors(e, info))
        return TagGroupPayload(tag_group=_group_type(group), user_errors=[])

    @strawberry.mutation(permission_classes=STAFF, description="Staff: rename or move a group.")
    async def update_tag_group(
        self, info: strawberry.Info, input: UpdateTagGroupInput
    ) -> TagGroupPayload:
        try:
            group = await service.update_tag_group(
                info.context.rt,
                int_id(input.id, "TagGroup"),
                _given(input, "name", "name_en", "position"),
            )
        except DomainError as e:
            return TagGroupPayload(tag_group=None, user_errors=user_errors(e, info))
        return TagGroupPayload(tag_group=_group_type(group), user_errors=[])

    @strawberry.mutation(permission_classes=STAFF, description="Staff: a new tag in a group.")
    async def create_tag(self, info: strawberry.Info, input: CreateTagInput) -> TagPayload:
        try:
            tag = await service.create_tag(
                info.context.rt,
                group_id=int_id(input.group_id, "TagGroup", "groupId"),
                name=input.name,
                name_en=input.name_en,
            )
        except DomainError as e:
            return TagPayload(tag=None, user_errors=user_errors(e, info))
        return await _tag_payload(info, tag.id)

    @strawberry.mutation(permission_classes=STAFF, description="Staff: rename or move a tag.")
    async def update_tag(self, info: strawberry.Info, input: UpdateTagInput) -> TagPayload:
        try:
            pk = int_id(input.id, "Tag")
            await service.update_tag(
                info.context.rt, pk, _given(input, "name", "name_en", "position")
            )
        except DomainError as e:
            return TagPayload(tag=None, user_errors=user_errors(e, info))
        return await _tag_payload(info, pk)

    @strawberry.mutation(
        permission_classes=STAFF, description="Staff: delete a tag (products lose it)."
    )
    async def delete_tag(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload:
        try:
            await service.delete_tag(info.context.rt, int_id(input.id, "Tag"))
        except DomainError as e:
            return DeletePayload(deleted_id=None, user_errors=user_errors(e, info))
        return DeletePayload(deleted_id=input.id, user_errors=[])

    @strawberry.mutation(permission_classes=STAFF, description="Staff: a new maker.")
    async def create_maker(self, info: strawberry.Info, input: CreateMakerInput) -> MakerPayload:
        try:
            maker = await service.create_maker(
                info.context.rt, name=input.name, name_en=input.name_en
            )
        except DomainError as e:
            return MakerPayload(maker=None, user_errors=user_errors(e, info))
        return MakerPayload(
            maker=MakerType(id=maker.id, name=maker.name, name_en=maker.name_en), user_errors=[]
        )
