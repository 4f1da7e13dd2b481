"""Points (000 §5, 001): the 1 % rule, the ledger, 180-day expiry caught up, spending raced."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from api import clock, money
from api.accounts.models import User
from api.actor import Actor
from api.carts import service as carts
from api.carts.models import Cart
from api.db import unit_of_work
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.errors import DomainError
from api.graphql.ids import to_global_id
from api.points import service
from api.points.models import PointAccount, PointEntry
from api.stores.policy import PointsBasis, load_policy
from tests.test_carts import goods, product  # noqa: F401 - the goods-b2c fixture
from workers.jobs.commerce import expire_member_points, purge_stale_guest_carts

DAY = date(2026, 6, 1)


async def member_id(email: str = DEMO_MEMBER_EMAIL) -> int:
    return (await User.get(email=email)).id


def codes(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


async def ledger_sum(user_id: int) -> int:
    return sum(await PointEntry.filter(user_id=user_id).values_list("points", flat=True))


@pytest.mark.parametrize(
    ("price", "basis", "points"),
    [
        (181, PointsBasis.TAX_INCLUDED, 1),  # ¥199 tax included → 1 point (rounded down)
        (90, PointsBasis.TAX_INCLUDED, 0),  # ¥99 → 0
        (9091, PointsBasis.TAX_INCLUDED, 100),  # ¥10,000 → 100
        (199, PointsBasis.TAX_EXCLUDED, 1),
        (10_000, PointsBasis.TAX_EXCLUDED, 100),
    ],
)
def test_one_percent_of_the_goods_rounded_down(price, basis, points):
    policy = load_policy("goods-b2c").model_copy(update={"points_basis": basis})
    b = money.compute(
        [money.LineInput("1", price, 1, "standard")],
        on=DAY,
        shipping=[money.ShippingInput("store", 500, True)],
    )
    assert service.points_for_purchase(policy, b) == points  # shipping never earns


def test_the_coupon_lowers_what_earns_and_a_store_without_points_earns_none():
    policy = load_policy("goods-b2c")
    b = money.compute(
        [money.LineInput("1", 10_000, 1, "standard", coupon_eligible=True)],
        on=DAY,
        coupon=money.CouponInput("C", 1_000, True),
    )
    # The goods after the coupon as the document totals them (tax once on the base): ¥9,999.
    assert b.total == 9_999 and service.points_for_purchase(policy, b) == 99
    assert service.points_for_purchase(load_policy("saas-b2b"), b) == 0


async def test_earn_spend_idempotent_and_never_below_zero(goods):  # noqa: F811
    uid = await member_id()
    assert await service.earn_points(goods, user_id=uid, order_ref="EC1", points=300, on=DAY)
    again = await service.earn_points(goods, user_id=uid, order_ref="EC1", points=300, on=DAY)
    assert again.points == 300 and await PointEntry.filter(user_id=uid).count() == 1
    await service.spend_points(goods, user_id=uid, order_ref="EC2", points=120, on=DAY)
    await service.spend_points(goods, user_id=uid, order_ref="EC2", points=120, on=DAY)
    with pytest.raises(DomainError) as e:
        await service.spend_points(goods, user_id=uid, order_ref="EC3", points=181, on=DAY)
    assert codes(e) == ["POINTS_EXCEED_BALANCE"] and e.value.problems[0].params == {"balance": 180}
    held = await service.balance_of(uid, DAY)
    assert held.balance == 180 == await ledger_sum(uid)
    assert held.expires_on == DAY + timedelta(days=180)
    # Cancelling EC1 takes back the earned 300, but only what is left (180).
    reversed_ = await service.reverse_points(goods, order_ref="EC1", on=DAY)
    assert [e.points for e in reversed_] == [-180]
    assert await service.reverse_points(goods, order_ref="EC1", on=DAY) == []
    assert (await service.balance_of(uid, DAY)).balance == 0 == await ledger_sum(uid)
    # Cancelling EC2 gives the used points back.
    await service.reverse_points(goods, order_ref="EC2", on=DAY)
    assert (await service.balance_of(uid, DAY)).balance == 120 == await ledger_sum(uid)
    with pytest.raises(DomainError):
        await service.spend_points(goods, user_id=uid, order_ref="", points=1)
    with pytest.raises(DomainError):
        await service.earn_points(goods, user_id=uid, order_ref="EC9", points=-5)


async def test_expiry_180_days_after_the_last_purchase_caught_up_once(goods):  # noqa: F811
    uid = await member_id()
    await service.earn_points(goods, user_id=uid, order_ref="EC1", points=500, on=DAY)
    # A purchase renews the whole balance: expiry moves with the last purchase.
    later = DAY + timedelta(days=100)
    await service.earn_points(goods, user_id=uid, order_ref="EC2", points=0, on=later)
    last_day = later + timedelta(days=180)
    assert (await service.balance_of(uid, last_day)).balance == 500
    assert await service.expire_points(last_day) == 0  # still usable on its last day
    # The worker was down for ten days: the run catches up, and a second run does nothing.
    late = last_day + timedelta(days=10)
    assert (await service.balance_of(uid, late)).balance == 0  # expired even before posting
    assert await service.expire_points(late) == 1
    assert await service.expire_points(late) == 0
    [expiry] = await PointEntry.filter(user_id=uid, kind="expired")
    assert expiry.points == -500 and expiry.business_key == f"expired:{uid}:{last_day}"
    assert await ledger_sum(uid) == 0


async def test_a_purchase_after_the_expiry_day_does_not_rescue_the_old_balance(goods):  # noqa: F811
    uid = await member_id()
    await service.earn_points(goods, user_id=uid, order_ref="EC1", points=500, on=DAY)
    after = DAY + timedelta(days=200)  # no cron ran
    await service.earn_points(goods, user_id=uid, order_ref="EC2", points=10, on=after)
    held = await service.balance_of(uid, after)
    assert held.balance == 10 == await ledger_sum(uid)
    assert held.expires_on == after + timedelta(days=180)


async def test_cron_job_function_runs(goods):  # noqa: F811
    uid = await member_id()
    old = clock.business_today() - timedelta(days=400)
    await service.earn_points(goods, user_id=uid, order_ref="EC1", points=50, on=old)
    assert await expire_member_points({"rt": goods}) == {"expired": 1}
    assert await expire_member_points({"rt": goods}) == {"expired": 0}


async def test_two_orders_spending_the_same_points_at_once(goods):  # noqa: F811
    uid = await member_id()
    await service.earn_points(goods, user_id=uid, order_ref="EC0", points=100)

    async def order(n: int) -> str:
        try:
            async with unit_of_work():
                await service.spend_points(goods, user_id=uid, order_ref=f"EC{n}", points=100)
                await asyncio.sleep(0.05)
            return "ok"
        except DomainError as error:
            return error.problems[0].code

    results = await asyncio.gather(*(order(n) for n in range(1, 7)))
    assert results.count("ok") == 1, results
    assert set(results) == {"ok", "POINTS_EXCEED_BALANCE"}
    account = await PointAccount.get(user_id=uid)
    assert account.balance == 0 == await ledger_sum(uid)


async def test_staff_adjustment(goods):  # noqa: F811
    uid = await member_id()
    staff = Actor.for_system()
    entry = await service.adjust_points(staff, user_id=uid, points=50, reason="お詫び", key="k1")
    assert entry.balance_after == 50
    assert (
        await service.adjust_points(staff, user_id=uid, points=50, reason="x", key="k1")
    ).id == entry.id
    with pytest.raises(DomainError) as e:
        await service.adjust_points(staff, user_id=uid, points=-51, reason="訂正", key="k2")
    assert codes(e) == ["POINTS_EXCEED_BALANCE"]
    with pytest.raises(DomainError) as e:
        await service.adjust_points(staff, user_id=uid, points=7, reason="\x00", key="k3")
    assert codes(e) == ["REQUIRED"]
    with pytest.raises(DomainError) as e:
        member = await Actor.of_user(await User.get(id=uid))
        await service.adjust_points(member, user_id=uid, points=7, reason="self", key="k4")
    assert codes(e) == ["FORBIDDEN"]


async def test_points_on_the_cart(goods):  # noqa: F811
    uid = await member_id()
    me = await Actor.of_user(await User.get(id=uid))
    pid = await product(goods, "P1", 1000)  # ¥1,100 + ¥500 shipping = ¥1,600
    await carts.add_line(me, goods, token=None, product_id=pid)
    await service.earn_points(goods, user_id=uid, order_ref="EC0", points=5000)
    with pytest.raises(DomainError) as e:
        await carts.use_points(me, goods, token=None, points=1601)
    assert codes(e) == ["POINTS_EXCEED_TOTAL"] and e.value.problems[0].params == {"max": 1600}
    with pytest.raises(DomainError) as e:
        await carts.use_points(me, goods, token=None, points=5001)
    assert codes(e) == ["POINTS_EXCEED_BALANCE"]
    with pytest.raises(DomainError) as e:
        await carts.use_points(me, goods, token=None, points=-1)
    assert codes(e) == ["OUT_OF_RANGE"]
    cart = (await carts.use_points(me, goods, token=None, points=1600)).cart
    assert cart.points.used == 1600 and cart.breakdown.amount_due == 0
    assert cart.breakdown.total == 1600  # points pay; they do not lower the tax
    # Spending elsewhere lowers the balance: the cart uses what is left and says so.
    await service.spend_points(goods, user_id=uid, order_ref="EC1", points=4000)
    cart = await carts.get_cart(me, goods)
    assert cart.points.used == 1000 and cart.points.problem.code == "POINTS_EXCEED_BALANCE"
    assert cart.breakdown.amount_due == 600
    # A guest can neither use nor earn.
    guest = await carts.add_line(Actor(), goods, token=None, product_id=pid)
    with pytest.raises(DomainError) as e:
        await carts.use_points(Actor(), goods, token=guest.token, points=1)
    assert codes(e) == ["POINTS_MEMBERS_ONLY"]
    assert guest.cart.points is None


async def test_stale_guest_carts_are_purged(goods):  # noqa: F811
    pid = await product(goods, "G", 100)
    fresh = await carts.add_line(Actor(), goods, token=None, product_id=pid)
    stale = await carts.add_line(Actor(), goods, token=None, product_id=pid)
    await Cart.filter(id=stale.cart.cart_id).update(updated_at=clock.now() - timedelta(days=31))
    assert await purge_stale_guest_carts({"rt": goods}) == {"deleted": 1}
    assert await purge_stale_guest_carts({"rt": goods}) == {"deleted": 0}
    assert await Cart.filter(id=fresh.cart.cart_id).exists()


MY_POINTS = """
query MyPoints($first: Int) {
  myPoints {
    balance expiresOn lastPurchaseOn ratePercent
    history(first: $first) {
      totalCount
      edges { node { kind points balanceAfter orderRef postedOn } }
    }
  }
}"""
USE = """
mutation Use($points: Int!) {
  useCartPoints(input: {points: $points}) {
    cart { points { requested used balance expiresOn problem { code } }
           breakdown { points amountDue { amount } } }
    userErrors { field code params message }
  }
}"""
ADJUST = """
mutation Adjust($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { balance entry { kind points } userErrors { field code } }
}"""


async def test_points_over_http(gql, goods, sql):  # noqa: F811
    uid = await member_id()
    token = await gql.login(DEMO_MEMBER_EMAIL)
    counts = []
    for n in (1, 8):
        await PointEntry.all().delete()
        await PointAccount.all().delete()
        for i in range(n):
            await service.earn_points(goods, user_id=uid, order_ref=f"EC{n}-{i}", points=10)
        with sql() as counter:
            data = await gql(MY_POINTS, {"first": 5}, token=token)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    points = data["myPoints"]
    assert points["balance"] == 80 and points["ratePercent"] == 1
    assert points["history"]["totalCount"] == 8 and len(points["history"]["edges"]) == 5
    assert points["history"]["edges"][0]["node"]["kind"] == "EARNED"

    pid = await product(goods, "P", 1000)
    await carts.add_line(
        await Actor.of_user(await User.get(id=uid)), goods, token=None, product_id=pid
    )
    data = await gql(USE, {"points": 81}, token=token)
    [error] = data["useCartPoints"]["userErrors"]
    assert error["code"] == "POINTS_EXCEED_BALANCE" and error["params"] == {"balance": 80}
    data = await gql(USE, {"points": 80}, token=token)
    cart = data["useCartPoints"]["cart"]
    assert cart["points"]["used"] == 80 and cart["breakdown"]["amountDue"] == {"amount": 1520}
    data = await gql(USE, {"points": 2**31 - 1}, token=token)
    assert data["useCartPoints"]["userErrors"][0]["code"] == "OUT_OF_RANGE"

    staff = await gql.login(DEMO_STAFF_EMAIL)
    adjust = {
        "userId": to_global_id("User", uid),
        "points": 20,
        "reason": "補填",
        "idempotencyKey": "a",
    }
    data = await gql(ADJUST, {"input": adjust}, token=staff)
    assert data["adjustPoints"]["balance"] == 100
    body = await gql(
        ADJUST, {"input": {**adjust, "idempotencyKey": "b"}}, token=token, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    data = await gql(
        ADJUST, {"input": {**adjust, "userId": to_global_id("User", 10**12)}}, token=staff
    )
    assert data["adjustPoints"]["userErrors"][0]["code"] == "NOT_FOUND"


MEMBER_POINTS = """
query MemberPoints($id: ID!) {
  memberPoints(userId: $id) {
    balance expiresOn
    history(first: 10) { totalCount edges { node { kind points reason } } }
  }
}"""


async def test_staff_read_a_members_points_and_members_cannot(gql, goods, sql):  # noqa: F811
    uid = await member_id()
    for i in range(3):
        await service.earn_points(goods, user_id=uid, order_ref=f"EC-S{i}", points=10)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    with sql() as counter:
        data = await gql(MEMBER_POINTS, {"id": to_global_id("User", uid)}, token=staff)
    points = data["memberPoints"]
    assert points["balance"] == 30 and points["history"]["totalCount"] == 3
    assert {e["node"]["kind"] for e in points["history"]["edges"]} == {"EARNED"}
    assert counter.count <= 6, counter.count
    # The member sees the same through myPoints, and may not use the staff field.
    member = await gql.login(DEMO_MEMBER_EMAIL)
    mine = await gql(MY_POINTS, {"first": 10}, token=member)
    assert mine["myPoints"]["balance"] == 30
    body = await gql(
        MEMBER_POINTS, {"id": to_global_id("User", uid)}, token=member, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Unknown, staff and out-of-range users are not found, never an internal error.
    for bad in (to_global_id("User", 10**12), to_global_id("User", 999_999)):
        body = await gql(MEMBER_POINTS, {"id": bad}, token=staff, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
