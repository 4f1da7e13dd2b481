"""Staff actions on the outbox, callable from the schema, the CLI and workers alike."""

from __future__ import annotations

from api.actor import Actor
from api.companies.permissions import StaffPermission
from api.db import unit_of_work
from api.errors import DomainError
from api.notifications import outbox, queries
from api.notifications.models import OutboxMessage
from api.runtime import Runtime


async def resend_mail(rt: Runtime, actor: Actor, key: str) -> OutboxMessage:
    """Send a FAILED mail again, or a copy of a SENT one (see `outbox.resend`)."""
    actor.require(StaffPermission.MANAGE_MAIL)
    message_id = queries.mail_key(key)
    if message_id is None:
        raise DomainError.of("NOT_FOUND", "mailId")
    async with unit_of_work():
        return await outbox.resend(rt, message_id, actor_id=actor.user_id)
