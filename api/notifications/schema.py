"""Staff view of the outbox: find mails that failed and send them again."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api.companies.permissions import StaffPermission
from api.db import unit_of_work
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import from_global_id
from api.graphql.pagination import Connection, SortOrder, paginate
from api.graphql.permissions import requires
from api.notifications import outbox
from api.notifications.models import OutboxMessage
from api.notifications.models import OutboxStatus as OutboxStatusModel

MANAGE_MAIL = requires(StaffPermission.MANAGE_MAIL)

MailStatus = strawberry.enum(
    Enum("MailStatus", {s.name: s.value for s in OutboxStatusModel}), name="MailStatus"
)


@strawberry.type(name="Mail", description="An email in the outbox.")
class MailType(relay.Node):
    id: relay.NodeID[str]
    template: str
    to_address: str
    language: str
    status: MailStatus  # type: ignore[valid-type]
    attempts: int
    last_error: str
    request_id: str
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_model(cls, m: OutboxMessage) -> MailType:
        return cls(
            id=str(m.id),
            template=m.template,
            to_address=m.to_address,
            language=m.language,
            status=MailStatus(m.status.value),
            attempts=m.attempts,
            last_error=m.last_error,
            request_id=m.request_id,
            created_at=m.created_at,
            sent_at=m.sent_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[MailType | None]:
        keys = list(node_ids)
        if not info.context.caller.is_staff:
            return [None] * len(keys)
        valid = [k for k in keys if _is_uuid(k)]
        found = {str(m.id): m for m in await OutboxMessage.filter(id__in=valid)} if valid else {}
        return [cls.from_model(found[k]) if k in found else None for k in keys]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


MailSort = strawberry.enum(Enum("MailSort", {k: k for k in ("NEWEST", "OLDEST")}), name="MailSort")
MAIL_ORDERS = SortOrder({"NEWEST": ("-created_at", "-id"), "OLDEST": ("created_at", "id")})


@strawberry.input
class MailFilter:
    status: MailStatus | None = None  # type: ignore[valid-type]
    to_address: str | None = None


@strawberry.input
class ResendMailInput:
    mail_id: strawberry.ID


@strawberry.type
class ResendMailPayload:
    mail: MailType | None = strawberry.field(
        description="The row that will be sent: the same one for a FAILED mail, a new one "
        "for a mail that was already SENT."
    )
    user_errors: list[UserError]


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        permission_classes=[MANAGE_MAIL], description="Staff: the outbox, newest first."
    )
    async def mails(
        self,
        info: strawberry.Info,
        filter: MailFilter | None = None,
        sort: MailSort = MailSort.NEWEST,  # type: ignore[valid-type,attr-defined]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[MailType]:
        qs = OutboxMessage.all()
        if filter and filter.status:
            qs = qs.filter(status=filter.status.value)
        if filter and filter.to_address:
            qs = qs.filter(to_address=filter.to_address.strip().lower())
        return await paginate(
            qs.order_by(*MAIL_ORDERS.fields(sort)),
            MailType.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(
        permission_classes=[MANAGE_MAIL],
        description="Staff: send a failed (or already sent) mail again.",
    )
    async def resend_mail(self, info: strawberry.Info, input: ResendMailInput) -> ResendMailPayload:
        try:
            key = from_global_id(input.mail_id, "Mail", "mailId")
            if not _is_uuid(key):
                raise DomainError.of("NOT_FOUND", "mailId")
            async with unit_of_work():
                mail = await outbox.resend(
                    info.context.rt, uuid.UUID(key), actor_id=info.context.caller.user_id
                )
        except DomainError as e:
            return ResendMailPayload(mail=None, user_errors=user_errors(e, info))
        return ResendMailPayload(mail=MailType.from_model(mail), user_errors=[])
