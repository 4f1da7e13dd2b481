"""run_once: a create with an idempotency key happens once, even when attempts race."""

from __future__ import annotations

import asyncio

import pytest

from api.audit.idempotency import run_once
from api.audit.models import IdempotencyRecord
from api.errors import DomainError
from api.support.models import Inquiry


async def _create(n: list[int]) -> Inquiry:
    n.append(1)
    await asyncio.sleep(0.01)  # let the racing attempts overlap
    return await Inquiry.create(
        name="山田",
        email="a@example.jp",
        subject="s",
        body="b",
        category="other",
        privacy_policy_version=1,
    )


async def _replay(ref: str, email: str = "a@example.jp") -> Inquiry:
    inquiry = await Inquiry.get(id=int(ref))
    if inquiry.email != email:
        raise DomainError.of("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    return inquiry


async def test_racing_attempts_with_one_key_make_one_row(rt) -> None:  # noqa: ANN001
    calls: list[int] = []
    results = await asyncio.gather(
        *(
            run_once(
                "test",
                "key-1",
                work=lambda: _create(calls),
                ref=lambda i: str(i.id),
                replay=_replay,
            )
            for _ in range(10)
        )
    )
    assert len({r.id for r in results}) == 1
    assert await Inquiry.all().count() == 1
    assert await IdempotencyRecord.filter(scope="test", key="key-1").count() == 1


async def test_replay_checks_the_caller_and_limits_the_key(rt) -> None:  # noqa: ANN001
    first = await run_once(
        "test", " k ", work=lambda: _create([]), ref=lambda i: str(i.id), replay=_replay
    )
    # The same key, stripped, replays; another caller's replay is refused.
    again = await run_once(
        "test", "k", work=lambda: _create([]), ref=lambda i: str(i.id), replay=_replay
    )
    assert again.id == first.id
    with pytest.raises(DomainError) as refused:
        await run_once(
            "test",
            "k",
            work=lambda: _create([]),
            ref=lambda i: str(i.id),
            replay=lambda ref: _replay(ref, "b@example.jp"),
        )
    assert refused.value.problems[0].code == "IDEMPOTENCY_KEY_REUSED"
    with pytest.raises(DomainError) as too_long:
        await run_once(
            "test", "x" * 129, work=lambda: _create([]), ref=lambda i: str(i.id), replay=_replay
        )
    assert too_long.value.problems[0].code == "TOO_LONG"
    # No key, no memory: each call does the work.
    for _ in range(2):
        await run_once("test", None, work=lambda: _create([]), ref=str, replay=_replay)
    assert await Inquiry.all().count() == 3
