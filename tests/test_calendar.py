"""Business days: tables from the 2026–2027 calendars, properties, and staff closures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api import clock
from api.calendar.service import BusinessCalendar, ClosedReason, Closure, public_holiday_name
from api.demo import DEMO_STAFF_EMAIL
from tests.helpers import seed

NEW_YEAR_2027 = Closure(date(2026, 12, 29), date(2027, 1, 4), "年末年始休業", "New Year closure")
SUMMER_2027 = Closure(date(2027, 8, 12), date(2027, 8, 16), "夏季休業")
STORE = BusinessCalendar([NEW_YEAR_2027, SUMMER_2027])
PLAIN = BusinessCalendar()

# Japanese public holidays of 2026 and 2027, including substitute and "citizens'" holidays.
HOLIDAYS = [
    (date(2026, 1, 1), "元日"),
    (date(2026, 1, 12), "成人の日"),
    (date(2026, 2, 11), "建国記念の日"),
    (date(2026, 2, 23), "天皇誕生日"),
    (date(2026, 3, 20), "春分の日"),
    (date(2026, 4, 29), "昭和の日"),
    (date(2026, 5, 3), "憲法記念日"),
    (date(2026, 5, 6), "憲法記念日 振替休日"),
    (date(2026, 7, 20), "海の日"),
    (date(2026, 8, 11), "山の日"),
    (date(2026, 9, 21), "敬老の日"),
    (date(2026, 9, 22), "国民の休日"),
    (date(2026, 9, 23), "秋分の日"),
    (date(2026, 10, 12), "スポーツの日"),
    (date(2026, 11, 3), "文化の日"),
    (date(2026, 11, 23), "勤労感謝の日"),
    (date(2027, 1, 1), "元日"),
    (date(2027, 1, 11), "成人の日"),
    (date(2027, 2, 11), "建国記念の日"),
    (date(2027, 2, 23), "天皇誕生日"),
    (date(2027, 3, 21), "春分の日"),
    (date(2027, 3, 22), "春分の日 振替休日"),
    (date(2027, 4, 29), "昭和の日"),
    (date(2027, 5, 3), "憲法記念日"),
    (date(2027, 5, 4), "みどりの日"),
    (date(2027, 5, 5), "こどもの日"),
    (date(2027, 7, 19), "海の日"),
    (date(2027, 8, 11), "山の日"),
    (date(2027, 9, 20), "敬老の日"),
    (date(2027, 9, 23), "秋分の日"),
    (date(2027, 10, 11), "スポーツの日"),
    (date(2027, 11, 3), "文化の日"),
    (date(2027, 11, 23), "勤労感謝の日"),
]


@pytest.mark.parametrize(("day", "name"), HOLIDAYS)
def test_public_holidays_2026_2027(day, name):
    assert public_holiday_name(day) == name
    assert not PLAIN.is_business_day(day)
    assert PLAIN.closed_reason(day).reason == ClosedReason.PUBLIC_HOLIDAY


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 11, 20), True),  # Friday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 11, 24), True),  # Tuesday after 勤労感謝の日
        (date(2026, 12, 28), True),  # last working day of 2026
        (date(2026, 12, 29), False),  # store closure starts
        (date(2027, 1, 4), False),  # closure ends (a Monday)
        (date(2027, 1, 5), True),
        (date(2027, 8, 13), False),  # summer closure
        (date(2027, 8, 17), True),
    ],
)
def test_business_days_with_store_closures(day, business):
    assert STORE.is_business_day(day) is business


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 25), 0, date(2026, 12, 25)),
        (date(2026, 12, 26), 0, date(2026, 12, 28)),  # Saturday: the next business day
        (date(2026, 12, 25), 1, date(2026, 12, 28)),
        (date(2026, 12, 25), 2, date(2027, 1, 5)),  # across the New Year closure
        (date(2026, 12, 25), 5, date(2027, 1, 8)),
        (date(2026, 12, 25), 6, date(2027, 1, 12)),  # 11 Jan is 成人の日
        (date(2027, 4, 28), 1, date(2027, 4, 30)),  # 29 Apr 昭和の日
        (date(2027, 4, 30), 1, date(2027, 5, 6)),  # Golden Week
        (date(2026, 9, 18), 1, date(2026, 9, 24)),  # Silver Week 2026
        (date(2027, 8, 10), 1, date(2027, 8, 17)),  # 山の日 then the summer closure
    ],
)
def test_add_business_days(start, n, expected):
    assert STORE.add_business_days(start, n) == expected


def test_next_business_day_and_closed_days():
    assert STORE.next_business_day(date(2026, 12, 28)) == date(2027, 1, 5)
    closed = STORE.closed_days(date(2026, 12, 26), date(2027, 1, 5))
    assert [(c.day.isoformat(), c.reason.name) for c in closed] == [
        ("2026-12-26", "WEEKEND"),
        ("2026-12-27", "WEEKEND"),
        ("2026-12-29", "STORE_HOLIDAY"),
        ("2026-12-30", "STORE_HOLIDAY"),
        ("2026-12-31", "STORE_HOLIDAY"),
        ("2027-01-01", "STORE_HOLIDAY"),  # the closure names it, over 元日
        ("2027-01-02", "STORE_HOLIDAY"),
        ("2027-01-03", "STORE_HOLIDAY"),
        ("2027-01-04", "STORE_HOLIDAY"),
    ]
    with pytest.raises(ValueError):
        STORE.add_business_days(date(2027, 1, 5), -1)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
closures = st.lists(
    st.tuples(days, st.integers(0, 20)).map(lambda t: Closure(t[0], t[0] + timedelta(days=t[1]))),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(0, 40), store=closures)
def test_add_business_days_properties(start, n, store):
    calendar = BusinessCalendar(store)
    result = calendar.add_business_days(start, n)
    assert calendar.is_business_day(result)
    assert result >= start
    if n > 0:
        assert result > start
        assert calendar.business_days_between(start, result) == n
        # One more business day is strictly later, and lands on the next business day.
        assert calendar.add_business_days(start, n + 1) == calendar.next_business_day(result)


@settings(max_examples=200, deadline=None)
@given(start=days, store=closures)
def test_next_business_day_skips_only_closed_days(start, store):
    calendar = BusinessCalendar(store)
    following = calendar.next_business_day(start)
    assert following > start and calendar.is_business_day(following)
    day = start + timedelta(days=1)
    while day < following:
        assert calendar.closed_reason(day) is not None
        day += timedelta(days=1)


# ---- staff maintain store holidays through the schema --------------------------------------

ERRORS = "userErrors { field code message }"
CREATE = f"""
mutation($i: StoreHolidayInput!) {{
  createStoreHoliday(input: $i) {{ storeHoliday {{ id startDate endDate name }} {ERRORS} }}
}}"""
CALENDAR = """
query($from: Date!, $to: Date!) {
  businessCalendar(fromDate: $from, toDate: $to) { today nextBusinessDay closedDays { date reason name } }
}"""


async def test_staff_store_holidays_shape_the_calendar(gql, settings):
    await seed(settings)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    bad = await gql(
        CREATE,
        {"i": {"startDate": "2027-05-10", "endDate": "2027-05-01", "name": ""}},
        token=staff,
    )
    assert {(e["field"][0], e["code"]) for e in bad["createStoreHoliday"]["userErrors"]} == {
        ("name", "REQUIRED"),
        ("endDate", "INVALID_DATE_RANGE"),
    }
    made = await gql(
        CREATE,
        {"i": {"startDate": "2027-05-06", "endDate": "2027-05-07", "name": "棚卸し"}},
        token=staff,
    )
    assert made["createStoreHoliday"]["userErrors"] == []
    refused = await gql(
        CREATE,
        {"i": {"startDate": "2027-05-06", "endDate": "2027-05-06", "name": "x"}},
        token="",
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    data = await gql(CALENDAR, {"from": "2027-05-01", "to": "2027-05-10"}, token="")
    closed = {d["date"]: (d["reason"], d["name"]) for d in data["businessCalendar"]["closedDays"]}
    assert closed == {
        "2027-05-01": ("WEEKEND", ""),
        "2027-05-02": ("WEEKEND", ""),
        "2027-05-03": ("PUBLIC_HOLIDAY", "憲法記念日"),
        "2027-05-04": ("PUBLIC_HOLIDAY", "みどりの日"),
        "2027-05-05": ("PUBLIC_HOLIDAY", "こどもの日"),
        "2027-05-06": ("STORE_HOLIDAY", "棚卸し"),
        "2027-05-07": ("STORE_HOLIDAY", "棚卸し"),
        "2027-05-08": ("WEEKEND", ""),
        "2027-05-09": ("WEEKEND", ""),
    }
    too_long = await gql(
        CALENDAR, {"from": "2027-01-01", "to": "2029-01-01"}, token="", expect_errors=True
    )
    assert too_long["errors"][0]["extensions"]["code"] == "DATE_RANGE_TOO_LONG"

    holidays = await gql("{ storeHolidays { id name startDate } }", token="")
    names = [h["name"] for h in holidays["storeHolidays"]]
    assert "棚卸し" in names and "年末年始休業" in names
    holiday_id = next(h["id"] for h in holidays["storeHolidays"] if h["name"] == "棚卸し")
    deleted = await gql(
        "mutation($id: ID!) { deleteStoreHoliday(input: {id: $id}) { deletedId " + ERRORS + " } }",
        {"id": holiday_id},
        token=staff,
    )
    assert deleted["deleteStoreHoliday"]["deletedId"] == holiday_id


async def test_today_is_a_tokyo_date(gql, rt):
    # 2026-12-27 16:00 UTC is already Monday 28 December in Tokyo.
    clock.travel((datetime(2026, 12, 27, 16, 0, tzinfo=UTC) - clock.now()).total_seconds())
    data = await gql(CALENDAR, {"from": "2026-12-28", "to": "2026-12-28"}, token="")
    assert data["businessCalendar"]["today"] == "2026-12-28"


async def test_closure_services_check_the_staff_permission_themselves(rt):
    """The CLI and workers call the service directly: the permission is checked there,
    not only by the schema's permission class."""
    from api.actor import Actor
    from api.calendar import service
    from api.errors import DomainError

    with pytest.raises(DomainError) as anonymous:
        await service.create_store_holiday(
            rt, Actor.anonymous(), date(2027, 5, 1), date(2027, 5, 2), "休業"
        )
    assert anonymous.value.problems[0].code == "UNAUTHENTICATED"
    holiday = await service.create_store_holiday(
        rt, Actor.for_system(), date(2027, 5, 1), date(2027, 5, 2), "休業"
    )
    with pytest.raises(DomainError):
        await service.delete_store_holiday(rt, Actor.anonymous(), holiday.id)
    await service.delete_store_holiday(rt, Actor.for_system(), holiday.id)
