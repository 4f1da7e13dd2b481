"""Status transitions of every entity: who moved what from where to where, and why."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class StatusTransition(Model):
    id = fields.IntField(primary_key=True)
    entity = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=64)
    from_status = fields.CharField(max_length=32)
    to_status = fields.CharField(max_length=32)
    actor_id = fields.IntField(null=True)
    reason = fields.TextField(default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "status_transitions"
        indexes = (("entity", "entity_id"),)


class IdempotencyRecord(Model):
    """Remembers the result of a create mutation by its client-chosen key."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=64)
    key = fields.CharField(max_length=128)
    result_ref = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("scope", "key"),)
