"""The outbox: durable, exactly-once-marked delivery of every email.

A mail is a row written in the caller's transaction. After commit its id is
enqueued as an arq job (job id = row id, so arq de-duplicates). The worker
claims the row with a conditional UPDATE (PENDING -> SENDING), sends, and
marks it SENT; a row marked SENT is never claimed again. The sweeper puts
rows back on the queue that a lost Redis, a crash between commit and enqueue
or a killed worker left behind.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import Q

from api import clock
from api.audit.models import StatusTransition
from api.db import after_commit
from api.errors import DomainError
from api.logs import current_request_id
from api.notifications.models import OutboxMessage, OutboxStatus
from api.runtime import Runtime

log = logging.getLogger(__name__)

SEND_MAIL_JOB = "send_mail"


def job_id(message_id: uuid.UUID | str) -> str:
    return f"mail:{message_id}"


async def queue_mail(
    rt: Runtime, template: str, to: str, context: dict[str, Any], language: str = "ja"
) -> OutboxMessage:
    """Write a mail into the outbox; it is enqueued once the transaction commits."""
    message = await OutboxMessage.create(
        id=uuid.uuid4(),
        template=template,
        to_address=to,
        language=language,
        context=context,
        request_id=current_request_id(),
    )

    async def enqueue() -> None:
        await dispatch(rt, [message.id])

    after_commit(enqueue)
    return message


async def dispatch(rt: Runtime, message_ids: list[uuid.UUID]) -> int:
    """Enqueue rows; a failure here is logged and left to the sweeper, never raised."""
    queued = 0
    for message_id in message_ids:
        try:
            if await rt.queue.enqueue(SEND_MAIL_JOB, str(message_id), job_id=job_id(message_id)):
                queued += 1
        except Exception:  # Redis down: the row is safe in the database.
            log.warning(
                "outbox enqueue failed; the sweeper will retry",
                exc_info=True,
                extra={"outbox_id": str(message_id)},
            )
    return queued


# claim() and mark_sent() run for every mail, so each is one hand-written statement
# (through Tortoise's connection, so it joins a surrounding transaction): the ORM
# spelling cost two statements for a claim (UPDATE, then SELECT the row) and about
# 1 ms of worker CPU per statement, and every statement also pays asyncpg's reset
# on pool release (bench/README.md). RETURNING needs PostgreSQL or SQLite >= 3.35.
_TABLE = OutboxMessage._meta.db_table
_FIELDS = OutboxMessage._meta.fields_map


def _db(name: str, value: Any) -> Any:
    """A Python value as Tortoise writes it for this column."""
    return _FIELDS[name].to_db_value(value, OutboxMessage)


def _placeholders(conn: Any, count: int) -> list[str]:
    # asyncpg numbers its parameters; sqlite takes question marks.
    if conn.capabilities.dialect == "sqlite":
        return ["?"] * count
    return [f"${i}" for i in range(1, count + 1)]


async def claim(message_id: str) -> OutboxMessage | None:
    """Take a PENDING row for sending; None if it is sent, failed or claimed elsewhere.

    One conditional UPDATE ... RETURNING: only the worker whose UPDATE matched the
    PENDING row gets it back, so two jobs for one row never both send it.
    """
    now = clock.now()
    conn = connections.get("default")
    p = _placeholders(conn, 5)
    rows = await conn.execute_query_dict(
        f'UPDATE "{_TABLE}" SET "status"={p[0]}, "claimed_at"={p[1]}, '  # noqa: S608 - no input
        f'"attempts"="attempts"+1, "updated_at"={p[2]} '
        f'WHERE "id"={p[3]} AND "status"={p[4]} RETURNING *',
        [
            _db("status", OutboxStatus.SENDING),
            _db("claimed_at", now),
            _db("updated_at", now),
            _db("id", message_id),
            _db("status", OutboxStatus.PENDING),
        ],
    )
    if len(rows) != 1:
        return None
    return OutboxMessage._init_from_db(**rows[0])


async def mark_sent(message: OutboxMessage) -> bool:
    now = clock.now()
    conn = connections.get("default")
    p = _placeholders(conn, 6)
    done, _ = await conn.execute_query(
        f'UPDATE "{_TABLE}" SET "status"={p[0]}, "sent_at"={p[1]}, "last_error"={p[2]}, '  # noqa: S608
        f'"updated_at"={p[3]} WHERE "id"={p[4]} AND "status"={p[5]}',
        [
            _db("status", OutboxStatus.SENT),
            _db("sent_at", now),
            "",
            _db("updated_at", now),
            _db("id", message.id),
            _db("status", OutboxStatus.SENDING),
        ],
    )
    return done == 1


async def mark_attempt_failed(
    rt: Runtime, message: OutboxMessage, error: str, *, permanent: bool
) -> float | None:
    """Record a failed attempt. Returns the delay before the next try, or None if FAILED."""
    now = clock.now()
    last = permanent or message.attempts >= rt.settings.outbox_max_attempts
    if last:
        await OutboxMessage.filter(id=message.id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.FAILED, last_error=error[:2000], updated_at=now
        )
        log.error("mail failed for good", extra={"outbox_id": str(message.id), "error": error})
        return None
    delay = rt.settings.outbox_retry_base_seconds * (2 ** (message.attempts - 1))
    await OutboxMessage.filter(id=message.id, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.PENDING,
        last_error=error[:2000],
        next_attempt_at=now + timedelta(seconds=delay),
        updated_at=now,
    )
    return delay


async def sweep(rt: Runtime, stale_seconds: int | None = None) -> dict[str, int]:
    """Re-enqueue what was left behind. Safe to run any number of times, anywhere."""
    stale = rt.settings.outbox_stale_seconds if stale_seconds is None else stale_seconds
    now = clock.now()
    cutoff = now - timedelta(seconds=stale)
    # A worker that died mid-send never marked its claim: give the row back and
    # queue it now (its updated_at is fresh, so the query below would not see it).
    stuck = (
        await OutboxMessage.filter(status=OutboxStatus.SENDING, claimed_at__lte=cutoff)
        .limit(rt.settings.outbox_sweep_batch)
        .values_list("id", flat=True)
    )
    reclaimed = []
    for message_id in stuck:
        if await OutboxMessage.filter(
            id=message_id, status=OutboxStatus.SENDING, claimed_at__lte=cutoff
        ).update(status=OutboxStatus.PENDING, updated_at=now):
            reclaimed.append(message_id)
    due = (
        await OutboxMessage.filter(status=OutboxStatus.PENDING, updated_at__lte=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .limit(rt.settings.outbox_sweep_batch)
        .values_list("id", flat=True)
    )
    enqueued = await dispatch(rt, [*reclaimed, *due])
    return {"reclaimed": len(reclaimed), "due": len(due), "enqueued": enqueued}


async def resend(rt: Runtime, message_id: uuid.UUID, *, actor_id: int | None) -> OutboxMessage:
    """Staff: give a FAILED (or SENT, on request of the customer) mail another go.

    A SENT row stays SENT; re-sending it writes a new row, so the history of
    what was delivered is never rewritten.
    """
    message = await OutboxMessage.get_or_none(id=message_id)
    if message is None:
        raise DomainError.of("NOT_FOUND", "id")
    if message.status == OutboxStatus.SENT:
        copy = await queue_mail(
            rt, message.template, message.to_address, message.context, message.language
        )
        return copy
    if message.status != OutboxStatus.FAILED:
        raise DomainError.of("INVALID_STATUS", "id")
    now = clock.now()
    updated = await OutboxMessage.filter(id=message.id, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None, updated_at=now
    )
    if updated != 1:
        raise DomainError.of("INVALID_STATUS", "id")
    await StatusTransition.create(
        entity="outbox_message",
        entity_id=str(message.id),
        from_status="failed",
        to_status="pending",
        actor_id=actor_id,
        reason="resent by staff",
    )

    async def enqueue() -> None:
        await dispatch(rt, [message.id])

    after_commit(enqueue)
    await message.refresh_from_db()
    return message
