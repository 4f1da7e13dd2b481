"""Strawberry types of orders: the snapshot as placed, its lines, parcels and status history.

The nested lists (lines, shipments, status history) are read through per-request
dataloaders, one statement each for a whole page of orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from api.graphql.ids import to_global_id
from api.graphql.money import Money
from api.orders import labels, queries, states

strawberry.enum(
    states.OrderStatus,
    name="OrderStatus",
    description="The order's internal status: AWAITING_PAYMENT (payment not secured yet), "
    "PLACED (payment secured, waiting for staff), ACCEPTED (受付済), SHIPPED, DELIVERED, "
    "RECEIPT_CONFIRMED (受領確認), CANCELLED.",
)
OrderStatus = states.OrderStatus

strawberry.enum(
    states.CustomerStatus,
    name="OrderCustomerStatus",
    description="The three statuses of the customer's order list (004 §5.1): RECEIVED (申請), "
    "ACCEPTED (受付済), CANCELLED (キャンセル).",
)
OrderCustomerStatus = states.CustomerStatus

strawberry.enum(
    states.PaymentMethod,
    name="PaymentMethod",
    description="CARD (クレジットカード), BANK_TRANSFER (銀行振込), KONBINI (コンビニ決済), "
    "NP_DEFERRED (NP掛け払い).",
)
PaymentMethod = states.PaymentMethod


@strawberry.enum(description="Where the goods of an order are.")
class OrderDeliveryStatus(Enum):
    NOT_SHIPPED = "not_shipped"
    PARTLY_SHIPPED = "partly_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


def _loader(name: str) -> Any:
    read = getattr(queries, name)

    def factory() -> DataLoader[int, list[Any]]:
        async def load(ids: list[int]) -> list[list[Any]]:
            found = await read(ids)
            return [found[i] for i in ids]

        return DataLoader(load_fn=load)

    return factory


_LINES = _loader("lines_of")
_SHIPMENTS = _loader("shipments_of")
_HISTORY = _loader("history_of")


def _text(data: dict[str, Any] | None, *keys: str) -> str:
    for key in keys:
        value = (data or {}).get(key)
        if value:
            return str(value)
    return ""


@strawberry.type(description="The customer as they were when the order was placed.")
class OrderCustomer:
    name: str
    name_kana: str
    email: str
    phone: str
    company_name: str
    department: str
    customer_code: str

    @classmethod
    def of(cls, row: Any) -> OrderCustomer:
        c = row.customer or {}
        return cls(
            name=_text(c, "name") or row.customer_name,
            name_kana=_text(c, "name_kana", "kana"),
            email=_text(c, "email") or row.email,
            phone=_text(c, "phone"),
            company_name=_text(c, "company_name") or row.company_name,
            department=_text(c, "department"),
            customer_code=_text(c, "customer_code"),
        )


@strawberry.type(description="The delivery address as chosen for the order.")
class OrderAddress:
    recipient_name: str
    recipient_name_kana: str
    company_name: str
    department: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str


@strawberry.type(description="A chosen option as ordered, its surcharge per unit.")
class OrderLineOption:
    code: str
    name: str
    group_name: str
    price: Money = strawberry.field(description="Per unit, tax excluded.")


@strawberry.type(
    description="An answer to one of the product's additional order fields (追加情報)."
)
class OrderExtraField:
    code: str
    label: str
    value: str


@strawberry.type(name="OrderLine", description="An ordered line, as placed.")
class OrderLineType:
    id: strawberry.ID
    position: int
    product_id: strawberry.ID = strawberry.field(
        description="The catalog product it was made from (it may have changed since)."
    )
    product_code: str
    name: str
    kind: str = strawberry.field(description="PHYSICAL, SERVICE or SUBSCRIPTION.")
    options: list[OrderLineOption]
    quantity: int
    unit_price: Money = strawberry.field(description="The product alone, tax excluded.")
    unit_total: Money = strawberry.field(description="Product and options, tax excluded.")
    amount: Money = strawberry.field(description="Tax excluded.")
    amount_including_tax: Money = strawberry.field(
        description="Display aid rounded per line; the totals round tax once per rate."
    )
    tax_rate_percent: int
    reduced_rate: bool = strawberry.field(description="The reduced-rate mark (※).")
    desired_date: date | None
    time_slot: str | None
    maker_name: str | None
    extra_fields: list[OrderExtraField]
    has_delivery_note: bool = strawberry.field(
        description="The product comes with a delivery note (納品書) once shipped."
    )
    shipped: bool

    @classmethod
    def of(cls, line: Any, en: bool) -> OrderLineType:
        options = []
        for o in line.options or []:
            name = (o.get("name_en") or o.get("nameEn")) if en else None
            group = (o.get("group_name_en") or o.get("groupEn")) if en else None
            options.append(
                OrderLineOption(
                    code=str(o.get("code", "")),
                    name=str(name or o.get("name", "")),
                    group_name=str(group or o.get("group_name") or o.get("group") or ""),
                    price=Money(amount=int(o.get("price", 0))),
                )
            )
        return cls(
            id=strawberry.ID(to_global_id("OrderLine", line.id)),
            position=line.position,
            product_id=strawberry.ID(to_global_id("Product", line.product_id)),
            product_code=line.product_code,
            name=line.name_en if en and line.name_en else line.name,
            kind=str(line.kind).upper(),
            options=options,
            quantity=line.quantity,
            unit_price=Money(amount=line.unit_price),
            unit_total=Money(amount=line.unit_total),
            amount=Money(amount=line.amount),
            amount_including_tax=Money(amount=line.amount_incl),
            tax_rate_percent=line.tax_rate_percent,
            reduced_rate=line.reduced,
            desired_date=line.desired_date,
            time_slot=line.time_slot,
            maker_name=line.maker_name,
            extra_fields=[
                OrderExtraField(
                    code=str(f.get("code", "")),
                    label=str(f.get("label", "")),
                    value=str(f.get("value", "")),
                )
                for f in line.extra_fields or []
            ],
            has_delivery_note=line.has_delivery_note,
            shipped=line.shipment_id is not None,  # type: ignore[attr-defined]
        )


@strawberry.type(name="OrderShipment", description="A parcel: carrier and tracking number.")
class OrderShipmentType:
    id: strawberry.ID
    carrier: str
    tracking_number: str
    shipped_at: datetime
    shipped_on: date = strawberry.field(description="The Tokyo business date it left.")


@strawberry.type(description="A recorded status change: from, to, when and why.")
class OrderStatusChange:
    from_status: OrderStatus | None  # type: ignore[valid-type]
    status: OrderStatus  # type: ignore[valid-type]
    customer_status: OrderCustomerStatus  # type: ignore[valid-type]
    customer_status_label: str
    at: datetime
    reason: str


@strawberry.type(description="Tax of one rate, rounded once (qualified-invoice rule).")
class OrderTaxRate:
    rate: int
    reduced: bool
    base: Money = strawberry.field(description="Taxable amount of the rate, tax excluded.")
    tax: Money


@strawberry.type(description="The payment method as recorded on the order.")
class OrderPaymentMethod:
    code: PaymentMethod  # type: ignore[valid-type]
    name: str


def _status(value: str) -> states.OrderStatus | None:
    try:
        return states.OrderStatus(value)
    except ValueError:
        return None


@strawberry.type(name="Order", description="An order (注文) as placed: a snapshot.")
class OrderType(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(
        description="The order number (オーダーID), e.g. EC2026120300001."
    )
    placed_at: datetime
    placed_on: date = strawberry.field(description="The Tokyo business date of the order.")
    status: OrderStatus  # type: ignore[valid-type]
    customer_status: OrderCustomerStatus = strawberry.field(  # type: ignore[valid-type]
        description="What the customer's list shows: 申請, 受付済 or キャンセル."
    )
    customer_status_label: str = strawberry.field(description="申請 / 受付済 / キャンセル.")
    customer: OrderCustomer
    delivery_address: OrderAddress | None
    time_slot: str | None
    comment: str
    payment_method: OrderPaymentMethod
    payment_terms: str | None = strawberry.field(description="NP 掛け払い: the term chosen.")
    payment_deadline: date | None
    paid: bool = strawberry.field(description="The payment is secured (paid or authorized).")
    tax_included: bool = strawberry.field(description="The store shows prices tax included.")
    subtotal: Money = strawberry.field(description="Goods, tax excluded.")
    subtotal_including_tax: Money
    discount_total: Money = strawberry.field(description="Coupon, tax excluded.")
    shipping_total: Money = strawberry.field(description="Tax excluded.")
    shipping_total_including_tax: Money
    tax_total: Money
    total: Money = strawberry.field(description="Tax included.")
    points_used: int = strawberry.field(description="Points used as payment (1 point = ¥1).")
    amount_due: Money = strawberry.field(
        description="Total less points: what the payment collects."
    )
    per_rate: list[OrderTaxRate]
    coupon_code: str | None
    accepted_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    receipt_confirmed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    row: strawberry.Private[Any]

    @strawberry.field(description="The ordered lines, in order.")
    async def lines(self, info: strawberry.Info) -> list[OrderLineType]:
        rows = await info.context.loader("orders.lines", _LINES).load(self.row.id)
        en = info.context.language == "en"
        return [OrderLineType.of(line, en) for line in rows]

    @strawberry.field(description="Parcels sent, oldest first (carrier, tracking number).")
    async def shipments(self, info: strawberry.Info) -> list[OrderShipmentType]:
        rows = await info.context.loader("orders.shipments", _SHIPMENTS).load(self.row.id)
        return [
            OrderShipmentType(
                id=strawberry.ID(to_global_id("OrderShipment", s.id)),
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                shipped_at=s.shipped_at,
                shipped_on=s.shipped_on,
            )
            for s in rows
        ]

    @strawberry.field(description="Where the goods are, from the order's status and parcels.")
    async def delivery_status(self, info: strawberry.Info) -> OrderDeliveryStatus:
        status = self.row.status
        if status == states.OrderStatus.CANCELLED:
            return OrderDeliveryStatus.CANCELLED
        if status in (states.OrderStatus.DELIVERED, states.OrderStatus.RECEIPT_CONFIRMED):
            return OrderDeliveryStatus.DELIVERED
        if status == states.OrderStatus.SHIPPED:
            return OrderDeliveryStatus.SHIPPED
        parcels = await info.context.loader("orders.shipments", _SHIPMENTS).load(self.row.id)
        return OrderDeliveryStatus.PARTLY_SHIPPED if parcels else OrderDeliveryStatus.NOT_SHIPPED

    @strawberry.field(
        description="Every status the order went through, oldest first: placement, then each "
        "recorded change with its reason."
    )
    async def status_history(self, info: strawberry.Info) -> list[OrderStatusChange]:
        rows = await info.context.loader("orders.history", _HISTORY).load(self.row.id)
        language = info.context.language
        first = _status(rows[0].from_status) if rows else self.row.status
        changes = [(None, first or self.row.status, self.row.placed_at, "")]
        changes += [(_status(r.from_status), _status(r.to_status), r.at, r.reason) for r in rows]
        return [
            OrderStatusChange(
                from_status=before,
                status=after,
                customer_status=states.CUSTOMER_STATUS[after],
                customer_status_label=labels.customer_status_label(after, language),
                at=at,
                reason=reason,
            )
            for before, after, at, reason in changes
            if after is not None
        ]

    @classmethod
    def of(cls, row: Any, language: str = "ja") -> OrderType:
        a = row.address
        return cls(
            id=row.id,
            number=row.number,
            placed_at=row.placed_at,
            placed_on=row.placed_on,
            status=row.status,
            customer_status=states.CUSTOMER_STATUS[row.status],
            customer_status_label=labels.customer_status_label(row.status, language),
            customer=OrderCustomer.of(row),
            delivery_address=(
                OrderAddress(**{k: _text(a, k) for k in OrderAddress.__annotations__})
                if a
                else None
            ),
            time_slot=row.time_slot_name or row.time_slot,
            comment=row.comment,
            payment_method=OrderPaymentMethod(
                code=row.payment_method,
                name=labels.payment_method_name(row.payment_method, language),
            ),
            payment_terms=row.payment_terms or None,
            payment_deadline=row.payment_deadline,
            paid=row.paid_at is not None,
            tax_included=row.tax_display == "included",
            subtotal=Money(amount=row.subtotal),
            subtotal_including_tax=Money(amount=row.subtotal_incl),
            discount_total=Money(amount=row.discount_total),
            shipping_total=Money(amount=row.shipping_total),
            shipping_total_including_tax=Money(amount=row.shipping_total_incl),
            tax_total=Money(amount=row.tax_total),
            total=Money(amount=row.total),
            points_used=row.points_used,
            amount_due=Money(amount=row.amount_due),
            per_rate=[
                OrderTaxRate(
                    rate=int(r.get("rate", 0)),
                    reduced=bool(r.get("reduced", False)),
                    base=Money(amount=int(r.get("base", 0))),
                    tax=Money(amount=int(r.get("tax", 0))),
                )
                for r in row.per_rate or []
            ],
            coupon_code=row.coupon_code or None,
            accepted_at=row.accepted_at,
            shipped_at=row.shipped_at,
            delivered_at=row.delivered_at,
            receipt_confirmed_at=row.receipt_confirmed_at,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason or None,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[OrderType | None]:
        rows = await queries.orders_by_keys(await info.context.actor(), list(node_ids))
        language = info.context.language
        return [cls.of(r, language) if r else None for r in rows]


@strawberry.input(description="Purchase history filters; dates are Tokyo business dates.")
class OrderFilter:
    placed_from: date | None = None
    placed_to: date | None = None
    status: OrderStatus | None = None  # type: ignore[valid-type]
    customer_status: OrderCustomerStatus | None = None  # type: ignore[valid-type]
    number: str | None = None
