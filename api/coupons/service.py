"""Web coupons: staff keep them; carts apply them; orders redeem them once.

Staff (`manage_catalog`: coupons are a sales promotion of the catalog) create,
edit, deactivate and re-activate coupons. Customers apply a code to their cart
(`api.carts.service.apply_coupon`), which asks `evaluate_for_lines`; the cart
re-evaluates it on every read, so a coupon that expired or whose lines left
the cart is shown refused with its code, not silently applied.

An order takes a use with `redeem_coupon` inside its own unit of work. The
use is one conditional UPDATE (`used_count = used_count + 1 WHERE status =
active AND (usage_limit IS NULL OR used_count < usage_limit)`): on PostgreSQL
the row lock makes a second transaction wait and then re-check the condition,
so of two orders racing for the last use exactly one gets it, and the lock,
held until the order commits, serialises the per-member count too. On SQLite
writers are serialised by the database lock. A cancelled order gives its use
back with `release_coupon`. Both are idempotent per `order_ref`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from api import clock
from api.carts.pricing import EvaluatedCoupon
from api.catalog.models import Category, Product
from api.companies.permissions import StaffPermission
from api.coupons import rules
from api.coupons.models import Coupon, CouponRedemption
from api.coupons.rules import CouponLine, CouponRule
from api.coupons.states import (
    COUPON_STATUS,
    CouponStatus,
    CouponTarget,
    DiscountKind,
    RedemptionStatus,
)
from api.db import unit_of_work
from api.errors import DomainError, Problem, Problems
from api.validation import nfkc

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")
CODE_INPUT_MAX = 64  # anything longer cannot be a code: not looked up
NAME_MAX = 128
DESCRIPTION_MAX = 2_000
MAX_YEN = 100_000_000
MAX_TARGETS = 500
MAX_LIMIT = 10_000_000
MANAGE = StaffPermission.MANAGE_CATALOG


def normalize_code(code: str) -> str:
    """Case- and width-insensitive: NFKC, upper case, inner spaces and hyphens kept."""
    return nfkc(code).upper()


# ---- reading a coupon for lines --------------------------------------------------------


async def coupon_rule(code: str | None) -> CouponRule | None:
    """The coupon a customer typed, or None (unknown, malformed, or too long to be one)."""
    if not code or len(code) > CODE_INPUT_MAX:
        return None
    normalized = normalize_code(code)
    if not CODE_PATTERN.match(normalized):
        return None
    row = await Coupon.filter(code=normalized).first().values(*rules.RULE_COLUMNS)
    return CouponRule.of(row) if row else None


async def _categories(rule: CouponRule, product_ids: Sequence[int]) -> dict[int, frozenset[int]]:
    if rule.target != CouponTarget.CATEGORIES or not product_ids:
        return {}
    rows = await Product.filter(id__in=sorted(set(product_ids))).values("id", "category__path")
    return {r["id"]: rules.category_ids_of(r["category__path"]) for r in rows}


async def _member_uses(rule: CouponRule, user_id: int | None) -> int:
    if user_id is None or rule.usage_limit_per_member is None:
        return 0
    return await CouponRedemption.filter(
        coupon_id=rule.id, user_id=user_id, status=RedemptionStatus.REDEEMED
    ).count()


async def evaluate_for_lines(
    code: str | None,
    lines: Sequence[CouponLine],
    *,
    user_id: int | None,
    tax_included: bool,
    now: datetime | None = None,
) -> EvaluatedCoupon | Problem:
    """The coupon `code` as it applies to these lines now (at most three statements)."""
    rule = await coupon_rule(code)
    if rule is None:
        return Problem("COUPON_NOT_FOUND", ("code",))
    categories = await _categories(rule, [line.product_id for line in lines if line.available])
    return rules.evaluate(
        rule,
        lines,
        now=now or clock.now(),
        member=user_id is not None,
        member_uses=await _member_uses(rule, user_id),
        tax_included=tax_included,
        categories=categories,
    )


# ---- the use by an order ---------------------------------------------------------------


@dataclass(frozen=True)
class RedeemedCoupon:
    redemption_id: int
    coupon_id: int
    code: str
    amount: int  # the discount in the store's display basis, as evaluated at redemption


async def redeem_coupon(
    rt: Any,
    *,
    code: str,
    user_id: int | None,
    order_ref: str,
    lines: Sequence[CouponLine],
    amount: int,
    now: datetime | None = None,
) -> RedeemedCoupon:
    """Take one use of a coupon for an order, inside the caller's unit of work.

    `lines` are the order's priced lines (a PricedCart's or a quote's), `amount`
    the discount (display basis) the order was priced with. The coupon is
    evaluated again now (validity, members only, targets, minimum); a refusal
    raises the coupon's code (COUPON_EXPIRED, COUPON_USED_UP …), and so does a
    discount that no longer equals `amount` (COUPON_AMOUNT_CHANGED with the new
    amount): the caller's transaction then rolls back. Calling it again for the
    same `order_ref` returns the same use without taking another.
    """
    if not order_ref or len(order_ref) > 64:
        raise DomainError.of("REQUIRED", "orderRef")
    tax_included = rt.policy.tax_display.value == "included"
    async with unit_of_work():
        rule = await coupon_rule(code)
        if rule is None:
            raise DomainError.of("COUPON_NOT_FOUND", "code")
        done = await CouponRedemption.filter(
            coupon_id=rule.id, order_ref=order_ref, status=RedemptionStatus.REDEEMED
        ).first()
        if done is not None:
            return RedeemedCoupon(done.id, rule.id, rule.code, amount)
        categories = await _categories(rule, [line.product_id for line in lines if line.available])
        checked = rules.evaluate(
            rule,
            lines,
            now=now or clock.now(),
            member=user_id is not None,
            tax_included=tax_included,
            categories=categories,
            check_total_limit=False,  # the conditional update below decides that
        )
        if isinstance(checked, Problem):
            raise DomainError(checked)
        if checked.amount != amount:
            raise DomainError.of("COUPON_AMOUNT_CHANGED", "code", amount=checked.amount)
        # The use: one conditional UPDATE, which also locks the row until the order commits.
        taken = (
            await Coupon.filter(id=rule.id, status=CouponStatus.ACTIVE)
            .filter(Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit")))
            .update(used_count=F("used_count") + 1)
        )
        if not taken:
            raise DomainError.of("COUPON_USED_UP", "code")
        if user_id is not None and rule.usage_limit_per_member is not None:
            # Counted after the lock: a racing order of the same member waits above.
            uses = await _member_uses(rule, user_id)
            if uses >= rule.usage_limit_per_member:
                raise DomainError.of(
                    "COUPON_ALREADY_USED", "code", limit=rule.usage_limit_per_member
                )
        released = await CouponRedemption.filter(
            coupon_id=rule.id, order_ref=order_ref, status=RedemptionStatus.RELEASED
        ).first()
        if released is not None:
            await CouponRedemption.filter(id=released.id).update(
                status=RedemptionStatus.REDEEMED, amount=amount, user_id=user_id, released_at=None
            )
            return RedeemedCoupon(released.id, rule.id, rule.code, amount)
        row = await CouponRedemption.create(
            coupon_id=rule.id, user_id=user_id, order_ref=order_ref, amount=amount
        )
    return RedeemedCoupon(row.id, rule.id, rule.code, amount)


async def release_coupon(rt: Any, *, order_ref: str) -> int:
    """Give back the coupon uses of a cancelled order; how many were given back (idempotent)."""
    released = 0
    async with unit_of_work():
        for use in await CouponRedemption.filter(
            order_ref=order_ref, status=RedemptionStatus.REDEEMED
        ).values("id", "coupon_id"):
            changed = await CouponRedemption.filter(
                id=use["id"], status=RedemptionStatus.REDEEMED
            ).update(status=RedemptionStatus.RELEASED, released_at=clock.now())
            if changed:
                await Coupon.filter(id=use["coupon_id"], used_count__gt=0).update(
                    used_count=F("used_count") - 1
                )
                released += 1
    return released


# ---- staff: create, edit, deactivate ---------------------------------------------------

FIELDS = (
    "code",
    "name",
    "description",
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
)
DEFAULTS: dict[str, Any] = {
    "description": "",
    "max_discount": None,
    "minimum_amount": 0,
    "target": CouponTarget.ALL,
    "target_product_ids": [],
    "target_category_ids": [],
    "starts_at": None,
    "ends_at": None,
    "members_only": True,
    "usage_limit": None,
    "usage_limit_per_member": None,
}


def _text(problems: Problems, value: Any, name: str, limit: int, *, required: bool) -> str:
    text = "".join(c for c in nfkc(value or "") if c.isprintable() or c == "\n")
    if name != "description":
        text = " ".join(text.split())
    if required and not text:
        problems.add("REQUIRED", name)
    if len(text) > limit:
        problems.add("TOO_LONG", name, max=limit)
    return text


def _range(problems: Problems, value: Any, name: str, low: int, high: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.add("OUT_OF_RANGE", name, min=low, max=high)


async def _validate(values: dict[str, Any], coupon_id: int | None) -> dict[str, Any]:
    problems = Problems()
    raw_code = values.get("code") or ""
    code = normalize_code(raw_code) if len(raw_code) <= CODE_INPUT_MAX else ""
    if not raw_code.strip():
        problems.add("REQUIRED", "code")
    elif not CODE_PATTERN.match(code):
        problems.add("INVALID_CODE_FORMAT", "code", pattern="A-Z 0-9 _ -", min=3, max=32)
    values["code"] = code
    values["name"] = _text(problems, values.get("name"), "name", NAME_MAX, required=True)
    values["description"] = _text(
        problems, values.get("description"), "description", DESCRIPTION_MAX, required=False
    )
    kind = DiscountKind(values["discount_kind"])
    values["discount_kind"] = kind
    if kind == DiscountKind.PERCENT:
        _range(problems, values.get("discount_value"), "discountValue", 1, 100)
        _range(problems, values.get("max_discount"), "maxDiscount", 1, MAX_YEN)
    else:
        _range(problems, values.get("discount_value"), "discountValue", 1, MAX_YEN)
        values["max_discount"] = None  # a cap means nothing for a fixed amount
    _range(problems, values.get("minimum_amount"), "minimumAmount", 0, MAX_YEN)
    _range(problems, values.get("usage_limit"), "usageLimit", 1, MAX_LIMIT)
    _range(problems, values.get("usage_limit_per_member"), "usageLimitPerMember", 1, MAX_LIMIT)
    start, end = values.get("starts_at"), values.get("ends_at")
    for name, moment in (("startsAt", start), ("endsAt", end)):
        if moment is not None and moment.tzinfo is None:
            problems.add("INVALID_DATE_RANGE", name)
    if start and end and start.tzinfo and end.tzinfo and end <= start:
        problems.add("INVALID_DATE_RANGE", "endsAt")
    target = CouponTarget(values["target"])
    values["target"] = target
    products = sorted(set(values.get("target_product_ids") or ()))
    categories = sorted(set(values.get("target_category_ids") or ()))
    for name, ids in (("targetProductIds", products), ("targetCategoryIds", categories)):
        if len(ids) > MAX_TARGETS:
            problems.add("TOO_MANY", name, max=MAX_TARGETS)
    if target == CouponTarget.PRODUCTS and not products:
        problems.add("REQUIRED", "targetProductIds")
    if target == CouponTarget.CATEGORIES and not categories:
        problems.add("REQUIRED", "targetCategoryIds")
    if not problems.items:
        if products and await Product.filter(id__in=products).count() != len(products):
            problems.add("NOT_FOUND", "targetProductIds")
        if categories and await Category.filter(id__in=categories).count() != len(categories):
            problems.add("NOT_FOUND", "targetCategoryIds")
    if not problems.items and code:
        clash = Coupon.filter(code=code)
        if coupon_id is not None:
            clash = clash.exclude(id=coupon_id)
        if await clash.exists():
            problems.add("CODE_TAKEN", "code")
    problems.raise_if_any()
    # Only the list a target uses is kept, so an edit of the target cannot revive a stale one.
    values["target_product_ids"] = products if target == CouponTarget.PRODUCTS else []
    values["target_category_ids"] = categories if target == CouponTarget.CATEGORIES else []
    return values


async def create_coupon(actor: Any, data: dict[str, Any]) -> Coupon:
    actor.require(MANAGE)
    values = {**DEFAULTS, **{k: v for k, v in data.items() if k in FIELDS}}
    values = await _validate(values, None)
    try:
        async with unit_of_work():
            return await Coupon.create(**values)
    except IntegrityError:
        raise DomainError.of("CODE_TAKEN", "code") from None


async def _staff_coupon(actor: Any, coupon_id: int) -> Coupon:
    actor.require(MANAGE)
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise DomainError.of("NOT_FOUND", "couponId")
    return coupon


async def update_coupon(actor: Any, coupon_id: int, changes: dict[str, Any]) -> Coupon:
    """Change a coupon; omitted fields stay. Uses already taken stay counted."""
    coupon = await _staff_coupon(actor, coupon_id)
    current = {name: getattr(coupon, name) for name in FIELDS}
    values = await _validate(
        {**current, **{k: v for k, v in changes.items() if k in FIELDS}}, coupon.id
    )
    try:
        async with unit_of_work():
            await Coupon.filter(id=coupon.id).update(**values)
    except IntegrityError:
        raise DomainError.of("CODE_TAKEN", "code") from None
    return await Coupon.get(id=coupon.id)


async def set_coupon_active(actor: Any, coupon_id: int, active: bool, reason: str = "") -> Coupon:
    """Deactivate (customers then see COUPON_NOT_FOUND) or re-activate a coupon."""
    coupon = await _staff_coupon(actor, coupon_id)
    target = CouponStatus.ACTIVE if active else CouponStatus.INACTIVE
    if coupon.status == target:
        return coupon
    async with unit_of_work():
        await COUPON_STATUS.transition(coupon, target, actor_id=actor.user_id, reason=reason[:500])
    return coupon
