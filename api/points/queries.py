"""Reads of the points ledger, scoped by the actor: a member reads their own."""

from __future__ import annotations

from typing import Any

from api.actor import Actor
from api.companies.permissions import StaffPermission
from api.points.models import PointEntry


def may_read(actor: Actor, user_id: int) -> bool:
    """A member reads their own ledger; staff who look after customers read anyone's."""
    return actor.user_id == user_id or actor.can(StaffPermission.MANAGE_CUSTOMERS)


def history(actor: Actor, user_id: int) -> Any:
    """A member's ledger entries, newest first (nothing outside the actor's reach)."""
    if not may_read(actor, user_id):
        return PointEntry.filter(id__in=[])
    return PointEntry.filter(user_id=user_id).order_by("-id")


def my_history(actor: Actor) -> Any:
    """The caller's own ledger entries, newest first."""
    user = actor.require_user()
    return history(actor, user.id)


HISTORY_COLUMNS = (
    "id",
    "kind",
    "points",
    "balance_after",
    "order_ref",
    "reason",
    "posted_on",
    "created_at",
)
