"""The catalog's Strawberry types: products, categories, tags, makers, options, prices.

Speed matters here more than anywhere: product types hold plain attributes
built from `.values()` rows; a page's nested data (category, tags, options,
maker) is loaded in one batch per kind, and only when the document selects it
(`hydrate`). Rarely asked fields are sync resolvers over the row, so a page
that does not ask for them pays nothing. `Reader` is what every catalog
resolver of one request shares: language, tax display, the category tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from api import clock
from api.calendar.schema import ClosedDay
from api.calendar.service import BusinessCalendar, load_calendar
from api.catalog import queries, search, selection
from api.catalog import states as s
from api.catalog.tax import rate_percent
from api.errors import DomainError
from api.graphql.errors import UserError
from api.graphql.ids import int_id, to_global_id
from api.graphql.money import Money
from api.keys import row_keys
from api.stores.policy import TaxDisplay

ProductKind = strawberry.enum(s.ProductKind, name="ProductKind")
SubscriptionPlan = strawberry.enum(s.SubscriptionPlan, name="SubscriptionPlan")
TaxCategory = strawberry.enum(s.TaxCategory, name="TaxCategory")
ProductStatus = strawberry.enum(s.ProductStatus, name="ProductStatus")
ShippingClass = strawberry.enum(s.ShippingClass, name="ShippingClass")
TagKind = strawberry.enum(s.TagKind, name="TagKind")
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
        keys = row_keys(list(node_ids))
        return [CategoryType.of(tree, k, reader.en) if k in tree.rows else None for k in keys]


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
        groups = await tag_groups(info)
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
        keys = row_keys(list(node_ids))
        ids = [k for k in keys if k is not None]
        rows = {r["id"]: r for r in await search.tag_rows(ids)} if ids else {}
        return [TagType.of(rows[k], reader) if k in rows else None for k in keys]


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
        keys = row_keys(list(node_ids))
        rows = await search.makers_of([k for k in keys if k is not None])
        return [maker_of(rows.get(k), reader) if k is not None else None for k in keys]


def maker_of(row: dict[str, Any] | None, reader: Reader) -> MakerType | None:
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
    has_delivery_note: bool = strawberry.field(
        description="Orders of it get a delivery note (納品書) once shipped."
    )
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
        return selection.earliest_start(calendar, clock.business_today(), self.lead_time_days, ())

    @strawberry.field(description="Allowed desired dates for the date picker (without options).")
    async def desired_dates(
        self, info: strawberry.Info, days: int = DESIRED_DATE_WINDOW
    ) -> DesiredDates:
        days = max(1, min(days, 366))
        reader = Reader.of(info)
        calendar = await reader.calendar()
        earliest = selection.earliest_start(
            calendar, clock.business_today(), self.lead_time_days, ()
        )
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
        keys = row_keys(list(node_ids))
        ids = [k for k in keys if k is not None]
        found = {p.id: p for p in await load_products(info, ids=ids)} if ids else {}
        return [found.get(k) if k is not None else None for k in keys]


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
        has_delivery_note=r.get("has_delivery_note", False),
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
            p.maker = maker_of(makers.get(r["maker_id"]), reader)
    if wanted & {"tags", "benefitTags", "attributeTags"}:
        tags = await search.tags_of(ids)
        for p in products:
            p.tags = [TagType.of(t, reader, "tag_id") for t in tags.get(p.id, ())]
            p.benefit_tags = [t for t in p.tags if t.kind == s.TagKind.BENEFIT]
            p.attribute_tags = [t for t in p.tags if t.kind == s.TagKind.ATTRIBUTE]
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
    """Products the caller may see, by ids or by code, with all their nested data."""
    rows = await queries.product_rows(await info.context.actor(), ids=ids, code=code)
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


def product_query(f: ProductFilter | None) -> search.ProductQuery:
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
        kind=s.ProductKind(f.kind) if f.kind else None,
        status=s.ProductStatus(f.status) if f.status else None,
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


async def tag_groups(info: Any, kind: s.TagKind | None = None) -> list[TagGroupType]:
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
