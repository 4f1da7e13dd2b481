"""Document numbers: patterns from the store profile, a race-free sequence per period."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from api.db import is_postgres, unit_of_work
from api.numbering import next_number, parse_pattern
from api.numbering.models import DocumentSequence
from api.runtime import Runtime
from api.stores.policy import NumberingPolicy, load_policy, shipped_profiles

DAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("pattern", "seq", "number"),
    [
        ("EC{yyyymmdd}Q{seq:04}", 1, "EC20261203Q0001"),
        ("EC{yyyymmdd}Q{seq:04}", 12345, "EC20261203Q12345"),
        ("EC{yyyymm}I{seq:05}", 7, "EC202612I00007"),
        ("Q-{yy}{mm}{dd}-{seq}", 42, "Q-261203-42"),
        ("{yyyy}/{seq:6}", 3, "2026/000003"),
        ("ORD{seq}", 9, "ORD9"),
    ],
)
def test_pattern_renders(pattern: str, seq: int, number: str) -> None:
    assert parse_pattern(pattern).render(DAY, seq) == number


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "EC{yyyymmdd}",  # no sequence
        "{seq}{seq}",  # two
        "EC{date}{seq}",  # unknown field
        "EC{seq!r}",
        "EC{seq:x}",
        "EC{yyyy:04}{seq}",
        "EC {seq}",  # space
        "見積{seq}",  # literals stay ASCII: numbers are typed into forms and filenames
        "EC{seq",
        "EC\x00{seq}",
        "E" * 41 + "{seq}",
    ],
)
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        parse_pattern(pattern)


def test_profiles_number_quotes_with_ec() -> None:
    for profile in shipped_profiles():
        policy = load_policy(profile)
        assert policy.numbering.pattern("quote").render(DAY, 1).startswith("EC"), profile
        for series in ("quote", "order", "invoice", "delivery_note", "receipt"):
            policy.numbering.pattern(series)


def test_policy_refuses_a_bad_pattern() -> None:
    with pytest.raises(ValueError):
        NumberingPolicy(patterns={"quote": "EC{yyyymmdd}"})
    with pytest.raises(ValueError):
        NumberingPolicy(patterns={"Bad Series": "X{seq}"})
    assert NumberingPolicy(patterns={"quote": "MQ{seq:06}"}).patterns["quote"] == "MQ{seq:06}"


async def test_numbers_are_consecutive_per_period_and_series(rt: Runtime) -> None:
    async with unit_of_work():
        first = await next_number(rt.policy, "quote", DAY)
        second = await next_number(rt.policy, "quote", DAY)
        order = await next_number(rt.policy, "order", DAY)
        next_day = await next_number(rt.policy, "quote", date(2026, 12, 4))
    assert (first, second) == ("EC20261203Q0001", "EC20261203Q0002")
    assert order.startswith("EC20261203") and order != first
    assert next_day == "EC20261204Q0001"
    assert await DocumentSequence.filter(series="quote").count() == 2


async def test_a_rolled_back_document_gives_its_number_back(rt: Runtime) -> None:
    async with unit_of_work():
        assert await next_number(rt.policy, "quote", DAY) == "EC20261203Q0001"
    with pytest.raises(ZeroDivisionError):
        async with unit_of_work():
            assert await next_number(rt.policy, "quote", DAY) == "EC20261203Q0002"
            1 / 0  # noqa: B018 - the document fails after taking its number
    async with unit_of_work():
        assert await next_number(rt.policy, "quote", DAY) == "EC20261203Q0002"


async def test_outside_a_transaction_is_a_bug(rt: Runtime) -> None:
    with pytest.raises(RuntimeError):
        await next_number(rt.policy, "quote", DAY)
    with pytest.raises(KeyError):
        async with unit_of_work():
            await next_number(rt.policy, "no_such_series", DAY)


async def test_twenty_concurrent_documents_get_twenty_consecutive_numbers(rt: Runtime) -> None:
    """On PostgreSQL the 20 transactions really overlap (20 pooled connections); each
    holds its counter row until commit, so none can see another's uncommitted value."""

    async def create() -> str:
        async with unit_of_work():
            number = await next_number(rt.policy, "quote", DAY)
            # Keep the transaction open a moment so the others pile up on the row lock.
            await asyncio.sleep(0.01)
            return number

    numbers = await asyncio.gather(*(create() for _ in range(20)))
    assert sorted(numbers) == [f"EC20261203Q{i:04d}" for i in range(1, 21)]
    row = await DocumentSequence.get(series="quote")
    assert row.value == 20
    if is_postgres():
        assert rt.settings.db_pool_max >= 20
