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


def subscribe_all(bus: EventBus) -> None:  # noqa: ARG001 (filled as domains subscribe)
    return None
