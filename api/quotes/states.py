"""The quote's status machine: every state listed, one table."""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class QuoteStatus(StrEnum):
    VALID = "valid"  # within its validity: PDF and ordering allowed
    EXPIRED = "expired"  # past its last valid day (the expiry job, or caught on read)
    ORDERED = "ordered"  # an order was placed from it (api.orders)
    CANCELLED = "cancelled"  # withdrawn by the customer or staff


QUOTE_STATUS = StateMachine(
    "quote",
    {
        QuoteStatus.VALID: frozenset(
            {QuoteStatus.EXPIRED, QuoteStatus.ORDERED, QuoteStatus.CANCELLED}
        ),
        QuoteStatus.EXPIRED: frozenset(),
        QuoteStatus.ORDERED: frozenset(),
        QuoteStatus.CANCELLED: frozenset(),
    },
)
