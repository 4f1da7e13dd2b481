"""Calendar maths of contracts: month arithmetic, terms and renewal months.

Monthly plans run in calendar months (the first one from the start date to the
end of its month); annual plans run in contract years from the start date.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from api.catalog.models import SubscriptionPlan


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_term_end(plan: SubscriptionPlan, start: date, term_months: int) -> date:
    if plan == SubscriptionPlan.MONTHLY:
        return month_end(add_months(start, term_months - 1))
    return add_months(start, term_months) - timedelta(days=1)


def next_term_end(plan: SubscriptionPlan, term_end: date, term_months: int) -> date:
    """The last day of the term that follows the one ending on `term_end`."""
    following = term_end + timedelta(days=1)
    if plan == SubscriptionPlan.MONTHLY:
        return month_end(add_months(following, term_months - 1))
    return add_months(following, term_months) - timedelta(days=1)


def term_end_covering(plan: SubscriptionPlan, first_end: date, term_months: int, day: date) -> date:
    """The last day of the term that contains `day` (terms follow each other from first_end)."""
    end = first_end
    while end < day:
        end = next_term_end(plan, end, term_months)
    return end


def renewal_month(plan: SubscriptionPlan, term_end: date) -> int | None:
    """更新月: the month an annual term ends in (changes are allowed only then, 004 §6.1)."""
    return term_end.month if plan == SubscriptionPlan.ANNUAL else None
