"""Orders: snapshots of what was bought, by whom, for how much, paid how.

An order copies everything it was made from (customer and company details,
利用者情報, address, lines with options and 追加情報, prices, discounts,
shipping, tax per rate, totals, payment method and terms, consents with their
versions) and never reads the live rows again (seed 000 §2). Products, quotes
and the customer are referenced by plain ids: their later changes and their
withdrawal leave the order as it was.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.orders.states import GuestEmailStatus, OrderStatus, PaymentMethod

__all__ = [
    "GuestEmailStatus",
    "Order",
    "OrderLine",
    "OrderShipment",
    "OrderStatus",
    "PaymentMethod",
    "ProductStock",
]


class Order(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)  # the store's pattern (EC…)
    status = fields.CharEnumField(OrderStatus, max_length=24, default=OrderStatus.PLACED)
    # Who ordered: a member (and their company) or a guest (no user).
    user_id = fields.IntField(null=True)
    company_id = fields.IntField(null=True)
    quote_id = fields.IntField(null=True)  # ordered from this quote, exactly as quoted
    guest_email_status = fields.CharEnumField(
        GuestEmailStatus, max_length=16, default=GuestEmailStatus.NOT_GUEST
    )
    language = fields.CharField(max_length=5, default="ja")
    # お客様情報: name, kana, email, phone, company name and kana, department, customer code.
    customer = fields.JSONField(default=dict)
    email = fields.CharField(max_length=254)  # where the order mails go
    customer_name = fields.CharField(max_length=128)
    company_name = fields.CharField(max_length=255, default="")
    # 利用者情報: the people who will use a service [{name, kana, email, phone, department}].
    service_users = fields.JSONField(default=list)
    # The delivery address as it was (recipient, postal code, prefecture, lines, phone).
    address = fields.JSONField(null=True)
    time_slot = fields.CharField(max_length=32, null=True)
    time_slot_name = fields.CharField(max_length=64, default="")
    comment = fields.TextField(default="")
    # Money, as computed once by api.money at placement (integer yen).
    tax_display = fields.CharField(max_length=8)  # "included" or "excluded"
    tax_rounding = fields.CharField(max_length=8)
    priced_on = fields.DateField()  # the Tokyo date whose tax rates apply
    subtotal = fields.BigIntField()  # goods, tax excluded
    subtotal_incl = fields.BigIntField()
    discount_total = fields.BigIntField(default=0)  # coupon, tax excluded
    shipping_total = fields.BigIntField(default=0)  # tax excluded
    shipping_total_incl = fields.BigIntField(default=0)
    tax_total = fields.BigIntField()
    total_excl = fields.BigIntField()
    total = fields.BigIntField()  # tax included
    points_used = fields.IntField(default=0)
    amount_due = fields.BigIntField()  # total − points: what the payment collects
    # [{rate, reduced, goods, discount, shipping, base, tax}] — tax once per rate.
    per_rate = fields.JSONField(default=list)
    # [{group, amount, amountIncl, free, threshold}]
    shipping = fields.JSONField(default=list)
    coupon_id = fields.IntField(null=True)
    coupon_code = fields.CharField(max_length=64, null=True)
    coupon_amount = fields.BigIntField(default=0)  # tax excluded
    coupon_amount_incl = fields.BigIntField(default=0)
    points_earned = fields.IntField(default=0)  # posted when the store policy says
    points_posted = fields.BooleanField(default=False)
    # Payment: the method chosen, its terms (NP: 月末締め翌月末払い), and its state lives in
    # api.payments (its own machine); paid_at marks the money secured for shipping.
    payment_method = fields.CharEnumField(PaymentMethod, max_length=16)
    payment_terms = fields.CharField(max_length=32, default="")
    payment_deadline = fields.DateField(null=True)  # bank transfer / konbini
    paid_at = fields.DatetimeField(null=True)
    # Consents given at placement: [{kind, version, title}].
    consents = fields.JSONField(default=list)
    # 受領確認 link (SHA-256 of the mailed token).
    receipt_token_hash = fields.CharField(max_length=64, null=True, unique=True)
    placed_at = fields.DatetimeField(auto_now_add=True)
    placed_on = fields.DateField()
    accepted_at = fields.DatetimeField(null=True)
    shipped_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    receipt_confirmed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "orders"
        indexes = (
            ("company_id", "placed_at"),
            ("user_id", "placed_at"),
            ("status", "placed_at"),
        )


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("orders.Order", related_name="lines", on_delete=fields.CASCADE)
    position = fields.IntField()
    product_id = fields.IntField()
    product_code = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)
    name_en = fields.CharField(max_length=255, default="")
    kind = fields.CharField(max_length=16)  # physical, service, subscription
    plan = fields.CharField(max_length=16, null=True)  # subscriptions: monthly, yearly
    # [{id, code, name, nameEn, group, groupEn, price}] as chosen, prices tax excluded.
    options = fields.JSONField(default=list)
    quantity = fields.IntField()
    unit_price = fields.BigIntField()  # product alone, tax excluded
    unit_total = fields.BigIntField()  # product + options, tax excluded
    amount = fields.BigIntField()  # unit_total × quantity, tax excluded
    amount_incl = fields.BigIntField()  # display only: the order rounds tax per rate
    tax_category = fields.CharField(max_length=16)
    tax_rate_percent = fields.IntField()
    reduced = fields.BooleanField(default=False)
    desired_date = fields.DateField(null=True)
    time_slot = fields.CharField(max_length=32, null=True)
    shipping_class = fields.CharField(max_length=16)
    maker_name = fields.CharField(max_length=128, null=True)
    # 追加情報: the product's additional order fields as answered [{code, label, value}].
    extra_fields = fields.JSONField(default=list)
    has_delivery_note = fields.BooleanField(default=True)
    shipment = fields.ForeignKeyField(
        "orders.OrderShipment", related_name="lines", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "order_lines"
        indexes = (("order_id", "position"),)


class OrderShipment(Model):
    """One parcel: the store goods, or the goods one maker delivers directly (001)."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField(
        "orders.Order", related_name="shipments", on_delete=fields.CASCADE
    )
    carrier = fields.CharField(max_length=64)
    tracking_number = fields.CharField(max_length=64, default="")
    shipped_at = fields.DatetimeField(auto_now_add=True)
    shipped_on = fields.DateField()  # Tokyo business date: billing's base date for goods
    actor_id = fields.IntField(null=True)

    class Meta:
        table = "order_shipments"


class ProductStock(Model):
    """Units on hand of a product that tracks stock (products without a row do not).

    Taking stock is one conditional UPDATE (`quantity >= n`), so two orders racing
    for the last unit are decided by the database, on SQLite as on PostgreSQL.
    """

    id = fields.IntField(primary_key=True)
    product_id = fields.IntField(unique=True)
    quantity = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "product_stock"
