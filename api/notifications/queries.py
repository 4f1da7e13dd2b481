"""Staff reads of the outbox: the mail log and single mails by their global ID."""

from __future__ import annotations

import uuid
from typing import Any

from api.actor import Actor
from api.companies.permissions import StaffPermission
from api.notifications.models import OutboxMessage
from api.notifications.states import OutboxStatus

ORDERS = {"NEWEST": ("-created_at", "-id"), "OLDEST": ("created_at", "id")}


def mail_key(key: str) -> uuid.UUID | None:
    """A mail's primary key from the text inside its global ID (None: not a UUID)."""
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def mails(
    actor: Actor,
    *,
    status: OutboxStatus | None = None,
    to_address: str | None = None,
    sort: str = "NEWEST",
) -> Any:
    if not actor.can(StaffPermission.MANAGE_MAIL):
        return OutboxMessage.filter(id__in=[])
    qs = OutboxMessage.all()
    if status is not None:
        qs = qs.filter(status=status)
    if to_address:
        qs = qs.filter(to_address=to_address.strip().lower())
    return qs.order_by(*ORDERS[sort])


async def mails_by_keys(actor: Actor, keys: list[str]) -> list[OutboxMessage | None]:
    if not actor.can(StaffPermission.MANAGE_MAIL):
        return [None] * len(keys)
    wanted = [mail_key(k) for k in keys]
    ids = [i for i in wanted if i is not None]
    found = {m.id: m for m in await OutboxMessage.filter(id__in=ids)} if ids else {}
    return [found.get(i) if i is not None else None for i in wanted]
