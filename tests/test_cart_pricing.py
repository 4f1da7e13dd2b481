"""Pricing a cart from catalog rows (pure): flags, options, shipping, coupon, points."""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.calendar.service import BusinessCalendar
from api.carts.pricing import (
    CartItem,
    CatalogGroup,
    CatalogOption,
    CatalogProduct,
    EvaluatedCoupon,
    PricedPoints,
    price_cart,
    price_lines,
)
from api.stores.policy import load_policy

TODAY = date(2026, 12, 2)  # a Wednesday
POLICY = load_policy("goods-b2c")


def product(pid: int, price: int, **kw) -> CatalogProduct:
    values = dict(
        id=pid,
        code=f"P{pid}",
        name=f"商品{pid}",
        name_en=f"Product {pid}",
        kind="physical",
        plan=None,
        tax_category="standard",
        price=price,
        visible=True,
        min_quantity=1,
        max_quantity=None,
        quantity_step=1,
        fixed_quantity=None,
        lead_time_days=0,
        shipping_class="store",
    )
    values.update(kw)
    return CatalogProduct(**values)


def priced(items, products, **kw):
    lines = price_lines(
        items,
        {p.id: p for p in products},
        on=TODAY,
        policy=POLICY,
        calendar=BusinessCalendar(),
        today=TODAY,
    )
    return price_cart(
        lines, policy=POLICY, on=TODAY, priced_at=datetime(2026, 12, 2, tzinfo=UTC), **kw
    )


def test_unavailable_line_is_flagged_and_left_out_of_the_totals():
    cart = priced(
        [CartItem(1, 1, (), 3), CartItem(2, 2, (), 1), CartItem(3, 99, (), 1)],
        [product(1, 105), product(2, 5000, visible=False)],
    )
    first, hidden, gone = cart.lines
    assert first.available and first.amount == 315
    assert not hidden.available and hidden.problems[0].code == "PRODUCT_UNAVAILABLE"
    assert not gone.available and hidden.name == "商品2"
    assert cart.breakdown.subtotal == 315
    assert cart.breakdown.rate(10).base == 315 + 455 and cart.breakdown.tax_total == 77
    assert cart.breakdown.shipping_total_incl == 500  # ¥346 of goods: below ¥15,000
    assert not cart.purchasable


def test_options_dates_slots_coupon_and_points():
    p = product(
        1,
        10_000,
        lead_time_days=3,
        groups=(CatalogGroup(10, "刻印", "Engraving", 0, 1),),
        options=(CatalogOption(100, 10, "name", "名入れ", "Name", 1000, 5),),
    )
    cart = priced(
        [CartItem(1, 1, (100,), 2, date(2026, 12, 3), "morning")],
        [p],
        coupon=EvaluatedCoupon(7, "summer", 1100, frozenset({1})),
        points=PricedPoints(requested=300, used=300, balance=1000),
    )
    [line] = cart.lines
    assert line.unit_total == 11_000 and line.options[0].name == "名入れ"
    assert line.earliest_date == date(2026, 12, 9)  # 5 business days after Wednesday
    assert [p.code for p in line.problems] == ["DATE_BEFORE_EARLIEST"]
    b = cart.breakdown
    assert b.subtotal == 22_000 and b.coupon.amount == 1000 and b.coupon.amount_incl == 1100
    assert b.shipping_total_incl == 0  # ¥24,200 tax included: free
    assert b.total == 23_100 and b.points == 300 and b.amount_due == 22_800
    bad_slot = priced([CartItem(1, 1, (100,), 2, None, "midnight")], [p])
    assert bad_slot.lines[0].problems[0].code == "UNKNOWN_TIME_SLOT"
