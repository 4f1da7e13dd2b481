"""Versioned legal documents (terms of use, privacy policy, terms of sale, …) and who
agreed to which."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.legal.states import LegalDocumentKind

__all__ = ["Consent", "LegalDocument", "LegalDocumentKind"]


class LegalDocument(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(LegalDocumentKind, max_length=32)
    version = fields.IntField()
    title = fields.CharField(max_length=255)
    body = fields.TextField()
    effective_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "legal_documents"
        unique_together = (("kind", "version"),)


class Consent(Model):
    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="consents", on_delete=fields.CASCADE)
    document = fields.ForeignKeyField(
        "models.LegalDocument", related_name="consents", on_delete=fields.RESTRICT
    )
    agreed_at = fields.DatetimeField(auto_now_add=True)
    ip_address = fields.CharField(max_length=45, default="")

    class Meta:
        table = "consents"
        unique_together = (("user_id", "document_id"),)
