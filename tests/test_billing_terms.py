"""Payment terms and their dates: table tests from issue 14 and seed 000, then properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.billing.states import DueDateShift, PaymentTerm
from api.billing.terms import (
    SettlementCalendar,
    closing_date,
    closing_dates_between,
    due_date,
    invoice_date,
    is_bank_holiday,
    nominal_due_date,
    period_start,
)
from api.calendar.service import Closure, public_holiday_name

D20 = PaymentTerm.DAY20_NEXT_MONTH_END
ME1 = PaymentTerm.MONTH_END_NEXT_MONTH_END
ME2 = PaymentTerm.MONTH_END_MONTH_AFTER_NEXT_END
CAL = SettlementCalendar()
PREV, NEXT = DueDateShift.PREVIOUS, DueDateShift.NEXT


@pytest.mark.parametrize(
    ("term", "shipped", "closing", "nominal_due"),
    [
        # The table: 20日締め.
        (D20, date(2025, 11, 20), date(2025, 11, 20), date(2025, 12, 31)),
        (D20, date(2025, 11, 21), date(2025, 12, 20), date(2026, 1, 31)),
        (D20, date(2025, 12, 1), date(2025, 12, 20), date(2026, 1, 31)),
        (D20, date(2025, 12, 21), date(2026, 1, 20), date(2026, 2, 28)),
        # 月末締め/翌月末払い and 月末締め/翌々月末払い.
        (ME1, date(2025, 11, 30), date(2025, 11, 30), date(2025, 12, 31)),
        (ME1, date(2025, 11, 1), date(2025, 11, 30), date(2025, 12, 31)),
        (ME1, date(2024, 1, 31), date(2024, 1, 31), date(2024, 2, 29)),  # leap year
        (ME2, date(2025, 11, 15), date(2025, 11, 30), date(2026, 1, 31)),
        (ME2, date(2025, 12, 31), date(2025, 12, 31), date(2026, 2, 28)),
    ],
)
def test_closing_and_nominal_due_dates(term, shipped, closing, nominal_due):
    assert closing_date(term, shipped) == closing
    assert nominal_due_date(term, closing) == nominal_due


@pytest.mark.parametrize(
    ("term", "closing", "shift", "due"),
    [
        # 2025-12-31 is a bank holiday (Wednesday): back to Tue 12-30, or on to Mon 2026-01-05
        # (Jan 1-3 bank holidays, Jan 4 a Sunday).
        (D20, date(2025, 11, 20), PREV, date(2025, 12, 30)),
        (D20, date(2025, 11, 20), NEXT, date(2026, 1, 5)),
        # 2026-01-31 is a Saturday.
        (D20, date(2025, 12, 20), PREV, date(2026, 1, 30)),
        (D20, date(2025, 12, 20), NEXT, date(2026, 2, 2)),
        # 2026-02-28 a Saturday as well; 2025-12-31 under 翌々月末 from 10-31.
        (ME2, date(2025, 12, 31), PREV, date(2026, 2, 27)),
        (ME2, date(2025, 10, 31), NEXT, date(2026, 1, 5)),
        # A business day stays where it is (2026-03-31 is a Tuesday).
        (ME1, date(2026, 2, 28), PREV, date(2026, 3, 31)),
        (ME1, date(2026, 2, 28), NEXT, date(2026, 3, 31)),
    ],
)
def test_due_dates_move_to_a_business_day_as_the_store_says(term, closing, shift, due):
    assert due_date(CAL, term, closing, shift) == due


def test_a_month_end_public_holiday_moves_the_due_date():
    # Month ends on a weekday public holiday are rare: find one in the calendar itself.
    day = next(
        d
        for y in range(2000, 2100)
        for m in range(1, 13)
        if (d := closing_date(ME1, date(y, m, 1))).weekday() < 5 and public_holiday_name(d)
        if not is_bank_holiday(d)
    )
    # The month before `day` closes, and `day` is its nominal due date.
    closing = closing_date(ME1, day.replace(day=1) - timedelta(days=1))
    assert nominal_due_date(ME1, closing) == day
    assert due_date(CAL, ME1, closing, PREV) < day < due_date(CAL, ME1, closing, NEXT)


def test_store_closures_move_due_and_invoice_dates():
    summer = SettlementCalendar([Closure(date(2026, 8, 3), date(2026, 8, 5), "夏季休業")])
    # Closing on Friday 2026-07-31: Monday 08-03 to Wednesday 08-05 are closed.
    assert invoice_date(CAL, date(2026, 7, 31)) == date(2026, 8, 3)
    assert invoice_date(summer, date(2026, 7, 31)) == date(2026, 8, 6)
    closed_month_end = SettlementCalendar([Closure(date(2026, 9, 28), date(2026, 9, 30), "棚卸")])
    assert due_date(closed_month_end, ME1, date(2026, 8, 31), PREV) == date(2026, 9, 25)
    assert due_date(closed_month_end, ME1, date(2026, 8, 31), NEXT) == date(2026, 10, 1)


@pytest.mark.parametrize(
    ("closing", "invoice"),
    [
        # Seed 000 §6: the formal invoice is issued the business day after the closing date.
        (date(2025, 10, 31), date(2025, 11, 4)),  # Friday; Monday 11-03 文化の日
        (date(2025, 11, 20), date(2025, 11, 21)),
        (date(2025, 12, 20), date(2025, 12, 22)),  # Saturday → Monday
        (date(2025, 12, 30), date(2026, 1, 5)),  # over the bank holidays and a weekend
        (date(2026, 4, 30), date(2026, 5, 1)),  # Thursday → Friday (before Golden Week)
        (date(2026, 5, 1), date(2026, 5, 7)),  # 5/3-5/6 holidays incl. the substitute day
    ],
)
def test_invoice_date_is_the_next_business_day(closing, invoice):
    assert invoice_date(CAL, closing) == invoice


def test_bank_holidays():
    assert [d for d in (date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 3)) if
            is_bank_holiday(d)] == [date(2026, 12, 31), date(2027, 1, 3)]  # fmt: skip
    assert not CAL.is_business_day(date(2027, 1, 1))
    assert not CAL.is_business_day(date(2026, 12, 31))  # a Thursday, but banks are closed


def test_closing_dates_between_catches_up_missed_days():
    assert closing_dates_between(D20, date(2025, 10, 20), date(2026, 1, 19)) == [
        date(2025, 11, 20),
        date(2025, 12, 20),
    ]
    assert closing_dates_between(ME1, date(2025, 12, 31), date(2025, 12, 31)) == []
    assert closing_dates_between(ME1, date(2025, 12, 30), date(2026, 2, 28)) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    ]


days = st.dates(min_value=date(2001, 1, 1), max_value=date(2998, 12, 31))
terms = st.sampled_from(list(PaymentTerm))
shifts = st.sampled_from(list(DueDateShift))
closures = st.lists(
    st.tuples(days, st.integers(0, 20)).map(
        lambda t: Closure(t[0], t[0] + timedelta(days=t[1]), "休業")
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(terms, days)
def test_every_day_has_exactly_one_period(term, day):
    closing = closing_date(term, day)
    start = period_start(term, closing)
    assert start <= day <= closing
    assert closing_date(term, closing) == closing  # a closing date closes its own period
    assert closing_date(term, start) == closing
    # The next period starts the day after: no gap, no overlap.
    after = closing_date(term, closing + timedelta(days=1))
    assert period_start(term, after) == closing + timedelta(days=1)
    assert 27 <= (closing - start).days <= 30


@settings(max_examples=300, deadline=None)
@given(terms, days, shifts, closures)
def test_due_and_invoice_dates_are_business_days(term, day, shift, closed):
    cal = SettlementCalendar(closed)
    closing = closing_date(term, day)
    nominal = nominal_due_date(term, closing)
    due = due_date(cal, term, closing, shift)
    assert cal.is_business_day(due)
    if cal.is_business_day(nominal):
        assert due == nominal
    elif shift == DueDateShift.PREVIOUS:
        assert due < nominal and cal.business_days_between(due, nominal) == 0
    else:
        assert due > nominal and cal.business_days_between(nominal, due) == 1
    invoice = invoice_date(cal, closing)
    assert invoice > closing and cal.is_business_day(invoice)
    assert cal.business_days_between(closing, invoice) == 1
    assert nominal.month != closing.month and nominal > closing
