"""Staff operations on the catalog. The rules a customer's choice must follow are in
`api.catalog.selection`.

Every write takes the acting `Actor` and refuses one without MANAGE_CATALOG
(the CLI and the demo seed act as `Actor.for_system()`), validates its whole
input first (all problems at once, coded per field), runs in one unit of
work, keeps the derived columns (tax-included price, normalised search text,
category paths) in step, and bumps the catalog version after commit so cached
reads are never stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api import clock
from api.actor import Actor
from api.catalog import tax
from api.catalog.cache import bump_version
from api.catalog.models import (
    Category,
    Maker,
    OptionGroup,
    Product,
    ProductKind,
    ProductOption,
    ProductStatus,
    ProductTag,
    ShippingClass,
    Tag,
    TagGroup,
    TagKind,
    TaxCategory,
)
from api.catalog.states import PUBLICATION
from api.catalog.text import normalize
from api.companies.permissions import StaffPermission
from api.db import after_commit, unit_of_work
from api.errors import DomainError, Problem, Problems

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_PRICE = 100_000_000
MAX_LEAD_TIME_DAYS = 365
MAX_IMAGES = 20
MAX_OPTIONS = 100


def _changed(rt: Any) -> None:
    after_commit(lambda: bump_version(rt))


def _require_staff(actor: Actor) -> None:
    actor.require(StaffPermission.MANAGE_CATALOG)


def _text(problems: Problems, value: str, name: str, limit: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        problems.add("REQUIRED", name)
    elif len(value) > limit:
        problems.add("TOO_LONG", name, max=limit)
    return value


def _range(problems: Problems, value: int, name: str, low: int, high: int) -> None:
    if not low <= value <= high:
        problems.add("OUT_OF_RANGE", name, min=low, max=high)


# ---- categories --------------------------------------------------------------------------


async def _category(category_id: int, field_name: str = "id") -> Category:
    category = await Category.get_or_none(id=category_id)
    if category is None:
        raise DomainError.of("NOT_FOUND", field_name)
    return category


def _check_code(problems: Problems, code: str, name: str = "code") -> str:
    code = code.strip()
    if not code:
        problems.add("REQUIRED", name)
    elif len(code) > 64:
        problems.add("TOO_LONG", name, max=64)
    elif not CODE_PATTERN.match(code):
        problems.add("INVALID_CODE_FORMAT", name)
    return code


async def create_category(
    rt: Any,
    actor: Actor,
    *,
    code: str,
    name: str,
    name_en: str = "",
    parent_id: int | None = None,
) -> Category:
    _require_staff(actor)
    problems = Problems()
    code = _check_code(problems, code)
    name = _text(problems, name, "name", 128, required=True)
    name_en = _text(problems, name_en, "nameEn", 128, required=False)
    if code and not problems.has("code") and await Category.exists(code=code):
        problems.add("CODE_TAKEN", "code")
    parent = None
    if parent_id is not None:
        parent = await Category.get_or_none(id=parent_id)
        if parent is None:
            problems.add("NOT_FOUND", "parentId")
    problems.raise_if_any()
    async with unit_of_work():
        siblings = Category.filter(parent_id=parent.id if parent else None)
        last = await siblings.order_by("-position").first().values_list("position", flat=True)
        category = await Category.create(
            code=code,
            name=name,
            name_en=name_en,
            parent=parent,
            position=(last + 1) if last is not None else 0,
        )
        category.path = f"{parent.path if parent else '/'}{category.id}/"
        await category.save(update_fields=["path"])
        _changed(rt)
    return category


async def update_category(
    rt: Any, actor: Actor, category_id: int, changes: dict[str, Any]
) -> Category:
    _require_staff(actor)
    category = await _category(category_id)
    problems = Problems()
    if "code" in changes:
        code = _check_code(problems, changes["code"])
        if code != category.code and not problems.has("code"):
            if await Category.exists(code=code):
                problems.add("CODE_TAKEN", "code")
        category.code = code
    if "name" in changes:
        category.name = _text(problems, changes["name"], "name", 128, required=True)
    if "name_en" in changes:
        category.name_en = _text(problems, changes["name_en"], "nameEn", 128, required=False)
    new_parent: Category | None | bool = False  # False: unchanged
    if "parent_id" in changes:
        parent_id = changes["parent_id"]
        if parent_id is None:
            new_parent = None
        else:
            found = await Category.get_or_none(id=parent_id)
            if found is None:
                problems.add("NOT_FOUND", "parentId")
            elif found.path.startswith(category.path):
                problems.add("CATEGORY_CYCLE", "parentId")  # itself or one of its descendants
            else:
                new_parent = found
    problems.raise_if_any()
    async with unit_of_work():
        if new_parent is not False and new_parent_id(new_parent) != category.parent_id:
            old_path = category.path
            category.parent_id = new_parent_id(new_parent)  # type: ignore[assignment]
            category.path = f"{new_parent.path if new_parent else '/'}{category.id}/"
            last = (
                await Category.filter(parent_id=category.parent_id)
                .order_by("-position")
                .first()
                .values_list("position", flat=True)
            )
            category.position = (last + 1) if last is not None else 0
            for child in await Category.filter(path__startswith=old_path).exclude(id=category.id):
                child.path = category.path + child.path[len(old_path) :]
                await child.save(update_fields=["path"])
        await category.save()
        _changed(rt)
    return category


def new_parent_id(parent: Category | None | bool) -> int | None:
    return parent.id if isinstance(parent, Category) else None


async def reorder_categories(
    rt: Any, actor: Actor, parent_id: int | None, ordered_ids: list[int]
) -> None:
    """Set the order of one parent's children; the list must name each child once."""
    _require_staff(actor)
    children = await Category.filter(parent_id=parent_id).values_list("id", flat=True)
    if sorted(children) != sorted(ordered_ids) or len(set(ordered_ids)) != len(ordered_ids):
        raise DomainError.of("INVALID_ORDER", "categoryIds")
    async with unit_of_work():
        for position, category_id in enumerate(ordered_ids):
            await Category.filter(id=category_id).update(position=position)
        _changed(rt)


async def delete_category(rt: Any, actor: Actor, category_id: int) -> None:
    _require_staff(actor)
    category = await _category(category_id)
    if await Category.exists(parent_id=category.id) or await Product.exists(
        category_id=category.id
    ):
        raise DomainError.of("CATEGORY_NOT_EMPTY", "id")
    async with unit_of_work():
        await category.delete()
        _changed(rt)


# ---- tags and makers ---------------------------------------------------------------------


async def create_tag_group(
    rt: Any, actor: Actor, *, kind: TagKind, name: str, name_en: str = ""
) -> TagGroup:
    _require_staff(actor)
    problems = Problems()
    name = _text(problems, name, "name", 128, required=True)
    name_en = _text(problems, name_en, "nameEn", 128, required=False)
    problems.raise_if_any()
    async with unit_of_work():
        count = await TagGroup.all().count()
        group = await TagGroup.create(kind=kind, name=name, name_en=name_en, position=count)
        _changed(rt)
    return group


async def update_tag_group(
    rt: Any, actor: Actor, group_id: int, changes: dict[str, Any]
) -> TagGroup:
    _require_staff(actor)
    group = await TagGroup.get_or_none(id=group_id)
    if group is None:
        raise DomainError.of("NOT_FOUND", "id")
    problems = Problems()
    if "name" in changes:
        group.name = _text(problems, changes["name"], "name", 128, required=True)
    if "name_en" in changes:
        group.name_en = _text(problems, changes["name_en"], "nameEn", 128, required=False)
    if "position" in changes:
        _range(problems, changes["position"], "position", 0, 10_000)
        group.position = changes["position"]
    problems.raise_if_any()
    async with unit_of_work():
        await group.save()
        _changed(rt)
    return group


async def create_tag(rt: Any, actor: Actor, *, group_id: int, name: str, name_en: str = "") -> Tag:
    _require_staff(actor)
    problems = Problems()
    name = _text(problems, name, "name", 128, required=True)
    name_en = _text(problems, name_en, "nameEn", 128, required=False)
    group = await TagGroup.get_or_none(id=group_id)
    if group is None:
        problems.add("NOT_FOUND", "groupId")
    problems.raise_if_any()
    async with unit_of_work():
        count = await Tag.filter(group_id=group_id).count()
        tag = await Tag.create(group=group, name=name, name_en=name_en, position=count)
        _changed(rt)
    return tag


async def update_tag(rt: Any, actor: Actor, tag_id: int, changes: dict[str, Any]) -> Tag:
    _require_staff(actor)
    tag = await Tag.get_or_none(id=tag_id)
    if tag is None:
        raise DomainError.of("NOT_FOUND", "id")
    problems = Problems()
    if "name" in changes:
        tag.name = _text(problems, changes["name"], "name", 128, required=True)
    if "name_en" in changes:
        tag.name_en = _text(problems, changes["name_en"], "nameEn", 128, required=False)
    if "position" in changes:
        _range(problems, changes["position"], "position", 0, 10_000)
        tag.position = changes["position"]
    problems.raise_if_any()
    async with unit_of_work():
        await tag.save()
        _changed(rt)
    return tag


async def delete_tag(rt: Any, actor: Actor, tag_id: int) -> None:
    _require_staff(actor)
    async with unit_of_work():
        if not await Tag.filter(id=tag_id).delete():
            raise DomainError.of("NOT_FOUND", "id")
        _changed(rt)


async def create_maker(rt: Any, actor: Actor, *, name: str, name_en: str = "") -> Maker:
    _require_staff(actor)
    problems = Problems()
    name = _text(problems, name, "name", 128, required=True)
    name_en = _text(problems, name_en, "nameEn", 128, required=False)
    if name and await Maker.exists(name=name):
        problems.add("NAME_TAKEN", "name")
    problems.raise_if_any()
    async with unit_of_work():
        maker = await Maker.create(name=name, name_en=name_en)
        _changed(rt)
    return maker


# ---- products ----------------------------------------------------------------------------

PRODUCT_FIELDS = (
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
    "available_from",
    "available_until",
    "min_quantity",
    "max_quantity",
    "quantity_step",
    "fixed_quantity",
    "lead_time_days",
    "shipping_class",
    "has_delivery_note",
)

# camelCase input names for the fields whose snake_case differs.
INPUT_NAMES = {
    "name_en": "nameEn",
    "description_en": "descriptionEn",
    "category_id": "categoryId",
    "maker_id": "makerId",
    "tax_category": "taxCategory",
    "available_from": "availableFrom",
    "available_until": "availableUntil",
    "min_quantity": "minQuantity",
    "max_quantity": "maxQuantity",
    "quantity_step": "quantityStep",
    "fixed_quantity": "fixedQuantity",
    "lead_time_days": "leadTimeDays",
    "shipping_class": "shippingClass",
    "has_delivery_note": "hasDeliveryNote",
    "tag_ids": "tagIds",
}

DEFAULTS: dict[str, Any] = {
    "name_en": "",
    "description": "",
    "description_en": "",
    "images": [],
    "kind": ProductKind.PHYSICAL,
    "plan": None,
    "category_id": None,
    "maker_id": None,
    "tax_category": TaxCategory.STANDARD,
    "available_from": None,
    "available_until": None,
    "min_quantity": 1,
    "max_quantity": None,
    "quantity_step": 1,
    "fixed_quantity": None,
    "lead_time_days": 0,
    "shipping_class": None,
    "has_delivery_note": False,
}


def search_columns(values: dict[str, Any]) -> tuple[str, str]:
    """(search_name, search_text) for a product's values: what keyword search reads."""
    name = normalize(" ".join((values["name"], values.get("name_en") or "", values["code"])))
    text = normalize(
        " ".join(
            (
                values["name"],
                values.get("name_en") or "",
                values["code"],
                values.get("description") or "",
                values.get("description_en") or "",
            )
        )
    )
    return name, text


async def _validate_product(
    values: dict[str, Any], tag_ids: list[int] | None, product_id: int | None
) -> dict[str, Any]:
    p = Problems()
    values["code"] = _check_code(p, values.get("code") or "")
    values["name"] = _text(p, values.get("name") or "", "name", 255, required=True)
    values["name_en"] = _text(p, values["name_en"], "nameEn", 255, required=False)
    values["description"] = _text(p, values["description"], "description", 20_000, required=False)
    values["description_en"] = _text(
        p, values["description_en"], "descriptionEn", 20_000, required=False
    )
    if values["code"] and not p.has("code"):
        taken = Product.filter(code=values["code"])
        if product_id is not None:
            taken = taken.exclude(id=product_id)
        if await taken.exists():
            p.add("CODE_TAKEN", "code")
    price = values.get("price")
    if price is None:
        p.add("REQUIRED", "price")
    else:
        _range(p, price, "price", 0, MAX_PRICE)
    kind = ProductKind(values["kind"])
    if kind == ProductKind.SUBSCRIPTION and values["plan"] is None:
        p.add("PLAN_REQUIRED", "plan")
    if kind == ProductKind.PHYSICAL and values["plan"] is not None:
        p.add("PLAN_NOT_ALLOWED", "plan")
    if values["shipping_class"] is None:
        values["shipping_class"] = (
            ShippingClass.NONE if kind == ProductKind.SUBSCRIPTION else ShippingClass.STORE
        )
    if kind == ProductKind.PHYSICAL and values["shipping_class"] == ShippingClass.NONE:
        p.add("SHIPPING_CLASS_REQUIRED", "shippingClass")
    _range(p, values["lead_time_days"], "leadTimeDays", 0, MAX_LEAD_TIME_DAYS)
    if values["min_quantity"] < 1:
        p.add("INVALID_QUANTITY_RULE", "minQuantity")
    if values["quantity_step"] < 1:
        p.add("INVALID_QUANTITY_RULE", "quantityStep")
    maximum = values["max_quantity"]
    if maximum is not None and maximum < values["min_quantity"]:
        p.add("INVALID_QUANTITY_RULE", "maxQuantity")
    if values["fixed_quantity"] is not None and values["fixed_quantity"] < 1:
        p.add("INVALID_QUANTITY_RULE", "fixedQuantity")
    start, end = values["available_from"], values["available_until"]
    if start is not None and end is not None and end <= start:
        p.add("INVALID_DATE_RANGE", "availableUntil")
    images = values["images"] or []
    if len(images) > MAX_IMAGES:
        p.add("TOO_MANY", "images", max=MAX_IMAGES)
    cleaned = []
    for i, image in enumerate(images):
        url = (image.get("url") or "").strip()
        if not re.match(r"^https?://\S+$", url) or len(url) > 2000:
            p.items.append(Problem("INVALID_URL", ("images", str(i), "url")))
        alt = (image.get("alt") or "").strip()
        if not alt:
            p.items.append(Problem("REQUIRED", ("images", str(i), "alt")))
        cleaned.append({"url": url, "alt": alt[:255], "altEn": (image.get("altEn") or "")[:255]})
    values["images"] = cleaned
    if values["category_id"] is not None and not await Category.exists(id=values["category_id"]):
        p.add("NOT_FOUND", "categoryId")
    if values["maker_id"] is not None and not await Maker.exists(id=values["maker_id"]):
        p.add("NOT_FOUND", "makerId")
    if tag_ids:
        found = await Tag.filter(id__in=tag_ids).count()
        if found != len(set(tag_ids)):
            p.add("NOT_FOUND", "tagIds")
    p.raise_if_any()
    values["price_including_tax"] = tax.including_tax(values["price"], values["tax_category"])
    values["search_name"], values["search_text"] = search_columns(values)
    return values


async def _set_tags(product_id: int, tag_ids: list[int]) -> None:
    await ProductTag.filter(product_id=product_id).delete()
    await ProductTag.bulk_create(
        [ProductTag(product_id=product_id, tag_id=t) for t in dict.fromkeys(tag_ids)]
    )


async def create_product(rt: Any, actor: Actor, data: dict[str, Any]) -> Product:
    _require_staff(actor)
    tag_ids = data.pop("tag_ids", None) or []
    values = {**DEFAULTS, **{k: v for k, v in data.items() if k in PRODUCT_FIELDS}}
    values = await _validate_product(values, tag_ids, None)
    async with unit_of_work():
        product = await Product.create(**values)
        await _set_tags(product.id, tag_ids)
        _changed(rt)
    return product


async def update_product(
    rt: Any, actor: Actor, product_id: int, changes: dict[str, Any]
) -> Product:
    _require_staff(actor)
    product = await Product.get_or_none(id=product_id)
    if product is None:
        raise DomainError.of("NOT_FOUND", "id")
    tag_ids = changes.pop("tag_ids", None)
    values = {name: getattr(product, name) for name in PRODUCT_FIELDS}
    values.update({k: v for k, v in changes.items() if k in PRODUCT_FIELDS})
    values = await _validate_product(values, tag_ids, product.id)
    async with unit_of_work():
        for name, value in values.items():
            setattr(product, name, value)
        await product.save()
        if tag_ids is not None:
            await _set_tags(product.id, tag_ids)
        _changed(rt)
    return product


async def publish_product(rt: Any, actor: Actor, product_id: int) -> Product:
    _require_staff(actor)
    product = await Product.get_or_none(id=product_id)
    if product is None:
        raise DomainError.of("NOT_FOUND", "id")
    required = await OptionGroup.filter(product_id=product.id, min_select__gt=0).values_list(
        "id", flat=True
    )
    if required:
        filled = await ProductOption.filter(group_id__in=required).values_list(
            "group_id", flat=True
        )
        if set(required) - set(filled):
            raise DomainError.of("OPTION_GROUP_EMPTY", "id")
    changes: dict[str, Any] = {}
    if product.published_at is None:
        changes["published_at"] = clock.now()
    async with unit_of_work():
        await PUBLICATION.transition(
            product, ProductStatus.PUBLISHED, actor_id=actor.user_id, **changes
        )
        _changed(rt)
    return product


async def unpublish_product(rt: Any, actor: Actor, product_id: int) -> Product:
    _require_staff(actor)
    product = await Product.get_or_none(id=product_id)
    if product is None:
        raise DomainError.of("NOT_FOUND", "id")
    async with unit_of_work():
        await PUBLICATION.transition(product, ProductStatus.UNPUBLISHED, actor_id=actor.user_id)
        _changed(rt)
    return product


# ---- options -----------------------------------------------------------------------------


@dataclass
class OptionSpec:
    code: str
    name: str
    price: int
    name_en: str = ""
    lead_time_days: int = 0
    requires: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)


@dataclass
class OptionGroupSpec:
    name: str
    options: list[OptionSpec]
    name_en: str = ""
    min_select: int = 0
    max_select: int | None = None


def _validate_options(groups: list[OptionGroupSpec]) -> None:
    problems: list[Problem] = []

    def add(code: str, *path: object, **params: Any) -> None:
        problems.append(Problem(code, tuple(str(x) for x in path), params))

    codes: dict[str, tuple[int, int]] = {}
    total = 0
    for gi, group in enumerate(groups):
        if not group.name.strip():
            add("REQUIRED", "groups", gi, "name")
        elif len(group.name) > 128:
            add("TOO_LONG", "groups", gi, "name", max=128)
        n = len(group.options)
        total += n
        if group.min_select < 0 or group.min_select > n:
            add("INVALID_OPTION_RULE", "groups", gi, "minSelect")
        if group.max_select is not None and (
            group.max_select < max(group.min_select, 1) or group.max_select > max(n, 1)
        ):
            add("INVALID_OPTION_RULE", "groups", gi, "maxSelect")
        for oi, option in enumerate(group.options):
            code = option.code.strip()
            if not code:
                add("REQUIRED", "groups", gi, "options", oi, "code")
            elif len(code) > 64 or not CODE_PATTERN.match(code):
                add("INVALID_CODE_FORMAT", "groups", gi, "options", oi, "code")
            elif code in codes:
                add("CODE_TAKEN", "groups", gi, "options", oi, "code")
            else:
                codes[code] = (gi, oi)
            if not option.name.strip():
                add("REQUIRED", "groups", gi, "options", oi, "name")
            if not 0 <= option.price <= MAX_PRICE:
                add("OUT_OF_RANGE", "groups", gi, "options", oi, "price", min=0, max=MAX_PRICE)
            if not 0 <= option.lead_time_days <= MAX_LEAD_TIME_DAYS:
                add(
                    "OUT_OF_RANGE",
                    "groups",
                    gi,
                    "options",
                    oi,
                    "leadTimeDays",
                    min=0,
                    max=MAX_LEAD_TIME_DAYS,
                )
    if total > MAX_OPTIONS:
        add("TOO_MANY", "groups", max=MAX_OPTIONS)
    for gi, group in enumerate(groups):
        for oi, option in enumerate(group.options):
            for kind, listed in (("requires", option.requires), ("excludes", option.excludes)):
                for other in listed:
                    if other not in codes or other == option.code:
                        add("INVALID_OPTION_RULE", "groups", gi, "options", oi, kind)
                        break
            if set(option.requires) & set(option.excludes):
                add("INVALID_OPTION_RULE", "groups", gi, "options", oi, "excludes")
    if problems:
        raise DomainError(*problems)


async def set_product_options(
    rt: Any, actor: Actor, product_id: int, groups: list[OptionGroupSpec]
) -> None:
    """Replace a product's option groups. Options keep their ids by code (carts refer to them)."""
    _require_staff(actor)
    product = await Product.get_or_none(id=product_id)
    if product is None:
        raise DomainError.of("NOT_FOUND", "productId")
    _validate_options(groups)
    async with unit_of_work():
        existing_groups = await OptionGroup.filter(product_id=product.id).order_by("position", "id")
        existing_options = {o.code: o for o in await ProductOption.filter(product_id=product.id)}
        kept: set[str] = set()
        for position, spec in enumerate(groups):
            if position < len(existing_groups):
                group = existing_groups[position]
                group.name, group.name_en = spec.name.strip(), spec.name_en.strip()
                group.min_select, group.max_select = spec.min_select, spec.max_select
                await group.save()
            else:
                group = await OptionGroup.create(
                    product=product,
                    name=spec.name.strip(),
                    name_en=spec.name_en.strip(),
                    min_select=spec.min_select,
                    max_select=spec.max_select,
                    position=position,
                )
            for option_position, o in enumerate(spec.options):
                values = {
                    "group_id": group.id,
                    "name": o.name.strip(),
                    "name_en": o.name_en.strip(),
                    "price": o.price,
                    "price_including_tax": tax.including_tax(o.price, product.tax_category),
                    "lead_time_days": o.lead_time_days,
                    "requires": list(o.requires),
                    "excludes": list(o.excludes),
                    "position": option_position,
                }
                found = existing_options.get(o.code.strip())
                if found is not None:
                    await ProductOption.filter(id=found.id).update(**values)
                else:
                    await ProductOption.create(product=product, code=o.code.strip(), **values)
                kept.add(o.code.strip())
        gone = [o.id for code, o in existing_options.items() if code not in kept]
        if gone:
            await ProductOption.filter(id__in=gone).delete()
        surplus = [g.id for g in existing_groups[len(groups) :]]
        if surplus:
            await OptionGroup.filter(id__in=surplus).delete()
        _changed(rt)


# ---- visibility --------------------------------------------------------------------------


def is_visible(row: dict[str, Any], now: datetime) -> bool:
    if row["status"] != ProductStatus.PUBLISHED:
        return False
    start, end = row.get("available_from"), row.get("available_until")
    return (start is None or start <= now) and (end is None or end > now)
