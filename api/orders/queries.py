"""Reads of orders (purchase history, 000 §6 購入履歴, 004 §5.1 注文履歴), scoped by the actor.

No GraphQL here. Who sees what:

- staff see every order;
- a member with `view_orders` sees their company's orders, an individual member
  (no company) their own;
- a member without `view_orders` sees none (`orders` answers FORBIDDEN);
- guest orders (no user) are never in anyone's purchase history (000 §6:
  ゲスト購入された注文分は表示されません).

The list, `node(id:)`, the documents and reorder use the same scope, so an order of
another company is NOT_FOUND exactly like one that does not exist. The nested reads
(`lines_of`, `shipments_of`, `history_of`) each take every order of a page in one
statement: the history costs the same number of statements for 1 order or 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from api.actor import Actor
from api.audit.models import StatusTransition
from api.companies.permissions import MemberPermission
from api.db import row_key, rows_by_keys
from api.errors import DomainError
from api.orders.models import Order, OrderLine, OrderShipment
from api.orders.states import CUSTOMER_STATUS, CustomerStatus, OrderStatus

MAX_NUMBER = 32


def scope(actor: Actor) -> dict[str, Any] | None:
    """The filter of the orders the actor may read (None: none at all)."""
    if actor.is_staff:
        return {}
    if actor.user_id is None or not actor.can(MemberPermission.VIEW_ORDERS):
        return None
    if actor.company_id is not None:
        return {"company_id": actor.company_id}
    return {"user_id": actor.user_id, "company_id__isnull": True}


def require_history(actor: Actor) -> dict[str, Any]:
    """The scope, or the coded refusal of a caller who may not read purchase history."""
    if not actor.is_authenticated and not actor.system:
        raise DomainError.of("UNAUTHENTICATED")
    visible = scope(actor)
    if visible is None:
        raise DomainError.of("FORBIDDEN")
    return visible


def my_orders(
    actor: Actor,
    *,
    placed_from: date | None = None,
    placed_to: date | None = None,
    status: OrderStatus | None = None,
    customer_status: CustomerStatus | None = None,
    number: str | None = None,
) -> Any:
    """The purchase history, newest first; dates are the Tokyo business dates the orders
    were placed on. Members only: staff have no purchase history (their order list is the
    staff schema's)."""
    if actor.is_staff:
        raise DomainError.of("FORBIDDEN")
    qs = Order.filter(**require_history(actor))
    if placed_from is not None and placed_to is not None and placed_to < placed_from:
        raise DomainError.of("INVALID_DATE_RANGE", "placedTo", earliest=placed_from)
    if placed_from is not None:
        qs = qs.filter(placed_on__gte=placed_from)
    if placed_to is not None:
        qs = qs.filter(placed_on__lte=placed_to)
    if status is not None:
        qs = qs.filter(status=status)
    if customer_status is not None:
        qs = qs.filter(status__in=[s for s, c in CUSTOMER_STATUS.items() if c == customer_status])
    if number is not None:
        if len(number) > MAX_NUMBER:
            raise DomainError.of("TOO_LONG", "number", max=MAX_NUMBER)
        # A NUL never reaches PostgreSQL (it refuses it in text): no such order.
        qs = qs.filter(number=number) if "\x00" not in number else qs.filter(id__in=[])
    return qs.order_by("-placed_at", "-id")


def order_key(key: str) -> int | None:
    """An order's primary key from the text inside its global ID (None when out of range)."""
    return row_key(key)


async def order(actor: Actor, order_id: int) -> Order | None:
    visible = scope(actor)
    if visible is None:
        return None
    return await Order.filter(id=order_id, **visible).first()


async def get_order(actor: Actor, order_id: int, field: str = "orderId") -> Order:
    """The order, or NOT_FOUND (also for another company's); FORBIDDEN without view_orders."""
    visible = require_history(actor)
    found = await Order.filter(id=order_id, **visible).first()
    if found is None:
        raise DomainError.of("NOT_FOUND", field)
    return found


async def orders_by_keys(actor: Actor, keys: list[str]) -> list[Order | None]:
    return await rows_by_keys(Order, keys, scope(actor))


async def lines_of(order_ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    """Every line of these orders in one statement, in position order."""
    found: dict[int, list[OrderLine]] = {i: [] for i in order_ids}
    if order_ids:
        for line in await OrderLine.filter(order_id__in=list(order_ids)).order_by(
            "order_id", "position"
        ):
            found[line.order_id].append(line)  # type: ignore[attr-defined]
    return found


async def shipments_of(order_ids: Sequence[int]) -> dict[int, list[OrderShipment]]:
    """Every parcel of these orders in one statement, oldest first."""
    found: dict[int, list[OrderShipment]] = {i: [] for i in order_ids}
    if order_ids:
        for shipment in await OrderShipment.filter(order_id__in=list(order_ids)).order_by(
            "order_id", "shipped_at", "id"
        ):
            found[shipment.order_id].append(shipment)  # type: ignore[attr-defined]
    return found


async def history_of(order_ids: Sequence[int]) -> dict[int, list[StatusTransition]]:
    """Every recorded status change of these orders in one statement, oldest first."""
    found: dict[int, list[StatusTransition]] = {i: [] for i in order_ids}
    if order_ids:
        rows = await StatusTransition.filter(
            entity="order", entity_id__in=[str(i) for i in order_ids]
        ).order_by("at", "id")
        for row in rows:
            found[int(row.entity_id)].append(row)
    return found
