"""Create mutations with a client-chosen `idempotencyKey`: done once, answered alike after.

A client that retries a create (a double click, a lost response, a mobile
app resending after reconnecting) sends the same key; the first attempt does
the work and the later ones get the same result back, without a second
inquiry, order or mail. The key is recorded in the same transaction as the
work, so a key exists if and only if its work committed; two attempts racing
with one key are decided by the unique index (the loser replays the winner).

    result = await run_once(
        "order", key,
        work=lambda: _place(...),           # runs inside the unit of work
        ref=lambda order: str(order.id),    # what the key remembers
        replay=lambda ref: _order_for(actor, ref),  # the earlier result, or
    )                                       # IDEMPOTENCY_KEY_REUSED if not theirs

`replay` must check that the earlier result belongs to the same caller (and
raise `DomainError.of("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")` if not): a
key must never let one caller read another's document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import IntegrityError

from api.audit.models import IdempotencyRecord
from api.db import unit_of_work
from api.errors import DomainError

T = TypeVar("T")
MAX_KEY_LENGTH = 128


def check_key(key: str | None) -> str | None:
    """A usable key (None for none or blank); refuses an overlong one."""
    if key is None:
        return None
    key = key.strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError.of("TOO_LONG", "idempotencyKey", max=MAX_KEY_LENGTH)
    return key


async def earlier_result(scope: str, key: str | None) -> str | None:
    """The reference an earlier, committed attempt with this key recorded, if any."""
    if key is None:
        return None
    done = await IdempotencyRecord.get_or_none(scope=scope, key=key)
    return done.result_ref if done else None


async def run_once(
    scope: str,
    key: str | None,
    *,
    work: Callable[[], Awaitable[T]],
    ref: Callable[[T], str],
    replay: Callable[[str], Awaitable[T]],
) -> T:
    """Run `work` in a unit of work once per (scope, key); replay the result otherwise.

    Without a key this is just `work` in a unit of work.
    """
    key = check_key(key)
    earlier = await earlier_result(scope, key)
    if earlier is not None:
        return await replay(earlier)
    try:
        async with unit_of_work():
            result = await work()
            if key is not None:
                await IdempotencyRecord.create(scope=scope, key=key, result_ref=ref(result))
    except IntegrityError:
        # The same key raced in and committed first: its result is the answer.
        earlier = await earlier_result(scope, key)
        if earlier is None:
            raise
        return await replay(earlier)
    return result
