"""The billing domain's writes: payment terms (issue 14).

Payment terms (支払条件, seed 000 §7): a company has one of the terms the store
offers; a member with `manage_company` changes it. The mid-period rule:

    A change takes effect at the moment it is recorded. Every document made from
    that moment (quote, order, contract) records the new term, every document made
    before keeps the term it was made under, and a charge is billed under the term
    of the document it comes from. A period in which the term changed therefore
    closes twice: once under the old term (the charges of documents made before
    the change, on the old term's closing date) and once under the new one. No
    charge moves between invoices because of a later change.

Guests and members without a company have 月末締め/翌月末払い only.
"""

from __future__ import annotations

from datetime import date, datetime

from api import clock
from api.actor import Actor
from api.billing.models import PaymentTermChange
from api.billing.states import PaymentTerm
from api.billing.terms import GUEST_TERM, PeriodDates, SettlementCalendar, period_dates
from api.calendar.service import load_calendar
from api.companies.models import Company
from api.companies.permissions import MemberPermission
from api.db import unit_of_work
from api.errors import DomainError
from api.runtime import Runtime


async def term_at(company_id: int | None, at: datetime | None = None) -> PaymentTerm:
    """The payment term of a company (None: a guest) for a document made at `at` (now)."""
    if company_id is None:
        return GUEST_TERM
    at = at or clock.now()
    change = (
        await PaymentTermChange.filter(company_id=company_id, effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .first()
    )
    return change.term if change else GUEST_TERM


async def term_for_document(company_id: int | None) -> PaymentTerm:
    """What quotes, orders and contracts record when they are made: the term in force now."""
    return await term_at(company_id)


def offered_terms(rt: Runtime) -> tuple[PaymentTerm, ...]:
    return rt.policy.billing.payment_terms


async def change_payment_term(
    rt: Runtime, actor: Actor, term: PaymentTerm | str
) -> tuple[PaymentTerm, PaymentTermChange | None]:
    """Change the actor's company's term; documents made from now on get it.

    Choosing the term already in force records nothing and answers the current one.
    """
    actor.require(MemberPermission.MANAGE_COMPANY)
    company_id = actor.company_id
    if company_id is None:
        raise DomainError.of("NO_COMPANY")
    try:
        term = PaymentTerm(term)
    except ValueError:
        raise DomainError.of("PAYMENT_TERM_NOT_OFFERED", "term") from None
    offered = offered_terms(rt)
    if term not in offered:
        raise DomainError.of("PAYMENT_TERM_NOT_OFFERED", "term", offered=[t.name for t in offered])
    async with unit_of_work():
        # Two administrators changing at once: serialised on the company row, so each
        # change's previous_term is the one really in force before it.
        await Company.filter(id=company_id).select_for_update().first()
        now = clock.now()
        current = await term_at(company_id, now)
        if current == term:
            return current, None
        change = await PaymentTermChange.create(
            company_id=company_id,
            term=term,
            previous_term=current,
            effective_at=now,
            changed_by_id=actor.user_id,
        )
    return term, change


EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)


async def settlement_calendar() -> SettlementCalendar:
    """The store's business calendar (closures from the database) without Dec 31 – Jan 3."""
    return SettlementCalendar.of(await load_calendar())


async def payment_dates(rt: Runtime, term: PaymentTerm | str, base: date) -> PeriodDates:
    """The period, invoice date and due date of a charge dated `base` under `term`."""
    if not EARLIEST_DATE <= base <= LATEST_DATE:
        raise DomainError.of(
            "OUT_OF_RANGE", "baseDate", min=EARLIEST_DATE.isoformat(), max=LATEST_DATE.isoformat()
        )
    return period_dates(await settlement_calendar(), term, base, rt.policy.billing.due_date_shift)
