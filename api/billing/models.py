"""Closing-date billing: each company's payment term and its history.

A company's term is the latest `PaymentTermChange` in force; a company with none
has the guests' term (月末締め/翌月末払い). Rows are never updated or deleted:
the history is what tells which term a document made at a given moment had.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# The enums live with the domain's states; imported here for the fields (and the migrations).
from api.billing.states import (
    BillingRunStatus,
    ChargeKind,
    InvoiceStatus,
    PaymentTerm,
    PeriodCloseStatus,
)

__all__ = [
    "BillingRun",
    "BillingRunBatch",
    "InvoicePayment",
    "InvoiceReminder",
    "Charge",
    "DocumentTerm",
    "ChargeKind",
    "Invoice",
    "InvoiceStatus",
    "PaymentTerm",
    "PaymentTermChange",
    "PeriodClose",
    "PeriodCloseStatus",
]


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


class Charge(Model):
    """One billable fact, fed by other domains' events (a shipment, a contract period).

    `business_key` is the source's own identity ("order_shipment:EC0001:1"), unique, so
    replaying an event records nothing twice. Amounts are integer yen, tax excluded, per
    line with the line's tax category and rate; a credit's amounts are negative. The
    period is fixed when the charge is recorded: the first period on or after its base
    date that is still open for its account, so a late or credit charge lands in the next
    open period instead of a closed one. `invoice_id` is set once, by the closing run.
    """

    id = fields.IntField(primary_key=True)
    # The billing account: a company, or a member without one ("c<id>" / "u<id>").
    account_key = fields.CharField(max_length=24)
    company = fields.ForeignKeyField(
        "models.Company", related_name="billing_charges", null=True, on_delete=fields.RESTRICT
    )
    user_id = fields.IntField(null=True)
    term = fields.CharEnumField(PaymentTerm, max_length=40)
    kind = fields.CharEnumField(ChargeKind, max_length=8, default=ChargeKind.DEBIT)
    base_date = fields.DateField()
    closing_date = fields.DateField()
    source_type = fields.CharField(max_length=32)
    source_id = fields.CharField(max_length=64)
    business_key = fields.CharField(max_length=160, unique=True)
    description = fields.CharField(max_length=255, default="")
    lines = fields.JSONField(default=list)
    amount = fields.BigIntField()  # Σ line amounts, tax excluded, signed
    invoice_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_charges"
        indexes = (
            ("account_key", "term", "closing_date"),
            ("closing_date", "invoice_id"),
            ("source_type", "source_id"),
        )


class PeriodClose(Model):
    """The run record of one (account, term, closing date): unique, so a period closes once."""

    id = fields.IntField(primary_key=True)
    account_key = fields.CharField(max_length=24)
    term = fields.CharEnumField(PaymentTerm, max_length=40)
    closing_date = fields.DateField()
    company = fields.ForeignKeyField(
        "models.Company", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(PeriodCloseStatus, max_length=16)
    invoice_id = fields.IntField(null=True)
    run_id = fields.IntField(null=True)
    charges = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_period_closes"
        unique_together = (("account_key", "term", "closing_date"),)


class Invoice(Model):
    """A qualified invoice (適格請求書) for one closed period: a snapshot, never re-priced.

    Issuer, recipient, lines and the totals per rate are copied when the period closes;
    later changes to the company or the catalog never reach an issued invoice. Only the
    status moves (paid, overdue, void); a correction is a new invoice naming this one.
    """

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=64, unique=True)
    account_key = fields.CharField(max_length=24)
    company = fields.ForeignKeyField(
        "models.Company", related_name="invoices", null=True, on_delete=fields.RESTRICT
    )
    user_id = fields.IntField(null=True)
    term = fields.CharEnumField(PaymentTerm, max_length=40)
    period_start = fields.DateField()
    closing_date = fields.DateField()
    invoice_date = fields.DateField()
    due_date = fields.DateField()
    status = fields.CharEnumField(InvoiceStatus, max_length=16, default=InvoiceStatus.ISSUED)
    replaces_id = fields.IntField(null=True, unique=True)  # one correction per voided invoice
    issuer = fields.JSONField(default=dict)  # store name, registration number (T + 13 digits)
    recipient = fields.JSONField(default=dict)  # billing name and address at closing
    lines = fields.JSONField(default=list)
    per_rate = fields.JSONField(default=list)  # [{rate_percent, reduced, base, tax}]
    tax_rounding = fields.CharField(max_length=16)
    subtotal = fields.BigIntField()  # Σ bases, tax excluded
    tax_total = fields.BigIntField()  # Σ tax, once per rate
    total = fields.BigIntField()  # subtotal + tax_total
    run_id = fields.IntField(null=True)
    paid_at = fields.DatetimeField(null=True)
    voided_at = fields.DatetimeField(null=True)
    void_reason = fields.CharField(max_length=500, default="")
    paid_amount = fields.BigIntField(default=0)  # Σ payments recorded
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "billing_invoices"
        indexes = (
            ("account_key", "closing_date"),
            ("company_id", "closing_date"),
            ("status", "due_date"),
            ("closing_date", "id"),
            ("run_id", "account_key"),
        )


class BillingRun(Model):
    """One closing run (cron, CLI or staff): its progress and result, for staff to read."""

    id = fields.IntField(primary_key=True)
    status = fields.CharEnumField(BillingRunStatus, max_length=16, default=BillingRunStatus.RUNNING)
    trigger = fields.CharField(max_length=16)  # cron, cli, staff
    as_of = fields.DateField()  # periods closing before this date were due
    periods_due = fields.IntField(default=0)
    periods_done = fields.IntField(default=0)
    invoices_made = fields.IntField(default=0)
    amount_total = fields.BigIntField(default=0)  # Σ invoice totals made by this run
    failures = fields.JSONField(default=list)  # [{account, term, closingDate, code, reason}]
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "billing_runs"
        indexes = (("status", "started_at"),)


class BillingRunBatch(Model):
    """One slice of a run's accounts, closed by one worker job (`billing_close_batch`).

    A batch re-run after a crash recomputes its own row (never adds to it), so the run's
    totals, the sum of its batches, count each period once whatever ran twice.
    """

    id = fields.IntField(primary_key=True)
    run_id = fields.IntField()
    number = fields.IntField()
    accounts = fields.JSONField(default=list)  # account keys ("c12", "u7")
    done = fields.BooleanField(default=False)
    periods_done = fields.IntField(default=0)
    invoices_made = fields.IntField(default=0)
    amount_total = fields.BigIntField(default=0)
    skipped = fields.IntField(default=0)  # closed by another run meanwhile
    failures = fields.JSONField(default=list)
    attempts = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "billing_run_batches"
        unique_together = (("run_id", "number"),)


class InvoicePayment(Model):
    """Money received for an invoice: a bank transfer staff recorded, or NP's notice.

    `reference` is unique (the bank statement line, NP's transaction id), so a replayed
    notification or a double click records one payment.
    """

    id = fields.IntField(primary_key=True)
    invoice = fields.ForeignKeyField(
        "billing.Invoice", related_name="payments", on_delete=fields.RESTRICT
    )
    method = fields.CharField(max_length=16)  # bank_transfer, np
    amount = fields.BigIntField()
    paid_on = fields.DateField()
    reference = fields.CharField(max_length=128, unique=True)
    note = fields.CharField(max_length=500, default="")
    recorded_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_invoice_payments"


class InvoiceReminder(Model):
    """An overdue reminder sent for an invoice: unique per (invoice, days after due)."""

    id = fields.IntField(primary_key=True)
    invoice_id = fields.IntField()
    days_after_due = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_invoice_reminders"
        unique_together = (("invoice_id", "days_after_due"),)


class DocumentTerm(Model):
    """The payment term a document (an order, a contract) was made under.

    Written when the document is made (its domain's event, in its transaction), so its
    charges are billed under that term whatever the company chooses later.
    """

    id = fields.IntField(primary_key=True)
    source_type = fields.CharField(max_length=32)  # "order", "contract"
    source_id = fields.CharField(max_length=64)
    company_id = fields.IntField(null=True)
    term = fields.CharEnumField(PaymentTerm, max_length=40)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_document_terms"
        unique_together = (("source_type", "source_id"),)
