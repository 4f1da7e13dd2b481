"""Facts of the order domain that other domains react to (see api/events.py).

Published inside the order service's unit of work: a handler that raises rolls
the order change back with it. Events carry plain values only (ids, dates,
integer yen), never model instances, so subscribers need not import this
domain's models.

- `OrderPlaced`: an order exists (its payment may still be pending).
- `OrderAccepted`: staff accepted it; `subscription_lines` are what contracts open.
- `OrderShipped`: a parcel left; `shipped_on` is billing's base date for those goods.
- `OrderDelivered`: delivered (services: the maker's delivery completed).
- `OrderCancelled`: cancelled; stock, points and the coupon use were given back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class OrderedOption:
    code: str
    name: str
    price: int  # per unit, tax excluded


@dataclass(frozen=True)
class SubscriptionLine:
    """A subscription line of an accepted order: what a contract starts from."""

    order_line_id: int
    product_id: int
    product_code: str
    name: str
    plan: str | None  # "monthly" / "yearly"
    quantity: int
    unit_price: int  # the product alone, tax excluded
    unit_total: int  # product + options, tax excluded
    amount: int  # unit_total × quantity, tax excluded
    tax_category: str
    tax_rate_percent: int
    desired_start: date | None
    options: tuple[OrderedOption, ...] = ()


@dataclass(frozen=True)
class ShippedLine:
    order_line_id: int
    product_id: int
    quantity: int
    amount: int  # tax excluded
    tax_category: str
    tax_rate_percent: int


@dataclass(frozen=True)
class OrderPlaced:
    order_id: int
    number: str
    user_id: int | None
    company_id: int | None
    payment_method: str
    total: int  # tax included
    amount_due: int  # total − points
    placed_on: date
    quote_id: int | None = None


@dataclass(frozen=True)
class OrderAccepted:
    order_id: int
    number: str
    user_id: int | None
    company_id: int | None
    accepted_on: date  # Tokyo business date
    payment_method: str
    payment_terms: str
    subscription_lines: tuple[SubscriptionLine, ...] = ()


@dataclass(frozen=True)
class OrderShipped:
    order_id: int
    number: str
    company_id: int | None
    user_id: int | None
    shipment_id: int
    shipped_on: date  # billing's base date for these goods
    carrier: str
    tracking_number: str
    lines: tuple[ShippedLine, ...]
    payment_method: str
    complete: bool  # every line that ships has now shipped


@dataclass(frozen=True)
class OrderDelivered:
    order_id: int
    number: str
    company_id: int | None
    user_id: int | None
    delivered_on: date


@dataclass(frozen=True)
class OrderCancelled:
    order_id: int
    number: str
    company_id: int | None
    user_id: int | None
    reason: str
    cancelled_on: date
    previous_status: str
