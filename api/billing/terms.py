"""Payment terms (支払条件) and the dates they give. Pure: no database.

The three terms are the ones the NP 掛け払い manual allows (seed 000 §7); a store
lists which of them it offers (`Policy.billing.payment_terms`). A term is data,
not code: the closing day of the month (20, or the month end) and how many
months after the closing month the payment is due (at that month's end).

For a closing date C:
- the period is (previous closing date, C], so every base date has exactly one
  closing date (`closing_date`) and consecutive periods neither overlap nor gap;
- the formal invoice (正式な請求書) is dated the first business day after C
  (seed 000 §6: 締め日の翌営業日);
- the nominal due date is the end of the month the term names; it is moved to a
  business day in the direction the store's setting gives (`DueDateShift`).

Business days are those of the store's `BusinessCalendar` (weekends, public
holidays, store closures) minus the bank holidays Dec 31 – Jan 3, on which no
transfer can be made (`SettlementCalendar`).
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from api.billing.states import DueDateShift, PaymentTerm
from api.calendar.service import BusinessCalendar, Closure

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class TermRule:
    closing_day: int | None  # day of the month; None: the month's last day
    due_months: int  # months after the closing month; due at that month's end
    label_ja: str
    label_en: str


TERM_RULES: dict[PaymentTerm, TermRule] = {
    PaymentTerm.MONTH_END_NEXT_MONTH_END: TermRule(
        None, 1, "月末締め/翌月末払い", "Close at month end, due at the end of the next month"
    ),
    PaymentTerm.DAY20_NEXT_MONTH_END: TermRule(
        20, 1, "20日締め/翌月末払い", "Close on the 20th, due at the end of the next month"
    ),
    PaymentTerm.MONTH_END_MONTH_AFTER_NEXT_END: TermRule(
        None,
        2,
        "月末締め/翌々月末払い",
        "Close at month end, due at the end of the month after next",
    ),
}

# Guests (and members without a company) have this term only (seed 000 §7).
GUEST_TERM = PaymentTerm.MONTH_END_NEXT_MONTH_END


def term_label(term: PaymentTerm | str, language: str = "ja") -> str:
    rule = TERM_RULES[PaymentTerm(term)]
    return rule.label_en if language == "en" else rule.label_ja


def month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _closing_in_month(rule: TermRule, year: int, month: int) -> date:
    if rule.closing_day is None:
        return month_end(year, month)
    return date(year, month, min(rule.closing_day, _calendar.monthrange(year, month)[1]))


def closing_date(term: PaymentTerm | str, base: date) -> date:
    """The closing date (締め日) of the period that contains `base`: the first on or after it."""
    rule = TERM_RULES[PaymentTerm(term)]
    this_month = _closing_in_month(rule, base.year, base.month)
    if base <= this_month:
        return this_month
    year, month = _add_months(base.year, base.month, 1)
    return _closing_in_month(rule, year, month)


def previous_closing_date(term: PaymentTerm | str, closing: date) -> date:
    rule = TERM_RULES[PaymentTerm(term)]
    year, month = _add_months(closing.year, closing.month, -1)
    return _closing_in_month(rule, year, month)


def next_closing_date(term: PaymentTerm | str, closing: date) -> date:
    return closing_date(term, closing + _ONE_DAY)


def period_start(term: PaymentTerm | str, closing: date) -> date:
    """The first day of the period that ends on `closing`."""
    return previous_closing_date(term, closing) + _ONE_DAY


def closing_dates_between(term: PaymentTerm | str, after: date, until: date) -> list[date]:
    """Every closing date d with after < d <= until, oldest first."""
    out: list[date] = []
    day = closing_date(term, after + _ONE_DAY)
    while day <= until:
        out.append(day)
        day = next_closing_date(term, day)
    return out


def nominal_due_date(term: PaymentTerm | str, closing: date) -> date:
    """The end of the month the term names, before any business-day move."""
    rule = TERM_RULES[PaymentTerm(term)]
    year, month = _add_months(closing.year, closing.month, rule.due_months)
    return month_end(year, month)


def is_bank_holiday(day: date) -> bool:
    """Dec 31 – Jan 3: banks are closed (銀行休業日), so no payment falls due then."""
    return (day.month == 12 and day.day == 31) or (day.month == 1 and day.day <= 3)


class SettlementCalendar(BusinessCalendar):
    """The store's business calendar without the bank holidays Dec 31 – Jan 3."""

    def __init__(self, closures: Iterable[Closure] = ()) -> None:
        super().__init__(closures)

    @classmethod
    def of(cls, business: BusinessCalendar) -> SettlementCalendar:
        return cls(business.closures)

    def is_business_day(self, day: date) -> bool:
        return not is_bank_holiday(day) and super().is_business_day(day)

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before `day`."""
        day -= _ONE_DAY
        while not self.is_business_day(day):
            day -= _ONE_DAY
        return day


def invoice_date(cal: SettlementCalendar, closing: date) -> date:
    """The formal invoice's date: the first business day after the closing date."""
    return cal.next_business_day(closing)


def due_date(
    cal: SettlementCalendar,
    term: PaymentTerm | str,
    closing: date,
    shift: DueDateShift | str = DueDateShift.PREVIOUS,
) -> date:
    """The nominal due date, or the business day the store's setting moves it to."""
    nominal = nominal_due_date(term, closing)
    if cal.is_business_day(nominal):
        return nominal
    if DueDateShift(shift) == DueDateShift.NEXT:
        return cal.next_business_day(nominal)
    return cal.previous_business_day(nominal)


@dataclass(frozen=True)
class PeriodDates:
    term: PaymentTerm
    start: date
    closing: date
    invoice: date
    nominal_due: date
    due: date


def period_dates(
    cal: SettlementCalendar,
    term: PaymentTerm | str,
    base: date,
    shift: DueDateShift | str = DueDateShift.PREVIOUS,
) -> PeriodDates:
    """Every date of the period that a charge dated `base` falls in."""
    term = PaymentTerm(term)
    closing = closing_date(term, base)
    return PeriodDates(
        term=term,
        start=period_start(term, closing),
        closing=closing,
        invoice=invoice_date(cal, closing),
        nominal_due=nominal_due_date(term, closing),
        due=due_date(cal, term, closing, shift),
    )
