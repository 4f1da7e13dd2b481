"""Carts: one per member, or one per guest token where the store sells to guests.

A line stores only what the customer chose (product, options, quantity, dates);
prices are never stored here, they are recomputed from the catalog on every
read (api.carts.pricing). product_id is a plain column, not a foreign key: a
line outlives its product's withdrawal and is shown flagged, not dropped.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Cart(Model):
    id = fields.IntField(primary_key=True)
    # A member's cart (one per member, across devices and sessions)...
    user = fields.OneToOneField(
        "models.User", related_name="cart", null=True, on_delete=fields.CASCADE
    )
    # ...or a guest's, reached by an opaque token that is stored only as its SHA-256.
    token_hash = fields.CharField(max_length=64, unique=True, null=True)
    address = fields.ForeignKeyField(
        "models.Address", related_name="carts", null=True, on_delete=fields.SET_NULL
    )
    coupon_code = fields.CharField(max_length=64, null=True)
    points = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "carts"


class CartLine(Model):
    id = fields.IntField(primary_key=True)
    cart = fields.ForeignKeyField("carts.Cart", related_name="lines", on_delete=fields.CASCADE)
    product_id = fields.IntField()
    option_ids = fields.JSONField(default=list)  # sorted ids of catalog.ProductOption
    quantity = fields.IntField()
    desired_date = fields.DateField(null=True)  # desired start (services) or delivery date
    time_slot = fields.CharField(max_length=32, null=True)  # a store delivery time slot code
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "cart_lines"
        indexes = (("cart_id", "id"),)
