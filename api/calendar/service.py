"""Business days: not a weekend, not a Japanese public holiday, not a store closure.

`BusinessCalendar` is a value built from the store closures (one query, see
`load_calendar`); its helpers are pure, so lead times here and payment due
dates or confirmation deadlines later share one definition of "business day".
All dates are Tokyo dates (`api.clock.business_today()`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import jpholiday

from api.actor import Actor
from api.calendar.models import StoreHoliday
from api.companies.permissions import StaffPermission
from api.db import after_commit, unit_of_work
from api.errors import DomainError, Problems

# Closures move lead times and desired dates, so the catalog's people manage them.
MANAGE_CALENDAR = StaffPermission.MANAGE_CATALOG

MAX_CLOSURE_DAYS = 62  # a closure longer than two months is a typo, not a holiday
MAX_RANGE_DAYS = 400  # how far one calendar question may look
_ONE_DAY = timedelta(days=1)


class ClosedReason(StrEnum):
    WEEKEND = "weekend"
    PUBLIC_HOLIDAY = "public_holiday"
    STORE_HOLIDAY = "store_holiday"


@dataclass(frozen=True)
class ClosedDay:
    day: date
    reason: ClosedReason
    name: str
    name_en: str


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Japanese public holidays of a year (jpholiday), including substitute holidays."""
    return dict(jpholiday.year_holidays(year))


def public_holiday_name(day: date) -> str | None:
    return public_holidays(day.year).get(day)


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    name: str = ""
    name_en: str = ""


class BusinessCalendar:
    def __init__(self, closures: Iterable[Closure] = ()) -> None:
        self.closures = sorted(closures, key=lambda c: c.start)

    def store_closure(self, day: date) -> Closure | None:
        for closure in self.closures:
            if closure.start > day:
                break
            if day <= closure.end:
                return closure
        return None

    def closed_reason(self, day: date) -> ClosedDay | None:
        closure = self.store_closure(day)
        if closure is not None:
            return ClosedDay(day, ClosedReason.STORE_HOLIDAY, closure.name, closure.name_en)
        holiday = public_holiday_name(day)
        if holiday is not None:
            return ClosedDay(day, ClosedReason.PUBLIC_HOLIDAY, holiday, "")
        if day.weekday() >= 5:
            return ClosedDay(day, ClosedReason.WEEKEND, "", "")
        return None

    def is_business_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and public_holiday_name(day) is None
            and self.store_closure(day) is None
        )

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th business day after `day`; for n = 0, `day` itself or the next business day."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return day if self.is_business_day(day) else self.next_business_day(day)
        for _ in range(n):
            day = self.next_business_day(day)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]: the inverse of add_business_days."""
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            if self.is_business_day(day):
                count += 1
        return count

    def closed_days(self, start: date, end: date) -> list[ClosedDay]:
        out, day = [], start
        while day <= end:
            reason = self.closed_reason(day)
            if reason is not None:
                out.append(reason)
            day += _ONE_DAY
        return out


async def load_calendar() -> BusinessCalendar:
    rows = await StoreHoliday.all().values_list("start_date", "end_date", "name", "name_en")
    return BusinessCalendar(Closure(*row) for row in rows)


def check_range(start: date, end: date, start_field: str = "from", end_field: str = "to") -> None:
    if end < start:
        raise DomainError.of("INVALID_DATE_RANGE", end_field)
    if (end - start).days > MAX_RANGE_DAYS:
        raise DomainError.of("DATE_RANGE_TOO_LONG", end_field, max=MAX_RANGE_DAYS)


def _validate_holiday(start: date, end: date, name: str, name_en: str) -> Problems:
    problems = Problems()
    if not name.strip():
        problems.add("REQUIRED", "name")
    elif len(name) > 128:
        problems.add("TOO_LONG", "name", max=128)
    if len(name_en) > 128:
        problems.add("TOO_LONG", "nameEn", max=128)
    if end < start:
        problems.add("INVALID_DATE_RANGE", "endDate")
    elif (end - start).days + 1 > MAX_CLOSURE_DAYS:
        problems.add("DATE_RANGE_TOO_LONG", "endDate", max=MAX_CLOSURE_DAYS)
    return problems


def _changed(rt: object) -> None:
    # Cached catalog answers (allowed desired dates) depend on the calendar.
    from api.catalog.cache import bump_version

    after_commit(lambda: bump_version(rt))


async def create_store_holiday(
    rt: object, actor: Actor, start: date, end: date, name: str, name_en: str = ""
) -> StoreHoliday:
    actor.require(MANAGE_CALENDAR)
    _validate_holiday(start, end, name, name_en).raise_if_any()
    async with unit_of_work():
        holiday = await StoreHoliday.create(
            start_date=start, end_date=end, name=name.strip(), name_en=name_en.strip()
        )
        _changed(rt)
    return holiday


async def update_store_holiday(
    rt: object,
    actor: Actor,
    holiday_id: int,
    start: date,
    end: date,
    name: str,
    name_en: str = "",
) -> StoreHoliday:
    actor.require(MANAGE_CALENDAR)
    _validate_holiday(start, end, name, name_en).raise_if_any()
    async with unit_of_work():
        holiday = await StoreHoliday.get_or_none(id=holiday_id)
        if holiday is None:
            raise DomainError.of("NOT_FOUND", "id")
        holiday.start_date, holiday.end_date = start, end
        holiday.name, holiday.name_en = name.strip(), name_en.strip()
        await holiday.save()
        _changed(rt)
    return holiday


async def delete_store_holiday(rt: object, actor: Actor, holiday_id: int) -> None:
    actor.require(MANAGE_CALENDAR)
    async with unit_of_work():
        if not await StoreHoliday.filter(id=holiday_id).delete():
            raise DomainError.of("NOT_FOUND", "id")
        _changed(rt)
