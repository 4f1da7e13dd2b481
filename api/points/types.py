"""Strawberry types of points: the member's balance and ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from api.graphql.connections import Page, connection
from api.graphql.errors import UserError
from api.graphql.pagination import Connection
from api.points import queries, states

strawberry.enum(
    states.EntryKind,
    name="PointEntryKind",
    description="EARNED (進呈), USED (使用), EXPIRED (失効), ADJUSTED (調整), REVERSED (取消).",
)
PointEntryKind = states.EntryKind


@strawberry.type(description="One ledger entry; the balance is the sum of the entries.")
class PointEntry:
    kind: PointEntryKind  # type: ignore[valid-type]
    points: int = strawberry.field(description="Signed: + earned, − used or expired.")
    balance_after: int
    order_ref: str | None = strawberry.field(description="The order's number, when one.")
    reason: str
    posted_on: date = strawberry.field(description="Tokyo business date.")
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> PointEntry:
        get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
        return cls(
            kind=PointEntryKind(get("kind")),
            points=get("points"),
            balance_after=get("balance_after"),
            order_ref=get("order_ref"),
            reason=get("reason"),
            posted_on=get("posted_on"),
            created_at=get("created_at"),
        )


@strawberry.type(description="The member's points: 1 point pays ¥1.")
class PointsAccount:
    balance: int = strawberry.field(description="Usable now.")
    expires_on: date | None = strawberry.field(
        description="The last day the whole balance can be used (renewed by each purchase)."
    )
    last_purchase_on: date | None
    rate_percent: int = strawberry.field(description="Points earned per ¥100 of goods.")
    user_id: strawberry.Private[int] = 0

    @connection(description="The ledger, newest first.")
    async def history(self, info: strawberry.Info) -> Connection[PointEntry]:
        rows = queries.history(await info.context.actor(), self.user_id)
        return Page(rows, PointEntry.of, values=queries.HISTORY_COLUMNS)  # type: ignore[return-value]


@strawberry.input(description="Staff: correct a member's balance.")
class AdjustPointsInput:
    user_id: strawberry.ID
    points: int = strawberry.field(description="Signed; the balance never goes below zero.")
    reason: str
    idempotency_key: str = strawberry.field(description="The same key posts once.")


@strawberry.type
class AdjustPointsPayload:
    entry: PointEntry | None = None
    balance: int | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
