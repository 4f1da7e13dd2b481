"""The outbox: durable, exactly-once-marked delivery of every email.

A mail is a row written in the caller's transaction. After commit its id is
enqueued as an arq job (job id = row id, so arq de-duplicates). The worker
claims the row with a conditional UPDATE (PENDING -> SENDING), sends, and
marks it SENT; a row marked SENT is never claimed again. The sweeper puts
rows back on the queue that a lost Redis, a crash between commit and enqueue
or a killed worker left behind.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
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


def job_id(message_id: uuid.UUID | str, generation: int = 0) -> str:
    """The arq job id of a row's send. The sweeper re-queues a row under a new
    generation (its attempt count): arq refuses an id whose job key still exists,
    which the job of a killed worker keeps until its in-progress key expires."""
    return f"mail:{message_id}" if not generation else f"mail:{message_id}:{generation}"


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


async def dispatch(
    rt: Runtime, message_ids: Sequence[uuid.UUID], generations: Sequence[int] | None = None
) -> int:
    """Enqueue rows; a failure here is logged and left to the sweeper, never raised."""
    queued = 0
    for i, message_id in enumerate(message_ids):
        generation = generations[i] if generations is not None else 0
        try:
            if await rt.queue.enqueue(
                SEND_MAIL_JOB, str(message_id), job_id=job_id(message_id, generation)
            ):
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


# A mail the SMTP server accepted is remembered in Redis before the row is marked
# SENT. If marking fails for longer than MAIL_MARK_SENT_RETRY_SECONDS (or the worker
# dies in between), the row is reclaimed by the sweeper and the next attempt finds
# the mark and only marks the row: the mail is neither sent twice nor lost.
DELIVERED_PREFIX = "outbox:delivered:"
DELIVERED_TTL_SECONDS = 2 * 24 * 3600


async def remember_delivered(rt: Runtime, message_id: uuid.UUID | str) -> None:
    try:
        await rt.redis.set(f"{DELIVERED_PREFIX}{message_id}", b"1", ex=DELIVERED_TTL_SECONDS)
    except Exception:
        log.warning("could not record a delivery in Redis", extra={"outbox_id": str(message_id)})


async def was_delivered(rt: Runtime, message_id: uuid.UUID | str) -> bool:
    try:
        return bool(await rt.redis.exists(f"{DELIVERED_PREFIX}{message_id}"))
    except Exception:
        log.warning("could not read the delivery record", extra={"outbox_id": str(message_id)})
        return False


async def mark_sent_retrying(rt: Runtime, message: OutboxMessage) -> bool:
    """mark_sent through a database blip: retried with backoff for a bounded time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + rt.settings.mail_mark_sent_retry_seconds
    delay = 0.05
    while True:
        try:
            return await mark_sent(message)
        except Exception:
            if loop.time() + delay > deadline:
                raise
            log.warning(
                "marking a sent mail failed; retrying",
                exc_info=True,
                extra={"outbox_id": str(message.id), "delay": delay},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def retry_delay(settings: Any, attempts: int) -> float:
    """The wait after the `attempts`-th failed attempt: base × 2^(n−1), capped."""
    exponent = min(max(attempts - 1, 0), 60)
    return min(
        settings.outbox_retry_base_seconds * (2**exponent), settings.outbox_retry_max_delay_seconds
    )


def retries_exhausted(settings: Any, attempts: int) -> bool:
    """True when waiting once more would take the retries past the horizon (or the cap
    on attempts is reached). The horizon counts the waits between attempts, so a staff
    resend (attempts back to 0) gets a full horizon again."""
    if attempts >= settings.outbox_max_attempts:
        return True
    waited = sum(retry_delay(settings, n) for n in range(1, attempts))
    return waited + retry_delay(settings, attempts) > settings.outbox_retry_horizon_seconds


async def mark_attempt_failed(
    rt: Runtime, message: OutboxMessage, error: str, *, permanent: bool
) -> float | None:
    """Record a failed attempt. Returns the delay before the next try, or None if FAILED."""
    now = clock.now()
    last = permanent or retries_exhausted(rt.settings, message.attempts)
    if last:
        await OutboxMessage.filter(id=message.id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.FAILED, last_error=error[:2000], updated_at=now
        )
        log.error("mail failed for good", extra={"outbox_id": str(message.id), "error": error})
        return None
    delay = retry_delay(rt.settings, message.attempts)
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
        .values_list("id", "attempts")
    )
    reclaimed: list[tuple[uuid.UUID, int]] = []
    for message_id, attempts in stuck:
        if await OutboxMessage.filter(
            id=message_id, status=OutboxStatus.SENDING, claimed_at__lte=cutoff
        ).update(status=OutboxStatus.PENDING, updated_at=now):
            reclaimed.append((message_id, attempts))
    due = (
        await OutboxMessage.filter(status=OutboxStatus.PENDING, updated_at__lte=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .limit(rt.settings.outbox_sweep_batch)
        .values_list("id", "attempts")
    )
    # A new job id per attempt count: the old job's id may still be held by arq (a
    # killed worker's in-progress key); the same count twice is the same job, so
    # sweeping again while that job waits in the queue adds nothing.
    rows = [*reclaimed, *due]
    enqueued = await dispatch(rt, [r[0] for r in rows], [r[1] for r in rows])
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
