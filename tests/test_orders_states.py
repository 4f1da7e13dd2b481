"""The order snapshot tables, the order state machine and the order events."""

from __future__ import annotations

from datetime import date

import pytest

from api.audit.models import StatusTransition
from api.db import unit_of_work
from api.errors import DomainError
from api.events import EventBus
from api.orders.events import OrderAccepted, SubscriptionLine
from api.orders.models import Order, OrderLine, PaymentMethod
from api.orders.states import CUSTOMER_STATUS, ORDER_STATUS, CustomerStatus, OrderStatus


async def _order(**kw) -> Order:
    values = {
        "number": "EC000001",
        "email": "a@example.jp",
        "customer_name": "山田 太郎",
        "tax_display": "excluded",
        "tax_rounding": "floor",
        "priced_on": date(2026, 12, 3),
        "placed_on": date(2026, 12, 3),
        "subtotal": 1000,
        "subtotal_incl": 1100,
        "tax_total": 100,
        "total_excl": 1000,
        "total": 1100,
        "amount_due": 1100,
        "payment_method": PaymentMethod.CARD,
        **kw,
    }
    return await Order.create(**values)


async def test_every_status_maps_to_one_customer_status_and_terminal_states_are_final(rt):
    assert set(CUSTOMER_STATUS) == set(OrderStatus)
    assert CUSTOMER_STATUS[OrderStatus.AWAITING_PAYMENT] == CustomerStatus.RECEIVED
    for final in (OrderStatus.CANCELLED, OrderStatus.RECEIPT_CONFIRMED):
        assert not ORDER_STATUS.transitions[final]
    # A shipped order is not cancelled (goods left): returns are a later process.
    assert not ORDER_STATUS.allowed(OrderStatus.SHIPPED, OrderStatus.CANCELLED)


async def test_transitions_are_conditional_and_recorded(rt):
    order = await _order()
    await OrderLine.create(
        order=order,
        position=1,
        product_id=7,
        product_code="P7",
        name="商品",
        kind="physical",
        quantity=1,
        unit_price=1000,
        unit_total=1000,
        amount=1000,
        amount_incl=1100,
        tax_category="standard",
        tax_rate_percent=10,
        shipping_class="store",
    )
    stale = await Order.get(id=order.id)
    async with unit_of_work():
        await ORDER_STATUS.transition(order, OrderStatus.ACCEPTED, actor_id=None, reason="ok")
    # The second writer saw PLACED too: the conditional update refuses it.
    with pytest.raises(DomainError) as error:
        async with unit_of_work():
            await ORDER_STATUS.transition(stale, OrderStatus.CANCELLED, actor_id=None)
    assert error.value.problems[0].code == "INVALID_STATUS"
    assert (await Order.get(id=order.id)).status == OrderStatus.ACCEPTED
    rows = await StatusTransition.filter(entity="order", entity_id=str(order.id)).values(
        "from_status", "to_status", "reason"
    )
    assert rows == [{"from_status": "placed", "to_status": "accepted", "reason": "ok"}]


async def test_order_events_reach_subscribers_inside_the_unit_of_work(rt):
    bus = EventBus()
    seen: list[OrderAccepted] = []

    async def open_contracts(event: OrderAccepted) -> None:
        seen.append(event)

    bus.subscribe(OrderAccepted, open_contracts)
    event = OrderAccepted(
        order_id=1,
        number="EC000001",
        user_id=2,
        company_id=3,
        accepted_on=date(2026, 12, 4),
        payment_method="np_deferred",
        payment_terms="month_end_next_month_end",
        subscription_lines=(
            SubscriptionLine(
                order_line_id=9,
                product_id=4,
                product_code="SAAS",
                name="クラウド",
                plan="monthly",
                quantity=5,
                unit_price=1000,
                unit_total=1000,
                amount=5000,
                tax_category="standard",
                tax_rate_percent=10,
                desired_start=date(2026, 12, 10),
            ),
        ),
    )
    async with unit_of_work():
        await bus.publish(event)
    assert seen == [event]
    with pytest.raises(Exception):  # noqa: B017 frozen
        event.order_id = 5  # type: ignore[misc]
