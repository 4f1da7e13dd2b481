"""Quotes (見積書): numbered snapshots of a cart, valid until a Tokyo date.

A quote copies everything it shows (seed 000 §2: later changes of customer
information apply to later quotes only): the customer and company as they were,
the delivery address, each line's product, options, unit prices, tax category
and rate, the coupon, points, payment method, shipping and the breakdown. It
never reads the cart, the catalog or the account again.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.quotes.states import QuoteStatus

__all__ = ["Quote", "QuoteLine", "QuoteStatus"]


class Quote(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(QuoteStatus, max_length=16, default=QuoteStatus.VALID)
    # Who asked, and the company whose members may read it (NULL for an individual member).
    user = fields.ForeignKeyField("models.User", related_name="quotes", on_delete=fields.RESTRICT)
    company = fields.ForeignKeyField(
        "models.Company", related_name="quotes", null=True, on_delete=fields.RESTRICT
    )
    issue_date = fields.DateField()  # Tokyo business date; also the date whose tax rates apply
    valid_until = fields.DateField()  # the last valid day (Tokyo)
    customer = fields.JSONField()  # name, kana, email, phone, company, department, address
    address = fields.JSONField(null=True)  # the delivery address as chosen
    payment_method = fields.CharField(max_length=32, default="")
    payment_method_name = fields.CharField(max_length=64, default="")
    coupon_code = fields.CharField(max_length=64, default="")
    coupon_id = fields.IntField(null=True)
    points = fields.IntField(default=0)  # points used as payment
    comment = fields.TextField(default="")  # the customer's remarks (printed)
    tax_display = fields.CharField(max_length=16)  # "included" / "excluded" when issued
    tax_rounding = fields.CharField(max_length=16)
    # The money as computed at issue (api.money.Breakdown as JSON) and what re-pricing on
    # the order date needs (lines' inputs, coupon, shipping charges): see service.py.
    breakdown = fields.JSONField()
    pricing_inputs = fields.JSONField()
    subtotal = fields.BigIntField()  # tax excluded
    tax_total = fields.BigIntField()
    total = fields.BigIntField()  # tax included
    amount_due = fields.BigIntField()  # total − points
    line_count = fields.IntField()
    title = fields.CharField(max_length=255)  # the first line's name (+ "ほか" in lists)
    language = fields.CharField(max_length=5, default="ja")
    expired_at = fields.DatetimeField(null=True)
    ordered_at = fields.DatetimeField(null=True)
    order_ref = fields.CharField(max_length=64, default="")  # the order's number, once ordered
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "quotes"
        indexes = (
            ("company_id", "created_at"),
            ("user_id", "created_at"),
            ("status", "valid_until"),
        )


class QuoteLine(Model):
    id = fields.IntField(primary_key=True)
    quote = fields.ForeignKeyField("quotes.Quote", related_name="lines", on_delete=fields.CASCADE)
    position = fields.IntField()
    product_id = fields.IntField()  # by id only: the catalog may change or drop it later
    product_code = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)
    name_en = fields.CharField(max_length=255, default="")
    kind = fields.CharField(max_length=32)
    plan = fields.CharField(max_length=32, null=True)
    options = fields.JSONField()  # [{id, code, name, nameEn, groupName, groupNameEn, price}]
    quantity = fields.IntField()
    unit_price = fields.BigIntField()  # the product alone, tax excluded
    unit_total = fields.BigIntField()  # product + options, tax excluded
    amount = fields.BigIntField()  # tax excluded
    amount_incl = fields.BigIntField()  # display aid
    tax_category = fields.CharField(max_length=16)
    tax_rate_percent = fields.IntField()
    reduced = fields.BooleanField()
    desired_date = fields.DateField(null=True)
    time_slot = fields.CharField(max_length=32, null=True)
    shipping_class = fields.CharField(max_length=32)
    maker_name = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "quote_lines"
        unique_together = (("quote_id", "position"),)
