"""Web coupons (000 §4): each refusal with its own code, targets, limits, the last use raced."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.carts import service as carts
from api.catalog import service as catalog
from api.catalog.models import Category
from api.coupons import service
from api.coupons.models import Coupon, CouponRedemption
from api.db import unit_of_work
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.errors import DomainError
from api.graphql.ids import to_global_id
from tests.helpers import refused_characters
from tests.test_carts import SYSTEM, goods, product  # noqa: F401 - the goods-b2c fixture

STAFF = Actor.for_system()
OTHER_MEMBER = "admin@mirai.example.com"


async def member(email: str = DEMO_MEMBER_EMAIL) -> Actor:
    return await Actor.of_user(await User.get(email=email))


async def coupon(**kw) -> Coupon:
    values = {
        "code": "SAVE500",
        "name": "500円引き",
        "discount_kind": "amount",
        "discount_value": 500,
    }
    return await service.create_coupon(STAFF, {**values, **kw})


def codes(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


async def test_each_refusal_has_its_own_code(goods):  # noqa: F811
    me = await member()
    pid = await product(goods, "A1", 1000)  # ¥1,100 tax included
    other = await product(goods, "B1", 1000)
    await carts.add_line(me, goods, token=None, product_id=pid, quantity=1)
    now = clock.now()
    cases = [
        ("NOPE", {}, "COUPON_NOT_FOUND"),
        ("OFF1", {"code": "OFF1"}, None),  # deactivated below
        ("LATER", {"code": "LATER", "starts_at": now + timedelta(days=1)}, "COUPON_NOT_YET_VALID"),
        ("GONE", {"code": "GONE", "ends_at": now - timedelta(seconds=1)}, "COUPON_EXPIRED"),
        (
            "OTHER",
            {"code": "OTHER", "target": "products", "target_product_ids": [other]},
            "COUPON_NOT_APPLICABLE",
        ),
        ("BIG", {"code": "BIG", "minimum_amount": 1101}, "COUPON_BELOW_MINIMUM"),
        ("FULL", {"code": "FULL", "usage_limit": 1}, "COUPON_USED_UP"),
        ("ONCE", {"code": "ONCE", "usage_limit_per_member": 1}, "COUPON_ALREADY_USED"),
    ]
    for _code, kw, _ in cases:
        if kw:
            await coupon(**kw)
    off = await Coupon.get(code="OFF1")
    await service.set_coupon_active(STAFF, off.id, False)
    cart = await carts.get_cart(me, goods)
    full = await Coupon.get(code="FULL")
    await Coupon.filter(id=full.id).update(used_count=1)
    once = await Coupon.get(code="ONCE")
    await CouponRedemption.create(
        coupon_id=once.id, user_id=me.user.id, order_ref="EC-OLD", amount=1
    )
    cases[1] = ("OFF1", {}, "COUPON_NOT_FOUND")
    for code, _, expected in cases:
        with pytest.raises(DomainError) as e:
            await carts.apply_coupon(me, goods, token=None, code=code)
        assert codes(e) == [expected], code
        assert e.value.problems[0].field == ("code",)
    assert (await carts.get_cart(me, goods)).coupon is None  # the cart is unchanged
    with pytest.raises(DomainError) as e:
        await carts.apply_coupon(me, goods, token=None, code="BIG")
    assert e.value.problems[0].params == {"minimum": 1101, "amount": 1100}
    with pytest.raises(DomainError) as e:
        await carts.apply_coupon(me, goods, token=None, code="LATER")
    assert e.value.problems[0].params["starts_at"].utcoffset() == timedelta(hours=9)
    assert cart.breakdown.total == 1100 + 500


async def test_members_only_coupon_refused_to_a_guest(goods):  # noqa: F811
    pid = await product(goods, "G1", 1000)
    guest = Actor()
    added = await carts.add_line(guest, goods, token=None, product_id=pid)
    await coupon()
    with pytest.raises(DomainError) as e:
        await carts.apply_coupon(guest, goods, token=added.token, code="save500")
    assert codes(e) == ["COUPON_MEMBERS_ONLY"]
    await coupon(code="EVERYONE", members_only=False)
    cart = (await carts.apply_coupon(guest, goods, token=added.token, code="everyone")).cart
    assert cart.coupon.applied and cart.breakdown.total == 1100 + 500 - 500


async def test_code_is_case_and_width_insensitive_and_discount_lowers_the_tax_base(goods):  # noqa: F811
    me = await member()
    pid = await product(goods, "P1", 10_000)  # ¥11,000 tax included, ¥500 shipping
    await carts.add_line(me, goods, token=None, product_id=pid)
    await coupon()
    cart = (await carts.apply_coupon(me, goods, token=None, code="ｓａｖｅ５００")).cart
    assert cart.coupon.code == "SAVE500" and cart.coupon.applied
    b = cart.breakdown
    # ¥500 tax included off the goods: base 10,000 − 455 (= 500 incl.), shipping 455.
    assert b.discount_total == 455 and b.rate(10).base == 10_000 - 455 + 455
    assert b.total == 11_000 - 500 + 500
    assert (await carts.remove_coupon(me, goods, token=None)).cart.coupon is None


async def test_percent_coupon_on_a_category_and_its_children(goods):  # noqa: F811
    me = await member()
    parent = await catalog.create_category(goods, SYSTEM, code="tools", name="工具")
    child = await catalog.create_category(
        goods, SYSTEM, code="saws", name="のこぎり", parent_id=parent.id
    )
    inside = await product(goods, "IN", 2000, category_id=child.id)
    outside = await product(goods, "OUT", 3000)
    for pid in (inside, outside):
        await carts.add_line(me, goods, token=None, product_id=pid)
    await coupon(
        code="TOOLS10",
        discount_kind="percent",
        discount_value=10,
        max_discount=150,
        target="categories",
        target_category_ids=[parent.id],
    )
    cart = (await carts.apply_coupon(me, goods, token=None, code="tools10")).cart
    # 10 % of ¥2,200 (tax included) is ¥220, capped at ¥150; the other product is untouched.
    assert cart.coupon.evaluated == 150
    assert await Category.filter(id=child.id).exists()


async def test_cart_shows_a_coupon_that_stopped_applying(goods):  # noqa: F811
    me = await member()
    pid = await product(goods, "E1", 1000)
    await carts.add_line(me, goods, token=None, product_id=pid)
    await coupon(ends_at=clock.now() + timedelta(hours=1))
    assert (await carts.apply_coupon(me, goods, token=None, code="SAVE500")).cart.coupon.applied
    clock.travel(2 * 3600)
    cart = await carts.get_cart(me, goods)
    assert not cart.coupon.applied and cart.coupon.problem.code == "COUPON_EXPIRED"
    assert cart.breakdown.discount_total == 0


async def _lines(me: Actor, rt):
    cart = await carts.get_cart(me, rt)
    return cart, cart.coupon.evaluated


async def test_redeem_is_idempotent_and_release_gives_the_use_back(goods):  # noqa: F811
    me = await member()
    pid = await product(goods, "R1", 1000)
    await carts.add_line(me, goods, token=None, product_id=pid)
    await coupon(usage_limit=1, usage_limit_per_member=1)
    cart = (await carts.apply_coupon(me, goods, token=None, code="SAVE500")).cart
    args = dict(code="SAVE500", user_id=me.user.id, lines=cart.lines, amount=cart.coupon.evaluated)
    async with unit_of_work():
        first = await service.redeem_coupon(goods, order_ref="EC-1", **args)
    again = await service.redeem_coupon(goods, order_ref="EC-1", **args)
    assert first.redemption_id == again.redemption_id
    assert (await Coupon.get(code="SAVE500")).used_count == 1
    with pytest.raises(DomainError) as e:
        await service.redeem_coupon(goods, order_ref="EC-2", **args)
    assert codes(e) == ["COUPON_USED_UP"]
    with pytest.raises(DomainError) as e:
        await service.redeem_coupon(goods, order_ref="EC-3", **{**args, "amount": 1})
    assert codes(e) == ["COUPON_AMOUNT_CHANGED"] and e.value.problems[0].params == {"amount": 500}
    assert await service.release_coupon(goods, order_ref="EC-1") == 1
    assert await service.release_coupon(goods, order_ref="EC-1") == 0
    assert (await Coupon.get(code="SAVE500")).used_count == 0
    await service.redeem_coupon(goods, order_ref="EC-2", **args)
    assert (await Coupon.get(code="SAVE500")).used_count == 1


async def test_a_failing_order_rolls_the_use_back(goods):  # noqa: F811
    me = await member()
    pid = await product(goods, "R2", 1000)
    await carts.add_line(me, goods, token=None, product_id=pid)
    await coupon(usage_limit=1)
    cart = (await carts.apply_coupon(me, goods, token=None, code="SAVE500")).cart
    with pytest.raises(RuntimeError):
        async with unit_of_work():
            await service.redeem_coupon(
                goods,
                code="SAVE500",
                user_id=me.user.id,
                order_ref="EC-9",
                lines=cart.lines,
                amount=cart.coupon.evaluated,
            )
            raise RuntimeError("payment refused")
    assert (await Coupon.get(code="SAVE500")).used_count == 0
    assert not await CouponRedemption.exists()


@pytest.mark.parametrize("per_member", [False, True])
async def test_the_last_use_is_taken_once_by_racing_orders(goods, per_member):  # noqa: F811
    """Eight orders race for a coupon with one use left (on PostgreSQL: real concurrency)."""
    me = await member()
    pid = await product(goods, "RACE", 1000)
    await carts.add_line(me, goods, token=None, product_id=pid)
    limits = {"usage_limit_per_member": 1} if per_member else {"usage_limit": 1}
    await coupon(**limits)
    cart = (await carts.apply_coupon(me, goods, token=None, code="SAVE500")).cart

    async def order(n: int) -> str:
        try:
            async with unit_of_work():
                await service.redeem_coupon(
                    goods,
                    code="SAVE500",
                    user_id=me.user.id,
                    order_ref=f"EC-{n}",
                    lines=cart.lines,
                    amount=cart.coupon.evaluated,
                )
                await asyncio.sleep(0.05)  # the order's other work, holding the transaction
            return "ok"
        except DomainError as error:
            return error.problems[0].code

    results = await asyncio.gather(*(order(n) for n in range(8)))
    assert results.count("ok") == 1, results
    expected = "COUPON_ALREADY_USED" if per_member else "COUPON_USED_UP"
    assert set(results) == {"ok", expected}, results
    assert (await Coupon.get(code="SAVE500")).used_count == 1
    assert await CouponRedemption.filter(status="redeemed").count() == 1


async def test_staff_validation(goods):  # noqa: F811
    with pytest.raises(DomainError) as e:
        await coupon(code="a\x00", name="\x07", discount_value=0)
    assert set(codes(e)) >= {"INVALID_CODE_FORMAT", "REQUIRED", "OUT_OF_RANGE"}
    with pytest.raises(DomainError) as e:
        await coupon(discount_kind="percent", discount_value=101)
    assert codes(e) == ["OUT_OF_RANGE"] and e.value.problems[0].params == {"min": 1, "max": 100}
    now = clock.now()
    with pytest.raises(DomainError) as e:
        await coupon(starts_at=now, ends_at=now)
    assert codes(e) == ["INVALID_DATE_RANGE"]
    with pytest.raises(DomainError) as e:
        await coupon(target="products", target_product_ids=[2**31 - 1])
    assert codes(e) == ["NOT_FOUND"]
    await coupon()
    with pytest.raises(DomainError) as e:
        await coupon(code="save500")
    assert codes(e) == ["CODE_TAKEN"]
    with pytest.raises(DomainError) as e:
        await service.create_coupon(await member(), {"code": "X"})
    assert codes(e) == ["FORBIDDEN"]


STAFF_COUPONS = """
query Coupons($status: CouponStatus) {
  coupons(first: 10, filter: {status: $status}) {
    totalCount
    edges { node { id code status usedCount remainingUses minimumAmount { amount } } }
  }
}"""
CREATE = """
mutation Create($input: CreateCouponInput!) {
  createCoupon(input: $input) { coupon { id code status } userErrors { field code params } }
}"""
UPDATE = """
mutation Update($input: UpdateCouponInput!) {
  updateCoupon(input: $input) { coupon { id code usageLimit name } userErrors { field code } }
}"""
DEACTIVATE = """
mutation Off($id: ID!) {
  deactivateCoupon(input: {couponId: $id}) { coupon { status } userErrors { code } }
}"""
APPLY = """
mutation Apply($code: String!) {
  applyCoupon(input: {code: $code}) {
    cart { coupon { code applied amountIncludingTax { amount } problem { code } }
           breakdown { discounts { kind code amount { amount } } total { amount } } }
    userErrors { field code message params }
  }
}"""


async def test_staff_and_members_over_http(gql, goods, sql):  # noqa: F811
    staff = await gql.login(DEMO_STAFF_EMAIL)
    pid = await product(goods, "H1", 1000)
    data = await gql(
        CREATE,
        {
            "input": {
                "code": "ｗｅｂ-100",
                "name": "Web限定",
                "discountKind": "AMOUNT",
                "discountValue": 100,
                "usageLimit": 5,
                "targetProductIds": [to_global_id("Product", pid)],
                "target": "PRODUCTS",
            }
        },
        token=staff,
    )
    created = data["createCoupon"]
    assert created["userErrors"] == [] and created["coupon"]["code"] == "WEB-100"
    bad = await gql(
        CREATE,
        {"input": {"code": "??", "name": "x", "discountKind": "PERCENT", "discountValue": 500}},
        token=staff,
    )
    assert {e["code"] for e in bad["createCoupon"]["userErrors"]} == {
        "INVALID_CODE_FORMAT",
        "OUT_OF_RANGE",
    }
    cid = created["coupon"]["id"]
    data = await gql(
        UPDATE, {"input": {"couponId": cid, "usageLimit": 2, "name": None}}, token=staff
    )
    assert data["updateCoupon"]["coupon"]["usageLimit"] == 2
    assert data["updateCoupon"]["coupon"]["name"] == "Web限定"

    me = await gql.login(DEMO_MEMBER_EMAIL)
    await carts.add_line(await member(), goods, token=None, product_id=pid)
    data = await gql(APPLY, {"code": "web-100"}, token=me)
    applied = data["applyCoupon"]["cart"]
    assert applied["coupon"] == {
        "code": "WEB-100",
        "applied": True,
        "amountIncludingTax": {"amount": 100},
        "problem": None,
    }
    assert applied["breakdown"]["discounts"][0]["kind"] == "COUPON"
    data = await gql(APPLY, {"code": "Z" * 1000}, token=me)
    assert [e["code"] for e in data["applyCoupon"]["userErrors"]] == ["COUPON_NOT_FOUND"]
    body = await gql(APPLY, {"code": "\x00" * 1000}, token=me, expect_errors=True)
    assert refused_characters(body)[-1] == "code"
    # Members cannot see or touch the staff side.
    body = await gql(STAFF_COUPONS, token=me, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    data = await gql(DEACTIVATE, {"id": cid}, token=staff)
    assert data["deactivateCoupon"]["coupon"]["status"] == "INACTIVE"
    data = await gql(APPLY, {"code": "web-100"}, token=me)
    assert [e["code"] for e in data["applyCoupon"]["userErrors"]] == ["COUPON_NOT_FOUND"]

    for i in range(5):
        await coupon(code=f"MANY{i}")
    counts = []
    for status in ("INACTIVE", None):
        with sql() as counter:
            data = await gql(STAFF_COUPONS, {"status": status}, token=staff)
        counts.append(counter.count)
    assert data["coupons"]["totalCount"] == 6 and counts[0] == counts[1], counts
