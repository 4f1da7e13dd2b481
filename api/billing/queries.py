"""Reads of the billing domain, scoped by the actor. No GraphQL here."""

from __future__ import annotations

from typing import Any

from api.actor import Actor
from api.billing.models import BillingRun, Invoice, PaymentTermChange
from api.companies.permissions import MemberPermission, StaffPermission
from api.db import MAX_ROW_ID, rows_by_keys
from api.errors import DomainError


def company_scope(actor: Actor) -> dict[str, Any] | None:
    """Staff with billing rights see every company's rows, members their own company's."""
    if actor.can(StaffPermission.MANAGE_BILLING):
        return {}
    if actor.company_id is None:
        return None
    return {"company_id": actor.company_id}


def _company_for(actor: Actor, company_id: int | None) -> int:
    """The company a read is about: a member's own; staff name one."""
    if actor.is_staff:
        actor.require(StaffPermission.MANAGE_BILLING)
        if company_id is None:
            raise DomainError.of("REQUIRED", "companyId")
        if not 0 < company_id <= MAX_ROW_ID:
            raise DomainError.of("NOT_FOUND", "companyId")
        return company_id
    actor.require_user()
    if actor.company_id is None:
        raise DomainError.of("NO_COMPANY")
    if company_id is not None and company_id != actor.company_id:
        raise DomainError.of("NOT_FOUND", "companyId")
    return actor.company_id


def payment_term_history(actor: Actor, company_id: int | None = None) -> Any:
    """A company's term changes, newest first (members: their own company)."""
    if not actor.is_staff:
        actor.require(MemberPermission.VIEW_INVOICES)
    company = _company_for(actor, company_id)
    return PaymentTermChange.filter(company_id=company).order_by("-effective_at", "-id")


def member_company(actor: Actor) -> int | None:
    """The member's company, or None for a member without one (the guests' term)."""
    actor.require_user()
    return actor.company_id


async def payment_term_changes_by_keys(
    actor: Actor, keys: list[str]
) -> list[PaymentTermChange | None]:
    return await rows_by_keys(PaymentTermChange, keys, company_scope(actor))


# ---- invoices ---------------------------------------------------------------------------


def invoice_scope(actor: Actor) -> dict[str, Any] | None:
    """Who reads which invoices: staff with manage_billing all; a member with
    view_invoices their company's (a member without a company: their own); nobody else.
    The list and `node(id:)` share it, so another company's invoice is NOT_FOUND."""
    if actor.is_staff:
        return {} if actor.can(StaffPermission.MANAGE_BILLING) else None
    if actor.user_id is None or not actor.can(MemberPermission.VIEW_INVOICES):
        return None
    if actor.company_id is not None:
        return {"company_id": actor.company_id}
    return {"account_key": f"u{actor.user_id}"}


def invoices(
    actor: Actor,
    *,
    status: Any = None,
    company_id: int | None = None,
    closing_from: Any = None,
    closing_to: Any = None,
    number: str | None = None,
) -> Any:
    """Newest closing first. Refused (not empty) for a caller who may read none."""
    if actor.is_staff:
        actor.require(StaffPermission.MANAGE_BILLING)
    else:
        actor.require(MemberPermission.VIEW_INVOICES)
    visible = invoice_scope(actor)
    if visible is None:
        raise DomainError.of("FORBIDDEN")
    qs = Invoice.filter(**visible)
    if status is not None:
        qs = qs.filter(status=status)
    if company_id is not None:
        if not 0 < company_id <= MAX_ROW_ID or (
            not actor.is_staff and company_id != actor.company_id
        ):
            raise DomainError.of("NOT_FOUND", "companyId")  # another company: as if none
        qs = qs.filter(company_id=company_id)
    if closing_from is not None:
        qs = qs.filter(closing_date__gte=closing_from)
    if closing_to is not None:
        qs = qs.filter(closing_date__lte=closing_to)
    if number:
        qs = qs.filter(number=number)
    return qs.order_by("-closing_date", "-id")


async def invoice(actor: Actor, invoice_id: int) -> Invoice | None:
    visible = invoice_scope(actor)
    if visible is None or not 0 < invoice_id <= MAX_ROW_ID:
        return None
    return await Invoice.filter(id=invoice_id, **visible).first()


async def invoices_by_keys(actor: Actor, keys: list[str]) -> list[Invoice | None]:
    return await rows_by_keys(Invoice, keys, invoice_scope(actor))


async def numbers_of(invoice_ids: list[int]) -> dict[int, str]:
    """Invoice numbers by id in one statement (the invoices a page's corrections replace)."""
    if not invoice_ids:
        return {}
    rows = await Invoice.filter(id__in=invoice_ids).values_list("id", "number")
    return dict(rows)


def billing_runs(actor: Actor, *, status: Any = None) -> Any:
    actor.require(StaffPermission.MANAGE_BILLING)
    qs = BillingRun.all()
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


async def billing_runs_by_keys(actor: Actor, keys: list[str]) -> list[BillingRun | None]:
    scope = {} if actor.can(StaffPermission.MANAGE_BILLING) else None
    return await rows_by_keys(BillingRun, keys, scope)
