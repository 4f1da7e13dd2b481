"""Reads of the points ledger, scoped by the actor: a member reads their own."""

from __future__ import annotations

from typing import Any

from api.points.models import PointEntry


def my_history(actor: Any) -> Any:
    """The member's ledger entries, newest first."""
    user = actor.require_user()
    return PointEntry.filter(user_id=user.id).order_by("-id")


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
