"""Points (000 §5, 001 ポイント): the ledger, the earning rule, spending and expiry.

- Members only: guests neither earn nor use points.
- Earning (001): `points_rate_percent` of the goods amount after the coupon, in the
  store's `points_basis` (tax included or excluded), rounded down: at 1 %, ¥199 →
  1 point. 1 point pays ¥1. Points are posted by the order (`earn_points`).
- Expiry (000): the whole balance expires `points_expiry_days` (180) after the
  member's last purchase; each purchase (an order that earns or spends, even
  0 points) renews the whole balance. `expires_on` is the last day it can be
  used. `expire_points` (a daily cron job) posts every expiry due up to today,
  so missed days are caught up; an earn or spend first posts the member's own
  due expiry, so a purchase after the expiry day cannot rescue the old balance.
- Every entry has a unique business key: repeating a call posts nothing new.
- The balance never goes below zero: a use is a conditional UPDATE
  (`balance >= n`), so two orders spending at once cannot both take the last
  points; a reversed earn takes back at most what is left.

Orders call `spend_points` and `earn_points` inside their own unit of work, and
`reverse_points` when an order is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from api import clock
from api.companies.permissions import StaffPermission
from api.db import unit_of_work
from api.errors import DomainError
from api.money import Breakdown, tax_on
from api.points.models import PointAccount, PointEntry
from api.points.states import EntryKind
from api.stores.policy import PointsBasis, Policy

MAX_POINTS = 100_000_000
ORDER_REF_MAX = 64
REASON_MAX = 500
EXPIRY_BATCH = 500


@dataclass(frozen=True)
class PointsBalance:
    balance: int  # usable now (0 once the expiry day has passed, even before the cron posts)
    expires_on: date | None
    last_purchase_on: date | None


def points_for_purchase(policy: Policy, breakdown: Breakdown) -> int:
    """The points an order earns: rate × goods after the coupon (store basis), rounded down."""
    if policy.points_rate_percent <= 0:
        return 0
    goods = sum(r.goods - r.discount for r in breakdown.per_rate)
    if policy.points_basis == PointsBasis.TAX_INCLUDED:
        # Each rate's goods after the coupon with its tax share, as the document totals them.
        goods = sum(
            (r.goods - r.discount)
            + tax_on(r.goods - r.discount, r.rate_percent, breakdown.rounding)
            for r in breakdown.per_rate
        )
    return max(0, goods) * policy.points_rate_percent // 100


def _check_ref(order_ref: str) -> None:
    if not order_ref or len(order_ref) > ORDER_REF_MAX:
        raise DomainError.of("REQUIRED", "orderRef")


def _check_points(points: int, *, allow_zero: bool = True) -> None:
    if not isinstance(points, int) or isinstance(points, bool):
        raise DomainError.of("OUT_OF_RANGE", "points", min=0, max=MAX_POINTS)
    if not (0 if allow_zero else 1) <= points <= MAX_POINTS:
        raise DomainError.of("OUT_OF_RANGE", "points", min=0 if allow_zero else 1, max=MAX_POINTS)


# ---- reading ---------------------------------------------------------------------------


async def balance_of(user_id: int | None, today: date | None = None) -> PointsBalance | None:
    """The member's usable balance now (one statement); None for guests."""
    if user_id is None:
        return None
    today = today or clock.business_today()
    row = (
        await PointAccount.filter(user_id=user_id)
        .first()
        .values("balance", "expires_on", "last_purchase_on")
    )
    if row is None:
        return PointsBalance(0, None, None)
    expired = row["expires_on"] is not None and row["expires_on"] < today
    return PointsBalance(
        0 if expired else row["balance"],
        None if expired else row["expires_on"],
        row["last_purchase_on"],
    )


async def member_balance(actor: Any, user_id: int) -> PointsBalance:
    """Staff: a member's balance as the member sees it (customer support, 000 §5)."""
    actor.require(StaffPermission.MANAGE_CUSTOMERS)
    from api.accounts.models import User, UserKind

    if not await User.filter(id=user_id, kind=UserKind.MEMBER).exists():
        raise DomainError.of("NOT_FOUND", "userId")
    held = await balance_of(user_id)
    assert held is not None
    return held


# ---- posting ---------------------------------------------------------------------------


async def _account(user_id: int) -> PointAccount:
    account = await PointAccount.get_or_none(user_id=user_id)
    if account is None:
        try:
            async with unit_of_work():
                account = await PointAccount.create(user_id=user_id)
        except IntegrityError:
            account = await PointAccount.get(user_id=user_id)
    return account


async def _entry(key: str) -> PointEntry | None:
    return await PointEntry.get_or_none(business_key=key)


async def _post(
    user_id: int,
    kind: EntryKind,
    points: int,
    key: str,
    *,
    on: date,
    order_ref: str | None = None,
    reason: str = "",
    actor_id: int | None = None,
) -> PointEntry:
    """Move the balance by `points` (conditional: never below zero) and write the entry."""
    if points < 0:
        moved = await PointAccount.filter(user_id=user_id, balance__gte=-points).update(
            balance=F("balance") + points
        )
        if not moved:
            current = await balance_of(user_id, on)
            raise DomainError.of(
                "POINTS_EXCEED_BALANCE", "points", balance=current.balance if current else 0
            )
    elif points > 0:
        await PointAccount.filter(user_id=user_id).update(balance=F("balance") + points)
    after = await PointAccount.filter(user_id=user_id).first().values_list("balance", flat=True)
    return await PointEntry.create(
        user_id=user_id,
        kind=kind,
        points=points,
        balance_after=after,
        business_key=key,
        order_ref=order_ref,
        reason=reason[:REASON_MAX],
        posted_on=on,
        actor_id=actor_id,
    )


async def _expire_account(user_id: int, expires_on: date, today: date) -> PointEntry | None:
    """Post the expiry of one account whose last usable day has passed (idempotent)."""
    key = f"expired:{user_id}:{expires_on.isoformat()}"
    if await _entry(key) is not None:
        return None
    amount = (
        await PointAccount.filter(user_id=user_id, expires_on=expires_on)
        .first()
        .values_list("balance", flat=True)
    )
    if not amount:
        return None
    taken = await PointAccount.filter(
        user_id=user_id, expires_on=expires_on, balance=amount
    ).update(balance=0)
    if not taken:
        return None  # moved meanwhile: the next run sees the new state
    return await PointEntry.create(
        user_id=user_id,
        kind=EntryKind.EXPIRED,
        points=-amount,
        balance_after=0,
        business_key=key,
        reason=f"最終購入日から有効期限 {expires_on.isoformat()} まで",
        posted_on=max(today, expires_on + timedelta(days=1)),
    )


async def _purchase(rt: Any, user_id: int, on: date) -> None:
    """Due expiry first, then the purchase renews the whole balance."""
    account = await _account(user_id)
    if account.expires_on is not None and account.expires_on < on and account.balance:
        await _expire_account(user_id, account.expires_on, on)
    days = rt.policy.points_expiry_days
    await PointAccount.filter(user_id=user_id).update(
        last_purchase_on=on, expires_on=on + timedelta(days=days) if days else None
    )


async def spend_points(
    rt: Any, *, user_id: int, order_ref: str, points: int, on: date | None = None
) -> PointEntry | None:
    """Use points to pay part of an order, inside the order's unit of work.

    Raises POINTS_EXCEED_BALANCE (params: balance) when the balance is short; the
    order's transaction then rolls back. Counts as a purchase (renews the expiry).
    Idempotent per `order_ref`: a repeated call returns the entry already posted.
    """
    _check_ref(order_ref)
    _check_points(points)
    on = on or clock.business_today()
    key = f"used:{order_ref}"
    async with unit_of_work():
        done = await _entry(key)
        if done is not None:
            return done
        await _purchase(rt, user_id, on)
        if points == 0:
            return None
        return await _post(user_id, EntryKind.USED, -points, key, on=on, order_ref=order_ref)


async def earn_points(
    rt: Any, *, user_id: int, order_ref: str, points: int, on: date | None = None
) -> PointEntry | None:
    """Post the points a member order earns (`points_for_purchase`); renews the expiry.

    Call it for every member order, with 0 points too: the purchase renews the
    balance. Idempotent per `order_ref`.
    """
    _check_ref(order_ref)
    _check_points(points)
    on = on or clock.business_today()
    key = f"earned:{order_ref}"
    async with unit_of_work():
        done = await _entry(key)
        if done is not None:
            return done
        await _purchase(rt, user_id, on)
        if points == 0:
            return None
        return await _post(user_id, EntryKind.EARNED, points, key, on=on, order_ref=order_ref)


async def reverse_points(rt: Any, *, order_ref: str, on: date | None = None) -> list[PointEntry]:
    """Undo the earn and the use of a cancelled order (idempotent).

    Used points come back in full; earned points are taken back, at most what is
    left of the balance (the balance never goes below zero).
    """
    _check_ref(order_ref)
    on = on or clock.business_today()
    posted: list[PointEntry] = []
    async with unit_of_work():
        for entry in await PointEntry.filter(
            order_ref=order_ref, kind__in=[EntryKind.EARNED, EntryKind.USED]
        ).order_by("id"):
            key = f"reversed:{entry.business_key}"
            if await _entry(key) is not None:
                continue
            amount = -entry.points
            if amount < 0:
                current = await balance_of(entry.user_id, on)
                amount = -min(-amount, current.balance if current else 0)
            posted.append(
                await _post(
                    entry.user_id,
                    EntryKind.REVERSED,
                    amount,
                    key,
                    on=on,
                    order_ref=order_ref,
                    reason=f"{entry.kind.value} {entry.points}",
                )
            )
    return posted


async def adjust_points(
    actor: Any, *, user_id: int, points: int, reason: str, key: str
) -> PointEntry:
    """Staff correct a member's balance (± points, with a reason); `key` makes it once."""
    actor.require(StaffPermission.MANAGE_CUSTOMERS)
    from api.accounts.models import User, UserKind

    if not isinstance(points, int) or points == 0 or abs(points) > MAX_POINTS:
        raise DomainError.of("OUT_OF_RANGE", "points", min=-MAX_POINTS, max=MAX_POINTS)
    reason = " ".join("".join(c for c in reason if c.isprintable()).split())
    if not reason:
        raise DomainError.of("REQUIRED", "reason")
    if len(reason) > REASON_MAX:
        raise DomainError.of("TOO_LONG", "reason", max=REASON_MAX)
    if not key or len(key) > 100:
        raise DomainError.of("REQUIRED", "idempotencyKey")
    if not await User.filter(id=user_id, kind=UserKind.MEMBER).exists():
        raise DomainError.of("NOT_FOUND", "userId")
    business_key = f"adjusted:{key}"
    on = clock.business_today()
    async with unit_of_work():
        done = await _entry(business_key)
        if done is not None:
            if done.user_id != user_id or done.points != points:
                raise DomainError.of("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
            return done
        account = await _account(user_id)
        if account.expires_on is not None and account.expires_on < on and account.balance:
            await _expire_account(user_id, account.expires_on, on)
        return await _post(
            user_id,
            EntryKind.ADJUSTED,
            points,
            business_key,
            on=on,
            reason=reason,
            actor_id=actor.user_id,
        )


async def expire_points(today: date | None = None) -> int:
    """Post every expiry due up to today (missed days included); how many were posted."""
    today = today or clock.business_today()
    posted = 0
    last_id = 0
    while True:
        due = (
            await PointAccount.filter(expires_on__lt=today, balance__gt=0, id__gt=last_id)
            .order_by("id")
            .limit(EXPIRY_BATCH)
            .values("id", "user_id", "expires_on")
        )
        if not due:
            return posted
        for row in due:
            async with unit_of_work():
                if await _expire_account(row["user_id"], row["expires_on"], today):
                    posted += 1
        last_id = due[-1]["id"]
