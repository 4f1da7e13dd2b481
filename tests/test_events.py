"""The event bus: handlers run in the publisher's transaction and roll back with it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from api.db import unit_of_work
from api.events import EventBus


@dataclass(frozen=True)
class Happened:
    value: int


async def test_handlers_run_in_order_and_once(rt) -> None:  # noqa: ANN001
    bus = EventBus()
    seen: list[str] = []

    async def first(e: Happened) -> None:
        seen.append(f"first:{e.value}")

    async def second(e: Happened) -> None:
        seen.append(f"second:{e.value}")

    bus.subscribe(Happened, first)
    bus.subscribe(Happened, second)
    bus.subscribe(Happened, first)
    async with unit_of_work():
        await bus.publish(Happened(7))
    assert seen == ["first:7", "second:7"]


async def test_publish_outside_a_unit_of_work_is_refused() -> None:
    bus = EventBus()
    with pytest.raises(RuntimeError, match="outside unit_of_work"):
        await bus.publish(Happened(1))


async def test_a_failing_handler_rolls_the_publisher_back(rt) -> None:  # noqa: ANN001
    from api.support.models import Inquiry

    bus = EventBus()

    async def refuse(e: Happened) -> None:
        raise ValueError("no")

    bus.subscribe(Happened, refuse)
    before = await Inquiry.all().count()
    with pytest.raises(ValueError):
        async with unit_of_work():
            await Inquiry.create(
                name="山田",
                email="a@example.jp",
                subject="s",
                body="b",
                category="other",
                privacy_policy_version=1,
            )
            await bus.publish(Happened(2))
    assert await Inquiry.all().count() == before
