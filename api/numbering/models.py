"""The counters behind document numbers (見積番号, オーダーID, 請求書番号)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DocumentSequence(Model):
    """The last number handed out for one series in one period.

    `period` is the number's pattern rendered for the business date with the
    sequence left out (`EC20261203Q#`), so a pattern with `{yyyymmdd}` restarts
    every day, one with `{yyyymm}` every month, and one without a date never;
    a store that changes its pattern starts a fresh counter instead of reusing
    numbers of the old one.
    """

    id = fields.IntField(primary_key=True)
    series = fields.CharField(max_length=32)
    period = fields.CharField(max_length=64)
    value = fields.BigIntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "document_sequences"
        unique_together = (("series", "period"),)
