"""Strawberry types of the billing domain: payment terms, their dates and history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from api.billing import queries, states
from api.billing.terms import TERM_RULES, PeriodDates, term_label
from api.graphql.errors import UserError
from api.graphql.rows import FromRow

strawberry.enum(
    states.PaymentTerm,
    name="PaymentTerm",
    description="NP 掛け払い payment terms (seed 000 §7): MONTH_END_NEXT_MONTH_END "
    "(月末締め/翌月末払い), DAY20_NEXT_MONTH_END (20日締め/翌月末払い), "
    "MONTH_END_MONTH_AFTER_NEXT_END (月末締め/翌々月末払い).",
)
strawberry.enum(
    states.DueDateShift,
    name="DueDateShift",
    description="Where a due date on a closed day moves: PREVIOUS or NEXT business day.",
)
PaymentTerm = states.PaymentTerm
DueDateShift = states.DueDateShift


@strawberry.type(description="A payment term the store offers, with its rule as data.")
class PaymentTermOption:
    term: PaymentTerm  # type: ignore[valid-type]
    label: str = strawberry.field(description="The term's name in the caller's language.")
    closing_day: int | None = strawberry.field(
        description="The day of the month the period closes; null: the month's last day."
    )
    due_months_after_closing: int = strawberry.field(
        description="Payment is due at the end of the month this many months after closing."
    )

    @classmethod
    def of(cls, term: states.PaymentTerm, language: str) -> PaymentTermOption:
        rule = TERM_RULES[term]
        return cls(
            term=term,
            label=term_label(term, language),
            closing_day=rule.closing_day,
            due_months_after_closing=rule.due_months,
        )


@strawberry.type(description="The dates of the billing period a charge dated baseDate falls in.")
class PaymentPeriod:
    term: PaymentTerm  # type: ignore[valid-type]
    period_start: date = strawberry.field(description="First day of the period.")
    closing_date: date = strawberry.field(description="締め日: the period's last day.")
    invoice_date: date = strawberry.field(
        description="The formal invoice's date: the first business day after the closing date."
    )
    nominal_due_date: date = strawberry.field(description="The month end the term names.")
    due_date: date = strawberry.field(
        description="The nominal due date moved to a business day as the store's setting says."
    )

    @classmethod
    def of(cls, dates: PeriodDates) -> PaymentPeriod:
        return cls(
            term=dates.term,
            period_start=dates.start,
            closing_date=dates.closing,
            invoice_date=dates.invoice,
            nominal_due_date=dates.nominal_due,
            due_date=dates.due,
        )


@strawberry.type(
    name="PaymentTermChange",
    description="A change of a company's payment term; documents made from effectiveAt get it.",
)
class PaymentTermChangeType(FromRow, relay.Node):
    id: relay.NodeID[int]
    term: PaymentTerm  # type: ignore[valid-type]
    previous_term: PaymentTerm  # type: ignore[valid-type]
    effective_at: datetime
    created_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[PaymentTermChangeType | None]:
        rows = await queries.payment_term_changes_by_keys(
            await info.context.actor(), list(node_ids)
        )
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(description="The payment term in force for the caller's new documents.")
class CurrentPaymentTerm:
    term: PaymentTerm  # type: ignore[valid-type]
    label: str
    changeable: bool = strawberry.field(
        description="Whether the caller may change it (a company member with manage_company)."
    )
    options: list[PaymentTermOption] = strawberry.field(
        description="The terms the caller may choose from (the store's offer, or the "
        "guests' term only)."
    )


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input
class ChangePaymentTermInput:
    term: PaymentTerm  # type: ignore[valid-type]


@strawberry.type
class ChangePaymentTermPayload:
    payment_term: CurrentPaymentTerm | None = None
    change: PaymentTermChangeType | None = strawberry.field(
        default=None, description="The recorded change; null when the term was already in force."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
