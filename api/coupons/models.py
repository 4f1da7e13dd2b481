"""Web coupons (000 §4 クーポン) and their uses.

`code` is stored normalised (NFKC, upper case), so a code typed in full-width
or lower case finds it. `used_count` is the number of REDEEMED uses: it is
raised by one conditional UPDATE that also checks the total limit, which is
what decides the last use once when two orders race for it.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.coupons.states import CouponStatus, CouponTarget, DiscountKind, RedemptionStatus


class Coupon(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    status = fields.CharEnumField(CouponStatus, max_length=16, default=CouponStatus.ACTIVE)
    discount_kind = fields.CharEnumField(DiscountKind, max_length=16)
    # Yen off (AMOUNT) or percent off (PERCENT).
    discount_value = fields.IntField()
    # PERCENT only: the largest discount in yen; None: no cap.
    max_discount = fields.IntField(null=True)
    # The eligible goods must reach this (display basis) for the coupon to apply.
    minimum_amount = fields.IntField(default=0)
    target = fields.CharEnumField(CouponTarget, max_length=16, default=CouponTarget.ALL)
    target_product_ids = fields.JSONField(default=list)
    target_category_ids = fields.JSONField(default=list)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)  # exclusive: valid while now < ends_at
    members_only = fields.BooleanField(default=True)
    usage_limit = fields.IntField(null=True)  # uses in total; None: unlimited
    usage_limit_per_member = fields.IntField(null=True)  # None: unlimited
    used_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "coupons"
        indexes = (("status", "id"),)


class CouponRedemption(Model):
    # One use of a coupon by an order (order_ref: the order's business key). A comment,
    # not a docstring: Tortoise would make it a table comment.

    id = fields.IntField(primary_key=True)
    coupon = fields.ForeignKeyField(
        "coupons.Coupon", related_name="redemptions", on_delete=fields.RESTRICT
    )
    user_id = fields.IntField(null=True)  # the member; None for a guest order
    order_ref = fields.CharField(max_length=64)
    amount = fields.IntField()  # the discount taken, tax excluded
    status = fields.CharEnumField(
        RedemptionStatus, max_length=16, default=RedemptionStatus.REDEEMED
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    released_at = fields.DatetimeField(null=True)

    class Meta:
        table = "coupon_redemptions"
        unique_together = (("coupon_id", "order_ref"),)
        indexes = (("coupon_id", "user_id", "status"),)
