"""Facts of the contracts domain that other domains (billing) react to.

Published inside the contracts service's unit of work (api/events.py); subscribe
in api/subscriptions.py. Events carry ids and dates only: a subscriber that needs
the lines asks `api.contracts.service.contract_as_of` or `period_charges`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ContractOpened:
    contract_id: int
    company_id: int
    order_id: int | None


@dataclass(frozen=True)
class ContractStarted:
    contract_id: int
    company_id: int
    start_date: date


@dataclass(frozen=True)
class ContractChanged:
    """A new version takes effect on `effective_from` (a change or a partial cancellation)."""

    contract_id: int
    company_id: int
    version_number: int
    effective_from: date


@dataclass(frozen=True)
class ContractEnded:
    contract_id: int
    company_id: int
    end_date: date  # the last day of service
