"""Payment terms in the schema (issue 14).

Thin: each resolver reads its input, calls one `api.billing.service` or
`api.billing.queries` function with the request's `Actor`, and builds the result.
"""

from __future__ import annotations

from datetime import date

import strawberry

from api.billing import invoices, queries, service
from api.billing.terms import GUEST_TERM, term_label
from api.billing.types import (
    BillingRunFilter,
    BillingRunType,
    ChangePaymentTermInput,
    ChangePaymentTermPayload,
    CloseBillingPeriodsInput,
    CloseBillingPeriodsPayload,
    CurrentPaymentTerm,
    InvoiceFilter,
    InvoicePayload,
    InvoiceType,
    PaymentPeriod,
    PaymentTerm,
    PaymentTermChangeType,
    PaymentTermOption,
    RecordInvoicePaymentInput,
    VoidInvoiceInput,
    VoidInvoicePayload,
)
from api.companies.permissions import MemberPermission
from api.graphql.connections import Page, connection
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated, IsStaff


def _current(actor, term, language: str, rt) -> CurrentPaymentTerm:  # noqa: ANN001
    changeable = actor.company_id is not None and actor.can(MemberPermission.MANAGE_COMPANY)
    offered = service.offered_terms(rt) if actor.company_id is not None else (GUEST_TERM,)
    return CurrentPaymentTerm(
        term=term,
        label=term_label(term, language),
        changeable=changeable,
        options=[PaymentTermOption.of(t, language) for t in offered],
    )


@strawberry.type
class BillingQuery:
    @strawberry.field(description="The payment terms this store offers (guests: the first).")
    def payment_terms(self, info: strawberry.Info) -> list[PaymentTermOption]:
        ctx = info.context
        return [PaymentTermOption.of(t, ctx.language) for t in service.offered_terms(ctx.rt)]

    @strawberry.field(
        description="The period, invoice date and due date a charge dated baseDate gets under "
        "a term, with this store's business calendar (baseDate 2000-01-01 to 2999-12-31)."
    )
    async def payment_period(
        self,
        info: strawberry.Info,
        term: PaymentTerm,
        base_date: date,  # type: ignore[valid-type]
    ) -> PaymentPeriod:
        return PaymentPeriod.of(await service.payment_dates(info.context.rt, term, base_date))

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The payment term the caller's new quotes and orders get now.",
    )
    async def my_payment_term(self, info: strawberry.Info) -> CurrentPaymentTerm:
        ctx = info.context
        actor = await ctx.actor()
        term = await service.term_at(queries.member_company(actor))
        return _current(actor, term, ctx.language, ctx.rt)

    @connection(
        permission_classes=[IsAuthenticated],
        description="A company's payment term changes, newest first. Members: their own "
        "company (companyId may be left out); staff with manage_billing: name the company.",
    )
    async def payment_term_history(
        self, info: strawberry.Info, company_id: strawberry.ID | None = None
    ) -> Connection[PaymentTermChangeType]:
        actor = await info.context.actor()
        company = int_id(company_id, "Company", "companyId") if company_id else None
        rows = queries.payment_term_history(actor, company)
        return Page(rows, PaymentTermChangeType.from_row)  # type: ignore[return-value]

    @connection(
        permission_classes=[IsAuthenticated],
        description="Invoices, newest closing first. Members with view_invoices: their "
        "company's; staff with manage_billing: all, filtered by period, status and company.",
    )
    async def invoices(
        self, info: strawberry.Info, filter: InvoiceFilter | None = None
    ) -> Connection[InvoiceType]:
        ctx = info.context
        f = filter or InvoiceFilter()
        rows = queries.invoices(
            await ctx.actor(),
            status=f.status,
            company_id=int_id(f.company_id, "Company", "companyId") if f.company_id else None,
            closing_from=f.closing_from,
            closing_to=f.closing_to,
            number=f.number,
        )
        language = ctx.language
        return Page(rows, lambda row: InvoiceType.of(row, language))  # type: ignore[return-value]

    @connection(
        permission_classes=[IsStaff],
        description="Staff with manage_billing: closing runs, newest first, with progress.",
    )
    async def billing_runs(
        self, info: strawberry.Info, filter: BillingRunFilter | None = None
    ) -> Connection[BillingRunType]:
        rows = queries.billing_runs(
            await info.context.actor(), status=filter.status if filter else None
        )
        return Page(rows, BillingRunType.of)  # type: ignore[return-value]


@strawberry.type
class BillingMutation:
    @mutation(
        permission_classes=[IsAuthenticated],
        description="Members with manage_company: change the company's payment term. It applies "
        "to quotes, orders and contracts made from now on; earlier ones keep theirs.",
    )
    async def change_payment_term(
        self, info: strawberry.Info, input: ChangePaymentTermInput
    ) -> ChangePaymentTermPayload:
        ctx = info.context
        actor = await ctx.actor()
        term, change = await service.change_payment_term(ctx.rt, actor, input.term)
        return ChangePaymentTermPayload(
            payment_term=_current(actor, term, ctx.language, ctx.rt),
            change=PaymentTermChangeType.from_row(change) if change else None,
        )

    @mutation(
        permission_classes=[IsStaff],
        description="Staff with manage_billing: close what is due. With companyId: that "
        "company's due periods at once (re-run after fixing its data); without: a run for "
        "every company, queued for the workers.",
    )
    async def close_billing_periods(
        self, info: strawberry.Info, input: CloseBillingPeriodsInput
    ) -> CloseBillingPeriodsPayload:
        ctx = info.context
        company = int_id(input.company_id, "Company", "companyId") if input.company_id else None
        run = await service.staff_close(ctx.rt, await ctx.actor(), company, input.as_of)
        return CloseBillingPeriodsPayload(run=BillingRunType.of(run))

    @mutation(
        permission_classes=[IsStaff],
        description="Staff with manage_billing: record a bank transfer received for an "
        "invoice; it is PAID once the amount outstanding is received.",
    )
    async def record_invoice_payment(
        self, info: strawberry.Info, input: RecordInvoicePaymentInput
    ) -> InvoicePayload:
        ctx = info.context
        invoice, _ = await invoices.record_bank_payment(
            ctx.rt,
            await ctx.actor(),
            int_id(input.invoice_id, "Invoice", "invoiceId"),
            amount=input.amount,
            paid_on=input.paid_on,
            reference=input.reference,
            note=input.note,
        )
        return InvoicePayload(invoice=InvoiceType.of(invoice, ctx.language))

    @mutation(
        permission_classes=[IsStaff],
        description="Staff with manage_billing: void an unpaid invoice and (by default) issue "
        "the correction that names it. Issued invoices themselves never change.",
    )
    async def void_invoice(
        self, info: strawberry.Info, input: VoidInvoiceInput
    ) -> VoidInvoicePayload:
        ctx = info.context
        voided, correction = await invoices.void_invoice(
            ctx.rt,
            await ctx.actor(),
            int_id(input.invoice_id, "Invoice", "invoiceId"),
            reason=input.reason,
            reissue=input.reissue,
            adjustments=[
                invoices.Adjustment(
                    description=a.description,
                    quantity=a.quantity,
                    unit_price=a.unit_price,
                    tax_category=a.tax_category,
                    credit=a.credit,
                )
                for a in input.adjustments
            ],
        )
        return VoidInvoicePayload(
            voided=InvoiceType.of(voided, ctx.language),
            correction=InvoiceType.of(correction, ctx.language) if correction else None,
        )


__all__ = ["BillingMutation", "BillingQuery", "PaymentTermChangeType"]
