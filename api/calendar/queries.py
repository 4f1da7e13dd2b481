"""Reads of the calendar: store closures for staff screens and date pickers."""

from __future__ import annotations

from api import clock
from api.calendar.models import StoreHoliday


async def store_holidays(*, include_past: bool = False) -> list[StoreHoliday]:
    """Closures soonest first; by default only those not yet over (Tokyo date)."""
    qs = StoreHoliday.all()
    if not include_past:
        qs = qs.filter(end_date__gte=clock.business_today())
    return await qs.order_by("start_date", "id")
