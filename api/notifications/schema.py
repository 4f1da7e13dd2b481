"""Staff view of the outbox: find mails that failed and send them again.

Thin: reads from `api.notifications.queries`, the resend from
`api.notifications.service` (which checks MANAGE_MAIL and owns its transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api.companies.permissions import StaffPermission
from api.graphql.connections import Page, connection
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import requires
from api.graphql.rows import FromRow
from api.notifications import queries, service
from api.notifications.states import OutboxStatus

MANAGE_MAIL = requires(StaffPermission.MANAGE_MAIL)

MailStatus = strawberry.enum(OutboxStatus, name="MailStatus")


@strawberry.type(name="Mail", description="An email in the outbox.")
class MailType(FromRow, relay.Node):
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
    def of(cls, row: Any) -> MailType:
        return cls.from_row(row, id=str(row.id))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[MailType | None]:
        rows = await queries.mails_by_keys(await info.context.actor(), list(node_ids))
        return [cls.of(m) if m else None for m in rows]


MailSort = strawberry.enum(Enum("MailSort", {k: k for k in queries.ORDERS}), name="MailSort")


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
        default=None,
        description="The row that will be sent: the same one for a FAILED mail, a new one "
        "for a mail that was already SENT.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationsQuery:
    @connection(permission_classes=[MANAGE_MAIL], description="Staff: the outbox, newest first.")
    async def mails(
        self,
        info: strawberry.Info,
        filter: MailFilter | None = None,
        sort: MailSort | None = MailSort.NEWEST,  # type: ignore[valid-type,attr-defined]
    ) -> Connection[MailType]:
        rows = queries.mails(
            await info.context.actor(),
            status=filter.status if filter else None,
            to_address=filter.to_address if filter else None,
            sort=sort.value if sort else "NEWEST",
        )
        return Page(rows, MailType.of)  # type: ignore[return-value]


@strawberry.type
class NotificationsMutation:
    @mutation(
        permission_classes=[MANAGE_MAIL],
        description="Staff: send a failed (or already sent) mail again.",
    )
    async def resend_mail(self, info: strawberry.Info, input: ResendMailInput) -> ResendMailPayload:
        mail = await service.resend_mail(
            info.context.rt,
            await info.context.actor(),
            from_global_id(input.mail_id, "Mail", "mailId"),
        )
        return ResendMailPayload(mail=MailType.of(mail))
