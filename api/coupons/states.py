"""Coupon choices and the coupon status machine: every state listed, one table."""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class DiscountKind(StrEnum):
    AMOUNT = "amount"  # yen off, in the store's display basis (tax included where shown so)
    PERCENT = "percent"  # percent off the eligible goods, rounded down to the yen


class CouponTarget(StrEnum):
    ALL = "all"  # every product
    PRODUCTS = "products"  # the listed products only
    CATEGORIES = "categories"  # products in the listed categories or below them


class CouponStatus(StrEnum):
    ACTIVE = "active"  # can be applied within its validity window
    INACTIVE = "inactive"  # deactivated by staff: unknown to customers


class RedemptionStatus(StrEnum):
    REDEEMED = "redeemed"  # counted against the limits
    RELEASED = "released"  # the order was cancelled: the use is given back


COUPON_STATUS = StateMachine(
    "coupon",
    {
        CouponStatus.ACTIVE: frozenset({CouponStatus.INACTIVE}),
        CouponStatus.INACTIVE: frozenset({CouponStatus.ACTIVE}),
    },
)
