"""Orders written straight into the order models, for the tests of what reads them.

Purchase history, reorder and the documents read order snapshots; placing an order is
the order service's business and has its own tests. The figures are computed here the
way api.money would for a tax-excluded store: tax once per rate, rounded down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from api import clock
from api.actor import Actor
from api.db import unit_of_work
from api.orders.models import Order, OrderLine, OrderShipment
from api.orders.states import ORDER_STATUS, OrderStatus, PaymentMethod


@dataclass
class LineSpec:
    product_id: int
    code: str
    name: str
    unit_price: int
    quantity: int = 1
    rate: int = 10
    options: list[dict[str, Any]] = field(default_factory=list)
    has_delivery_note: bool = True
    extra_fields: list[dict[str, Any]] = field(default_factory=list)


_counter = {"n": 0}


async def make_order(
    user: Any,
    lines: list[LineSpec],
    *,
    payment_method: PaymentMethod = PaymentMethod.CARD,
    status: OrderStatus = OrderStatus.PLACED,
    days_ago: int = 0,
    shipping: int = 0,
    tax_display: str = "excluded",
    carrier: str = "ヤマト運輸",
    tracking_number: str = "1234-5678-9012",
) -> Order:
    """An order of `user` (and their company) walked to `status` through the state machine."""
    _counter["n"] += 1
    placed_on = clock.business_today() - timedelta(days=days_ago)
    per: dict[int, dict[str, Any]] = {}
    for spec in lines:
        unit_total = spec.unit_price + sum(int(o.get("price", 0)) for o in spec.options)
        row = per.setdefault(
            spec.rate,
            {
                "rate": spec.rate,
                "reduced": spec.rate == 8,
                "goods": 0,
                "discount": 0,
                "shipping": 0,
            },
        )
        row["goods"] += unit_total * spec.quantity
    if shipping:
        per.setdefault(
            10, {"rate": 10, "reduced": False, "goods": 0, "discount": 0, "shipping": 0}
        )["shipping"] = shipping
    for row in per.values():
        row["base"] = row["goods"] - row["discount"] + row["shipping"]
        row["tax"] = row["base"] * row["rate"] // 100
    subtotal = sum(r["goods"] for r in per.values())
    tax_total = sum(r["tax"] for r in per.values())
    total_excl = subtotal + shipping
    total = total_excl + tax_total
    company = None
    if user.company_id is not None:
        from api.companies.models import Company

        company = await Company.get(id=user.company_id)
    name = f"{user.family_name} {user.given_name}"
    async with unit_of_work():
        order = await Order.create(
            number=f"EC{placed_on:%Y%m%d}{_counter['n']:05d}",
            status=OrderStatus.AWAITING_PAYMENT
            if payment_method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.KONBINI)
            else OrderStatus.PLACED,
            user_id=user.id,
            company_id=user.company_id,
            customer={
                "name": name,
                "email": user.email,
                "company_name": company.name if company else "",
                "department": "総務部",
                "phone": "03-1234-5678",
            },
            email=user.email,
            customer_name=name,
            company_name=company.name if company else "",
            address={
                "recipient_name": "山田 太郎",
                "postal_code": "100-0005",
                "prefecture": "東京都",
                "address_line1": "千代田区丸の内1-1-1",
                "phone": "0312345678",
            },
            tax_display=tax_display,
            tax_rounding="floor",
            priced_on=placed_on,
            subtotal=subtotal,
            subtotal_incl=subtotal + sum(r["goods"] * r["rate"] // 100 for r in per.values()),
            shipping_total=shipping,
            shipping_total_incl=shipping + shipping // 10,
            tax_total=tax_total,
            total_excl=total_excl,
            total=total,
            amount_due=total,
            per_rate=sorted(per.values(), key=lambda r: -r["rate"]),
            payment_method=payment_method,
            payment_terms="month_end_next_month_end"
            if payment_method == PaymentMethod.NP_DEFERRED
            else "",
            placed_on=placed_on,
        )
        # auto_now_add stamps "now": the placement instant follows the placement date.
        order.placed_at = clock.now() - timedelta(days=days_ago)
        await Order.filter(id=order.id).update(placed_at=order.placed_at)
        for position, spec in enumerate(lines, 1):
            unit_total = spec.unit_price + sum(int(o.get("price", 0)) for o in spec.options)
            amount = unit_total * spec.quantity
            await OrderLine.create(
                order=order,
                position=position,
                product_id=spec.product_id,
                product_code=spec.code,
                name=spec.name,
                kind="physical",
                options=spec.options,
                quantity=spec.quantity,
                unit_price=spec.unit_price,
                unit_total=unit_total,
                amount=amount,
                amount_incl=amount + amount * spec.rate // 100,
                tax_category="reduced" if spec.rate == 8 else "standard",
                tax_rate_percent=spec.rate,
                reduced=spec.rate == 8,
                shipping_class="store",
                has_delivery_note=spec.has_delivery_note,
                extra_fields=spec.extra_fields,
            )
    await walk(order, status, carrier=carrier, tracking_number=tracking_number)
    return order


PATH = [
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.PLACED,
    OrderStatus.ACCEPTED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.RECEIPT_CONFIRMED,
]


async def walk(
    order: Order,
    target: OrderStatus,
    *,
    carrier: str = "ヤマト運輸",
    tracking_number: str = "1234-5678-9012",
    staff: Actor | None = None,
) -> Order:
    """Move the order along the normal path (or cancel it) through the state machine."""
    actor_id = staff.user_id if staff else None
    async with unit_of_work():
        if target == OrderStatus.CANCELLED:
            await ORDER_STATUS.transition(
                order,
                OrderStatus.CANCELLED,
                actor_id=actor_id,
                reason="ご注文内容に不備があったため",
                cancelled_at=clock.now(),
                cancel_reason="ご注文内容に不備があったため",
            )
            return order
        while PATH.index(order.status) < PATH.index(target):
            nxt = PATH[PATH.index(order.status) + 1]
            changes: dict[str, Any] = {}
            if nxt == OrderStatus.PLACED:
                changes["paid_at"] = clock.now()
            elif nxt == OrderStatus.ACCEPTED:
                changes["accepted_at"] = clock.now()
            elif nxt == OrderStatus.SHIPPED:
                shipment = await OrderShipment.create(
                    order=order,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shipped_on=clock.business_today(),
                )
                await OrderLine.filter(order_id=order.id).update(shipment_id=shipment.id)
                changes["shipped_at"] = clock.now()
            elif nxt == OrderStatus.DELIVERED:
                changes["delivered_at"] = clock.now()
            elif nxt == OrderStatus.RECEIPT_CONFIRMED:
                changes["receipt_confirmed_at"] = clock.now()
            await ORDER_STATUS.transition(
                order, nxt, actor_id=actor_id, reason=f"test: {nxt.value}", **changes
            )
    return order
