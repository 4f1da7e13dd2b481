"""Reads of quotes, scoped by the actor. No GraphQL here.

Staff see every quote. A member with `view_quotes` sees their company's quotes (an
individual member: their own); a member without it sees only the quotes they made.
Anonymous callers see none. The list and `node(id:)` use the same scope, so a quote
of another company is NOT_FOUND exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.actor import Actor
from api.companies.permissions import MemberPermission
from api.db import row_key, rows_by_keys
from api.quotes.models import Quote, QuoteLine
from api.quotes.states import QuoteStatus


def scope(actor: Actor) -> dict[str, Any] | None:
    if actor.is_staff:
        return {}
    if actor.user_id is None:
        return None
    if actor.can(MemberPermission.VIEW_QUOTES) and actor.company_id is not None:
        return {"company_id": actor.company_id}
    return {"user_id": actor.user_id}


def quotes(actor: Actor, *, status: QuoteStatus | None = None, number: str | None = None) -> Any:
    """Newest first. `status` filters on the stored status (the expiry job keeps it current)."""
    visible = scope(actor)
    if visible is None:
        return Quote.filter(id__in=[])
    qs = Quote.filter(**visible)
    if status is not None:
        qs = qs.filter(status=status)
    if number:
        qs = qs.filter(number=number)
    return qs.order_by("-created_at", "-id")


def quote_key(key: str) -> int | None:
    """A quote's primary key from the text inside its global ID (None when out of range)."""
    return row_key(key)


async def quote(actor: Actor, quote_id: int) -> Quote | None:
    visible = scope(actor)
    if visible is None:
        return None
    return await Quote.filter(id=quote_id, **visible).first()


async def quotes_by_keys(actor: Actor, keys: list[str]) -> list[Quote | None]:
    return await rows_by_keys(Quote, keys, scope(actor))


async def lines_of(quote_ids: Sequence[int]) -> dict[int, list[QuoteLine]]:
    """Every line of these quotes in one statement, in position order."""
    found: dict[int, list[QuoteLine]] = {i: [] for i in quote_ids}
    if quote_ids:
        for line in await QuoteLine.filter(quote_id__in=list(quote_ids)).order_by(
            "quote_id", "position"
        ):
            found[line.quote_id].append(line)  # type: ignore[attr-defined]
    return found
