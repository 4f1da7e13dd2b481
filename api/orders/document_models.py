"""Issued order documents (納品書, 請求書（簡易版）, 領収書): numbered snapshots.

A document is issued once from the order as it is then and never re-read from the
order again: `snapshot` holds everything printed (api.documents.pdf.IssuedDocument
as JSON), so the PDF downloaded next year is the PDF issued today. A receipt issued
again is a new row with the same number and the next `version` (printed 再発行).

Its own Tortoise app (`order_documents`), so its migrations never interleave with the
order models' (api/orders/migrations).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DocumentKind(StrEnum):
    DELIVERY_NOTE = "delivery_note"  # 納品書
    SIMPLIFIED_INVOICE = "simplified_invoice"  # 請求書（簡易版）
    RECEIPT = "receipt"  # 領収書


class OrderDocument(Model):
    id = fields.IntField(primary_key=True)
    order_id = fields.IntField()
    kind = fields.CharEnumField(DocumentKind, max_length=24)
    number = fields.CharField(max_length=40)  # the series' pattern; a reissue keeps it
    version = fields.IntField(default=1)  # 2, 3 …: 再発行
    language = fields.CharField(max_length=5, default="ja")
    addressee = fields.CharField(max_length=128, default="")  # 領収書宛名
    description = fields.CharField(max_length=128, default="")  # 但し書き (お品物名)
    snapshot = fields.JSONField()
    issued_on = fields.DateField()  # Tokyo business date printed as 発行日
    issued_at = fields.DatetimeField(auto_now_add=True)
    actor_id = fields.IntField(null=True)

    class Meta:
        table = "order_documents"
        unique_together = (("order_id", "kind", "version"),)
        indexes = (("order_id", "kind"),)
