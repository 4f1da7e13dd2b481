"""Coupons in the schema: staff keep them (manage_catalog). Customers apply them to
the cart with `applyCoupon` (api/carts/schema.py)."""

from __future__ import annotations

from typing import Any

import strawberry

from api.companies.permissions import StaffPermission
from api.coupons import queries, service
from api.coupons.types import (
    CouponFilter,
    CouponPayload,
    CouponType,
    CreateCouponInput,
    SetCouponActiveInput,
    UpdateCouponInput,
)
from api.errors import DomainError
from api.graphql.connections import Page, connection
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import requires

MANAGE_CATALOG = requires(StaffPermission.MANAGE_CATALOG)
MAX_KEY = 2**31 - 1
NULLABLE = {"description": "", "minimum_amount": 0, "members_only": True}


def _key(value: str, type_name: str, field: str) -> int:
    key = int_id(value, type_name, field)
    if key > MAX_KEY:
        raise DomainError.of("NOT_FOUND", field)
    return key


def _values(input: Any) -> dict[str, Any]:
    """The input's given fields as service values (global IDs turned into keys)."""
    values: dict[str, Any] = {}
    for name in service.FIELDS:
        value = getattr(input, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if name == "target_product_ids":
            value = [_key(v, "Product", "targetProductIds") for v in value or ()]
        elif name == "target_category_ids":
            value = [_key(v, "Category", "targetCategoryIds") for v in value or ()]
        elif value is None and name in NULLABLE:
            value = NULLABLE[name]
        elif value is None and name in (
            "code",
            "name",
            "discount_kind",
            "discount_value",
            "target",
        ):
            continue  # required ones cannot be cleared: null leaves them
        values[name] = value
    return values


@strawberry.type
class CouponsQuery:
    @connection(permission_classes=[MANAGE_CATALOG], description="Staff: coupons, newest first.")
    async def coupons(
        self, info: strawberry.Info, filter: CouponFilter | None = None
    ) -> Connection[CouponType]:
        rows = queries.coupons(
            await info.context.actor(),
            status=filter.status if filter else None,
            code=filter.code if filter else None,
        )
        return Page(rows, CouponType.of)  # type: ignore[return-value]


@strawberry.type
class CouponsMutation:
    @mutation(permission_classes=[MANAGE_CATALOG], description="Staff: create a web coupon.")
    async def create_coupon(self, info: strawberry.Info, input: CreateCouponInput) -> CouponPayload:
        coupon = await service.create_coupon(await info.context.actor(), _values(input))
        return CouponPayload(coupon=CouponType.of(coupon))

    @mutation(
        permission_classes=[MANAGE_CATALOG],
        description="Staff: change a coupon; omitted fields stay. Uses taken stay counted.",
    )
    async def update_coupon(self, info: strawberry.Info, input: UpdateCouponInput) -> CouponPayload:
        coupon_id = _key(input.coupon_id, "Coupon", "couponId")
        coupon = await service.update_coupon(await info.context.actor(), coupon_id, _values(input))
        return CouponPayload(coupon=CouponType.of(coupon))

    @mutation(
        permission_classes=[MANAGE_CATALOG],
        description="Staff: deactivate a coupon; customers then get COUPON_NOT_FOUND for it.",
    )
    async def deactivate_coupon(
        self, info: strawberry.Info, input: SetCouponActiveInput
    ) -> CouponPayload:
        coupon_id = _key(input.coupon_id, "Coupon", "couponId")
        coupon = await service.set_coupon_active(
            await info.context.actor(), coupon_id, False, input.reason
        )
        return CouponPayload(coupon=CouponType.of(coupon))

    @mutation(permission_classes=[MANAGE_CATALOG], description="Staff: re-activate a coupon.")
    async def activate_coupon(
        self, info: strawberry.Info, input: SetCouponActiveInput
    ) -> CouponPayload:
        coupon_id = _key(input.coupon_id, "Coupon", "couponId")
        coupon = await service.set_coupon_active(
            await info.context.actor(), coupon_id, True, input.reason
        )
        return CouponPayload(coupon=CouponType.of(coupon))


__all__ = ["CouponType", "CouponsMutation", "CouponsQuery"]
