"""Reads of the support domain, scoped by the actor. No GraphQL here.

Each function answers the rows the actor may see; the list fields page them
and `node(id:)` uses the same scopes, so a list and a lookup by ID can never
disagree about visibility.
"""

from __future__ import annotations

from typing import Any

from api.actor import Actor
from api.companies.permissions import StaffPermission
from api.db import rows_by_keys
from api.support.models import Inquiry, WithdrawalRequest
from api.support.states import InquiryCategory, InquiryStatus, WithdrawalStatus


def own_rows_scope(actor: Actor) -> dict[str, Any] | None:
    """Staff see every inquiry and request, members their own, anonymous callers none."""
    if actor.is_staff:
        return {}
    if actor.user_id is None:
        return None
    return {"user_id": actor.user_id}


def inquiries(
    actor: Actor,
    *,
    status: InquiryStatus | None = None,
    category: InquiryCategory | None = None,
) -> Any:
    actor.require(StaffPermission.MANAGE_INQUIRIES)
    qs = Inquiry.all()
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("created_at", "id")


def my_inquiries(actor: Actor) -> Any:
    user = actor.require_user()
    return Inquiry.filter(user_id=user.id).order_by("-created_at", "-id")


def withdrawal_requests(actor: Actor, *, status: WithdrawalStatus | None = None) -> Any:
    actor.require(StaffPermission.MANAGE_CUSTOMERS)
    qs = WithdrawalRequest.all()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


async def my_withdrawal_request(actor: Actor) -> WithdrawalRequest | None:
    user = actor.require_user()
    return await WithdrawalRequest.filter(user_id=user.id).order_by("-created_at", "-id").first()


async def inquiries_by_keys(actor: Actor, keys: list[str]) -> list[Inquiry | None]:
    return await rows_by_keys(Inquiry, keys, own_rows_scope(actor))


async def withdrawal_requests_by_keys(
    actor: Actor, keys: list[str]
) -> list[WithdrawalRequest | None]:
    return await rows_by_keys(WithdrawalRequest, keys, own_rows_scope(actor))
