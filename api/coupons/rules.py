"""What a coupon takes off a set of lines, or why it does not apply. Pure: no database.

The cart (on every read), the quote and the order (inside its transaction,
`api.coupons.service.redeem_coupon`) all ask this one function, so a coupon
applies or is refused the same way everywhere. The checks run in the order a
customer can act on them, and the first failure is the answer:

1. unknown or deactivated          COUPON_NOT_FOUND
2. members only, asked by a guest  COUPON_MEMBERS_ONLY
3. before its start                COUPON_NOT_YET_VALID   {startsAt}
4. at or after its end             COUPON_EXPIRED         {endsAt}
5. no use left in total            COUPON_USED_UP
6. this member's uses spent        COUPON_ALREADY_USED    {limit}
7. no eligible line                COUPON_NOT_APPLICABLE
8. eligible goods below minimum    COUPON_BELOW_MINIMUM   {minimum, amount}

Amounts are in the store's display basis: tax included where the store shows
tax-included prices (a "¥500 off" coupon takes ¥500 off what the customer
pays), tax excluded otherwise; `api.money` turns the discount into a
reduction of each rate's taxable base.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from api.carts.pricing import EvaluatedCoupon
from api.clock import TOKYO
from api.coupons.states import CouponStatus, CouponTarget, DiscountKind
from api.errors import Problem


class CouponLine(Protocol):
    """What the rules read of a line: a cart's or a quote's PricedLine has these."""

    @property
    def product_id(self) -> int: ...
    @property
    def amount(self) -> int: ...  # tax excluded
    @property
    def amount_incl(self) -> int: ...
    @property
    def available(self) -> bool: ...


@dataclass(frozen=True)
class CouponRule:
    """A coupon row as the rules need it."""

    id: int
    code: str
    status: CouponStatus
    discount_kind: DiscountKind
    discount_value: int
    max_discount: int | None
    minimum_amount: int
    target: CouponTarget
    target_product_ids: frozenset[int]
    target_category_ids: frozenset[int]
    starts_at: datetime | None
    ends_at: datetime | None
    members_only: bool
    usage_limit: int | None
    usage_limit_per_member: int | None
    used_count: int

    @classmethod
    def of(cls, row: dict) -> CouponRule:
        return cls(
            id=row["id"],
            code=row["code"],
            status=CouponStatus(row["status"]),
            discount_kind=DiscountKind(row["discount_kind"]),
            discount_value=row["discount_value"],
            max_discount=row["max_discount"],
            minimum_amount=row["minimum_amount"],
            target=CouponTarget(row["target"]),
            target_product_ids=frozenset(row["target_product_ids"] or ()),
            target_category_ids=frozenset(row["target_category_ids"] or ()),
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            members_only=row["members_only"],
            usage_limit=row["usage_limit"],
            usage_limit_per_member=row["usage_limit_per_member"],
            used_count=row["used_count"],
        )


RULE_COLUMNS = (
    "id",
    "code",
    "status",
    "discount_kind",
    "discount_value",
    "max_discount",
    "minimum_amount",
    "target",
    "target_product_ids",
    "target_category_ids",
    "starts_at",
    "ends_at",
    "members_only",
    "usage_limit",
    "usage_limit_per_member",
    "used_count",
)


def _tokyo(moment: datetime) -> datetime:
    return moment.astimezone(TOKYO)


def category_ids_of(path: str | None) -> frozenset[int]:
    """The ids on a category path like /1/4/: the category and everything above it."""
    return frozenset(int(p) for p in (path or "").split("/") if p.isdigit())


def eligible_products(
    rule: CouponRule,
    product_ids: Iterable[int],
    categories: dict[int, frozenset[int]] | None = None,
) -> frozenset[int]:
    """The products of `product_ids` the coupon reduces (`categories`: product → its path)."""
    ids = frozenset(product_ids)
    if rule.target == CouponTarget.ALL:
        return ids
    if rule.target == CouponTarget.PRODUCTS:
        return ids & rule.target_product_ids
    found = categories or {}
    return frozenset(p for p in ids if found.get(p, frozenset()) & rule.target_category_ids)


def discount_of(rule: CouponRule, eligible_amount: int) -> int:
    """The discount on an eligible amount (display basis), never more than that amount."""
    if rule.discount_kind == DiscountKind.AMOUNT:
        wanted = rule.discount_value
    else:
        wanted = eligible_amount * rule.discount_value // 100
        if rule.max_discount is not None:
            wanted = min(wanted, rule.max_discount)
    return max(0, min(wanted, eligible_amount))


def evaluate(
    rule: CouponRule | None,
    lines: Sequence[CouponLine],
    *,
    now: datetime,
    member: bool,
    member_uses: int = 0,
    tax_included: bool,
    categories: dict[int, frozenset[int]] | None = None,
    check_total_limit: bool = True,
) -> EvaluatedCoupon | Problem:
    """The coupon as it applies to these lines now, or the one problem that stops it."""
    if rule is None or rule.status != CouponStatus.ACTIVE:
        return Problem("COUPON_NOT_FOUND", ("code",))
    if rule.members_only and not member:
        return Problem("COUPON_MEMBERS_ONLY", ("code",))
    if rule.starts_at is not None and now < rule.starts_at:
        return Problem("COUPON_NOT_YET_VALID", ("code",), {"starts_at": _tokyo(rule.starts_at)})
    if rule.ends_at is not None and now >= rule.ends_at:
        return Problem("COUPON_EXPIRED", ("code",), {"ends_at": _tokyo(rule.ends_at)})
    if check_total_limit and rule.usage_limit is not None and rule.used_count >= rule.usage_limit:
        return Problem("COUPON_USED_UP", ("code",))
    limit = rule.usage_limit_per_member
    if member and limit is not None and member_uses >= limit:
        return Problem("COUPON_ALREADY_USED", ("code",), {"limit": limit})
    sold = [line for line in lines if line.available]
    eligible = eligible_products(rule, (line.product_id for line in sold), categories)
    if not eligible:
        return Problem("COUPON_NOT_APPLICABLE", ("code",))
    amount = sum(
        line.amount_incl if tax_included else line.amount
        for line in sold
        if line.product_id in eligible
    )
    if amount < rule.minimum_amount:
        return Problem(
            "COUPON_BELOW_MINIMUM", ("code",), {"minimum": rule.minimum_amount, "amount": amount}
        )
    return EvaluatedCoupon(
        coupon_id=rule.id,
        code=rule.code,
        amount=discount_of(rule, amount),
        eligible_product_ids=eligible,
    )
