"""The cart domain through its service: lines, rules, guests, merge, address, SQL count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor as ServiceActor
from api.carts import service
from api.carts.models import Cart, CartLine
from api.catalog import service as catalog
from api.catalog.service import OptionGroupSpec, OptionSpec
from api.companies.models import Address
from api.demo import DEMO_MEMBER_EMAIL
from api.errors import DomainError
from api.stores.policy import load_policy
from tests.helpers import seed


@dataclass(frozen=True)
class Actor:
    user: Any = None
    is_staff: bool = False


# The catalog's writes are staff writes: the fixtures act as the system.
SYSTEM = ServiceActor.for_system()


@pytest.fixture
async def goods(rt, settings, set_policy):
    original = rt.policy
    rt.policy = load_policy("goods-b2c")
    await seed(settings)
    yield rt
    rt.policy = original


async def product(rt, code: str, price: int, *, publish: bool = True, **kw) -> int:
    p = await catalog.create_product(
        rt, SYSTEM, {"code": code, "name": f"商品{code}", "price": price, **kw}
    )
    if publish:
        await catalog.publish_product(rt, SYSTEM, p.id)
    return p.id


def codes(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


async def test_member_cart_prices_tax_once_and_shipping(goods):
    member = Actor(await User.get(email=DEMO_MEMBER_EMAIL))
    pid = await product(goods, "P105", 105)
    result = await service.add_line(member, goods, token=None, product_id=pid, quantity=3)
    b = result.cart.breakdown
    assert result.token is None and b.subtotal == 315
    assert b.shipping_total_incl == 500 and b.rate(10).base == 315 + 455
    # Adding the same choice again adds to the line; one cart per member.
    again = await service.add_line(member, goods, token=None, product_id=pid, quantity=2)
    assert [line.quantity for line in again.cart.lines] == [5]
    assert await Cart.filter(user_id=member.user.id).count() == 1
    big = await product(goods, "P15000", 13_637)
    cart = (await service.add_line(member, goods, token=None, product_id=big)).cart
    assert cart.breakdown.shipping_total_incl == 0  # ¥15,000 tax included for the store group


async def test_bad_input_is_coded_and_leaves_the_cart_unchanged(goods):
    member = Actor(await User.get(email=DEMO_MEMBER_EMAIL))
    pid = await product(goods, "RULES", 1000, min_quantity=2, quantity_step=2, lead_time_days=3)
    hidden = await product(goods, "HIDDEN", 1000, publish=False)
    await catalog.set_product_options(
        goods,
        SYSTEM,
        pid,
        [
            OptionGroupSpec(
                "色",
                [OptionSpec("red", "赤", 100), OptionSpec("blue", "青", 0)],
                min_select=1,
                max_select=1,
            )
        ],
    )
    options = await catalog.ProductOption.filter(product_id=pid).order_by("id")
    red, blue = options[0].id, options[1].id
    cases = [
        (dict(product_id=hidden, quantity=2), "PRODUCT_UNAVAILABLE"),
        (dict(product_id=10**9, quantity=2), "PRODUCT_UNAVAILABLE"),
        (dict(product_id=pid, quantity=2), "OPTION_SELECTION_TOO_FEW"),
        (dict(product_id=pid, quantity=2, option_ids=[red, blue]), "OPTION_SELECTION_TOO_MANY"),
        (dict(product_id=pid, quantity=3, option_ids=[red]), "QUANTITY_STEP"),
        (dict(product_id=pid, quantity=1, option_ids=[red]), "QUANTITY_BELOW_MINIMUM"),
        (dict(product_id=pid, quantity=2_000_000_000, option_ids=[red]), "QUANTITY_ABOVE_MAXIMUM"),
        (dict(product_id=pid, quantity=-5, option_ids=[red]), "QUANTITY_BELOW_MINIMUM"),
        (
            dict(product_id=pid, quantity=2, option_ids=[red], desired_date=clock.business_today()),
            "DATE_BEFORE_EARLIEST",
        ),
        (
            dict(
                product_id=pid,
                quantity=2,
                option_ids=[red],
                desired_date=clock.business_today() + timedelta(days=4000),
            ),
            "DATE_AFTER_LATEST",
        ),
        (
            dict(product_id=pid, quantity=2, option_ids=[red], time_slot="夜\x00"),
            "UNKNOWN_TIME_SLOT",
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as e:
            await service.add_line(member, goods, token=None, **kwargs)
        assert code in codes(e), (kwargs, codes(e))
    assert await CartLine.all().count() == 0
    early = next(
        p for p in e.value.problems if p.code == "UNKNOWN_TIME_SLOT"
    )  # params carry the values
    assert early.params == {"slot": "夜\x00"}
    ok = await service.add_line(
        member, goods, token=None, product_id=pid, quantity=2, option_ids=[red], time_slot="morning"
    )
    [line] = ok.cart.lines
    assert line.unit_total == 1100 and line.time_slot == "morning" and line.earliest_date
    # Unpublishing flags the line, never drops it.
    await catalog.unpublish_product(goods, SYSTEM, pid)
    cart = await service.get_cart(member, goods)
    [line] = cart.lines
    assert not line.available and line.problems[0].code == "PRODUCT_UNAVAILABLE"
    assert cart.breakdown.total == 0 and not cart.purchasable


async def test_guest_cart_token_and_merge_on_sign_in(goods):
    pid = await product(goods, "G1", 1000)
    guest = Actor()
    first = await service.add_line(guest, goods, token=None, product_id=pid, quantity=1)
    token = first.token
    assert token and first.cart.guest
    stored = await Cart.get(id=first.cart.cart_id)
    assert stored.token_hash and stored.token_hash != token  # stored hashed
    await service.add_line(guest, goods, token=token, product_id=pid, quantity=2)
    assert [line.quantity for line in (await service.get_cart(guest, goods, token)).lines] == [3]
    assert (await service.get_cart(guest, goods, "forged")).lines == ()
    member = Actor(await User.get(email=DEMO_MEMBER_EMAIL))
    await service.add_line(member, goods, token=None, product_id=pid, quantity=1)
    merged = await service.get_cart(member, goods, token)
    assert [line.quantity for line in merged.lines] == [4]
    assert not await Cart.filter(token_hash=stored.token_hash).exists()
    assert (await service.get_cart(guest, goods, token)).lines == ()  # the token is spent


async def test_guests_refused_where_the_store_sells_to_members_only(rt, settings):
    assert rt.policy.guest_checkout is False  # saas-b2b
    pid = await product(rt, "S1", 1000)
    with pytest.raises(DomainError) as e:
        await service.add_line(Actor(), rt, token=None, product_id=pid)
    assert codes(e) == ["GUEST_CART_NOT_ALLOWED"]
    with pytest.raises(DomainError) as e:
        await service.get_cart(Actor(), rt)
    assert codes(e) == ["GUEST_CART_NOT_ALLOWED"]


async def test_delivery_address_only_from_the_own_book(goods):
    member = Actor(await User.get(email=DEMO_MEMBER_EMAIL))
    own = await Address.filter(company_id=member.user.company_id).first()
    other = await Address.exclude(company_id=member.user.company_id).first()
    assert own and other
    with pytest.raises(DomainError) as e:
        await service.set_delivery_address(member, goods, token=None, address_id=other.id)
    assert codes(e) == ["NOT_FOUND"]
    await Address.filter(id=own.id).update(prefecture="Hawaii")
    with pytest.raises(DomainError) as e:
        await service.set_delivery_address(member, goods, token=None, address_id=own.id)
    assert codes(e) == ["ADDRESS_NOT_DOMESTIC"]
    await Address.filter(id=own.id).update(prefecture="東京都")
    cart = (await service.set_delivery_address(member, goods, token=None, address_id=own.id)).cart
    assert cart.address and cart.address.id == own.id
    with pytest.raises(DomainError) as e:
        await service.set_delivery_address(Actor(), goods, token=None, address_id=own.id)
    assert codes(e) == ["UNAUTHENTICATED"]
    with pytest.raises(DomainError):
        await service.add_line(Actor(member.user, is_staff=True), goods, token=None, product_id=1)


async def test_update_remove_clear(goods):
    member = Actor(await User.get(email=DEMO_MEMBER_EMAIL))
    pid = await product(goods, "U1", 1000, max_quantity=5)
    [line] = (await service.add_line(member, goods, token=None, product_id=pid)).cart.lines
    with pytest.raises(DomainError) as e:
        await service.update_line(member, goods, token=None, line_id=line.id, quantity=6)
    assert codes(e) == ["QUANTITY_ABOVE_MAXIMUM"] and e.value.problems[0].params == {"max": 5}
    cart = (await service.update_line(member, goods, token=None, line_id=line.id, quantity=4)).cart
    assert cart.lines[0].quantity == 4
    with pytest.raises(DomainError):
        await service.remove_line(member, goods, token=None, line_id=line.id + 999)
    assert (await service.clear_cart(member, goods, token=None)).cart.lines == ()


async def test_cart_read_uses_a_constant_number_of_statements(goods, sql):
    member = Actor(await User.get(email=DEMO_MEMBER_EMAIL))
    counts = []
    for n in (1, 12):
        await service.clear_cart(member, goods, token=None)
        for i in range(n):
            pid = await product(goods, f"N{n}-{i}", 100 + i)
            await catalog.set_product_options(
                goods,
                SYSTEM,
                pid,
                [OptionGroupSpec("g", [OptionSpec("o", "o", 10)], max_select=1)],
            )
            await service.add_line(member, goods, token=None, product_id=pid)
        with sql() as counter:
            cart = await service.get_cart(member, goods)
        assert len(cart.lines) == n
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
