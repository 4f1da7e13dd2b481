"""Points in the schema: the member's balance and ledger; staff adjustments.
Using points on the cart is `useCartPoints` (api/carts/schema.py)."""

from __future__ import annotations

import strawberry

from api.companies.permissions import StaffPermission
from api.errors import DomainError
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.permissions import IsAuthenticated, requires
from api.points import service
from api.points.types import AdjustPointsInput, AdjustPointsPayload, PointEntry, PointsAccount

MAX_KEY = 2**31 - 1


@strawberry.type
class PointsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Members: the points balance, its expiry and the ledger (null for staff).",
    )
    async def my_points(self, info: strawberry.Info) -> PointsAccount | None:
        actor = await info.context.actor()
        if actor.is_staff:
            return None
        held = await service.balance_of(actor.user_id)
        assert held is not None and actor.user_id is not None
        return _account(info, actor.user_id, held)

    @strawberry.field(
        permission_classes=[requires(StaffPermission.MANAGE_CUSTOMERS)],
        description="Staff: a member's points balance and ledger, as the member sees them.",
    )
    async def member_points(self, info: strawberry.Info, user_id: strawberry.ID) -> PointsAccount:
        key = int_id(user_id, "User", "userId")
        if key > MAX_KEY:
            raise DomainError.of("NOT_FOUND", "userId")
        held = await service.member_balance(await info.context.actor(), key)
        return _account(info, key, held)


def _account(info: strawberry.Info, user_id: int, held: service.PointsBalance) -> PointsAccount:
    return PointsAccount(
        balance=held.balance,
        expires_on=held.expires_on,
        last_purchase_on=held.last_purchase_on,
        rate_percent=info.context.rt.policy.points_rate_percent,
        user_id=user_id,
    )


@strawberry.type
class PointsMutation:
    @mutation(
        permission_classes=[requires(StaffPermission.MANAGE_CUSTOMERS)],
        description="Staff: add or take points with a reason (調整); once per idempotencyKey.",
    )
    async def adjust_points(
        self, info: strawberry.Info, input: AdjustPointsInput
    ) -> AdjustPointsPayload:
        user_id = int_id(input.user_id, "User", "userId")
        if user_id > MAX_KEY:
            raise DomainError.of("NOT_FOUND", "userId")
        entry = await service.adjust_points(
            await info.context.actor(),
            user_id=user_id,
            points=input.points,
            reason=input.reason,
            key=input.idempotency_key,
        )
        return AdjustPointsPayload(entry=PointEntry.of(entry), balance=entry.balance_after)


__all__ = ["PointsMutation", "PointsQuery"]
