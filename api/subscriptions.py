"""Who reacts to which domain event (see api/events.py).

Add one line per reaction, grouped by the publishing domain, e.g.

    from api.orders.events import OrderAccepted
    from api.contracts.service import open_contracts_for_order
    bus.subscribe(OrderAccepted, open_contracts_for_order)

Imports stay inside `subscribe_all` so that importing a domain never drags in
the domains that react to it.
"""

from __future__ import annotations

from api.events import EventBus


def subscribe_all(bus: EventBus) -> None:
    # Orders → billing (issue 14): the term an order was made under, shipped goods as
    # charges dated the shipment day, cancellations as credits in the next open period.
    from api.billing import service as billing
    from api.orders.events import OrderAccepted, OrderCancelled, OrderPlaced, OrderShipped

    bus.subscribe(OrderPlaced, billing.on_order_placed)
    bus.subscribe(OrderAccepted, billing.on_order_accepted)
    bus.subscribe(OrderShipped, billing.on_order_shipped)
    bus.subscribe(OrderCancelled, billing.on_order_cancelled)

    # Orders → contracts (issue 13): each subscription line of an accepted order opens one.
    from api.contracts import service as contracts

    bus.subscribe(OrderAccepted, contracts.open_contracts_for_order)
