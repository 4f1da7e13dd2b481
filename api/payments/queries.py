"""Reads of payments, for the order types to embed (one statement for many orders)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.payments.models import Payment, PaymentEvent

PAYMENT_COLUMNS = (
    "id",
    "order_id",
    "method",
    "status",
    "amount",
    "captured_amount",
    "refunded_amount",
    "instructions",
    "deadline",
    "card_brand",
    "card_last4",
    "received_on",
    "updated_at",
)


async def payments_by_order(order_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The payment of each order (orders without one are missing), in one SELECT.

    The caller has already scoped the orders to what the actor may see.
    """
    ids = sorted({i for i in order_ids if isinstance(i, int)})
    if not ids:
        return {}
    rows = await Payment.filter(order_id__in=ids).values(*PAYMENT_COLUMNS)
    return {row["order_id"]: row for row in rows}


async def payment_of_order(order_id: int) -> dict[str, Any] | None:
    return (await payments_by_order([order_id])).get(order_id)


async def events_of(payment_id: int) -> list[dict[str, Any]]:
    """The processor events recorded for a payment, oldest first (staff's history view)."""
    return (
        await PaymentEvent.filter(payment_id=payment_id)
        .order_by("id")
        .values("event_id", "kind", "sequence", "occurred_at", "outcome", "received_at")
    )
