"""The catalog's staff inputs and payloads, and their translation to service arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.catalog import search, service
from api.catalog import states as s
from api.catalog.types import (
    CategoryType,
    MakerType,
    ProductKind,
    ProductType,
    Reader,
    ShippingClass,
    SubscriptionPlan,
    TagGroupType,
    TagKind,
    TagType,
    TaxCategory,
    load_products,
)
from api.errors import DomainError
from api.graphql.errors import UserError
from api.graphql.ids import int_id
from api.graphql.text import multiline


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
    description: str = multiline(default="")
    description_en: str = multiline(default="")
    images: list[ProductImageInput] = strawberry.field(default_factory=list)
    kind: ProductKind = s.ProductKind.PHYSICAL  # type: ignore[valid-type]
    plan: SubscriptionPlan | None = None  # type: ignore[valid-type]
    category_id: strawberry.ID | None = None
    maker_id: strawberry.ID | None = None
    tax_category: TaxCategory = s.TaxCategory.STANDARD  # type: ignore[valid-type]
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
    has_delivery_note: bool = strawberry.field(
        default=False,
        description="Customers can download a delivery note (納品書) for orders of it once "
        "shipped (000 §6: only some products have one).",
    )
    tag_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; tagIds replaces the whole set.")
class UpdateProductInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    price: int | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    description: str | None = multiline(default=strawberry.UNSET)
    description_en: str | None = multiline(default=strawberry.UNSET)
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
    has_delivery_note: bool | None = strawberry.UNSET
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
    "has_delivery_note",
    "tag_ids",
}


def product_changes(data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in (*service.PRODUCT_FIELDS, "tag_ids"):
        value = getattr(data, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if value is None and name in _NOT_NULL and not isinstance(data, CreateProductInput):
            raise DomainError.of("REQUIRED", service.INPUT_NAMES.get(name, name))
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
                "kind": s.ProductKind,
                "plan": s.SubscriptionPlan,
                "tax_category": s.TaxCategory,
                "shipping_class": s.ShippingClass,
            }[name](value)
        out[name] = value
    return out


@strawberry.type
class ProductPayload:
    product: ProductType | None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CategoriesPayload:
    categories: list[CategoryType] | None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TagPayload:
    tag: TagType | None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateMakerInput:
    name: str
    name_en: str = ""


@strawberry.type
class MakerPayload:
    maker: MakerType | None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def given(data: Any, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(data, name)
        if value is strawberry.UNSET:
            continue
        if value is None and name != "parent_id":
            raise DomainError.of("REQUIRED", name)
        out[name] = value
    return out


async def product_payload(info: Any, product_id: int) -> ProductPayload:
    found = await load_products(info, ids=[product_id])
    return ProductPayload(product=found[0] if found else None)


async def category_payload(info: Any, category_id: int) -> CategoryPayload:
    reader = Reader.of(info)
    reader._tree = None  # the write changed it
    tree = await reader.tree()
    return CategoryPayload(category=CategoryType.of(tree, category_id, reader.en))


async def tag_payload(info: Any, tag_id: int) -> TagPayload:
    [row] = await search.tag_rows([tag_id])
    return TagPayload(tag=TagType.of(row, Reader.of(info)))


def group_type(g: Any) -> TagGroupType:
    return TagGroupType(id=g.id, kind=g.kind, name=g.name, name_en=g.name_en, position=g.position)


def option_groups(data: SetProductOptionsInput) -> list[service.OptionGroupSpec]:
    return [
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
        for g in data.groups
    ]
