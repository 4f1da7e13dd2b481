"""Strawberry types of coupons: the staff view and its inputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.coupons import queries, states
from api.graphql.errors import UserError
from api.graphql.ids import to_global_id
from api.graphql.money import Money
from api.graphql.rows import FromRow
from api.graphql.text import multiline

strawberry.enum(states.CouponStatus, name="CouponStatus")
strawberry.enum(
    states.DiscountKind,
    name="DiscountKind",
    description="AMOUNT: yen off; PERCENT: percent off the eligible goods (rounded down).",
)
strawberry.enum(
    states.CouponTarget,
    name="CouponTarget",
    description="ALL products, the listed PRODUCTS, or products in the listed CATEGORIES "
    "(and their subcategories).",
)
CouponStatus = states.CouponStatus
DiscountKind = states.DiscountKind
CouponTarget = states.CouponTarget


@strawberry.type(name="Coupon", description="Staff: a web coupon (Webクーポン) and its usage.")
class CouponType(FromRow, relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Normalised: upper case, half-width.")
    name: str
    description: str
    status: CouponStatus  # type: ignore[valid-type]
    discount_kind: DiscountKind  # type: ignore[valid-type]
    discount_value: int = strawberry.field(description="Yen (AMOUNT) or percent (PERCENT).")
    max_discount: Money | None = strawberry.field(description="PERCENT only: the cap.")
    minimum_amount: Money = strawberry.field(
        description="The eligible goods must reach this, in the store's display basis."
    )
    target: CouponTarget  # type: ignore[valid-type]
    target_product_ids: list[strawberry.ID]
    target_category_ids: list[strawberry.ID]
    starts_at: datetime | None
    ends_at: datetime | None = strawberry.field(description="Exclusive: valid before this.")
    members_only: bool
    usage_limit: int | None = strawberry.field(description="Uses in total; null: unlimited.")
    usage_limit_per_member: int | None
    used_count: int = strawberry.field(description="Uses by orders (cancelled ones given back).")
    remaining_uses: int | None = strawberry.field(description="null: unlimited.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> CouponType:
        return cls.from_row(
            row,
            max_discount=Money(amount=row.max_discount) if row.max_discount is not None else None,
            minimum_amount=Money(amount=row.minimum_amount),
            target_product_ids=[to_global_id("Product", i) for i in row.target_product_ids or ()],
            target_category_ids=[
                to_global_id("Category", i) for i in row.target_category_ids or ()
            ],
            remaining_uses=(
                max(0, row.usage_limit - row.used_count) if row.usage_limit is not None else None
            ),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[CouponType | None]:
        rows = await queries.coupons_by_keys(await info.context.actor(), list(node_ids))
        return [cls.of(r) if r else None for r in rows]


@strawberry.input
class CouponFilter:
    status: CouponStatus | None = None  # type: ignore[valid-type]
    code: str | None = strawberry.field(default=None, description="The start of the code.")


@strawberry.input(description="A new coupon. Amounts are in the store's display basis.")
class CreateCouponInput:
    code: str = strawberry.field(description="3–32 of A–Z, 0–9, _ and -, any case or width.")
    name: str
    discount_kind: DiscountKind  # type: ignore[valid-type]
    discount_value: int
    description: str = multiline(default="")
    max_discount: int | None = None
    minimum_amount: int = 0
    target: CouponTarget = CouponTarget.ALL  # type: ignore[valid-type]
    target_product_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    target_category_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    starts_at: datetime | None = strawberry.field(
        default=None, description="With an offset, e.g. 2026-12-01T00:00:00+09:00 (Tokyo)."
    )
    ends_at: datetime | None = strawberry.field(default=None, description="Exclusive.")
    members_only: bool = True
    usage_limit: int | None = None
    usage_limit_per_member: int | None = None


@strawberry.input(description="What to change; omitted fields stay as they are.")
class UpdateCouponInput:
    coupon_id: strawberry.ID
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    description: str | None = multiline(default=strawberry.UNSET)
    discount_kind: DiscountKind | None = strawberry.UNSET  # type: ignore[valid-type]
    discount_value: int | None = strawberry.UNSET
    max_discount: int | None = strawberry.UNSET
    minimum_amount: int | None = strawberry.UNSET
    target: CouponTarget | None = strawberry.UNSET  # type: ignore[valid-type]
    target_product_ids: list[strawberry.ID] | None = strawberry.UNSET
    target_category_ids: list[strawberry.ID] | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    members_only: bool | None = strawberry.UNSET
    usage_limit: int | None = strawberry.UNSET
    usage_limit_per_member: int | None = strawberry.UNSET


@strawberry.input
class SetCouponActiveInput:
    coupon_id: strawberry.ID
    reason: str = ""


@strawberry.type
class CouponPayload:
    coupon: CouponType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
