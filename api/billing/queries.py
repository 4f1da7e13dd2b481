"""Reads of the billing domain, scoped by the actor. No GraphQL here."""

from __future__ import annotations

from typing import Any

from api.actor import Actor
from api.billing.models import PaymentTermChange
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
