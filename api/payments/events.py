"""Facts of the payment domain that orders react to (see api/events.py).

Published inside the unit of work that changes the payment, so the order
moves in the same transaction. Plain values only.

- `PaymentSecured`: the money is secured (bank transfer paid, konbini slip
  paid, NP approved). A card authorized at placement is told by
  `start_payment`'s return value instead (`secured=True`), not by this event.
- `PaymentFailed`: it will not be paid this way (NP rejected, processor failure).
- `PaymentExpired`: a konbini slip's or bank transfer's deadline passed unpaid.
- `PaymentOnHold`: NP put the screening on hold (保留).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentSecured:
    order_id: int
    payment_id: int
    method: str  # api.orders.states.PaymentMethod value


@dataclass(frozen=True)
class PaymentFailed:
    order_id: int
    method: str
    reason: str  # a short code: np_rejected, processor_error …


@dataclass(frozen=True)
class PaymentExpired:
    order_id: int
    method: str


@dataclass(frozen=True)
class PaymentOnHold:
    order_id: int
