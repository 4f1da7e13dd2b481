"""Closing-date billing: each company's payment term and its history.

A company's term is the latest `PaymentTermChange` in force; a company with none
has the guests' term (月末締め/翌月末払い). Rows are never updated or deleted:
the history is what tells which term a document made at a given moment had.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# The enums live with the domain's states; imported here for the fields (and the migrations).
from api.billing.states import PaymentTerm

__all__ = ["PaymentTerm", "PaymentTermChange"]


class PaymentTermChange(Model):
    """A company's change of payment term, for documents made from `effective_at` on."""

    id = fields.IntField(primary_key=True)
    company = fields.ForeignKeyField(
        "models.Company", related_name="payment_term_changes", on_delete=fields.RESTRICT
    )
    term = fields.CharEnumField(PaymentTerm, max_length=40)
    previous_term = fields.CharEnumField(PaymentTerm, max_length=40)
    effective_at = fields.DatetimeField()
    changed_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_payment_term_changes"
        indexes = (("company_id", "effective_at"),)
