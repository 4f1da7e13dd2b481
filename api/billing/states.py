"""The billing domain's choices and status machines: every state listed, one table each."""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class PaymentTerm(StrEnum):
    """The three payment terms of NP 掛け払い (seed 000 §7); rules in api.billing.terms."""

    MONTH_END_NEXT_MONTH_END = "month_end_next_month_end"  # 月末締め/翌月末払い
    DAY20_NEXT_MONTH_END = "day20_next_month_end"  # 20日締め/翌月末払い
    MONTH_END_MONTH_AFTER_NEXT_END = "month_end_month_after_next_end"  # 月末締め/翌々月末払い


class DueDateShift(StrEnum):
    """Where a due date that is not a business day moves to (a store setting)."""

    PREVIOUS = "previous"  # the last business day before it (前営業日)
    NEXT = "next"  # the first business day after it (翌営業日)


class ChargeKind(StrEnum):
    """What a charge bills: a debit, or a credit (negative) for something billed before."""

    DEBIT = "debit"
    CREDIT = "credit"


class PeriodCloseStatus(StrEnum):
    """A closed (billing account, term, closing date): written with its invoice, in one go."""

    CLOSED = "closed"  # the invoice was made from every open charge of the period


class BillingRunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"  # every due period was closed (or had failed with a reason)
    ABANDONED = "abandoned"  # the process died; the next run picked up what was left


class InvoiceStatus(StrEnum):
    ISSUED = "issued"  # made by the closing run; waiting for payment
    PAID = "paid"
    OVERDUE = "overdue"  # the due date passed unpaid
    VOID = "void"  # cancelled by staff; a correction names it in `replaces`


INVOICE_STATUS = StateMachine(
    "invoice",
    {
        InvoiceStatus.ISSUED: frozenset(
            {InvoiceStatus.PAID, InvoiceStatus.OVERDUE, InvoiceStatus.VOID}
        ),
        InvoiceStatus.OVERDUE: frozenset({InvoiceStatus.PAID, InvoiceStatus.VOID}),
        InvoiceStatus.PAID: frozenset(),
        InvoiceStatus.VOID: frozenset(),
    },
)

BILLING_RUN_STATUS = StateMachine(
    "billing_run",
    {
        BillingRunStatus.RUNNING: frozenset(
            {BillingRunStatus.COMPLETED, BillingRunStatus.ABANDONED}
        ),
        BillingRunStatus.COMPLETED: frozenset(),
        BillingRunStatus.ABANDONED: frozenset(),
    },
)
