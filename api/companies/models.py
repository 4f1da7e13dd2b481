"""Customer companies: the account a B2B registration creates."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Company(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255)
    name_kana = fields.CharField(max_length=255, default="")
    postal_code = fields.CharField(max_length=8, default="")
    prefecture = fields.CharField(max_length=8, default="")
    address_line1 = fields.CharField(max_length=255, default="")
    address_line2 = fields.CharField(max_length=255, default="")
    phone = fields.CharField(max_length=20, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "companies"
