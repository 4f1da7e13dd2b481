"""Store closures that staff maintain (New Year, summer), on top of weekends and holidays."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class StoreHoliday(Model):
    """Days the store is closed, first and last day included, as Tokyo dates."""

    id = fields.IntField(primary_key=True)
    start_date = fields.DateField(db_index=True)
    end_date = fields.DateField()
    name = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_store_holidays"
