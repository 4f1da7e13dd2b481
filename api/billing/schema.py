"""Payment terms in the schema (issue 14).

Thin: each resolver reads its input, calls one `api.billing.service` or
`api.billing.queries` function with the request's `Actor`, and builds the result.
"""

from __future__ import annotations

from datetime import date

import strawberry

from api.billing import queries, service
from api.billing.terms import GUEST_TERM, term_label
from api.billing.types import (
    ChangePaymentTermInput,
    ChangePaymentTermPayload,
    CurrentPaymentTerm,
    PaymentPeriod,
    PaymentTerm,
    PaymentTermChangeType,
    PaymentTermOption,
)
from api.companies.permissions import MemberPermission
from api.graphql.connections import Page, connection
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated


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


__all__ = ["BillingMutation", "BillingQuery", "PaymentTermChangeType"]
