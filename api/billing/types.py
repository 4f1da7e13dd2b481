"""Strawberry types of the billing domain: payment terms, their dates and history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from api.billing import links, queries, states
from api.billing.terms import TERM_RULES, PeriodDates, term_label
from api.graphql.errors import UserError
from api.graphql.ids import to_global_id
from api.graphql.money import Money
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


# ---- invoices ----------------------------------------------------------------------------

strawberry.enum(
    states.InvoiceStatus,
    name="InvoiceStatus",
    description="ISSUED (waiting for payment), PAID, OVERDUE (due date passed unpaid), "
    "VOID (cancelled by staff; a correction names it).",
)
strawberry.enum(states.BillingRunStatus, name="BillingRunStatus")
InvoiceStatus = states.InvoiceStatus
BillingRunStatus = states.BillingRunStatus


@strawberry.type(description="The store as the invoice prints it (適格請求書発行事業者).")
class InvoiceIssuer:
    name: str
    address_lines: list[str]
    registration_number: str = strawberry.field(
        description="適格請求書発行事業者登録番号: T and 13 digits."
    )


@strawberry.type(description="Who is billed, as the company's billing details were at closing.")
class InvoiceRecipient:
    name: str
    department: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str


@strawberry.type(description="One line of an invoice: what was charged, tax excluded.")
class InvoiceLine:
    position: int
    description: str
    code: str
    base_date: date | None = strawberry.field(
        description="The transaction date: the shipment day, or a service period's start."
    )
    quantity: int
    unit_price: Money = strawberry.field(description="Tax excluded; negative for a credit.")
    amount: Money = strawberry.field(description="Tax excluded; negative for a credit.")
    tax_rate_percent: int
    reduced_rate: bool = strawberry.field(description="軽減税率 (marked ※ on the PDF).")


@strawberry.type(description="The totals of one tax rate, tax computed once on the invoice.")
class InvoiceTaxRate:
    rate_percent: int
    reduced: bool
    base: Money = strawberry.field(description="Taxable amount of the rate, tax excluded.")
    tax: Money


@strawberry.type(description="A short-lived signed link to the invoice's PDF (請求書).")
class InvoicePdfLink:
    url: str = strawberry.field(
        description="GET it without credentials (e.g. window.open or a download link); "
        "answers application/pdf."
    )
    expires_at: datetime


def _line(position: int, line: dict[str, Any]) -> InvoiceLine:
    base = line.get("base_date")
    return InvoiceLine(
        position=position,
        description=line.get("description", ""),
        code=line.get("code", ""),
        base_date=date.fromisoformat(base) if base else None,
        quantity=line["quantity"],
        unit_price=Money(amount=line["unit_price"]),
        amount=Money(amount=line["amount"]),
        tax_rate_percent=line["rate_percent"],
        reduced_rate=bool(line["reduced"]),
    )


@strawberry.type(
    name="Invoice",
    description="A qualified invoice (適格請求書) of one closed period: a snapshot that never "
    "changes; only its status moves. A correction is a new invoice naming the one it replaces.",
)
class InvoiceType(relay.Node):
    id: relay.NodeID[int]
    number: str
    status: InvoiceStatus  # type: ignore[valid-type]
    term: PaymentTerm  # type: ignore[valid-type]
    term_label: str
    period_start: date
    closing_date: date = strawberry.field(description="締め日: the period's last day.")
    invoice_date: date = strawberry.field(description="The invoice's date (請求日).")
    due_date: date = strawberry.field(description="お支払期限, moved to a business day.")
    company_id: strawberry.ID | None = strawberry.field(description="The billed company's ID.")
    issuer: InvoiceIssuer
    recipient: InvoiceRecipient
    subtotal: Money = strawberry.field(description="Σ bases, tax excluded.")
    tax_total: Money = strawberry.field(description="Σ tax, computed once per rate.")
    total: Money = strawberry.field(description="Tax included.")
    paid_amount: Money
    paid_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    replaces_id: strawberry.ID | None = strawberry.field(
        description="The voided invoice this one corrects, if it is a correction."
    )
    line_count: int
    row: strawberry.Private[Any]

    @strawberry.field(description="The invoice's lines, in order (from its snapshot).")
    def lines(self) -> list[InvoiceLine]:
        return [_line(n, line) for n, line in enumerate(self.row.lines, 1)]

    @strawberry.field(description="Per tax rate: taxable amount and tax (reduced rate marked).")
    def per_rate(self) -> list[InvoiceTaxRate]:
        return [
            InvoiceTaxRate(
                rate_percent=r["rate_percent"],
                reduced=bool(r["reduced"]),
                base=Money(amount=r["base"]),
                tax=Money(amount=r["tax"]),
            )
            for r in self.row.per_rate
        ]

    @strawberry.field(description="A signed link to the PDF, good for a few minutes.")
    async def pdf(self, info: strawberry.Info) -> InvoicePdfLink:
        actor = await info.context.actor()
        request = info.context.request
        base = str(request.base_url).rstrip("/") if request is not None else ""
        url, expires_at = links.pdf_link(info.context.rt, actor, self.row, base)
        return InvoicePdfLink(url=url, expires_at=expires_at)

    @classmethod
    def of(cls, row: Any, language: str = "ja") -> InvoiceType:
        r = row.recipient
        return cls(
            id=row.id,
            number=row.number,
            status=states.InvoiceStatus(row.status),
            term=states.PaymentTerm(row.term),
            term_label=term_label(row.term, language),
            period_start=row.period_start,
            closing_date=row.closing_date,
            invoice_date=row.invoice_date,
            due_date=row.due_date,
            company_id=strawberry.ID(to_global_id("Company", row.company_id))
            if row.company_id
            else None,
            issuer=InvoiceIssuer(
                name=row.issuer.get("name", ""),
                address_lines=list(row.issuer.get("lines", [])),
                registration_number=row.issuer.get("registration_number", ""),
            ),
            recipient=InvoiceRecipient(
                **{k: str(r.get(k) or "") for k in InvoiceRecipient.__annotations__}
            ),
            subtotal=Money(amount=row.subtotal),
            tax_total=Money(amount=row.tax_total),
            total=Money(amount=row.total),
            paid_amount=Money(amount=row.paid_amount),
            paid_at=row.paid_at,
            voided_at=row.voided_at,
            void_reason=row.void_reason or None,
            replaces_id=strawberry.ID(to_global_id("Invoice", row.replaces_id))
            if row.replaces_id
            else None,
            line_count=len(row.lines),
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[InvoiceType | None]:
        rows = await queries.invoices_by_keys(await info.context.actor(), list(node_ids))
        return [cls.of(r, info.context.language) if r else None for r in rows]


@strawberry.input(description="Narrow the invoice list; every field optional.")
class InvoiceFilter:
    status: InvoiceStatus | None = None  # type: ignore[valid-type]
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: one company's invoices."
    )
    closing_from: date | None = strawberry.field(
        default=None, description="Closing date on or after."
    )
    closing_to: date | None = strawberry.field(
        default=None, description="Closing date on or before."
    )
    number: str | None = None


@strawberry.type(description="A period a run could not close, and why.")
class BillingRunFailure:
    account: str
    company_id: strawberry.ID | None
    term: PaymentTerm  # type: ignore[valid-type]
    closing_date: date
    code: str
    reason: str


@strawberry.type(
    name="BillingRun",
    description="One closing run (cron, CLI or staff) and how far it got: periods due and "
    "done, invoices made, their total, and the periods that failed with their reasons.",
)
class BillingRunType(relay.Node):
    id: relay.NodeID[int]
    status: BillingRunStatus  # type: ignore[valid-type]
    trigger: str = strawberry.field(description="cron, cli or staff.")
    as_of: date = strawberry.field(description="Periods closing before this date were due.")
    periods_due: int
    periods_done: int
    invoices_made: int
    amount_total: Money = strawberry.field(description="Σ totals of the invoices it made.")
    failures: list[BillingRunFailure]
    started_at: datetime
    finished_at: datetime | None

    @strawberry.field(description="periodsDone / periodsDue in percent (100 when none due).")
    def percent(self) -> float:
        if not self.periods_due:
            return 100.0
        return round(min(100.0, 100.0 * self.periods_done / self.periods_due), 1)

    @classmethod
    def of(cls, row: Any) -> BillingRunType:
        return cls(
            id=row.id,
            status=states.BillingRunStatus(row.status),
            trigger=row.trigger,
            as_of=row.as_of,
            periods_due=row.periods_due,
            periods_done=row.periods_done,
            invoices_made=row.invoices_made,
            amount_total=Money(amount=row.amount_total),
            failures=[
                BillingRunFailure(
                    account=f.get("account", ""),
                    company_id=strawberry.ID(to_global_id("Company", f["companyId"]))
                    if f.get("companyId")
                    else None,
                    term=states.PaymentTerm[f["term"]],
                    closing_date=date.fromisoformat(f["closingDate"]),
                    code=f.get("code", ""),
                    reason=f.get("reason", ""),
                )
                for f in row.failures
            ],
            started_at=row.started_at,
            finished_at=row.finished_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[BillingRunType | None]:
        rows = await queries.billing_runs_by_keys(await info.context.actor(), list(node_ids))
        return [cls.of(r) if r else None for r in rows]


@strawberry.input
class BillingRunFilter:
    status: BillingRunStatus | None = None  # type: ignore[valid-type]


@strawberry.input(
    description="Staff: close what is due now. With companyId, that company's due periods "
    "are closed at once (after fixing its data); without, a run is queued for the workers."
)
class CloseBillingPeriodsInput:
    company_id: strawberry.ID | None = None
    as_of: date | None = strawberry.field(
        default=None,
        name="date",
        description="Close the periods due before this date (default today).",
    )


@strawberry.type
class CloseBillingPeriodsPayload:
    run: BillingRunType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Staff: a bank transfer received for an invoice.")
class RecordInvoicePaymentInput:
    invoice_id: strawberry.ID
    amount: int = strawberry.field(description="Yen received; must equal the amount outstanding.")
    paid_on: date  # type: ignore[valid-type]
    reference: str = strawberry.field(
        description="The bank statement line's reference (up to 128 characters); one payment "
        "per reference."
    )
    note: str = ""


@strawberry.type
class InvoicePayload:
    invoice: InvoiceType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="A line staff add to a correction (tax excluded).")
class InvoiceAdjustmentInput:
    description: str
    quantity: int
    unit_price: int
    tax_category: str = strawberry.field(default="standard", description="standard or reduced.")
    credit: bool = strawberry.field(default=False, description="A credit (negative) line.")


@strawberry.input(
    description="Staff: void an unpaid invoice; by default issue its correction at once (a new "
    "number naming the voided one, the recipient as it is now, plus any adjustments)."
)
class VoidInvoiceInput:
    invoice_id: strawberry.ID
    reason: str = strawberry.field(description="Why (up to 500 characters); recorded.")
    reissue: bool = True
    adjustments: list[InvoiceAdjustmentInput] = strawberry.field(default_factory=list)


@strawberry.type
class VoidInvoicePayload:
    voided: InvoiceType | None = None
    correction: InvoiceType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
