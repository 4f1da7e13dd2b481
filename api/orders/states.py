"""The order domain's choices and its status machine: every state listed, one table.

What the customer sees is coarser than what the flow needs (seed 004 §5.1):
申請 (received) covers an order waiting for its payment to be secured and one
waiting for staff; 受付済 (accepted) covers everything from acceptance to the
customer's receipt confirmation; キャンセル is cancelled.
"""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class OrderStatus(StrEnum):
    # Placed, payment not secured yet: bank transfer or konbini not paid, NP screening.
    AWAITING_PAYMENT = "awaiting_payment"
    PLACED = "placed"  # payment secured (card authorized, paid, NP approved): staff accept next
    ACCEPTED = "accepted"  # 受付済: staff accepted (注文確定)
    SHIPPED = "shipped"  # every line that ships has left (carrier, tracking number)
    DELIVERED = "delivered"  # delivered (services: the maker's delivery completed)
    RECEIPT_CONFIRMED = "receipt_confirmed"  # 受領確認: the customer confirmed receipt
    CANCELLED = "cancelled"  # with a reason; stock, points and the coupon use given back


class CustomerStatus(StrEnum):
    """The three statuses of the customer's order list (004 §5.1)."""

    RECEIVED = "received"  # 申請
    ACCEPTED = "accepted"  # 受付済
    CANCELLED = "cancelled"  # キャンセル


CUSTOMER_STATUS = {
    OrderStatus.AWAITING_PAYMENT: CustomerStatus.RECEIVED,
    OrderStatus.PLACED: CustomerStatus.RECEIVED,
    OrderStatus.ACCEPTED: CustomerStatus.ACCEPTED,
    OrderStatus.SHIPPED: CustomerStatus.ACCEPTED,
    OrderStatus.DELIVERED: CustomerStatus.ACCEPTED,
    OrderStatus.RECEIPT_CONFIRMED: CustomerStatus.ACCEPTED,
    OrderStatus.CANCELLED: CustomerStatus.CANCELLED,
}

CUSTOMER_STATUS_LABELS = {
    CustomerStatus.RECEIVED: ("申請", "Received"),
    CustomerStatus.ACCEPTED: ("受付済", "Accepted"),
    CustomerStatus.CANCELLED: ("キャンセル", "Cancelled"),
}

# Statuses in which the order still holds stock, points and a coupon use.
OPEN_STATUSES = frozenset({OrderStatus.AWAITING_PAYMENT, OrderStatus.PLACED, OrderStatus.ACCEPTED})
# Delivery notes, simplified invoices and receipts exist from shipment on.
SHIPPED_STATUSES = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RECEIPT_CONFIRMED}
)


class PaymentMethod(StrEnum):
    CARD = "card"  # クレジットカード
    BANK_TRANSFER = "bank_transfer"  # 銀行振込
    KONBINI = "konbini"  # コンビニ決済
    NP_DEFERRED = "np_deferred"  # NP掛け払い (deferred B2B invoice payment)


class GuestEmailStatus(StrEnum):
    NOT_GUEST = "not_guest"
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"


ORDER_STATUS = StateMachine(
    "order",
    {
        OrderStatus.AWAITING_PAYMENT: frozenset({OrderStatus.PLACED, OrderStatus.CANCELLED}),
        OrderStatus.PLACED: frozenset({OrderStatus.ACCEPTED, OrderStatus.CANCELLED}),
        OrderStatus.ACCEPTED: frozenset(
            {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
        ),
        OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
        OrderStatus.DELIVERED: frozenset({OrderStatus.RECEIPT_CONFIRMED}),
        OrderStatus.RECEIPT_CONFIRMED: frozenset(),
        OrderStatus.CANCELLED: frozenset(),
    },
)
