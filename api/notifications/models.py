"""The mail outbox: one row per email, written in the transaction that causes it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.notifications.states import OutboxStatus

__all__ = ["OutboxMessage", "OutboxStatus"]


class OutboxMessage(Model):
    id = fields.UUIDField(primary_key=True)
    template = fields.CharField(max_length=64)
    to_address = fields.CharField(max_length=254)
    language = fields.CharField(max_length=5, default="ja")
    context = fields.JSONField(default=dict)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    request_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_messages"
        indexes = (("status", "updated_at"),)
