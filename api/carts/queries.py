"""Reads of the cart domain, scoped by the actor, in a fixed number of statements.

A cart read is: the cart, its lines, the products with their makers, their
option groups, their options, the business calendar and the delivery address
(seven statements at most, whatever the number of lines). Rows are read as
plain values, never model instances, because every read prices the cart again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from api import clock
from api.carts.models import Cart, CartLine
from api.carts.pricing import (
    AddressSnapshot,
    CartItem,
    CatalogGroup,
    CatalogOption,
    CatalogProduct,
)
from api.catalog.models import OptionGroup, Product, ProductOption
from api.catalog.service import is_visible
from api.companies.models import Address
from api.companies.service import ADDRESS_FIELDS, address_owner
from api.tokens import hash_token

# A guest cart untouched this long is gone for its token (a sweep may delete it later).
GUEST_CART_DAYS = 30
CART_COLUMNS = ("id", "user_id", "token_hash", "address_id", "coupon_code", "points", "updated_at")
# The address book's own field list: a snapshot copies exactly what an entry holds.
ADDRESS_COLUMNS = ("id", *ADDRESS_FIELDS)


def guest_cutoff(now: datetime | None = None) -> datetime:
    return (now or clock.now()) - timedelta(days=GUEST_CART_DAYS)


async def member_cart(user_id: int) -> dict[str, Any] | None:
    return await Cart.filter(user_id=user_id).first().values(*CART_COLUMNS)


async def guest_cart(token: str | None) -> dict[str, Any] | None:
    """The live guest cart of a token, or None (unknown, expired, or already merged)."""
    if not token or len(token) > 128:
        return None
    return (
        await Cart.filter(
            token_hash=hash_token(token), user_id__isnull=True, updated_at__gte=guest_cutoff()
        )
        .first()
        .values(*CART_COLUMNS)
    )


async def cart_items(cart_id: int) -> list[CartItem]:
    rows = (
        await CartLine.filter(cart_id=cart_id)
        .order_by("id")
        .values("id", "product_id", "option_ids", "quantity", "desired_date", "time_slot")
    )
    return [
        CartItem(
            id=r["id"],
            product_id=r["product_id"],
            option_ids=tuple(r["option_ids"] or ()),
            quantity=r["quantity"],
            desired_date=r["desired_date"],
            time_slot=r["time_slot"],
        )
        for r in rows
    ]


PRODUCT_COLUMNS = (
    "id",
    "code",
    "name",
    "name_en",
    "kind",
    "plan",
    "tax_category",
    "price",
    "status",
    "available_from",
    "available_until",
    "min_quantity",
    "max_quantity",
    "quantity_step",
    "fixed_quantity",
    "lead_time_days",
    "shipping_class",
    "maker__name",
)


async def catalog_products(product_ids: Iterable[int]) -> dict[int, CatalogProduct]:
    """The products of a cart with their option groups and options: three statements."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = await Product.filter(id__in=ids).values(*PRODUCT_COLUMNS)
    groups: dict[int, list[CatalogGroup]] = defaultdict(list)
    for g in (
        await OptionGroup.filter(product_id__in=ids)
        .order_by("position", "id")
        .values("id", "product_id", "name", "name_en", "min_select", "max_select")
    ):
        groups[g["product_id"]].append(
            CatalogGroup(g["id"], g["name"], g["name_en"], g["min_select"], g["max_select"])
        )
    options: dict[int, list[CatalogOption]] = defaultdict(list)
    for o in (
        await ProductOption.filter(product_id__in=ids)
        .order_by("position", "id")
        .values(
            "id",
            "product_id",
            "group_id",
            "code",
            "name",
            "name_en",
            "price",
            "lead_time_days",
            "requires",
            "excludes",
        )
    ):
        options[o["product_id"]].append(
            CatalogOption(
                id=o["id"],
                group_id=o["group_id"],
                code=o["code"],
                name=o["name"],
                name_en=o["name_en"],
                price=o["price"],
                lead_time_days=o["lead_time_days"],
                requires=tuple(o["requires"] or ()),
                excludes=tuple(o["excludes"] or ()),
            )
        )
    now = clock.now()
    return {
        r["id"]: CatalogProduct(
            id=r["id"],
            code=r["code"],
            name=r["name"],
            name_en=r["name_en"],
            kind=str(r["kind"].value if hasattr(r["kind"], "value") else r["kind"]),
            plan=(r["plan"].value if hasattr(r["plan"], "value") else r["plan"]),
            tax_category=str(getattr(r["tax_category"], "value", r["tax_category"])),
            price=r["price"],
            visible=is_visible(r, now),
            min_quantity=r["min_quantity"],
            max_quantity=r["max_quantity"],
            quantity_step=r["quantity_step"],
            fixed_quantity=r["fixed_quantity"],
            lead_time_days=r["lead_time_days"],
            shipping_class=str(getattr(r["shipping_class"], "value", r["shipping_class"])),
            maker_name=r["maker__name"],
            groups=tuple(groups.get(r["id"], ())),
            options=tuple(options.get(r["id"], ())),
        )
        for r in rows
    }


async def book_address(user: Any, address_id: int) -> AddressSnapshot | None:
    """An address of the member's own book, or None (another company's, or unknown)."""
    row = (
        await Address.filter(id=address_id, **address_owner(user)).first().values(*ADDRESS_COLUMNS)
    )
    return AddressSnapshot(**row) if row else None


async def cart_address(user: Any, address_id: int | None) -> AddressSnapshot | None:
    if address_id is None or user is None:
        return None
    return await book_address(user, address_id)
